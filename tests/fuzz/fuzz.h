/*
 * fuzz.h: the fuzz targets (tests/fuzz/fuzz_*.c, docs/fuzzing.md).  Each
 * is a libFuzzer entry point; built without libFuzzer, replay.c drives it
 * over its corpus and mutations of it (make check).
 */
#ifndef PT_FUZZ_H
#define PT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A copy of data with every checksum recomputed (snapshot CHECKSUM,
 * journal batch ends), so that mutated input gets past the checks into
 * the code behind them.  malloc'ed; NULL if data is not a stream.
 */
uint8_t *fuzz_resum(const uint8_t *data, size_t size);

/*
 * A property does not hold: say which and where on stderr, then abort(),
 * which both libFuzzer and replay.c report as a crash with the input.
 */
void fz_fail(const char *file, int line, const char *what, const char *fmt,
    ...) __attribute__((noreturn, format(printf, 4, 5)));

#define FZ_ASSERT(cond, ...) do { \
	if (!(cond)) \
		fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
} while (0)

/*
 * The input read as a sequence of fields; past its end every field reads
 * as zero, so that any byte string is a valid input.
 */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline bool
fz_more(const struct fz_in *in)
{
	return in->n > 0;
}

static inline uint8_t
fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	if (in->n > 0) {
		v = in->p[0];
		in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t
fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t
fz_u32(struct fz_in *in)
{
	uint32_t lo = fz_u16(in);

	return lo | (uint32_t)fz_u16(in) << 16;
}

/* Up to `want` bytes (fewer at the end): a pointer into the input. */
static inline const uint8_t *
fz_bytes(struct fz_in *in, size_t want, size_t *got)
{
	const uint8_t *p = in->p;

	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

#endif
