/*
 * recurse.c: recurse until `kib` KiB of stack are in use (1 KiB per
 * frame), then exit 0.  check_stack.sh runs it through small-stack to
 * prove the limit is real: well under it, it returns; well over, the
 * kernel kills it (SIGSEGV).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long
down(unsigned long left)
{
	volatile char frame[1024];
	unsigned long r;

	memset((char *)frame, (int)(left & 0xff), sizeof(frame));
	if (left == 0)
		return frame[0];
	r = down(left - 1);
	return r + frame[left % sizeof(frame)];	/* not a tail call */
}

int
main(int argc, char **argv)
{
	unsigned long kib;

	if (argc != 2) {
		fprintf(stderr, "usage: recurse KIB\n");
		return 2;
	}
	kib = strtoul(argv[1], NULL, 10);
	printf("%lu\n", down(kib));
	return 0;
}
