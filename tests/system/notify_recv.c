/*
 * notify_recv.c: a stand-in for systemd's notification socket, for the
 * system tests (tests/system/t-notify.sh).
 *
 *   notify-recv [-w] SOCKET SECONDS -- COMMAND [ARG...]
 *
 * Binds an AF_UNIX datagram socket at SOCKET (a path in the test's
 * temporary directory), runs COMMAND with NOTIFY_SOCKET=SOCKET and waits
 * up to SECONDS for one datagram.  Prints
 *
 *   child <pid of COMMAND>
 *   from <sender pid> <message>
 *
 * and, with -w, waits for COMMAND to exit and prints "exit <status>".
 * Exit status: 0 once a message arrived, 1 if none did in time, 2 on
 * usage or system errors.  The sender's pid comes from SCM_CREDENTIALS,
 * as systemd checks it for NotifyAccess=main.  COMMAND is not killed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int
die(const char *what)
{
	fprintf(stderr, "notify-recv: %s: %s\n", what, strerror(errno));
	return 2;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Receive one datagram with its sender's credentials; 1 on timeout. */
static int
recv_one(int fd, long long deadline, char *buf, size_t len, pid_t *from)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = { buf, len - 1 };
	struct msghdr mh;
	struct cmsghdr *c;
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		long long left = deadline - now_ms();

		if (left <= 0)
			return 1;
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p.revents & POLLIN)
			break;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	n = recvmsg(fd, &mh, 0);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	*from = 0;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_CREDENTIALS) {
			struct ucred u;

			memcpy(&u, CMSG_DATA(c), sizeof(u));
			*from = u.pid;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	char buf[4096];
	int fd, one = 1, rc, wait_child = 0, i = 1, status;
	long secs;
	pid_t child, from;

	if (i < argc && strcmp(argv[i], "-w") == 0) {
		wait_child = 1;
		i++;
	}
	if (argc - i < 4 || strcmp(argv[i + 2], "--") != 0) {
		fprintf(stderr, "usage: notify-recv [-w] SOCKET SECONDS -- "
		    "COMMAND [ARG...]\n");
		return 2;
	}
	secs = strtol(argv[i + 1], NULL, 10);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(argv[i]) >= sizeof(sa.sun_path) || argv[i][0] != '/') {
		fprintf(stderr, "notify-recv: need an absolute socket path "
		    "shorter than %zu\n", sizeof(sa.sun_path));
		return 2;
	}
	strcpy(sa.sun_path, argv[i]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return die("SO_PASSCRED");
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return die("bind");
	if (setenv("NOTIFY_SOCKET", sa.sun_path, 1) < 0)
		return die("setenv");
	fflush(stdout);
	child = fork();
	if (child < 0)
		return die("fork");
	if (child == 0) {
		execvp(argv[i + 3], argv + i + 3);
		fprintf(stderr, "notify-recv: %s: %s\n", argv[i + 3],
		    strerror(errno));
		_exit(127);
	}
	printf("child %ld\n", (long)child);
	fflush(stdout);
	rc = recv_one(fd, now_ms() + secs * 1000, buf, sizeof(buf), &from);
	if (rc < 0)
		return die("recvmsg");
	if (rc == 0)
		printf("from %ld %s\n", (long)from, buf);
	fflush(stdout);
	if (wait_child) {
		if (waitpid(child, &status, 0) < 0)
			return die("waitpid");
		printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
	}
	close(fd);
	unlink(sa.sun_path);
	return rc == 0 ? 0 : 1;
}
