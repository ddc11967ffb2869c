/*
 * xs-dump: print and check pxenstored's state files (docs/persistence.md
 * has the manual).  Files are read whole; a directory is read as a state
 * directory: its snapshot, then the journals recovery would replay.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "xsdump.h"

#define MAX_JOURNALS 100000	/* generations looked at in a directory */

static const char usage[] =
"Usage: xs-dump [options] FILE|DIR...\n"
"\n"
"Print pxenstored's state: a snapshot or a live-update stream as a tree\n"
"(like xenstore-ls -p) after its small state, a journal one record per\n"
"line in batches.  A directory is a state directory: its snapshot, then\n"
"the journals recovery replays, in order.\n"
"\n"
"  -v, --verify      check only: print nothing unless something is wrong\n"
"                    (checksums, record structure, pre-order of the tree,\n"
"                    batch checksums, the chain of generations)\n"
"  -f, --full-paths  print each node with its whole path\n"
"  -s, --snapshot    the file is a snapshot (default: from its contents)\n"
"  -j, --journal     the file is a journal\n"
"  -l, --stream      the file is a live-update stream\n"
"      --strict      a torn journal tail counts as corruption\n"
"  -h, --help        this text\n"
"\n"
"Exit status: 0 valid (a torn journal tail is valid: recovery drops it),\n"
"1 corrupt, 2 usage or I/O error.\n";


/* 0 valid, 1 corrupt, 2 error; *res filled when 0 or 1. */
static int
one_file(const char *path, const struct xsdump_opts *o,
    struct xsdump_result *res)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = read_whole_file(path, &data, &len);

	if (rc < 0) {
		fprintf(stderr, "xs-dump: %s: %s\n", path, strerror(-rc));
		return 2;
	}
	if (o->print && !isatty(1))
		fflush(stdout);
	rc = xsdump_buf(data, len, o, stdout, res);
	free(data);
	if (rc < 0) {
		fprintf(stderr, "xs-dump: %s: %s\n", path, strerror(-rc));
		return 2;
	}
	fflush(stdout);
	if (rc > 0) {
		fprintf(stderr, "xs-dump: %s: corrupt %s: %s\n", path,
		    xsdump_kind_name(res->kind), res->why);
		return 1;
	}
	if (res->torn)
		fprintf(stderr, "xs-dump: %s: %s\n", path, res->why);
	return 0;
}

static int
worst(int a, int b)
{
	return a > b ? a : b;
}

/* The generations of journal.<gen> files present. */
static void
journal_range(const char *dir, uint64_t *lo, uint64_t *hi)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	*lo = UINT64_MAX;
	*hi = 0;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		unsigned long long g;

		if (strncmp(e->d_name, "journal.", 8) != 0)
			continue;
		errno = 0;
		g = strtoull(e->d_name + 8, &end, 10);
		if (*end != '\0' || end == e->d_name + 8 || errno != 0)
			continue;
		if (g < *lo)
			*lo = g;
		if (g > *hi)
			*hi = g;
	}
	closedir(d);
}

/* Recovery's view of a state directory. */
static int
one_dir(const char *dir, const struct xsdump_opts *o)
{
	struct xsdump_opts so = *o, jo = *o;
	struct xsdump_result res;
	char path[4200];
	uint64_t lo, hi, g, gen = 0;
	struct stat st;
	bool have_snap;
	int status = 0, rc;

	so.kind = XSD_SNAPSHOT;
	jo.kind = XSD_JOURNAL;
	snprintf(path, sizeof(path), "%s/snapshot.tmp", dir);
	if (stat(path, &st) == 0 && o->print)
		printf("# %s: an unfinished snapshot (%lld bytes), ignored by "
		    "recovery\n", path, (long long)st.st_size);
	snprintf(path, sizeof(path), "%s/snapshot", dir);
	have_snap = stat(path, &st) == 0;
	journal_range(dir, &lo, &hi);
	if (have_snap) {
		if (o->print)
			printf("# == %s\n", path);
		rc = one_file(path, &so, &res);
		status = worst(status, rc);
		if (rc == 0)
			gen = res.gen;
		else
			return status;	/* recovery stops here */
	} else {
		gen = lo == UINT64_MAX ? 0 : lo;
	}
	if (lo != UINT64_MAX && lo < gen && o->print)
		printf("# journals %" PRIu64 "..%" PRIu64 " are older than "
		    "the snapshot: ignored\n", lo, gen - 1);
	for (g = gen; lo != UINT64_MAX && g <= hi && g - gen < MAX_JOURNALS;
	    g++) {
		snprintf(path, sizeof(path), "%s/journal.%" PRIu64, dir, g);
		if (stat(path, &st) < 0) {
			if (o->print || g < hi)
				fprintf(stderr, "xs-dump: %s: missing: "
				    "recovery stops before it%s\n", path,
				    g < hi ? ", yet later journals exist" :
				    "");
			if (g < hi)
				status = worst(status, 1);
			break;
		}
		if (o->print)
			printf("# == %s\n", path);
		rc = one_file(path, &jo, &res);
		status = worst(status, rc);
		if (rc == 0 && res.has_gen && res.gen != g) {
			fprintf(stderr, "xs-dump: %s: holds generation %"
			    PRIu64 "\n", path, res.gen);
			status = worst(status, 1);
		}
		if (rc == 0 && res.torn && g < hi) {
			fprintf(stderr, "xs-dump: %s: torn, yet a later "
			    "journal exists\n", path);
		}
		if (rc != 0)
			break;
	}
	if (!have_snap && lo == UINT64_MAX && o->print)
		printf("# %s: no state (the daemon would start empty)\n", dir);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "verify", no_argument, NULL, 'v' },
		{ "full-paths", no_argument, NULL, 'f' },
		{ "snapshot", no_argument, NULL, 's' },
		{ "journal", no_argument, NULL, 'j' },
		{ "stream", no_argument, NULL, 'l' },
		{ "strict", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xsdump_opts o = { XSD_AUTO, true, false, false };
	int ch, i, status = 0;

	while ((ch = getopt_long(argc, argv, "vfsjlh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			o.print = false;
			break;
		case 'f':
			o.full_paths = true;
			break;
		case 's':
			o.kind = XSD_SNAPSHOT;
			break;
		case 'j':
			o.kind = XSD_JOURNAL;
			break;
		case 'l':
			o.kind = XSD_STREAM;
			break;
		case 'S':
			o.strict = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind == argc) {
		fputs(usage, stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		struct stat st;
		struct xsdump_result res;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			status = worst(status, one_dir(argv[i], &o));
		else
			status = worst(status, one_file(argv[i], &o, &res));
	}
	return status;
}
