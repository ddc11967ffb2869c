/*
 * resum.c: see fuzz.h.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "stream.h"

uint8_t *
fuzz_resum(const uint8_t *data, size_t size)
{
	struct stream_reader sr;
	struct stream_rec rec;
	uint8_t *c;
	size_t batch, n = 0;

	if (stream_open(&sr, data, size) < 0)
		return NULL;
	c = malloc(size ? size : 1);
	if (c == NULL)
		return NULL;
	memcpy(c, data, size);
	sr.p = c;
	batch = sr.off;
	while (stream_next(&sr, &rec) == 1 && n++ < 1000000) {
		size_t at = (size_t)(rec.body - 8 - c);
		uint32_t sum;

		if (rec.type == REC_PX_META) {
			batch = sr.off;
		} else if (rec.type == REC_PX_CHECKSUM && rec.len >= 4) {
			sum = stream_sum(0, c, at);
			memcpy((uint8_t *)rec.body, &sum, 4);
		} else if (rec.type == REC_PX_J_BATCH && rec.len >= 4) {
			sum = stream_sum(0, c + batch, at - batch);
			memcpy((uint8_t *)rec.body, &sum, 4);
			batch = sr.off;
		}
	}
	return c;
}
