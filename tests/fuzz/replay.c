/*
 * replay.c: a fuzz target without libFuzzer (make check): every file of
 * the corpus, then mutations of them (bit flips, bytes and 32-bit fields
 * set to edge values, cuts, insertions, splices of two files, record
 * lengths changed, tokens of paths and permissions put in), each also
 * tried with its checksums fixed by the target (state readers).  A crash, a sanitizer report or a leak fails the run; the input
 * that caused it is written to $PT_FUZZ_CRASH (default ./fuzz-crash).
 *
 * usage: replay CORPUS_DIR [FILE...]   (files: run those only)
 * PT_FUZZ_RUNS mutations (default 20,000), PT_FUZZ_SECONDS at most
 * (default 30), PT_SEED replays.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"
#include "pt.h"

#define MAX_FILES 2048
#define GROW 256

struct input {
	uint8_t *p;
	size_t len;
};

static struct input corpus[MAX_FILES];
static size_t ncorpus;
static struct pt_rng rng;

static void
load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	PT_CHECK(d != NULL, "corpus %s: cannot open", dir);
	while ((e = readdir(d)) != NULL && ncorpus < MAX_FILES) {
		char path[PT_PATH + 256];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		PT_CHECK(read_whole_file(path, &corpus[ncorpus].p,
		    &corpus[ncorpus].len) == 0, "read %s", path);
		ncorpus++;
	}
	closedir(d);
	PT_CHECK(ncorpus > 0, "corpus %s is empty", dir);
}

/* The input being run, written out if it kills us. */
static const uint8_t *cur;
static size_t curlen;
static char crash_file[PT_PATH];

static void
save_current(void)
{
	int fd = open(crash_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t off = 0;

	if (fd < 0)
		return;
	while (off < curlen) {
		ssize_t n = write(fd, cur + off, curlen - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	if (write(2, "replay: the input is in ", 24) > 0 &&
	    write(2, crash_file, strlen(crash_file)) > 0)
		(void)!write(2, "\n", 1);
}

static void
on_fatal(int sig)
{
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

#ifdef __SANITIZE_ADDRESS__
void __sanitizer_set_death_callback(void (*cb)(void));
#endif

static void
catch_crashes(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE,
		SIGILL };
	const char *f = getenv("PT_FUZZ_CRASH");
	size_t i;

	snprintf(crash_file, sizeof(crash_file), "%s", f && f[0] ? f :
	    "fuzz-crash");
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal);
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(save_current);
#endif
}

static void
run(const uint8_t *p, size_t len)
{
	cur = p;
	curlen = len;
	LLVMFuzzerTestOneInput(p, len);
}

static uint32_t
edge(size_t len)
{
	static const uint32_t v[] = { 0, 1, 7, 8, 16, 0x7f, 0x80, 0xff,
		0x100, 0xfff, 0x1000, 0x1001, 0xffff, 0x10000, 0x7fffffff,
		0x80000000, 0xfffffff8, 0xffffffff, 0x50580000, 0x50580001,
		0x50580002, 0x50580004, 0x50580010, 0x50580020, 0x50580021 };
	uint32_t k = pt_below(&rng, sizeof(v) / sizeof(v[0]) + 3);

	if (k < sizeof(v) / sizeof(v[0]))
		return v[k];
	return k == sizeof(v) / sizeof(v[0]) ? (uint32_t)len :
	    (uint32_t)pt_rand(&rng);
}

/* One mutation of b (capacity cap) in place; returns the new length. */
static size_t
mutate(uint8_t *b, size_t len, size_t cap)
{
	size_t at = len ? pt_below(&rng, (uint32_t)len) : 0, n, i;

	switch (pt_below(&rng, 10)) {
	case 0:		/* flip bits */
		for (i = 0, n = 1 + pt_below(&rng, 4); i < n && len; i++)
			b[pt_below(&rng, (uint32_t)len)] ^=
			    (uint8_t)(1u << pt_below(&rng, 8));
		return len;
	case 1:		/* a byte */
		if (len)
			b[at] = (uint8_t)pt_rand(&rng);
		return len;
	case 2:		/* an aligned 32-bit field: a length, a type... */
		at &= ~(size_t)3;
		if (at + 4 <= len) {
			uint32_t v = edge(len);

			memcpy(b + at, &v, 4);
		}
		return len;
	case 3:		/* a record header's length (8-aligned from 16) */
		at = (at & ~(size_t)7) + 4;
		if (at + 4 <= len && at >= 20) {
			uint32_t v;

			memcpy(&v, b + at, 4);
			v = pt_below(&rng, 2) ? v + 8 * (1 + pt_below(&rng,
			    4)) : v - 8 * (1 + pt_below(&rng, 4));
			memcpy(b + at, &v, 4);
		}
		return len;
	case 4:		/* cut */
		return at;
	case 5:		/* insert bytes */
		n = 1 + pt_below(&rng, 16);
		if (len + n > cap)
			return len;
		memmove(b + at + n, b + at, len - at);
		for (i = 0; i < n; i++)
			b[at + i] = (uint8_t)pt_rand(&rng);
		return len + n;
	case 6:		/* remove bytes */
		n = 1 + pt_below(&rng, 16);
		if (at + n > len)
			n = len - at;
		memmove(b + at, b + at + n, len - at - n);
		return len - n;
	case 7: {	/* splice another file's piece in */
		const struct input *o = &corpus[pt_below(&rng,
		    (uint32_t)ncorpus)];
		size_t from = o->len ? pt_below(&rng, (uint32_t)o->len) : 0;

		n = pt_below(&rng, 512);
		if (from + n > o->len)
			n = o->len - from;
		if (at + n > cap)
			n = cap - at;
		memcpy(b + at, o->p + from, n);
		return at + n > len ? at + n : len;
	}
	case 8: {	/* a token of the text targets, over or inserted */
		static const char *const tok[] = { "/", "//", "@", "\0",
			"/local/domain/", "/local/domain/1/", "@releaseDomain",
			"@introduceDomain", "0x", "-", "+", " ", "65535",
			"65536", "32757", "4096", "4097", "r", "n", "b", "w",
			"T", "F", "..", "\xff" };
		const char *t = tok[pt_below(&rng, sizeof(tok) /
		    sizeof(tok[0]))];

		n = t[0] ? strlen(t) : 1;
		if (pt_below(&rng, 2) && len + n <= cap) {
			memmove(b + at + n, b + at, len - at);
			len += n;
		} else if (at + n > len) {
			return len;
		}
		memcpy(b + at, t, n);
		return len;
	}
	default: {	/* duplicate a piece (a record twice) */
		size_t from = at & ~(size_t)7;

		n = 8 * (1 + pt_below(&rng, 8));
		if (from + n > len || len + n > cap)
			return len;
		memmove(b + from + n, b + from, len - from);
		return len + n;
	}
	}
}

int
main(int argc, char **argv)
{
	const char *e = getenv("PT_FUZZ_RUNS");
	unsigned long runs = e ? strtoul(e, NULL, 10) : 20000, i;
	unsigned long secs;
	uint64_t end, t0 = pt_now_ms();
	size_t k, maxlen = 0;
	uint8_t *buf;

	pt_set_name(argv[0]);
	e = getenv("PT_FUZZ_SECONDS");
	secs = e ? strtoul(e, NULL, 10) : 30;
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR [FILE...]\n", argv[0]);
		return 2;
	}
	if (argc > 2) {
		int a;

		for (a = 2; a < argc; a++) {
			struct input in;

			PT_CHECK(read_whole_file(argv[a], &in.p, &in.len) == 0,
			    "read %s", argv[a]);
			LLVMFuzzerTestOneInput(in.p, in.len);
			free(in.p);
		}
		pt_note("%d files: no crash", argc - 2);
		return 0;
	}
	pt_rng_init(&rng, pt_seed());
	catch_crashes();
	load_dir(argv[1]);
	for (k = 0; k < ncorpus; k++) {
		run(corpus[k].p, corpus[k].len);
		if (corpus[k].len > maxlen)
			maxlen = corpus[k].len;
	}
	buf = malloc(maxlen + GROW + 1024);
	PT_CHECK(buf != NULL, "out of memory");
	end = pt_now_ms() + secs * 1000;
	for (i = 0; i < runs && pt_now_ms() < end; i++) {
		const struct input *in = &corpus[pt_below(&rng,
		    (uint32_t)ncorpus)];
		size_t len = in->len, m = 1 + pt_below(&rng, 4), j;

		memcpy(buf, in->p, len);
		for (j = 0; j < m; j++)
			len = mutate(buf, len, in->len + GROW);
		run(buf, len);
	}
	free(buf);
	for (k = 0; k < ncorpus; k++)
		free(corpus[k].p);
	pt_note("%zu corpus files and %lu mutations: no crash, %.1f s",
	    ncorpus, i, (double)(pt_now_ms() - t0) / 1000.0);
	return 0;
}
