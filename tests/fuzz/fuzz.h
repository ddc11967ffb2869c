/*
 * fuzz.h: the persistence fuzz targets (tests/fuzz/fuzz_*.c).  Each is a
 * libFuzzer entry point; built without libFuzzer, replay.c drives it over
 * the corpus and mutations of it (make check).
 */
#ifndef PT_FUZZ_H
#define PT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A copy of data with every checksum recomputed (snapshot CHECKSUM,
 * journal batch ends), so that mutated input gets past the checks into
 * the code behind them.  malloc'ed; NULL if data is not a stream.
 */
uint8_t *fuzz_resum(const uint8_t *data, size_t size);

#endif
