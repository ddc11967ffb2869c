/*
 * fuzz_session.c: whole sessions against an in-process daemon (the struct
 * xsd of tests/persist/ipd.c, without Xen or a state directory): a
 * privileged client (a toolstack on the socket) and an unprivileged one
 * (a guest), both fake transports (fz_client.h), send arbitrary bytes in
 * chunks, and the loop's before-sleep work runs between them.
 *
 * Input: the guest's domid - 1 (1 byte), then steps until the input
 * ends.  A step is a byte
 *     bit 0     which client: 0 the privileged one, 1 the guest
 *     bits 1-2  how that client reads from now on: 0 everything, 1
 *               nothing, 2 seven bytes per wake-up, 3 everything, and
 *               time passes first (the watch-event timeout expires for
 *               peers that do not read, an XSA-206 protection ends)
 *     bit 3     the loop iteration goes on: no before-sleep work yet
 *     bit 4     the client hangs up after the chunk (a new one connects
 *               once the daemon has freed the old connection)
 * then the chunk's length (2 bytes, little-endian) and the chunk, which
 * the client sends.  So the input is cut into chunks at positions the
 * input chooses, across headers and payloads.
 *
 * After every step, the daemon's own invariant checker (CONTROL check,
 * on a third, privileged connection the fuzzer does not touch:
 * checker.h lists what it checks) must pass, and each
 * client checks what it received (fz_client.h): no message over 4096
 * bytes of payload, replies in order to the requests, one each.  A
 * failure aborts, as does any sanitizer report or leak.
 *
 * FZ_SESSION_TRACE=1 in the environment prints the steps and every
 * message the clients receive (to read an input).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "daemon.h"
#include "fuzz.h"
#include "fz_client.h"
#include "ipd.h"
#include "log.h"
#include "wire.h"

#define STEP_CLIENT 0x01
#define STEP_READ_SHIFT 1
#define STEP_LATER 0x08
#define STEP_HANGUP 0x10

struct session {
	struct xsd *x;
	struct fz_client cl[2];	/* privileged, guest */
	unsigned guest;
	struct conn *checker;	/* privileged, only asks CONTROL check */
	uint32_t check_id;
};

static void
noop_kick(struct conn *c)
{
	(void)c;
}

static const struct conn_ops checker_ops = { "checker", noop_kick, NULL,
	NULL };

/*
 * CONTROL check, as a toolstack asks it: the reply must be OK.  Its
 * diagnostics go to stderr for this request only (the log is /dev/null
 * otherwise: guests' requests make the daemon log).
 */
static void
check(struct session *s, const char *when)
{
	static const char body[] = "check";
	struct conn *c = s->checker;
	uint8_t msg[WIRE_HDR + sizeof(body)];
	struct xsd_sockmsg h = { XS_CONTROL, ++s->check_id, 0, sizeof(body) };
	int dest = s->x->log.dest;

	memcpy(msg, &h, WIRE_HDR);
	memcpy(msg + WIRE_HDR, body, sizeof(body));
	s->x->log.dest = LOG_DEST_STDERR;
	conn_input(c, msg, sizeof(msg));
	s->x->log.dest = dest;
	FZ_ASSERT(!c->closing && conn_out_pending(c) >= WIRE_HDR,
	    "CONTROL check: no reply");
	memcpy(&h, c->out + c->outhead, WIRE_HDR);
	FZ_ASSERT(h.type == XS_CONTROL, "CONTROL check failed %s", when);
	conn_out_consumed(c, conn_out_pending(c));
}

/* The watch-event timeout and the XSA-206 bound, as if they had passed
 * (daemon_housekeeping's work without its clock). */
static void
time_passes(struct xsd *x)
{
	struct conn *c, *next;

	if (x->protect != NULL)
		daemon_unprotect(x, x->protect);
	for (c = TAILQ_FIRST(&x->stuck); c != NULL; c = next) {
		next = TAILQ_NEXT(c, stuck_link);
		conn_drop_events(c);
	}
}

static void
client_up(struct session *s, int i)
{
	bool ok = fz_client_connect(&s->cl[i], s->x, i ? s->guest : 0, i == 0);

	FZ_ASSERT(ok, "cannot connect");
}

static void
before_sleep(struct session *s)
{
	int i;

	daemon_before_sleep(s->x);
	/* a client whose connection was freed connects again */
	for (i = 0; i < 2; i++)
		if (s->cl[i].c == NULL)
			client_up(s, i);
}

static void
step(struct session *s, uint8_t op, const uint8_t *chunk, size_t len)
{
	struct fz_client *cl = &s->cl[op & STEP_CLIENT];
	unsigned reading = (op >> STEP_READ_SHIFT) & 3;
	int i;

	if (getenv("FZ_SESSION_TRACE") != NULL)
		fprintf(stderr, "step %#x: %s sends %zu bytes%s%s%s\n", op,
		    op & STEP_CLIENT ? "guest" : "privileged", len,
		    reading == 3 ? ", time passes" : "",
		    op & STEP_LATER ? ", same iteration" : "",
		    op & STEP_HANGUP ? ", hangs up" : "");
	if (reading == 3)
		time_passes(s->x);
	cl->reading = reading == 1 ? FZ_READ_NONE : reading == 2 ?
	    FZ_READ_TRICKLE : FZ_READ_ALL;
	fz_client_send(cl, chunk, len);
	fz_client_deliver(cl);
	if (op & STEP_HANGUP)
		fz_client_hangup(cl);
	/* whoever may read now does (the socket is writable) */
	for (i = 0; i < 2; i++)
		fz_client_writable(&s->cl[i]);
	if (!(op & STEP_LATER))
		before_sleep(s);
	/* the next iteration: input the clients kept back goes in */
	for (i = 0; i < 2; i++)
		fz_client_deliver(&s->cl[i]);
	/* mid-iteration too: a closed connection waiting to be freed holds
	 * no watch or transaction any more (conn_close drops them) */
	check(s, "after a step");
	for (i = 0; i < 2; i++)
		fz_client_check(&s->cl[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const args[] = { "-D", "--no-state", "--log-file",
		"/dev/null", NULL };
	struct fz_in in = { data, size };
	struct session s;
	int i;

	memset(&s, 0, sizeof(s));
	s.guest = 1u + fz_u8(&in);
	s.x = ipd_new(args, false);
	FZ_ASSERT(s.x != NULL, "no daemon");
	log_started(&s.x->log);	/* warnings to the log only: quiet */
	s.checker = conn_new(s.x, &checker_ops, NULL, 0, true);
	FZ_ASSERT(s.checker != NULL, "no checker connection");
	client_up(&s, 0);
	client_up(&s, 1);
	while (fz_more(&in)) {
		uint8_t op = fz_u8(&in);
		size_t want = fz_u16(&in), got;
		const uint8_t *chunk = fz_bytes(&in, want, &got);

		step(&s, op, chunk, got);
	}
	before_sleep(&s);
	check(&s, "at the end");
	for (i = 0; i < 2; i++) {
		fz_client_check(&s.cl[i]);
		if (getenv("FZ_SESSION_TRACE") != NULL)
			fprintf(stderr, "%s: %llu replies (%llu errors), %llu "
			    "events\n", i ? "guest" : "privileged",
			    s.cl[i].replies, s.cl[i].errors, s.cl[i].events);
	}
	ipd_free(&s.x);
	for (i = 0; i < 2; i++)
		fz_client_fini(&s.cl[i]);
	return 0;
}
