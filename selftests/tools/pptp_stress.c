// SPDX-License-Identifier: GPL-2.0-only
/*
 * pptp_stress: SMP stress driver for selftests/smp_stress.sh.
 *
 * One long-lived process plays every PNS (inside host) and every PAC
 * (server) of many PPTP control connections at once, from threads pinned
 * to different CPUs, and checks what arrives at each end.  Sockets keep
 * the network namespace they were created in; a thread enters a
 * namespace with setns() (which only moves the calling thread).
 *
 * Groups of control connections (--group, repeatable):
 *   name=N,cns=PATH,sns=PATH[,rns=PATH],hosts=A+K,pacs=B+M,public=P,
 *   pairs=X,conns=Y[,assert=0|1]
 *   hosts  inside hosts: K addresses from A (they must exist in cns);
 *   pacs   PAC addresses: M addresses from B in sns, one per pair;
 *   public the router's outside address (what the PAC sees);
 *   pairs  thread pairs: a PNS thread and a PAC thread each, pinned to
 *          different CPUs, so both directions of a connection run at
 *          once; each pair drives `conns` connections concurrently;
 *   rns    the router's namespace: the ASSURED checker asks its
 *          ctnetlink, the /proc readers and sysctl writers work there
 *          (the path is opened again each time: a namespace deleted
 *          mid-run is not kept alive);
 *   assert violations of this group are what the summary asserts on
 *          (others are reported, e.g. a router namespace deleted mid-run).
 * --idle cns=PATH,sns=PATH,hosts=A+K,server=S,count=N,hold=SEC:
 *   waves of N idle control connections (handshake only) held SEC
 *   seconds, then reset: with a short nf_conntrack_tcp_timeout_established
 *   in their router their masters expire while the other groups' calls
 *   look entries up.
 * Other options: --seconds S (stress time), --timeout S (bound of every
 * blocking step), --gre N (GRE packets per direction and call),
 * --seed N, --hold PREFIX (after the stress, hold one connection with an
 * outgoing and an incoming call per pair of the first --group given,
 * GRE done both ways; write PREFIX.calls, wait for PREFIX.go, send GRE
 * and control messages on them, write PREFIX.sent, exit), --no-stress-extras
 * (no /proc readers, sysctl writers), --report FILE.
 *
 * Per connection: SCCRQ/SCCRP, then outgoing (OCRQ/OCRP) and incoming
 * (ICRQ/ICRP/ICCN) calls, SLI, WEN, echo both ways, CCRQ/CDN and
 * PAC-initiated CDN, and an ending from either side: StopCCRQ/StopCCRP
 * (with or without live calls), FIN right after CCRQs (PNS) or WENs
 * (PAC) of the calls still up, or RST (SO_LINGER 0).  One connection per
 * pair lives all run and now and then sends bursts of 20-60 SLI (PNS) or
 * WEN (PAC).  Every write is cut at random points (TCP_NODELAY), several
 * messages often share one, a burst cuts every message on its own.  Once
 * a call is established its first GRE packet of each direction is sent
 * at the same moment from two threads on two CPUs (a barrier), then more
 * both ways.  Threads besides: /proc/net/nf_pptp_alg/{stats,calls}
 * readers and sysctl writers in every router (not with
 * --no-stress-extras), the ASSURED checker, the GRE receiver.
 *
 * Checks (the driver knows both ends of everything):
 *   - every message arrives whole and in order (per direction FIFO);
 *   - at the inside host every PNS call-ID field is the host's real ID of
 *     that call, every PAC call-ID field the one the PAC sent;
 *   - at the PAC every PNS call-ID field is the call's translated ID,
 *     consistent for the life of the call, unique among live calls to
 *     that PAC address, never the real one when that differs (0 only for
 *     a CCRQ crossing the PAC's CDN);
 *   - GRE: key and payload tag name the call; it must arrive at that
 *     call's endpoint only (host or PAC address), with the key that end
 *     uses; from the inside, source-NATed;
 *   - both GRE entries of every live call that carried GRE both ways are
 *     [ASSURED] in the router's table (ctnetlink GET of each entry's
 *     original tuple in the router's namespace, the call up before and
 *     after), and present;
 *   - no connection stalls (an answer not in within --timeout) or closes
 *     without either end ending it.
 * Output: progress lines "# ...", diagnostics on stderr, and per group
 * one line "summary group=NAME key=value ...".  Exit 0 when the run
 * itself worked (violations are for the caller to judge), 1 on setup
 * errors, 2 on usage.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pptp_wire.h"

#define GRE_MAGIC	0x50535452u	/* "PSTR" */

static const char *const msg_name[MSG_MAX] = {
	"?", "SCCRQ", "SCCRP", "StopCCRQ", "StopCCRP", "EchoRQ", "EchoRP",
	"OCRQ", "OCRP", "ICRQ", "ICRP", "ICCN", "CCRQ", "CDN", "WEN", "SLI",
};

/* ------------------------------------------------------------ counters */

#define VIOLATIONS(X)							\
	X(translated_inside)	/* a real-ID field reached the host translated */ \
	X(wrong_id_inside)	/* ... carrying some other value */	\
	X(untranslated_pac)	/* the host's real ID reached the PAC */	\
	X(nat_inconsistent)	/* translated ID changed during the call */	\
	X(nat_zero)		/* a new call reached the PAC with ID 0 */	\
	X(nat_dup)		/* two live calls, one translated ID */	\
	X(pac_id_wrong)		/* a PAC call-ID field changed */	\
	X(msg_mismatch)		/* message missing, extra or garbled */	\
	X(stall)		/* expected answer not in within --timeout */ \
	X(unexpected_close)	/* EOF/RST nobody asked for */		\
	X(gre_misdelivered)	/* GRE of a call at another endpoint */	\
	X(gre_wrong_key)	/* at the right endpoint, wrong key */	\
	X(gre_not_natted)	/* inside source address reached the PAC */ \
	X(gre_foreign)		/* GRE with no call of ours in it */	\
	X(gre_unassured)	/* live call's GRE entry not ASSURED */	\
	X(gre_missing)		/* live call's GRE entry not in the table */

enum viol {
#define X(n) V_##n,
	VIOLATIONS(X)
#undef X
	V_MAX
};

static const char *const viol_name[V_MAX] = {
#define X(n) #n,
	VIOLATIONS(X)
#undef X
};

struct gstats {
	atomic_long conns, conns_ok, calls, calls_est, calls_ok, msgs;
	atomic_long connect_fail, aborted, gre_tx, gre_rx, gre_lost;
	atomic_long gre_stale, assured_checked, ccrq_zero_after_cdn, refused;
	atomic_long v[V_MAX];
	atomic_int vlogged[V_MAX];
};

/* ------------------------------------------------------------ structures */

struct group;
struct pair;
struct conn;

#define CF_CLEARING	0x01	/* CCRQ or CDN on its way */
#define CF_CDN_SENT	0x02	/* the PAC cleared it */
#define CF_ENDED	0x04

enum { GS_IDLE, GS_QUEUED, GS_SENDING, GS_DONE };

struct call {
	uint32_t serial;
	struct conn *conn;
	char kind;		/* 'O' outgoing, 'I' incoming */
	uint16_t real;		/* the inside host's ID */
	uint16_t pac;		/* the PAC's ID */
	int32_t nat;		/* the host's ID as the PAC sees it, -1 unknown */
	uint8_t cst, sst;	/* client / server thread state */
	atomic_int flags;
	atomic_int gre;		/* GS_* */
	atomic_int rx[2], tx[2];	/* [0] inside->PAC, [1] PAC->inside */
	atomic_int bad_rx;
	atomic_int check_queued;	/* handed to the ASSURED checker */
	atomic_int checked;
	double t_est;
	double t_chk;		/* the checker's first look, 0 before */
};

enum { CS_NONE, CS_OCRQ, CS_ICRP, CS_EST, CS_CCRQ, CS_DONE };
enum { SS_NONE, SS_ICRQ, SS_EST, SS_DONE };

#define MAXC	8		/* calls a connection ever has */
/* Seconds the module may take to assure both GRE entries of a call. */
#define ASSURED_SETTLE	12.0
#define FIFO_N	512

struct fifo {
	uint8_t type[FIFO_N];
	struct call *call[FIFO_N];
	unsigned int head, tail;
};

struct side_buf {
	uint8_t b[2048];
	int len;
};

struct conn {
	uint32_t serial;
	struct pair *pair;
	struct group *g;
	int host;		/* index in g->hosts */
	int cfd, sfd;
	uint16_t cport;
	pthread_mutex_t lock;
	struct fifo c2s, s2c;
	struct call *calls[MAXC];
	int ncalls;
	atomic_int cend, send_;	/* ending started by client / server */
	bool hold;		/* --hold connection */
	bool longlived;		/* open all run, bursts of segments */
	double c_burst, s_burst;	/* next burst of each side */
	atomic_int hold_ready;
	/* client thread */
	int cstate;		/* 1 SCCRQ sent, 2 active, 3 StopCCRQ sent */
	int plan_out, done_out;
	int echo_c;		/* EchoRQ from the client not answered */
	int c_out;		/* client requests not answered */
	double c_wait;		/* waiting since, with nothing received */
	double c_next;		/* next client action */
	bool c_close_next;	/* close (FIN) once the output is out */
	double t_start;
	struct side_buf cin;
	/* server thread */
	int sstate;		/* 0 not bound, 1 active, 2 stopping */
	int plan_in, done_in;
	int echo_s, s_out;
	double s_wait, s_next;
	short srev;		/* poll result */
	struct side_buf sin;
	/* under pair->lock */
	bool c_closed, s_closed;
	double c_closed_t;
	bool counted;
	/* history for diagnostics */
	char hist[24][48];
	unsigned int nhist;
};

struct group {
	char name[16];
	bool assert;
	char cns[128], sns[128], rns[128];
	int cns_fd, sns_fd;
	struct in_addr hosts[64];
	int nhosts;
	struct in_addr pacs[16];
	int npacs;
	struct in_addr pub;
	int npairs, conns;
	uint16_t *next_real;	/* per host */
	struct gstats st;
	atomic_int dead;	/* its router went away: stop */
	/* calls that carried GRE both ways, for the ASSURED checker */
	pthread_mutex_t chk_lock;
	struct call **chk;
	unsigned int chk_head, chk_tail;
};

struct pair {
	int idx;
	struct group *g;
	int pac;		/* index in g->pacs */
	int cpu_c, cpu_s;
	pthread_mutex_t lock;
	struct conn *conns[32];	/* client thread's list */
	int nconns;
	struct conn *pending[32];	/* connected, SCCRQ not matched yet */
	int npending;
	uint16_t next_pac;
	uint8_t nat_used[65536 / 8];	/* server thread only */
	uint32_t rng_c, rng_s;
	int hold_state;		/* 0 none, 1 wanted, 2 opened */
	struct conn *longc;	/* its long-lived connection */
};

#define MAX_GROUPS	4
static struct group groups[MAX_GROUPS];
static int ngroups;
static struct pair *pairs;
static int npairs;

/* Call table by serial. */
#define MAX_CALLS	(1 << 18)
static struct call **calltab;
static atomic_uint next_call_serial = 1;
static atomic_uint next_conn_serial = 1;

static struct {
	char cns[128], sns[128];
	struct in_addr hosts[64];
	int nhosts, count, hold;
	struct in_addr server;
	bool on;
} idle;

static double opt_seconds = 60, opt_timeout = 10;
static int opt_gre = 4, opt_extras = 1;
static uint32_t opt_seed;
static const char *opt_hold, *opt_report;
static uint32_t run_token;
static int ncpu = 1;
static int init_ns_fd = -1;
static double t0;

static atomic_int stop_new;	/* no new connections or calls */
static atomic_int stop_all;	/* every thread: finish now */
static atomic_int hold_phase;
static atomic_long idle_conns, idle_waves, proc_reads, sysctl_writes;

/* ------------------------------------------------------------ helpers */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double elapsed(void)
{
	return now() - t0;
}

static void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pptp_stress: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x ? x : 0x9e3779b9u;
}

static int chance(uint32_t *s, int pct)
{
	return (int)(rnd(s) % 100) < pct;
}


static void pin(int cpu)
{
	cpu_set_t set;

	if (ncpu < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int ns_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd;
}

static int ns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET);
}

/* Enter the namespace at @path for a moment; -1 if it is gone. */
static int ns_enter_path(const char *path)
{
	int fd = ns_open(path), r;

	if (fd < 0)
		return -1;
	r = ns_enter(fd);
	close(fd);
	return r;
}

static void ns_leave(void)
{
	ns_enter(init_ns_fd);
}

static void set_sock_opts(int fd)
{
	struct timeval tv = { .tv_sec = (long)opt_timeout,
			      .tv_usec = (long)((opt_timeout - (long)opt_timeout) * 1e6) };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void rst_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static const char *ip(struct in_addr a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, 16);
}

/* "A+K": K consecutive addresses from A. */
static int parse_range(const char *s, struct in_addr *out, int max)
{
	char buf[64];
	const char *plus = strchr(s, '+');
	int k = 1, i;
	uint32_t a;

	snprintf(buf, sizeof(buf), "%.*s", plus ? (int)(plus - s) : (int)strlen(s), s);
	if (plus)
		k = atoi(plus + 1);
	if (k < 1 || k > max || inet_pton(AF_INET, buf, &out[0]) != 1)
		return -1;
	a = ntohl(out[0].s_addr);
	for (i = 0; i < k; i++)
		out[i].s_addr = htonl(a + i);
	return k;
}

/* ------------------------------------------------------------ violations */

static void conn_hist(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	char *h = c->hist[c->nhist++ % 24];
	int n = snprintf(h, 48, "%.2f ", elapsed());

	va_start(ap, fmt);
	vsnprintf(h + n, 48 - n, fmt, ap);
	va_end(ap);
}

/* The router's view of a connection: its /proc lines (diagnostics). */
static void router_view(struct group *g, struct conn *c)
{
	char line[512], pat[64], hb[16];
	int cur = -1;
	FILE *f;

	if (!g->rns[0])
		return;
	/* Remember our namespace: client threads live in cns. */
	cur = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (cur < 0 || ns_enter_path(g->rns)) {
		if (cur >= 0)
			close(cur);
		return;
	}
	snprintf(pat, sizeof(pat), "ctrl=%s:%u->", ip(g->hosts[c->host], hb), c->cport);
	f = fopen("/proc/thread-self/net/nf_pptp_alg/calls", "r");
	if (f) {
		int n = 0;

		while (fgets(line, sizeof(line), f))
			if (strstr(line, pat)) {
				fprintf(stderr, "#     router calls: %s", line);
				n++;
			}
		if (!n)
			fprintf(stderr, "#     router calls: none for %s\n", pat);
		fclose(f);
	}
	f = fopen("/proc/thread-self/net/nf_pptp_alg/stats", "r");
	if (f) {
		fprintf(stderr, "#     router stats:");
		while (fgets(line, sizeof(line), f)) {
			static const char *const keys[] = {
				"stream_lost ", "gap_drops ", "retransmits ",
				"nat_fail_closed ", "unknown_call ",
				"nat_rewrite_failed ", "split_messages ",
				"sessions_destroyed ", NULL };
			int k;

			line[strcspn(line, "\n")] = 0;
			for (k = 0; keys[k]; k++)
				if (!strncmp(line, keys[k], strlen(keys[k])))
					fprintf(stderr, " %s", line);
		}
		fprintf(stderr, "\n");
		fclose(f);
	}
	ns_enter(cur);
	close(cur);
}

static void violation(struct group *g, struct conn *c, struct call *cl,
		      enum viol v, const char *fmt, ...)
{
	char hb[16], msg[256];
	va_list ap;
	unsigned int i;

	atomic_fetch_add(&g->st.v[v], 1);
	if (atomic_fetch_add(&g->st.vlogged[v], 1) >=
	    (!g->assert ? 6 : v == V_gre_unassured ? 10 : 40))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "# VIOLATION %s group=%s t=%.2f", viol_name[v], g->name, elapsed());
	if (c)
		fprintf(stderr, " conn=%u host=%s:%u pac=%d age=%.2f",
			c->serial, ip(g->hosts[c->host], hb), c->cport,
			c->pair->pac, now() - c->t_start);
	if (cl)
		fprintf(stderr, " call=%u(%c) real=%u pac=%u nat=%d",
			cl->serial, cl->kind, cl->real, cl->pac, cl->nat);
	fprintf(stderr, ": %s\n", msg);
	if (c && v <= V_unexpected_close) {
		for (i = c->nhist > 24 ? c->nhist - 24 : 0; i < c->nhist; i++)
			fprintf(stderr, "#     %s\n", c->hist[i % 24]);
		router_view(g, c);
	}
}

/* ------------------------------------------------------------ messages */

/* Output of one thread step for one connection: several messages. */
struct outbuf {
	uint8_t b[8192];
	int len;
	bool fine;		/* a burst: every message cut on its own */
};

static void fifo_push(struct fifo *f, int type, struct call *cl)
{
	if (f->tail - f->head >= FIFO_N)
		return;		/* cannot happen: the peer reads on */
	f->type[f->tail % FIFO_N] = type;
	f->call[f->tail % FIFO_N] = cl;
	f->tail++;
}

static int fifo_pop(struct fifo *f, struct call **cl)
{
	int t;

	if (f->head == f->tail)
		return 0;
	t = f->type[f->head % FIFO_N];
	*cl = f->call[f->head % FIFO_N];
	f->head++;
	return t;
}

/* Queue message @b for the peer; conn->lock held. */
static void out_add(struct conn *c, struct outbuf *o, struct fifo *f,
		    const uint8_t *b, struct call *cl)
{
	int len = get16(b);

	if (o->len + len > (int)sizeof(o->b))
		return;
	fifo_push(f, get16(b + 8), cl);
	memcpy(o->b + o->len, b, len);
	o->len += len;
	if (!o->fine)
		conn_hist(c, "%s %s%s%u", f == &c->c2s ? "c>" : "s>", msg_name[get16(b + 8)],
			  cl ? " call " : "", cl ? cl->serial : 0);
}

static int write_piece(int fd, const uint8_t *b, int len)
{
	while (len > 0) {
		ssize_t w = send(fd, b, len, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		b += w;
		len -= w;
	}
	return 0;
}

/*
 * Write @o cut at random points, each piece its own write(): up to four
 * cuts anywhere (several messages often share a piece); a burst (fine)
 * cuts every message on its own, one to three pieces each.
 */
static int out_flush(int fd, struct outbuf *o, uint32_t *rng)
{
	int cuts[512], n = 0, i, pos = 0;

	if (!o->len)
		return 0;
	if (o->fine) {
		while (pos < o->len && n < 500) {
			int len = get16(o->b + pos), k = rnd(rng) % 3;

			if (len < 12 || pos + len > o->len)
				break;
			while (k-- > 0 && len > 2)
				cuts[n++] = pos + 1 + rnd(rng) % (len - 1);
			pos += len;
			cuts[n++] = pos;
		}
		pos = 0;
	} else if (!chance(rng, 30)) {
		int k = 1 + rnd(rng) % 4;

		for (i = 0; i < k; i++)
			cuts[n++] = 1 + rnd(rng) % (o->len - 1);
	}
	/* Sorted, last piece to the end. */
	for (i = 1; i < n; i++) {
		int v = cuts[i], j = i;

		while (j > 0 && cuts[j - 1] > v) {
			cuts[j] = cuts[j - 1];
			j--;
		}
		cuts[j] = v;
	}
	cuts[n++] = o->len;
	for (i = 0; i < n; i++) {
		if (cuts[i] <= pos)
			continue;
		if (write_piece(fd, o->b + pos, cuts[i] - pos))
			return -1;
		pos = cuts[i];
		if (i + 1 < n && !o->fine && chance(rng, 20))
			usleep(rnd(rng) % 400);
	}
	o->len = 0;
	o->fine = false;
	return 0;
}

/* ------------------------------------------------------------ calls */

static struct call *call_new(struct conn *c, char kind)
{
	struct call *cl = calloc(1, sizeof(*cl));
	unsigned int s = atomic_fetch_add(&next_call_serial, 1);

	if (!cl || s >= MAX_CALLS)
		fatal("too many calls");
	cl->serial = s;
	cl->conn = c;
	cl->kind = kind;
	cl->nat = -1;
	calltab[s] = cl;
	if (c->ncalls < MAXC)
		c->calls[c->ncalls++] = cl;
	atomic_fetch_add(&c->g->st.calls, 1);
	return cl;
}

static uint16_t host_next_real(struct group *g, int host)
{
	uint16_t id;

	/* Hosts share the range, so their IDs collide: translation needed. */
	id = __atomic_fetch_add(&g->next_real[host], 1, __ATOMIC_RELAXED);
	if (id < 0x100 || id > 0x7f00) {
		__atomic_store_n(&g->next_real[host], 0x101, __ATOMIC_RELAXED);
		id = 0x100;
	}
	return id;
}

static int live_calls(struct conn *c)
{
	int i, n = 0;

	for (i = 0; i < c->ncalls; i++)
		if (!(atomic_load(&c->calls[i]->flags) & (CF_ENDED | CF_CLEARING)))
			n++;
	return n;
}

/* Wait until no GRE thread is sending for @c's calls (or @only). */
static void gre_quiesce(struct conn *c, struct call *only)
{
	double end = now() + 2;
	int i;

	for (;;) {
		bool busy = false;

		for (i = 0; i < c->ncalls; i++) {
			struct call *cl = c->calls[i];

			if ((!only || cl == only) && atomic_load(&cl->gre) == GS_SENDING)
				busy = true;
		}
		if (!busy || now() > end)
			return;
		sched_yield();
	}
}

/* ------------------------------------------------------------ GRE */

#define GREQ_N	4096
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct call *q[GREQ_N];
	unsigned int head, tail;
} greq = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0 };

static void gre_enqueue(struct call *cl)
{
	pthread_mutex_lock(&greq.lock);
	if (greq.tail - greq.head < GREQ_N) {
		atomic_store(&cl->gre, GS_QUEUED);
		greq.q[greq.tail++ % GREQ_N] = cl;
		pthread_cond_signal(&greq.cond);
	}
	pthread_mutex_unlock(&greq.lock);
}

static struct call *gre_dequeue(void)
{
	struct call *cl = NULL;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&greq.lock);
	if (greq.head == greq.tail)
		pthread_cond_timedwait(&greq.cond, &greq.lock, &ts);
	if (greq.head != greq.tail)
		cl = greq.q[greq.head++ % GREQ_N];
	pthread_mutex_unlock(&greq.lock);
	return cl;
}

/* Enhanced GRE (RFC 2637 4.1); the payload names run, call, direction. */
static int gre_packet(uint8_t *p, uint16_t key, uint32_t seq,
		      const struct call *cl, int dir)
{
	memset(p, 0, 40);
	put16(p, 0x3001);		/* K, S, version 1 */
	put16(p + 2, 0x880B);
	put16(p + 4, 28);		/* payload length */
	put16(p + 6, key);
	put32(p + 8, seq);
	put32(p + 12, GRE_MAGIC);
	put32(p + 16, run_token);
	put32(p + 20, cl->serial);
	p[24] = dir;
	return 12 + 28;
}

/* Send from source @src (IP_PKTINFO: a host has many addresses). */
static int gre_send(int fd, struct in_addr src, struct in_addr dst,
		    const uint8_t *p, int len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
	struct msghdr mh = {
		.msg_name = &to, .msg_namelen = sizeof(to),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	struct in_pktinfo *pi;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IP;
	cm->cmsg_type = IP_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi = (struct in_pktinfo *)CMSG_DATA(cm);
	pi->ipi_spec_dst = src;
	return sendmsg(fd, &mh, 0) < 0 ? -1 : 0;
}

static int gre_raw_socket(int nsfd, bool rx)
{
	int fd, sz = rx ? 1 << 20 : 1;

	if (ns_enter(nsfd))
		fatal("setns (GRE)");
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
	if (fd < 0)
		fatal("raw GRE socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (!rx)
		shutdown(fd, SHUT_RD);
	return fd;
}

/*
 * Two threads on two CPUs send a call's GRE: side 0 from the inside host
 * to the PAC, side 1 from the PAC to the router's public address.  They
 * meet at a barrier and send their first packets at the same moment.
 */
struct gre_pair {
	atomic_uint job;	/* published by side 0 */
	struct call *_Atomic cur;
	atomic_uint arrive[2][2];	/* [phase][side] = job */
	int cpu[2];
};

struct gre_worker {
	struct gre_pair *gp;
	int side;
};

static bool call_may_send(struct call *cl)
{
	struct conn *c = cl->conn;

	return !(atomic_load(&cl->flags) & (CF_CLEARING | CF_ENDED)) &&
	       !atomic_load(&c->cend) && !atomic_load(&c->send_);
}

/* Bounded: a stuck partner cannot hang us. */
static void gre_barrier(struct gre_pair *gp, int phase, int side, unsigned int job)
{
	double end = now() + 2;
	unsigned int spins = 0;

	atomic_store(&gp->arrive[phase][side], job);
	while (atomic_load(&gp->arrive[phase][!side]) < job && !atomic_load(&stop_all)) {
		if (++spins > 256) {
			if (now() > end)
				break;
			sched_yield();
		}
	}
}

static void gre_burst(int fd, struct call *cl, int side)
{
	struct conn *c = cl->conn;
	struct group *g = c->g;
	struct in_addr src, dst;
	uint8_t p[64];
	uint16_t key;
	int i, len;

	if (side == 0) {
		src = g->hosts[c->host];
		dst = g->pacs[c->pair->pac];
		key = cl->pac;
	} else {
		src = g->pacs[c->pair->pac];
		dst = g->pub;
		key = (uint16_t)cl->nat;
	}
	for (i = 0; i < opt_gre; i++) {
		if (i && !call_may_send(cl))
			break;
		len = gre_packet(p, key, i, cl, side);
		if (!gre_send(fd, src, dst, p, len)) {
			atomic_fetch_add(&cl->tx[side], 1);
			atomic_fetch_add(&g->st.gre_tx, 1);
		}
	}
}

static void *gre_thread(void *arg)
{
	struct gre_worker *w = arg;
	struct gre_pair *gp = w->gp;
	int side = w->side;
	unsigned int job = 0;
	int fd;

	pin(gp->cpu[side]);
	fd = gre_raw_socket(side ? groups[0].sns_fd : groups[0].cns_fd, false);
	while (!atomic_load(&stop_all)) {
		struct call *cl;

		if (side == 0) {
			cl = gre_dequeue();
			if (!cl)
				continue;
			/* The flag first, then a last look (see gre_quiesce). */
			atomic_store(&cl->gre, GS_SENDING);
			if (!call_may_send(cl)) {
				atomic_store(&cl->gre, GS_DONE);
				continue;
			}
			atomic_store(&gp->cur, cl);
			atomic_store(&gp->job, ++job);
		} else {
			double end = now() + 0.2;

			while (atomic_load(&gp->job) == job && now() < end &&
			       !atomic_load(&stop_all))
				usleep(100);
			if (atomic_load(&gp->job) == job)
				continue;
			job = atomic_load(&gp->job);
			cl = atomic_load(&gp->cur);
		}
		gre_barrier(gp, 0, side, job);
		gre_burst(fd, cl, side);
		gre_barrier(gp, 1, side, job);
		if (side == 0)
			atomic_store(&cl->gre, GS_DONE);
	}
	close(fd);
	return NULL;
}

static void gre_check(int at_pac, const uint8_t *d, ssize_t n)
{
	int ihl = (d[0] & 0x0f) * 4;
	struct in_addr sa, da;
	uint16_t key;
	uint32_t serial;
	struct call *cl;
	struct group *g;
	struct conn *c;
	char b1[16], b2[16];
	int dir;

	if (n < ihl + 12 + 28 || get16(d + ihl + 2) != 0x880B ||
	    (get16(d + ihl) & 0x2007) != 0x2001)
		return;
	memcpy(&sa, d + 12, 4);
	memcpy(&da, d + 16, 4);
	key = get16(d + ihl + 6);
	if (get32(d + ihl + 12) != GRE_MAGIC || get32(d + ihl + 16) != run_token)
		return;		/* not this run's */
	serial = get32(d + ihl + 20);
	dir = d[ihl + 24];
	cl = serial < MAX_CALLS ? calltab[serial] : NULL;
	if (!cl || dir > 1) {
		violation(&groups[0], NULL, NULL, V_gre_foreign, "GRE %s->%s key %u tag %u",
			  ip(sa, b1), ip(da, b2), key, serial);
		return;
	}
	c = cl->conn;
	g = c->g;
	if (!at_pac) {
		if (dir != 1 || da.s_addr != g->hosts[c->host].s_addr) {
			atomic_fetch_add(&cl->bad_rx, 1);
			violation(g, NULL, cl, V_gre_misdelivered,
				  "GRE (dir %d) of host %s's call arrived at %s, key %u", dir,
				  ip(g->hosts[c->host], b1), ip(da, b2), key);
			return;
		}
		if (key != cl->real) {
			atomic_fetch_add(&cl->bad_rx, 1);
			violation(g, NULL, cl, V_gre_wrong_key,
				  "GRE reached the host with key %u, real ID %u", key, cl->real);
			return;
		}
	} else {
		if (dir != 0 || da.s_addr != g->pacs[c->pair->pac].s_addr) {
			atomic_fetch_add(&cl->bad_rx, 1);
			violation(g, NULL, cl, V_gre_misdelivered,
				  "GRE (dir %d) for PAC %s arrived at %s, key %u", dir,
				  ip(g->pacs[c->pair->pac], b1), ip(da, b2), key);
			return;
		}
		if (key != cl->pac) {
			atomic_fetch_add(&cl->bad_rx, 1);
			violation(g, NULL, cl, V_gre_wrong_key,
				  "GRE reached the PAC with key %u, PAC ID %u", key, cl->pac);
			return;
		}
		if (sa.s_addr != g->pub.s_addr)
			violation(g, NULL, cl, V_gre_not_natted,
				  "GRE reached the PAC from %s", ip(sa, b1));
	}
	atomic_fetch_add(&cl->rx[dir], 1);
	atomic_fetch_add(&g->st.gre_rx, 1);
	/* GRE went both ways: both entries must be ASSURED now. */
	if (g->chk && atomic_load(&cl->rx[!dir]) && !atomic_exchange(&cl->check_queued, 1)) {
		pthread_mutex_lock(&g->chk_lock);
		if (g->chk_tail - g->chk_head < MAX_CALLS)
			g->chk[g->chk_tail++ % MAX_CALLS] = cl;
		pthread_mutex_unlock(&g->chk_lock);
	}
}

/* Receives every GRE packet in the inside and the PAC namespaces. */
static void *gre_rx_thread(void *arg)
{
	int fds[2], i;

	(void)arg;
	fds[0] = gre_raw_socket(groups[0].cns_fd, true);
	fds[1] = gre_raw_socket(groups[0].sns_fd, true);
	ns_leave();
	while (!atomic_load(&stop_all)) {
		struct pollfd pfd[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };

		if (poll(pfd, 2, 100) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			uint8_t d[2048];
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((n = recv(fds[i], d, sizeof(d), MSG_DONTWAIT)) > 0)
				gre_check(i, d, n);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ client */

static void conn_end_calls(struct conn *c)
{
	int i;

	for (i = 0; i < c->ncalls; i++)
		atomic_fetch_or(&c->calls[i]->flags, CF_ENDED);
}

/* how: 0 FIN, 1 RST */
static void client_close(struct conn *c, int how)
{
	if (c->cfd < 0)
		return;
	if (how)
		rst_close(c->cfd);
	else
		close(c->cfd);
	c->cfd = -1;
	pthread_mutex_lock(&c->pair->lock);
	c->c_closed = true;
	c->c_closed_t = now();
	pthread_mutex_unlock(&c->pair->lock);
}

/* The client ends the connection: flag first, then GRE quiet, then wire. */
static void client_begin_end(struct conn *c)
{
	atomic_store(&c->cend, 1);
	gre_quiesce(c, NULL);
}

static void conn_abort(struct conn *c, const char *why)
{
	conn_hist(c, "abort %s", why);
	atomic_store(&c->cend, 1);
	atomic_store(&c->send_, 1);
	gre_quiesce(c, NULL);
	atomic_fetch_add(&c->g->st.aborted, 1);
	client_close(c, 1);
}

static int client_send(struct conn *c, struct outbuf *o)
{
	if (c->cfd < 0 || out_flush(c->cfd, o, &c->pair->rng_c)) {
		o->len = 0;
		return -1;
	}
	return 0;
}

static void c_req(struct conn *c)
{
	if (!c->c_out++)
		c->c_wait = now();
}

static void c_ans(struct conn *c)
{
	if (c->c_out > 0 && !--c->c_out)
		c->c_wait = 0;
}

/* A PNS call-ID field arriving at the inside host. */
static void check_real(struct conn *c, struct call *cl, int type, const char *field,
		       uint16_t got)
{
	if (got == cl->real)
		return;
	if (cl->nat >= 0 && got == cl->nat)
		violation(c->g, c, cl, V_translated_inside,
			  "%s %s carries the translated ID %u, real %u",
			  msg_name[type], field, got, cl->real);
	else
		violation(c->g, c, cl, V_wrong_id_inside,
			  "%s %s carries %u, real %u", msg_name[type], field, got, cl->real);
}

static void check_pac(struct conn *c, struct call *cl, int type, const char *where,
		      uint16_t got)
{
	if (got != cl->pac)
		violation(c->g, c, cl, V_pac_id_wrong, "%s at %s: PAC ID %u, sent %u",
			  msg_name[type], where, got, cl->pac);
}

static void call_established(struct conn *c, struct call *cl)
{
	cl->cst = CS_EST;
	cl->t_est = now();
	atomic_fetch_add(&c->g->st.calls_est, 1);
	if (!atomic_load(&c->cend))
		gre_enqueue(cl);
}

/* One message from the PAC reached the inside host. */
static void client_msg(struct conn *c, const uint8_t *m, struct outbuf *o)
{
	struct group *g = c->g;
	int type = get16(m + 8), want;
	struct call *cl = NULL;
	bool check = !atomic_load(&c->cend);
	uint8_t b[256];

	pthread_mutex_lock(&c->lock);
	want = fifo_pop(&c->s2c, &cl);
	conn_hist(c, "c< %s%s%u", msg_name[type], cl ? " call " : "", cl ? cl->serial : 0);
	if (want != type) {
		pthread_mutex_unlock(&c->lock);
		if (check)
			violation(g, c, NULL, V_msg_mismatch, "host got %s, PAC sent %s",
				  msg_name[type], want ? msg_name[want] : "nothing");
		conn_abort(c, "mismatch");
		return;
	}
	atomic_fetch_add(&g->st.msgs, 1);
	if (c->c_out)
		c->c_wait = now();	/* progress */
	switch (type) {
	case SCCRP:
		c->cstate = 2;
		c_ans(c);
		break;
	case OCRP:
		if (check) {
			check_pac(c, cl, type, "host", get16(m + 12));
			check_real(c, cl, type, "peer ID", get16(m + 14));
		}
		if (cl->cst == CS_OCRQ) {
			c_ans(c);
			if (m[16] == 1) {
				call_established(c, cl);
			} else {
				cl->cst = CS_DONE;
				atomic_fetch_or(&cl->flags, CF_ENDED);
				atomic_fetch_add(&g->st.refused, 1);
			}
		}
		break;
	case ICRQ:
		if (check)
			check_pac(c, cl, type, "host", get16(m + 12));
		if (!atomic_load(&c->cend)) {
			cl->real = host_next_real(g, c->host);
			cl->cst = CS_ICRP;
			build(b, ICRP);
			put16(b + 12, cl->real);
			put16(b + 14, cl->pac);
			b[16] = 1;
			put16(b + 18, 64);
			out_add(c, o, &c->c2s, b, cl);
			c_req(c);
		}
		break;
	case ICCN:
		if (check)
			check_real(c, cl, type, "peer ID", get16(m + 12));
		if (cl->cst == CS_ICRP) {
			c_ans(c);
			call_established(c, cl);
		}
		break;
	case WEN:
		if (check)
			check_real(c, cl, type, "peer ID", get16(m + 12));
		break;
	case CDN:
		if (check)
			check_pac(c, cl, type, "host", get16(m + 12));
		if (cl->cst == CS_CCRQ)
			c_ans(c);
		if (cl->cst == CS_EST || cl->cst == CS_CCRQ)
			atomic_fetch_add(&g->st.calls_ok, 1);
		cl->cst = CS_DONE;
		atomic_fetch_or(&cl->flags, CF_ENDED);
		break;
	case ECHORQ:
		if (!atomic_load(&c->cend)) {
			build(b, ECHORP);
			memcpy(b + 12, m + 12, 4);
			b[16] = 1;
			out_add(c, o, &c->c2s, b, NULL);
		}
		break;
	case ECHORP:
		if (c->echo_c > 0) {
			c->echo_c--;
			c_ans(c);
		}
		break;
	case STOPCCRQ:
		/* The PAC ends it: answer, then close. */
		if (!atomic_load(&c->cend)) {
			client_begin_end(c);
			build(b, STOPCCRP);
			b[12] = 1;
			out_add(c, o, &c->c2s, b, NULL);
		}
		c->c_close_next = true;
		break;
	case STOPCCRP:
		c->c_close_next = true;
		c->c_out = 0;
		c->c_wait = 0;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&c->lock);
}

static void client_read(struct conn *c, struct outbuf *o)
{
	ssize_t n = recv(c->cfd, c->cin.b + c->cin.len, sizeof(c->cin.b) - c->cin.len,
			 MSG_DONTWAIT);
	int off = 0;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		bool expected = atomic_load(&c->cend) || atomic_load(&c->send_);

		conn_hist(c, "c< %s", n == 0 ? "EOF" : strerror(errno));
		if (!expected)
			violation(c->g, c, NULL, V_unexpected_close, "inside host saw %s",
				  n == 0 ? "EOF" : strerror(errno));
		atomic_store(&c->cend, 1);
		gre_quiesce(c, NULL);
		client_close(c, 0);
		return;
	}
	if (n < 0)
		return;
	c->cin.len += n;
	while (c->cin.len - off >= 12 && c->cfd >= 0) {
		const uint8_t *m = c->cin.b + off;
		int len = get16(m), type = get16(m + 8);

		if (len < 12 || len > 220 || get32(m + 4) != MAGIC || type >= MSG_MAX ||
		    len != msg_len[type]) {
			if (!atomic_load(&c->cend))
				violation(c->g, c, NULL, V_msg_mismatch,
					  "garbled message at the inside host (len %d type %d)",
					  len, type);
			conn_abort(c, "garbled");
			return;
		}
		if (c->cin.len - off < len)
			break;
		client_msg(c, m, o);
		off += len;
	}
	if (c->cfd >= 0) {
		memmove(c->cin.b, c->cin.b + off, c->cin.len - off);
		c->cin.len -= off;
	}
}

/* GRE sent, and the ASSURED checker had its look (or gave up waiting). */
static bool call_clearable(struct call *cl)
{
	double age = now() - cl->t_est;

	return atomic_load(&cl->gre) == GS_DONE && age > 0.05 &&
	       (atomic_load(&cl->checked) || !cl->conn->g->chk || age > 2);
}

static struct call *pick_call(struct conn *c, uint32_t *rng, bool need_gre_done)
{
	struct call *cand[MAXC];
	int i, n = 0;

	for (i = 0; i < c->ncalls; i++) {
		struct call *cl = c->calls[i];

		if (cl->cst != CS_EST || (atomic_load(&cl->flags) & (CF_CLEARING | CF_ENDED)))
			continue;
		if (need_gre_done && !call_clearable(cl))
			continue;
		cand[n++] = cl;
	}
	return n ? cand[rnd(rng) % n] : NULL;
}

/* Anything of @c's in flight: a request unanswered, GRE not sent yet. */
static bool conn_busy(struct conn *c)
{
	int i;

	if (c->c_out)
		return true;
	for (i = 0; i < c->ncalls; i++) {
		struct call *cl = c->calls[i];
		int gs = atomic_load(&cl->gre);

		if (cl->cst == CS_OCRQ || cl->cst == CS_ICRP || cl->cst == CS_CCRQ ||
		    gs == GS_QUEUED || gs == GS_SENDING)
			return true;
	}
	return false;
}

static void send_ccrq(struct conn *c, struct outbuf *o, struct call *cl)
{
	uint8_t b[64];

	atomic_fetch_or(&cl->flags, CF_CLEARING);
	gre_quiesce(c, cl);
	cl->cst = CS_CCRQ;
	build(b, CCRQ);
	put16(b + 12, cl->real);
	out_add(c, o, &c->c2s, b, cl);
	c_req(c);
}

/* The PNS ends the connection; returns true if it closed it now. */
static bool client_end(struct conn *c, struct outbuf *o)
{
	int r = rnd(&c->pair->rng_c) % 100;
	uint8_t b[64];

	client_begin_end(c);
	if (r < 45) {
		build(b, STOPCCRQ);
		b[12] = 1;
		out_add(c, o, &c->c2s, b, NULL);
		c->cstate = 3;
		c_req(c);
		return false;
	}
	if (r < 85) {
		/*
		 * CCRQ for every call still up, then FIN at once: what was
		 * written before the FIN must still leave translated.
		 */
		int i;

		for (i = 0; i < c->ncalls; i++) {
			struct call *cl = c->calls[i];

			if (cl->cst != CS_EST || (atomic_load(&cl->flags) & (CF_CLEARING | CF_ENDED)))
				continue;
			atomic_fetch_or(&cl->flags, CF_CLEARING);
			cl->cst = CS_CCRQ;
			build(b, CCRQ);
			put16(b + 12, cl->real);
			out_add(c, o, &c->c2s, b, cl);
		}
	}
	pthread_mutex_unlock(&c->lock);
	client_send(c, o);
	conn_hist(c, "c close %s", r < 85 ? "FIN" : "RST");
	client_close(c, r >= 85);
	pthread_mutex_lock(&c->lock);
	return true;
}

/* One step of the PNS for connection @c. */
static void client_act(struct conn *c, struct outbuf *o)
{
	struct group *g = c->g;
	uint32_t *rng = &c->pair->rng_c;
	bool winding = atomic_load(&stop_new) && !c->hold;
	uint8_t b[256];
	struct call *cl;
	int k, actions = chance(rng, 30) ? 2 : 1;

	if (c->cstate != 2 || atomic_load(&c->cend) || c->cfd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->longlived && !winding && now() >= c->c_burst && !o->len &&
	    (cl = pick_call(c, rng, false))) {
		/* A burst: many messages, each cut on its own. */
		int i, nb = 20 + rnd(rng) % 40;

		o->fine = true;
		for (i = 0; i < nb; i++) {
			build(b, SLI);
			put16(b + 12, cl->pac);
			put32(b + 16, rnd(rng));
			out_add(c, o, &c->c2s, b, cl);
		}
		conn_hist(c, "c> burst of %d SLI call %u", nb, cl->serial);
		c->c_burst = now() + 1 + rnd(rng) % 4000 / 1000.0;
		pthread_mutex_unlock(&c->lock);
		return;
	}
	for (k = 0; k < actions && !atomic_load(&c->cend); k++) {
		int r = rnd(rng) % 100;

		if (c->hold) {
			if (c->done_out >= 1)
				break;
			r = 0;
		}
		if (winding) {
			/* Over: end it as soon as nothing is in flight. */
			if (!conn_busy(c))
				client_end(c, o);
			break;
		}
		if (r < 30) {
			if (c->done_out >= c->plan_out || live_calls(c) >= 3 ||
			    c->ncalls >= MAXC - 1)
				continue;
			cl = call_new(c, 'O');
			cl->real = host_next_real(g, c->host);
			cl->cst = CS_OCRQ;
			c->done_out++;
			build(b, OCRQ);
			put16(b + 12, cl->real);
			put16(b + 14, cl->serial & 0xffff);
			put32(b + 16, 300);
			put32(b + 20, 100000000);
			put32(b + 24, 3);
			put32(b + 28, 3);
			put16(b + 32, 64);
			out_add(c, o, &c->c2s, b, cl);
			c_req(c);
		} else if (r < 45) {
			if (!(cl = pick_call(c, rng, false)))
				continue;
			build(b, SLI);
			put16(b + 12, cl->pac);
			put32(b + 16, 0xffffffff);
			put32(b + 20, 0xffffffff);
			out_add(c, o, &c->c2s, b, cl);
		} else if (r < 55) {
			if (c->echo_c >= 2)
				continue;
			build(b, ECHORQ);
			put32(b + 12, rnd(rng));
			out_add(c, o, &c->c2s, b, NULL);
			c->echo_c++;
			c_req(c);
		} else if (r < 75) {
			if ((cl = pick_call(c, rng, true)))
				send_ccrq(c, o, cl);
		} else if (!c->hold && c->done_out >= c->plan_out && !conn_busy(c) &&
			   (!live_calls(c) || chance(rng, 25))) {
			/* StopCCRQ, FIN or RST, calls up or not. */
			if (client_end(c, o))
				break;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

static int host_connect(struct group *g, int host, struct in_addr dst, int *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = g->hosts[host] };
	struct sockaddr_in da = { .sin_family = AF_INET, .sin_port = htons(PPTP_PORT),
				  .sin_addr = dst };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	set_sock_opts(fd);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    connect(fd, (struct sockaddr *)&da, sizeof(da))) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static struct conn *conn_open(struct pair *p, bool hold)
{
	struct group *g = p->g;
	struct conn *c = calloc(1, sizeof(*c));
	struct sockaddr_in la;
	socklen_t ll = sizeof(la);
	struct outbuf o = { .len = 0 };
	uint8_t b[256];
	int err;

	if (!c)
		fatal("oom");
	c->serial = atomic_fetch_add(&next_conn_serial, 1);
	c->pair = p;
	c->g = g;
	c->host = rnd(&p->rng_c) % g->nhosts;
	c->sfd = -1;
	c->hold = hold;
	c->t_start = now();
	pthread_mutex_init(&c->lock, NULL);
	c->plan_out = hold ? 1 : 1 + rnd(&p->rng_c) % 3;
	c->plan_in = hold ? 1 : rnd(&p->rng_c) % 3;
	/* One connection per pair lives all run, with bursts. */
	if (!hold && !p->longc) {
		c->longlived = true;
		c->plan_out = c->plan_in = 1000000;
		c->c_burst = now() + 2;
		c->s_burst = now() + 2.5;
	}
	c->cfd = host_connect(g, c->host, g->pacs[p->pac], &err);
	if (c->cfd < 0) {
		atomic_fetch_add(&g->st.connect_fail, 1);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	getsockname(c->cfd, (struct sockaddr *)&la, &ll);
	c->cport = ntohs(la.sin_port);
	atomic_fetch_add(&g->st.conns, 1);
	conn_hist(c, "open port %u", c->cport);
	pthread_mutex_lock(&c->lock);
	build(b, SCCRQ);
	put16(b + 12, 0x0100);
	put32(b + 16, 3);
	put32(b + 20, 3);
	put16(b + 24, 1);
	snprintf((char *)b + 28, 64, "c%u", c->serial);
	snprintf((char *)b + 92, 64, "pptp_stress");
	out_add(c, &o, &c->c2s, b, NULL);
	c->cstate = 1;
	c_req(c);
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_lock(&p->lock);
	p->pending[p->npending++] = c;
	p->conns[p->nconns++] = c;
	if (c->longlived)
		p->longc = c;
	pthread_mutex_unlock(&p->lock);
	if (client_send(c, &o))
		conn_abort(c, "SCCRQ write");
	return c;
}

/* Both ends are done with @c (or the PAC never took it): forget it. */
static bool client_reap(struct pair *p, struct conn *c)
{
	bool gone = false;
	int j;

	pthread_mutex_lock(&p->lock);
	if (c->s_closed) {
		gone = true;
	} else if (c->sstate == 0) {
		for (j = 0; j < p->npending; j++)
			if (p->pending[j] == c) {
				p->pending[j] = p->pending[--p->npending];
				gone = true;
				break;
			}
	}
	if (gone) {
		if (p->longc == c)
			p->longc = NULL;
		for (j = 0; j < p->nconns; j++)
			if (p->conns[j] == c) {
				p->conns[j] = p->conns[--p->nconns];
				break;
			}
	}
	pthread_mutex_unlock(&p->lock);
	if (gone) {
		conn_end_calls(c);
		if (!c->counted && c->s_closed)
			atomic_fetch_add(&c->g->st.conns_ok, 1);
		c->counted = true;
	}
	return gone;
}

static void *client_thread(void *arg)
{
	struct pair *p = arg;
	struct group *g = p->g;
	int fails = 0;

	pin(p->cpu_c);
	if (ns_enter(g->cns_fd))
		fatal("setns client");
	while (!atomic_load(&stop_all)) {
		struct pollfd pfd[32];
		struct conn *pc[32], *list[32];
		int i, n = 0, nl;
		double t;
		bool want_more = !atomic_load(&stop_new) && !atomic_load(&g->dead);

		/* Hold phase: one more connection, kept. */
		if (atomic_load(&hold_phase) && p->hold_state == 1 && conn_open(p, true))
			p->hold_state = 2;
		while (want_more && p->nconns < g->conns) {
			if (conn_open(p, false)) {
				fails = 0;
				continue;
			}
			if (++fails > 20 && g != &groups[0])
				atomic_store(&g->dead, 1);
			usleep(100000);
			break;
		}
		pthread_mutex_lock(&p->lock);
		nl = p->nconns;
		memcpy(list, p->conns, nl * sizeof(list[0]));
		pthread_mutex_unlock(&p->lock);
		for (i = 0; i < nl; i++) {
			if (list[i]->cfd < 0)
				continue;
			pfd[n].fd = list[i]->cfd;
			pfd[n].events = POLLIN;
			pfd[n].revents = 0;
			pc[n++] = list[i];
		}
		poll(pfd, n, 10);
		for (i = 0; i < n; i++) {
			struct conn *c = pc[i];
			struct outbuf o = { .len = 0 };

			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				client_read(c, &o);
			if (c->cfd >= 0 && o.len && client_send(c, &o))
				conn_abort(c, "write");
		}
		t = now();
		for (i = 0; i < nl; i++) {
			struct conn *c = list[i];
			struct outbuf o = { .len = 0 };

			if (c->cfd < 0) {
				client_reap(p, c);
				continue;
			}
			if (c->c_close_next) {
				client_close(c, 0);
				continue;
			}
			if (c->c_wait && t - c->c_wait > opt_timeout) {
				violation(g, c, NULL, V_stall,
					  "inside host: %d requests unanswered, nothing in for %.1f s",
					  c->c_out, t - c->c_wait);
				conn_abort(c, "stall");
				continue;
			}
			if (t >= c->c_next) {
				client_act(c, &o);
				c->c_next = t + (rnd(&p->rng_c) % 40) / 1000.0;
			}
			if (c->cfd >= 0 && o.len && client_send(c, &o))
				conn_abort(c, "write");
		}
		if (!nl)
			usleep(20000);
	}
	return NULL;
}

/* ------------------------------------------------------------ server */

static void nat_set(struct pair *p, int id, bool on)
{
	if (id < 0)
		return;
	if (on)
		p->nat_used[id >> 3] |= 1 << (id & 7);
	else
		p->nat_used[id >> 3] &= ~(1 << (id & 7));
}

/* Is @id the translated ID of another call the router still has? */
static bool nat_live_elsewhere(struct pair *p, struct call *me, uint16_t id)
{
	unsigned int last = atomic_load(&next_call_serial), s;

	if (!(p->nat_used[id >> 3] & (1 << (id & 7))))
		return false;
	for (s = last - 1; s > 0 && s + 8192 > last; s--) {
		struct call *o = calltab[s];

		if (!o || o == me || o->conn->pair != p || o->nat != id || o->sst == SS_DONE)
			continue;
		if ((atomic_load(&o->flags) & (CF_ENDED | CF_CDN_SENT)) ||
		    atomic_load(&o->conn->cend) || atomic_load(&o->conn->send_))
			continue;
		return true;
	}
	return false;
}

static uint16_t pac_next(struct pair *p)
{
	uint16_t id = p->next_pac++;

	if (p->next_pac < 0x8000 || p->next_pac > 0xfff0)
		p->next_pac = 0x8000;
	return id ? id : 0x8000;
}

static void server_close(struct conn *c, int how)
{
	if (c->sfd < 0)
		return;
	if (how)
		rst_close(c->sfd);
	else
		close(c->sfd);
	c->sfd = -1;
	pthread_mutex_lock(&c->pair->lock);
	c->s_closed = true;
	pthread_mutex_unlock(&c->pair->lock);
}

static void server_release_calls(struct conn *c)
{
	int i;

	for (i = 0; i < c->ncalls; i++) {
		struct call *cl = c->calls[i];

		if (cl->sst != SS_DONE) {
			nat_set(c->pair, cl->nat, false);
			cl->sst = SS_DONE;
		}
	}
}

static void server_begin_end(struct conn *c)
{
	atomic_store(&c->send_, 1);
	gre_quiesce(c, NULL);
}

/* A PNS call-ID field arriving at the PAC: the call's translated ID. */
static void check_nat(struct conn *c, struct call *cl, int type, uint16_t got,
		      bool zero_ok)
{
	if (cl->nat >= 0 && got == cl->nat)
		return;
	if (got == 0 && zero_ok) {
		atomic_fetch_add(&c->g->st.ccrq_zero_after_cdn, 1);
		return;
	}
	if (got == cl->real && (cl->nat < 0 || cl->nat != cl->real))
		violation(c->g, c, cl, V_untranslated_pac,
			  "%s reached the PAC with the real ID %u (translated %d)",
			  msg_name[type], got, cl->nat);
	else
		violation(c->g, c, cl, V_nat_inconsistent,
			  "%s reached the PAC with %u, translated ID %d", msg_name[type],
			  got, cl->nat);
}

/* The PAC learns a new call's translated ID from OCRQ or ICRP. */
static void learn_nat(struct conn *c, struct call *cl, int type, uint16_t got, bool check)
{
	struct pair *p = c->pair;

	if (check && got == 0)
		violation(c->g, c, cl, V_nat_zero, "%s reached the PAC with call ID 0",
			  msg_name[type]);
	else if (check && nat_live_elsewhere(p, cl, got))
		violation(c->g, c, cl, V_nat_dup, "%s: translated ID %u is another live call's",
			  msg_name[type], got);
	cl->nat = got;
	nat_set(p, got, true);
}

static void s_ans(struct conn *c)
{
	if (c->s_out > 0 && !--c->s_out)
		c->s_wait = 0;
}

static void server_msg(struct conn *c, const uint8_t *m, struct outbuf *o)
{
	struct group *g = c->g;
	int type = get16(m + 8), want;
	struct call *cl = NULL;
	bool check = !atomic_load(&c->send_);
	uint32_t *rng = &c->pair->rng_s;
	uint8_t b[256];

	pthread_mutex_lock(&c->lock);
	want = fifo_pop(&c->c2s, &cl);
	conn_hist(c, "s< %s%s%u", msg_name[type], cl ? " call " : "", cl ? cl->serial : 0);
	if (want != type) {
		pthread_mutex_unlock(&c->lock);
		if (check)
			violation(g, c, NULL, V_msg_mismatch, "PAC got %s, host sent %s",
				  msg_name[type], want ? msg_name[want] : "nothing");
		server_begin_end(c);
		server_close(c, 1);
		return;
	}
	atomic_fetch_add(&g->st.msgs, 1);
	if (c->s_out)
		c->s_wait = now();
	switch (type) {
	case OCRQ:
		learn_nat(c, cl, type, get16(m + 12), check);
		if (atomic_load(&c->send_))
			break;
		cl->pac = pac_next(c->pair);
		build(b, OCRP);
		put16(b + 12, cl->pac);
		put16(b + 14, (uint16_t)cl->nat);
		if (!c->hold && chance(rng, 4)) {
			b[16] = 7;	/* do not accept */
			cl->sst = SS_DONE;
			nat_set(c->pair, cl->nat, false);
		} else {
			b[16] = 1;
			cl->sst = SS_EST;
		}
		put32(b + 20, 100000000);
		put16(b + 24, 64);
		out_add(c, o, &c->s2c, b, cl);
		break;
	case ICRP:
		learn_nat(c, cl, type, get16(m + 12), check);
		if (check)
			check_pac(c, cl, type, "PAC", get16(m + 14));
		if (atomic_load(&c->send_))
			break;
		build(b, ICCN);
		put16(b + 12, (uint16_t)cl->nat);
		put32(b + 16, 100000000);
		put16(b + 20, 64);
		put32(b + 24, 3);
		out_add(c, o, &c->s2c, b, cl);
		cl->sst = SS_EST;
		break;
	case CCRQ:
		if (check)
			check_nat(c, cl, type, get16(m + 12),
				  atomic_load(&cl->flags) & CF_CDN_SENT);
		if (!(atomic_load(&cl->flags) & CF_CDN_SENT) && !atomic_load(&c->send_)) {
			atomic_fetch_or(&cl->flags, CF_CDN_SENT | CF_CLEARING);
			build(b, CDN);
			put16(b + 12, cl->pac);
			b[14] = 3;
			out_add(c, o, &c->s2c, b, cl);
			nat_set(c->pair, cl->nat, false);
			cl->sst = SS_DONE;
		}
		break;
	case SLI:
		if (check)
			check_pac(c, cl, type, "PAC", get16(m + 12));
		break;
	case ECHORQ:
		if (!atomic_load(&c->send_)) {
			build(b, ECHORP);
			memcpy(b + 12, m + 12, 4);
			b[16] = 1;
			out_add(c, o, &c->s2c, b, NULL);
		}
		break;
	case ECHORP:
		if (c->echo_s > 0) {
			c->echo_s--;
			s_ans(c);
		}
		break;
	case STOPCCRQ:
		if (!atomic_load(&c->send_)) {
			build(b, STOPCCRP);
			b[12] = 1;
			out_add(c, o, &c->s2c, b, NULL);
		}
		server_release_calls(c);
		c->sstate = 2;
		break;
	case STOPCCRP:
		c->sstate = 2;
		c->s_out = 0;
		c->s_wait = 0;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&c->lock);
}

static int server_send(struct conn *c, struct outbuf *o)
{
	if (c->sfd < 0 || out_flush(c->sfd, o, &c->pair->rng_s)) {
		o->len = 0;
		return -1;
	}
	return 0;
}

static void server_read(struct conn *c, struct outbuf *o)
{
	ssize_t n = recv(c->sfd, c->sin.b + c->sin.len, sizeof(c->sin.b) - c->sin.len,
			 MSG_DONTWAIT);
	int off = 0;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		bool expected = atomic_load(&c->cend) || atomic_load(&c->send_);

		conn_hist(c, "s< %s", n == 0 ? "EOF" : strerror(errno));
		if (!expected)
			violation(c->g, c, NULL, V_unexpected_close, "PAC saw %s",
				  n == 0 ? "EOF" : strerror(errno));
		atomic_store(&c->send_, 1);
		server_release_calls(c);
		server_close(c, 0);
		return;
	}
	if (n < 0)
		return;
	c->sin.len += n;
	while (c->sin.len - off >= 12 && c->sfd >= 0) {
		const uint8_t *m = c->sin.b + off;
		int len = get16(m), type = get16(m + 8);

		if (len < 12 || len > 220 || get32(m + 4) != MAGIC || type >= MSG_MAX ||
		    len != msg_len[type]) {
			if (!atomic_load(&c->send_))
				violation(c->g, c, NULL, V_msg_mismatch,
					  "garbled message at the PAC (len %d type %d)", len, type);
			server_begin_end(c);
			server_close(c, 1);
			return;
		}
		if (c->sin.len - off < len)
			break;
		server_msg(c, m, o);
		off += len;
	}
	if (c->sfd >= 0) {
		memmove(c->sin.b, c->sin.b + off, c->sin.len - off);
		c->sin.len -= off;
	}
}

/* Unsolicited PAC messages and endings. */
static void server_act(struct conn *c, struct outbuf *o)
{
	struct pair *p = c->pair;
	uint32_t *rng = &p->rng_s;
	bool winding = atomic_load(&stop_new) && !c->hold;
	struct call *cand[MAXC], *cl;
	uint8_t b[256];
	int r = rnd(rng) % 100, i, n = 0;

	if (c->sstate != 1 || atomic_load(&c->send_) || atomic_load(&c->cend))
		return;
	pthread_mutex_lock(&c->lock);
	if (c->longlived && !winding && now() >= c->s_burst && !o->len) {
		for (i = 0; i < c->ncalls; i++)
			if (c->calls[i]->sst == SS_EST &&
			    !(atomic_load(&c->calls[i]->flags) & (CF_CLEARING | CF_ENDED)))
				cand[n++] = c->calls[i];
		if (n) {
			/* A burst: many messages, each cut on its own. */
			int nb = 20 + rnd(rng) % 40;

			cl = cand[rnd(rng) % n];
			o->fine = true;
			for (i = 0; i < nb; i++) {
				build(b, WEN);
				put16(b + 12, (uint16_t)cl->nat);
				put32(b + 16, i);
				out_add(c, o, &c->s2c, b, cl);
			}
			conn_hist(c, "s> burst of %d WEN call %u", nb, cl->serial);
			c->s_burst = now() + 1 + rnd(rng) % 4000 / 1000.0;
			pthread_mutex_unlock(&c->lock);
			return;
		}
		n = 0;
	}
	if (c->hold)
		r = c->done_in < 1 ? 0 : 99;
	if (r < 12) {
		if (!winding && c->done_in < c->plan_in && live_calls(c) < 3 &&
		    c->ncalls < MAXC - 1) {
			cl = call_new(c, 'I');
			cl->pac = pac_next(p);
			cl->sst = SS_ICRQ;
			c->done_in++;
			build(b, ICRQ);
			put16(b + 12, cl->pac);
			put16(b + 14, cl->serial & 0xffff);
			put32(b + 16, 3);
			out_add(c, o, &c->s2c, b, cl);
		}
	} else if (r < 30) {
		for (i = 0; i < c->ncalls; i++)
			if (c->calls[i]->sst == SS_EST &&
			    !(atomic_load(&c->calls[i]->flags) & (CF_CLEARING | CF_ENDED)))
				cand[n++] = c->calls[i];
		if (n) {
			cl = cand[rnd(rng) % n];
			build(b, WEN);
			put16(b + 12, (uint16_t)cl->nat);
			put32(b + 16, rnd(rng) & 0xff);
			out_add(c, o, &c->s2c, b, cl);
		}
	} else if (r < 38) {
		if (c->echo_s < 2) {
			build(b, ECHORQ);
			put32(b + 12, rnd(rng));
			out_add(c, o, &c->s2c, b, NULL);
			c->echo_s++;
			if (!c->s_out++)
				c->s_wait = now();
		}
	} else if (r < 44 && !c->hold) {
		/* PAC-initiated clear of a call whose GRE is done. */
		for (i = 0; i < c->ncalls; i++) {
			struct call *x = c->calls[i];

			if (x->sst == SS_EST && !(atomic_load(&x->flags) & (CF_CLEARING | CF_ENDED)) &&
			    x->cst == CS_EST && call_clearable(x))
				cand[n++] = x;
		}
		if (n) {
			cl = cand[rnd(rng) % n];
			atomic_fetch_or(&cl->flags, CF_CLEARING | CF_CDN_SENT);
			gre_quiesce(c, cl);
			build(b, CDN);
			put16(b + 12, cl->pac);
			b[14] = 3;
			out_add(c, o, &c->s2c, b, cl);
			nat_set(p, cl->nat, false);
			cl->sst = SS_DONE;
		}
	} else if (r >= 44 && r < 46 && !c->hold && !c->longlived && !winding &&
		   now() - c->t_start > 0.3) {
		int how = rnd(rng) % 100;

		/* The PAC ends it: StopCCRQ, FIN or RST. */
		if (how >= 35 && how < 85) {
			/*
			 * A few WEN for every call still up, each cut on its
			 * own, then FIN at once: all of them must reach the
			 * host translated.
			 */
			o->fine = true;
			for (i = 0; i < c->ncalls; i++) {
				struct call *x = c->calls[i];
				int k;

				if (x->sst != SS_EST ||
				    (atomic_load(&x->flags) & (CF_CLEARING | CF_ENDED)))
					continue;
				for (k = 0; k < 4; k++) {
					build(b, WEN);
					put16(b + 12, (uint16_t)x->nat);
					put32(b + 16, k);
					out_add(c, o, &c->s2c, b, x);
				}
			}
		}
		server_begin_end(c);
		server_release_calls(c);
		if (how < 35) {
			build(b, STOPCCRQ);
			b[12] = 1;
			out_add(c, o, &c->s2c, b, NULL);
			c->sstate = 2;
			if (!c->s_out++)
				c->s_wait = now();
		} else {
			pthread_mutex_unlock(&c->lock);
			server_send(c, o);
			conn_hist(c, "s close %s", how < 85 ? "FIN after WEN" : "RST");
			server_close(c, how >= 85);
			return;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

struct unbound {
	int fd;
	uint8_t b[160];
	int len;
	double t;
	short rev;
};

/* An accepted socket whose SCCRQ is in: find its connection. */
static struct conn *server_bind(struct pair *p, struct unbound *u)
{
	struct group *g = p->g;
	struct outbuf o = { .len = 0 };
	struct conn *c = NULL;
	struct call *dummy;
	uint32_t serial = 0;
	uint8_t b[256];
	int j, want;

	if (u->b[28] == 'c')
		serial = strtoul((char *)u->b + 29, NULL, 10);
	pthread_mutex_lock(&p->lock);
	for (j = 0; j < p->npending; j++)
		if (p->pending[j]->serial == serial) {
			c = p->pending[j];
			p->pending[j] = p->pending[--p->npending];
			c->sfd = u->fd;
			c->sstate = 1;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	if (!c) {
		rst_close(u->fd);
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	want = fifo_pop(&c->c2s, &dummy);
	conn_hist(c, "s< SCCRQ");
	if (want != SCCRQ && !atomic_load(&c->cend))
		violation(g, c, NULL, V_msg_mismatch, "PAC got SCCRQ, host sent %s",
			  msg_name[want]);
	if (!atomic_load(&c->cend)) {
		build(b, SCCRP);
		put16(b + 12, 0x0100);
		b[14] = 1;
		put32(b + 16, 3);
		put32(b + 20, 3);
		put16(b + 24, 1);
		snprintf((char *)b + 28, 64, "pac%d", p->idx);
		out_add(c, &o, &c->s2c, b, NULL);
	}
	pthread_mutex_unlock(&c->lock);
	c->s_next = now() + 0.02;
	if (server_send(c, &o)) {
		server_begin_end(c);
		server_close(c, 1);
	}
	return c;
}

static void *server_thread(void *arg)
{
	struct pair *p = arg;
	struct group *g = p->g;
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(PPTP_PORT),
				  .sin_addr = g->pacs[p->pac] };
	struct unbound ub[64];
	struct conn *mine[64];
	int nub = 0, nmine = 0, lfd, one = 1;

	pin(p->cpu_s);
	if (ns_enter(g->sns_fd))
		fatal("setns server");
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof(la)) || listen(lfd, 256))
		fatal("PAC listen: %s", strerror(errno));
	while (!atomic_load(&stop_all)) {
		struct pollfd pfd[1 + 64 + 64];
		int i, n = 0;
		double t;

		pfd[n].fd = lfd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
		for (i = 0; i < nub; i++) {
			pfd[n].fd = ub[i].fd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
		for (i = 0; i < nmine; i++) {
			pfd[n].fd = mine[i]->sfd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
		poll(pfd, n, 10);
		for (i = 0; i < nub; i++)
			ub[i].rev = pfd[1 + i].revents;
		for (i = 0; i < nmine; i++)
			mine[i]->srev = pfd[1 + nub + i].revents;
		if (pfd[0].revents & POLLIN) {
			int fd;

			while (nub < 64 && (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
				set_sock_opts(fd);
				ub[nub].fd = fd;
				ub[nub].len = 0;
				ub[nub].rev = POLLIN;
				ub[nub++].t = now();
			}
		}
		/* Accepted sockets: the SCCRQ's host name says which connection. */
		for (i = 0; i < nub; i++) {
			struct unbound *u = &ub[i];
			bool late = now() - u->t > opt_timeout;
			ssize_t r = 0;
			struct conn *c;

			if (!(u->rev & (POLLIN | POLLHUP | POLLERR)) && !late)
				continue;
			if (!late)
				r = recv(u->fd, u->b + u->len, 156 - u->len, MSG_DONTWAIT);
			if (r > 0)
				u->len += r;
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				/* Gone before its SCCRQ: the client side counts it. */
				rst_close(u->fd);
				ub[i--] = ub[--nub];
				continue;
			}
			if (u->len < 156)
				continue;
			c = server_bind(p, u);
			if (c && nmine < 64) {
				c->srev = 0;
				mine[nmine++] = c;
			} else if (c) {
				server_begin_end(c);
				server_close(c, 1);
			}
			ub[i--] = ub[--nub];
		}
		for (i = 0; i < nmine; i++) {
			struct conn *c = mine[i];
			struct outbuf o = { .len = 0 };

			if (c->sfd >= 0 && (c->srev & (POLLIN | POLLERR | POLLHUP)))
				server_read(c, &o);
			if (c->sfd >= 0 && o.len && server_send(c, &o)) {
				server_begin_end(c);
				server_close(c, 1);
			}
		}
		t = now();
		for (i = 0; i < nmine; i++) {
			struct conn *c = mine[i];
			struct outbuf o = { .len = 0 };
			bool client_gone;

			if (c->sfd < 0) {
				mine[i--] = mine[--nmine];
				continue;
			}
			pthread_mutex_lock(&p->lock);
			client_gone = c->c_closed && t - c->c_closed_t > opt_timeout;
			pthread_mutex_unlock(&p->lock);
			if (client_gone) {
				/* Its EOF never came: give up on it. */
				conn_hist(c, "s: client long gone");
				server_close(c, 1);
				continue;
			}
			if (c->s_wait && t - c->s_wait > opt_timeout) {
				violation(g, c, NULL, V_stall,
					  "PAC: %d requests unanswered, nothing in for %.1f s",
					  c->s_out, t - c->s_wait);
				server_begin_end(c);
				server_close(c, 1);
				continue;
			}
			if (t >= c->s_next) {
				server_act(c, &o);
				c->s_next = t + (rnd(&p->rng_s) % 60) / 1000.0;
			}
			if (c->sfd >= 0 && o.len && server_send(c, &o)) {
				server_begin_end(c);
				server_close(c, 1);
			}
		}
	}
	for (; nub > 0; nub--)
		rst_close(ub[nub - 1].fd);
	close(lfd);
	return NULL;
}

/* ------------------------------------------------------------ checker */

static int nl_put(uint8_t *b, int off, int type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)(b + off);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy(b + off + NLA_HDRLEN, data, len);
	return off + NLA_ALIGN(a->nla_len);
}

static void nl_nest_end(uint8_t *b, int start, int off, int type)
{
	struct nlattr *a = (struct nlattr *)(b + start);

	a->nla_type = type | NLA_F_NESTED;
	a->nla_len = off - start;
}

/*
 * ctnetlink GET of the GRE entry whose original tuple is @src -> @dst,
 * key @key: 1 found (@status, @timeout), 0 not found, -1 error.
 */
static int ct_get_gre(int fd, uint32_t src, uint32_t dst, uint16_t key,
		      uint32_t *status, uint32_t *timeout)
{
	/* One checker thread per asserted group, each with its own socket. */
	static _Thread_local uint32_t seq;
	uint8_t b[8192];
	struct nlmsghdr *nh = (struct nlmsghdr *)b;
	struct nfgenmsg *nf;
	uint16_t sk = 0, dk = htons(key);
	uint8_t proto = IPPROTO_GRE;
	int off, t, ipn, pr, found = 0;
	ssize_t n;

	memset(b, 0, 256);
	nh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = ++seq;
	nf = (struct nfgenmsg *)(b + NLMSG_HDRLEN);
	nf->nfgen_family = AF_INET;
	nf->version = NFNETLINK_V0;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*nf));
	t = off;
	off += NLA_HDRLEN;
	ipn = off;
	off += NLA_HDRLEN;
	off = nl_put(b, off, CTA_IP_V4_SRC, &src, 4);
	off = nl_put(b, off, CTA_IP_V4_DST, &dst, 4);
	nl_nest_end(b, ipn, off, CTA_TUPLE_IP);
	pr = off;
	off += NLA_HDRLEN;
	off = nl_put(b, off, CTA_PROTO_NUM, &proto, 1);
	off = nl_put(b, off, CTA_PROTO_SRC_PORT, &sk, 2);
	off = nl_put(b, off, CTA_PROTO_DST_PORT, &dk, 2);
	nl_nest_end(b, pr, off, CTA_TUPLE_PROTO);
	nl_nest_end(b, t, off, CTA_TUPLE_ORIG);
	nh->nlmsg_len = off;
	if (send(fd, b, off, 0) != off)
		return -1;
	for (;;) {
		n = recv(fd, b, sizeof(b), 0);
		if (n <= 0)
			return -1;
		for (nh = (struct nlmsghdr *)b; NLMSG_OK(nh, n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				if (!e->error)
					return found;
				return e->error == -ENOENT ? 0 : -1;
			}
			if ((nh->nlmsg_type & 0xff) == IPCTNL_MSG_CT_NEW) {
				int len = nh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(*nf));
				struct nlattr *a = (struct nlattr *)((uint8_t *)NLMSG_DATA(nh) +
								     NLMSG_ALIGN(sizeof(*nf)));

				for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
				       a->nla_len <= len;
				     len -= NLA_ALIGN(a->nla_len),
				     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len))) {
					uint32_t v;

					if (a->nla_len < NLA_HDRLEN + 4)
						continue;
					memcpy(&v, (uint8_t *)a + NLA_HDRLEN, 4);
					if ((a->nla_type & NLA_TYPE_MASK) == CTA_STATUS)
						*status = ntohl(v);
					else if ((a->nla_type & NLA_TYPE_MASK) == CTA_TIMEOUT)
						*timeout = ntohl(v);
				}
				found = 1;
			}
		}
	}
}

static bool call_live(struct call *cl)
{
	struct conn *c = cl->conn;

	return !atomic_load(&cl->bad_rx) &&
	       !(atomic_load(&cl->flags) & (CF_CLEARING | CF_ENDED)) &&
	       !atomic_load(&c->cend) && !atomic_load(&c->send_);
}

/*
 * Every call of an asserted group that carried GRE both ways, while it is
 * up: both of its GRE entries in the router are ASSURED (ctnetlink GET of
 * each original tuple, in the router's namespace).
 */
static void *checker_thread(void *arg)
{
	struct group *g = arg;
	struct timeval tv = { .tv_sec = 2 };
	int fd;

	pin(0);
	if (ns_enter_path(g->rns)) {
		fprintf(stderr, "# checker: cannot enter %s\n", g->rns);
		return NULL;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		fprintf(stderr, "# checker: no ctnetlink: %s\n", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&stop_all)) {
		struct call *cl = NULL;
		struct conn *c;
		uint32_t st[2] = { 0 }, to[2] = { 0 };
		int r[2];
		char hb[16];

		pthread_mutex_lock(&g->chk_lock);
		if (g->chk_head != g->chk_tail)
			cl = g->chk[g->chk_head++ % MAX_CALLS];
		pthread_mutex_unlock(&g->chk_lock);
		if (!cl) {
			usleep(5000);
			continue;
		}
		c = cl->conn;
		if (!call_live(cl)) {
			atomic_store(&cl->checked, 1);
			continue;
		}
		r[0] = ct_get_gre(fd, g->hosts[c->host].s_addr, g->pacs[c->pair->pac].s_addr,
				  cl->pac, &st[0], &to[0]);
		r[1] = ct_get_gre(fd, g->pacs[c->pair->pac].s_addr, g->pub.s_addr,
				  (uint16_t)cl->nat, &st[1], &to[1]);
		/* Up before and after the lookups: they saw it up. */
		if (!call_live(cl) || r[0] < 0 || r[1] < 0) {
			atomic_store(&cl->checked, 1);
			continue;
		}
		if (!cl->t_chk)
			cl->t_chk = now();
		/*
		 * Both entries must end ASSURED: a first packet that lost a
		 * clash on its way into the table has its direction expected
		 * again by the module's sweep (every 5 s).  Look again while
		 * the call is up, for ASSURED_SETTLE seconds, then judge.
		 */
		if (r[0] && r[1] &&
		    (!(st[0] & IPS_ASSURED) || !(st[1] & IPS_ASSURED)) &&
		    now() - cl->t_chk < ASSURED_SETTLE) {
			pthread_mutex_lock(&g->chk_lock);
			if (g->chk_tail - g->chk_head < MAX_CALLS)
				g->chk[g->chk_tail++ % MAX_CALLS] = cl;
			pthread_mutex_unlock(&g->chk_lock);
			usleep(20000);
			continue;
		}
		atomic_fetch_add(&g->st.assured_checked, 1);
		if (!r[0] || !r[1])
			violation(g, c, cl, V_gre_missing,
				  "live call: GRE entry inside->PAC %s, PAC->inside %s",
				  r[0] ? "present" : "MISSING", r[1] ? "present" : "MISSING");
		else if (!(st[0] & IPS_ASSURED) || !(st[1] & IPS_ASSURED))
			violation(g, NULL, cl, V_gre_unassured,
				  "call carried GRE both ways: inside->PAC entry %s (timeout %u), PAC->inside entry %s (timeout %u), host %s",
				  st[0] & IPS_ASSURED ? "ASSURED" : "NOT ASSURED", to[0],
				  st[1] & IPS_ASSURED ? "ASSURED" : "NOT ASSURED", to[1],
				  ip(g->hosts[c->host], hb));
		atomic_store(&cl->checked, 1);
	}
	close(fd);
	return NULL;
}

/* ------------------------------------------------------------ extras */

static void read_file(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	atomic_fetch_add(&proc_reads, 1);
}

/* /proc/net/nf_pptp_alg/{stats,calls} of every router, all the time. */
static void *reader_thread(void *arg)
{
	uint32_t rng = opt_seed ^ 0x1234567;

	(void)arg;
	pin(1);
	while (!atomic_load(&stop_all)) {
		int i;

		for (i = 0; i < ngroups; i++) {
			if (!groups[i].rns[0] || ns_enter_path(groups[i].rns))
				continue;
			read_file("/proc/thread-self/net/nf_pptp_alg/stats");
			read_file("/proc/thread-self/net/nf_pptp_alg/calls");
			ns_leave();
		}
		usleep(10000 + rnd(&rng) % 40000);
	}
	return NULL;
}

struct knob {
	const char *name;
	int nsafe, safe[4];	/* values for asserted groups */
	int nwild, wild[5];	/* for the others */
};

/*
 * Within each sysctl's range.  The safe sets keep an asserted group's
 * calls going: no limit it reaches, no timeout that ends a live call,
 * strict off (a CCRQ crossing the PAC's CDN is out of state).
 */
static const struct knob knobs[] = {
	{ "gre_timeout", 4, { 120, 180, 300, 3600 }, 5, { 1, 5, 60, 180, 432000 } },
	{ "gre_stream_timeout", 3, { 600, 3600, 432000 }, 4, { 1, 30, 3600, 432000 } },
	{ "expect_timeout", 3, { 60, 120, 600 }, 4, { 1, 2, 120, 432000 } },
	{ "max_calls", 4, { 16, 64, 1000, 16384 }, 4, { 1, 2, 64, 16384 } },
	{ "log_invalid", 2, { 0, 1 }, 2, { 0, 1 } },
	{ "strict", 1, { 0 }, 2, { 0, 1 } },
	{ "pending_calls_max", 3, { 1024, 65536, 1048576 }, 5, { 0, 1, 16, 4096, 1048576 } },
	{ "pending_calls_per_host", 3, { 512, 65536, 1048576 }, 4, { 0, 1, 4, 4096 } },
};

#define NKNOBS (int)(sizeof(knobs) / sizeof(knobs[0]))
static char saved_knobs[MAX_GROUPS][NKNOBS][24];

static void knobs_save_restore(bool restore)
{
	int i, k;

	for (i = 0; i < ngroups; i++) {
		if (!groups[i].rns[0] || ns_enter_path(groups[i].rns))
			continue;
		for (k = 0; k < NKNOBS; k++) {
			char path[128];
			ssize_t r;
			int fd;

			snprintf(path, sizeof(path), "/proc/sys/net/netfilter/nf_pptp_alg/%s",
				 knobs[k].name);
			fd = open(path, (restore ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (!restore) {
				r = read(fd, saved_knobs[i][k], sizeof(saved_knobs[i][k]) - 1);
				saved_knobs[i][k][r > 0 ? r : 0] = 0;
			} else if (saved_knobs[i][k][0] &&
				   write(fd, saved_knobs[i][k], strlen(saved_knobs[i][k])) < 0) {
				fprintf(stderr, "# restoring %s failed\n", knobs[k].name);
			}
			close(fd);
		}
		ns_leave();
	}
}

/* Writes the module's sysctls of every router, within their ranges. */
static void *writer_thread(void *arg)
{
	uint32_t rng = opt_seed ^ 0x7654321;

	(void)arg;
	pin(0);
	while (!atomic_load(&stop_new)) {
		struct group *g = &groups[rnd(&rng) % ngroups];
		const struct knob *k = &knobs[rnd(&rng) % NKNOBS];
		int nv = g->assert ? k->nsafe : k->nwild, v, fd;
		char path[128], val[24];

		if (g->rns[0] && !ns_enter_path(g->rns)) {
			v = g->assert ? k->safe[rnd(&rng) % nv] : k->wild[rnd(&rng) % nv];
			snprintf(path, sizeof(path), "/proc/sys/net/netfilter/nf_pptp_alg/%s",
				 k->name);
			snprintf(val, sizeof(val), "%d\n", v);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0) {
				if (write(fd, val, strlen(val)) > 0)
					atomic_fetch_add(&sysctl_writes, 1);
				close(fd);
			}
			ns_leave();
		}
		usleep(20000 + rnd(&rng) % 60000);
	}
	return NULL;
}

/* Waves of idle control connections whose masters expire in their router. */
static void *idle_thread(void *arg)
{
	int cns = ns_open(idle.cns), sns = ns_open(idle.sns), lfd, one = 1;
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons(PPTP_PORT),
				  .sin_addr = idle.server };
	int *cfd = calloc(idle.count, sizeof(int)), *sfd = calloc(idle.count, sizeof(int));

	(void)arg;
	pin(1);
	if (cns < 0 || sns < 0 || !cfd || !sfd || ns_enter(sns))
		return NULL;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&la, sizeof(la)) || listen(lfd, 4096)) {
		fprintf(stderr, "# idle: listen failed: %s\n", strerror(errno));
		return NULL;
	}
	if (ns_enter(cns))
		return NULL;
	close(cns);
	close(sns);
	while (!atomic_load(&stop_new)) {
		int i, nc = 0, ns = 0, fails = 0, fd;
		double end;

		for (i = 0; i < idle.count && !atomic_load(&stop_new); i++) {
			struct sockaddr_in sa = { .sin_family = AF_INET,
						  .sin_addr = idle.hosts[i % idle.nhosts] };

			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			if (fd < 0)
				break;
			if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
			    (connect(fd, (struct sockaddr *)&la, sizeof(la)) &&
			     errno != EINPROGRESS)) {
				close(fd);
				if (++fails > 10)
					break;
				continue;
			}
			cfd[nc++] = fd;
			/* Accept as we go: the queue stays short. */
			if (!(i % 8)) {
				usleep(2000);
				while (ns < idle.count &&
				       (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
					sfd[ns++] = fd;
			}
		}
		if (fails > 10 && !nc)
			break;		/* its router went away */
		end = now() + opt_timeout;
		while (ns < nc && now() < end && !atomic_load(&stop_new)) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				sfd[ns++] = fd;
			else
				usleep(5000);
		}
		atomic_fetch_add(&idle_conns, ns);
		atomic_fetch_add(&idle_waves, 1);
		/* Held idle: their masters expire in the router meanwhile. */
		end = now() + idle.hold;
		while (now() < end && !atomic_load(&stop_new))
			usleep(50000);
		for (i = 0; i < nc; i++)
			rst_close(cfd[i]);
		for (i = 0; i < ns; i++)
			rst_close(sfd[i]);
	}
	close(lfd);
	free(cfd);
	free(sfd);
	return NULL;
}

/* ------------------------------------------------------------ main */

static void group_summary(struct group *g, double secs, FILE *out)
{
	struct gstats *s = &g->st;
	unsigned int i, last = atomic_load(&next_call_serial);
	long lost = 0;
	int v;

	for (i = 1; i < last; i++) {
		struct call *cl = calltab[i];
		int d;

		/* Calls whose GRE burst was over before anything ended. */
		if (!cl || cl->conn->g != g || atomic_load(&cl->bad_rx) ||
		    atomic_load(&cl->gre) != GS_DONE)
			continue;
		for (d = 0; d < 2; d++)
			if (atomic_load(&cl->tx[d]) > atomic_load(&cl->rx[d]))
				lost += atomic_load(&cl->tx[d]) - atomic_load(&cl->rx[d]);
	}
	atomic_store(&s->gre_lost, lost);
	fprintf(out, "summary group=%s assert=%d secs=%.1f conns=%ld conns_ok=%ld calls=%ld calls_est=%ld calls_ok=%ld conns_per_s=%.2f calls_per_s=%.2f msgs=%ld refused=%ld connect_fail=%ld aborted=%ld gre_tx=%ld gre_rx=%ld gre_lost=%ld gre_stale=%ld assured_checked=%ld ccrq_zero_after_cdn=%ld",
		g->name, g->assert, secs, atomic_load(&s->conns), atomic_load(&s->conns_ok),
		atomic_load(&s->calls), atomic_load(&s->calls_est), atomic_load(&s->calls_ok),
		atomic_load(&s->conns) / secs, atomic_load(&s->calls_est) / secs,
		atomic_load(&s->msgs), atomic_load(&s->refused), atomic_load(&s->connect_fail),
		atomic_load(&s->aborted), atomic_load(&s->gre_tx), atomic_load(&s->gre_rx), lost,
		atomic_load(&s->gre_stale), atomic_load(&s->assured_checked),
		atomic_load(&s->ccrq_zero_after_cdn));
	for (v = 0; v < V_MAX; v++)
		fprintf(out, " %s=%ld", viol_name[v], atomic_load(&s->v[v]));
	fprintf(out, "\n");
}

static long total_violations(struct group *g)
{
	long n = 0;
	int v;

	for (v = 0; v < V_MAX; v++)
		n += atomic_load(&g->st.v[v]);
	return n;
}

static bool file_exists(const char *p)
{
	struct stat st;

	return !stat(p, &st);
}

/* Value of @key in "k=v,k=v". */
static int kv(const char *spec, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = spec;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, ",");

			snprintf(out, cap, "%.*s", (int)n, p + kl + 1);
			return 1;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

static void parse_group(const char *spec)
{
	struct group *g;
	char v[128];

	if (ngroups >= MAX_GROUPS)
		fatal("too many groups");
	g = &groups[ngroups++];
	g->assert = true;
	if (!kv(spec, "name", g->name, sizeof(g->name)) ||
	    !kv(spec, "cns", g->cns, sizeof(g->cns)) ||
	    !kv(spec, "sns", g->sns, sizeof(g->sns)))
		fatal("group needs name, cns, sns: %s", spec);
	kv(spec, "rns", g->rns, sizeof(g->rns));
	if (!kv(spec, "hosts", v, sizeof(v)) || (g->nhosts = parse_range(v, g->hosts, 64)) < 1)
		fatal("group %s: bad hosts", g->name);
	if (!kv(spec, "pacs", v, sizeof(v)) || (g->npacs = parse_range(v, g->pacs, 16)) < 1)
		fatal("group %s: bad pacs", g->name);
	if (!kv(spec, "public", v, sizeof(v)) || inet_pton(AF_INET, v, &g->pub) != 1)
		fatal("group %s: bad public", g->name);
	g->npairs = kv(spec, "pairs", v, sizeof(v)) ? atoi(v) : 1;
	g->conns = kv(spec, "conns", v, sizeof(v)) ? atoi(v) : 2;
	if (kv(spec, "assert", v, sizeof(v)))
		g->assert = atoi(v);
	if (g->npairs < 1 || g->npairs > g->npacs || g->conns < 1 || g->conns > 16)
		fatal("group %s: pairs must be 1..pacs, conns 1..16", g->name);
}

static void parse_idle(const char *spec)
{
	char v[128];

	if (!kv(spec, "cns", idle.cns, sizeof(idle.cns)) ||
	    !kv(spec, "sns", idle.sns, sizeof(idle.sns)) ||
	    !kv(spec, "hosts", v, sizeof(v)) || (idle.nhosts = parse_range(v, idle.hosts, 64)) < 1)
		fatal("bad --idle");
	if (!kv(spec, "server", v, sizeof(v)) || inet_pton(AF_INET, v, &idle.server) != 1)
		fatal("--idle needs server=");
	idle.count = kv(spec, "count", v, sizeof(v)) ? atoi(v) : 300;
	idle.hold = kv(spec, "hold", v, sizeof(v)) ? atoi(v) : 7;
	if (idle.count < 1 || idle.count > 4000)
		fatal("--idle count 1..4000");
	idle.on = true;
}

static void usage(const char *me)
{
	fprintf(stderr,
		"usage: %s --group name=N,cns=P,sns=P[,rns=P],hosts=A+K,pacs=B+M,public=X,pairs=N,conns=N[,assert=0|1] ...\n"
		"          [--idle cns=P,sns=P,hosts=A+K,server=S,count=N,hold=SEC]\n"
		"          [--seconds S] [--timeout S] [--gre N] [--seed N] [--hold PREFIX]\n"
		"          [--no-stress-extras] [--report FILE]\n", me);
	exit(2);
}

/* Held connections of group 0, by pair; under each pair's lock. */
static int held_ready(struct group *g)
{
	int i, j, k, ready = 0;

	for (i = 0; i < npairs; i++) {
		struct pair *p = &pairs[i];

		if (p->g != g)
			continue;
		pthread_mutex_lock(&p->lock);
		for (j = 0; j < p->nconns; j++) {
			struct conn *c = p->conns[j];
			int est = 0;

			if (!c->hold)
				continue;
			for (k = 0; k < c->ncalls; k++)
				if (atomic_load(&c->calls[k]->rx[0]) &&
				    atomic_load(&c->calls[k]->rx[1]) &&
				    atomic_load(&c->calls[k]->gre) == GS_DONE)
					est++;
			if (est >= 2)
				ready++;
		}
		pthread_mutex_unlock(&p->lock);
	}
	return ready;
}

/*
 * Hold: one connection per pair of the first group, an outgoing and an
 * incoming call with GRE done both ways; list them, wait for the go,
 * then put GRE and control messages on the wire for every one of them.
 */
static int do_hold(void)
{
	struct group *g = &groups[0];
	double end = now() + 3 * opt_timeout;
	char path[512], hb[16], pb[16], ub[16];
	int i, j, k, n, ready = 0, fd[2];
	FILE *f;

	for (i = 0; i < npairs; i++)
		if (pairs[i].g == g)
			pairs[i].hold_state = 1;
	atomic_store(&hold_phase, 1);
	while (now() < end && (ready = held_ready(g)) < g->npairs)
		usleep(50000);
	snprintf(path, sizeof(path), "%s.calls", opt_hold);
	f = fopen(path, "w");
	if (!f)
		return -1;
	for (i = 0; i < npairs; i++) {
		struct pair *p = &pairs[i];

		if (p->g != g)
			continue;
		pthread_mutex_lock(&p->lock);
		for (j = 0; j < p->nconns; j++) {
			struct conn *c = p->conns[j];

			if (!c->hold)
				continue;
			fprintf(f, "conn host=%s port=%u pac_addr=%s\n", ip(g->hosts[c->host], hb),
				c->cport, ip(g->pacs[p->pac], pb));
			for (k = 0; k < c->ncalls; k++) {
				struct call *cl = c->calls[k];

				fprintf(f, "call kind=%c host=%s pac_addr=%s public=%s real=%u pac=%u nat=%d gre_up=%d gre_down=%d\n",
					cl->kind, hb, pb, ip(g->pub, ub), cl->real, cl->pac,
					cl->nat, atomic_load(&cl->rx[0]), atomic_load(&cl->rx[1]));
			}
		}
		pthread_mutex_unlock(&p->lock);
	}
	fprintf(f, "ready %d of %d\n", ready, g->npairs);
	fclose(f);
	printf("# hold: %d of %d connections ready at %.1f s, calls listed in %s\n", ready,
	       g->npairs, elapsed(), path);
	snprintf(path, sizeof(path), "%s.go", opt_hold);
	end = now() + 10 * opt_timeout;
	while (!file_exists(path) && now() < end)
		usleep(50000);
	fd[0] = gre_raw_socket(g->cns_fd, false);
	fd[1] = gre_raw_socket(g->sns_fd, false);
	ns_leave();
	for (i = 0; i < npairs; i++) {
		struct pair *p = &pairs[i];

		if (p->g != g)
			continue;
		pthread_mutex_lock(&p->lock);
		for (j = 0; j < p->nconns; j++) {
			struct conn *c = p->conns[j];
			struct outbuf oc = { .len = 0 }, os = { .len = 0 };
			uint8_t b[256], pk[64];
			int len;

			if (!c->hold || c->cfd < 0 || c->sfd < 0)
				continue;
			pthread_mutex_lock(&c->lock);
			build(b, ECHORQ);
			out_add(c, &oc, &c->c2s, b, NULL);
			build(b, ECHORQ);
			out_add(c, &os, &c->s2c, b, NULL);
			for (k = 0; k < c->ncalls; k++) {
				struct call *cl = c->calls[k];

				build(b, SLI);
				put16(b + 12, cl->pac);
				out_add(c, &oc, &c->c2s, b, cl);
				build(b, WEN);
				put16(b + 12, (uint16_t)cl->nat);
				out_add(c, &os, &c->s2c, b, cl);
			}
			pthread_mutex_unlock(&c->lock);
			if (send(c->cfd, oc.b, oc.len, MSG_NOSIGNAL | MSG_DONTWAIT) != oc.len ||
			    send(c->sfd, os.b, os.len, MSG_NOSIGNAL | MSG_DONTWAIT) != os.len)
				fprintf(stderr, "# hold: control burst not sent whole: %s\n",
					strerror(errno));
			for (k = 0; k < c->ncalls; k++) {
				struct call *cl = c->calls[k];

				for (n = 0; n < 10; n++) {
					len = gre_packet(pk, cl->pac, 100 + n, cl, 0);
					gre_send(fd[0], g->hosts[c->host], g->pacs[p->pac], pk, len);
					len = gre_packet(pk, (uint16_t)cl->nat, 100 + n, cl, 1);
					gre_send(fd[1], g->pacs[p->pac], g->pub, pk, len);
				}
			}
		}
		pthread_mutex_unlock(&p->lock);
	}
	snprintf(path, sizeof(path), "%s.sent", opt_hold);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	printf("# hold: GRE and control messages sent on the held calls\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 65536, 65536 };
	static struct gre_worker gw[4];
	pthread_t th[256];
	int nth = 0, i, j;
	struct gre_pair *gps;
	double last_progress = 0, secs, end;
	FILE *rep;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-stress-extras")) {
			opt_extras = 0;
			continue;
		}
		if (!v)
			usage(argv[0]);
		i++;
		if (!strcmp(a, "--group"))
			parse_group(v);
		else if (!strcmp(a, "--idle"))
			parse_idle(v);
		else if (!strcmp(a, "--seconds"))
			opt_seconds = atof(v);
		else if (!strcmp(a, "--timeout"))
			opt_timeout = atof(v);
		else if (!strcmp(a, "--gre"))
			opt_gre = atoi(v);
		else if (!strcmp(a, "--seed"))
			opt_seed = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--hold"))
			opt_hold = v;
		else if (!strcmp(a, "--report"))
			opt_report = v;
		else
			usage(argv[0]);
	}
	if (!ngroups || opt_seconds <= 0 || opt_timeout < 1 || opt_gre < 1 || opt_gre > 100)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	setrlimit(RLIMIT_NOFILE, &rl);
	if (!opt_seed)
		opt_seed = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	run_token = opt_seed * 2654435761u ^ 0xabcdef;
	{
		cpu_set_t set;

		if (!sched_getaffinity(0, sizeof(set), &set))
			ncpu = CPU_COUNT(&set);
	}
	calltab = calloc(MAX_CALLS, sizeof(*calltab));
	init_ns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!calltab || init_ns_fd < 0)
		fatal("init");
	for (i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];

		g->cns_fd = ns_open(g->cns);
		g->sns_fd = ns_open(g->sns);
		if (g->cns_fd < 0 || g->sns_fd < 0)
			fatal("group %s: cannot open its namespaces", g->name);
		g->next_real = calloc(g->nhosts, sizeof(uint16_t));
		pthread_mutex_init(&g->chk_lock, NULL);
		if (g->assert && g->rns[0])
			g->chk = calloc(MAX_CALLS, sizeof(*g->chk));
		for (j = 0; j < g->nhosts; j++)
			g->next_real[j] = 0x100 + (opt_seed % 0x4000);
		npairs += g->npairs;
	}
	/* The GRE threads use the first group's namespaces for everyone. */
	for (i = 1; i < ngroups; i++)
		if (strcmp(groups[i].cns, groups[0].cns) || strcmp(groups[i].sns, groups[0].sns))
			fatal("every group must share the inside and PAC namespaces");
	pairs = calloc(npairs, sizeof(*pairs));
	for (i = 0, j = 0; i < ngroups; i++) {
		int k;

		for (k = 0; k < groups[i].npairs; k++, j++) {
			struct pair *p = &pairs[j];

			p->idx = j;
			p->g = &groups[i];
			p->pac = k;
			/* The PNS and the PAC of a pair on different CPUs. */
			p->cpu_c = j % ncpu;
			p->cpu_s = (j + 1) % ncpu;
			p->rng_c = opt_seed * 7919u + j * 104729u + 1;
			p->rng_s = opt_seed * 6007u + j * 15485863u + 3;
			p->next_pac = 0x8000 + ((opt_seed >> 4) % 0x3000) + j * 0x100;
			pthread_mutex_init(&p->lock, NULL);
		}
	}
	printf("# pptp_stress: %d groups, %d pairs, %d CPUs, %.0f s, timeout %.0f s, seed %u\n",
	       ngroups, npairs, ncpu, opt_seconds, opt_timeout, opt_seed);
	t0 = now();
	if (opt_extras)
		knobs_save_restore(false);
	for (i = 0; i < npairs; i++) {
		pthread_create(&th[nth++], NULL, server_thread, &pairs[i]);
		pthread_create(&th[nth++], NULL, client_thread, &pairs[i]);
	}
	gps = calloc(2, sizeof(*gps));
	for (i = 0; i < 2; i++) {
		gps[i].cpu[0] = i % ncpu;
		gps[i].cpu[1] = (i + 1) % ncpu;
	}
	for (i = 0; i < 4; i++) {
		gw[i].gp = &gps[i / 2];
		gw[i].side = i % 2;
		pthread_create(&th[nth++], NULL, gre_thread, &gw[i]);
	}
	pthread_create(&th[nth++], NULL, gre_rx_thread, NULL);
	for (i = 0; i < ngroups; i++)
		if (groups[i].assert && groups[i].rns[0])
			pthread_create(&th[nth++], NULL, checker_thread, &groups[i]);
	if (opt_extras) {
		pthread_create(&th[nth++], NULL, reader_thread, NULL);
		pthread_create(&th[nth++], NULL, writer_thread, NULL);
	}
	if (idle.on)
		pthread_create(&th[nth++], NULL, idle_thread, NULL);

	while (elapsed() < opt_seconds) {
		usleep(100000);
		if (elapsed() - last_progress < 10)
			continue;
		last_progress = elapsed();
		printf("# t=%.0f", last_progress);
		for (i = 0; i < ngroups; i++)
			printf(" %s: conns %ld calls %ld violations %ld%s;", groups[i].name,
			       atomic_load(&groups[i].st.conns),
			       atomic_load(&groups[i].st.calls_est),
			       total_violations(&groups[i]),
			       atomic_load(&groups[i].dead) ? " (gone)" : "");
		printf(" idle %ld in %ld waves, proc reads %ld, sysctl writes %ld\n",
		       atomic_load(&idle_conns), atomic_load(&idle_waves),
		       atomic_load(&proc_reads), atomic_load(&sysctl_writes));
	}
	secs = elapsed();
	atomic_store(&stop_new, 1);
	/* Wind down: calls cleared, connections stopped; bounded. */
	end = now() + 2 * opt_timeout;
	for (;;) {
		int open = 0;

		for (i = 0; i < npairs; i++) {
			pthread_mutex_lock(&pairs[i].lock);
			open += pairs[i].nconns;
			pthread_mutex_unlock(&pairs[i].lock);
		}
		if (!open || now() > end)
			break;
		usleep(50000);
	}
	printf("# wound down in %.1f s\n", elapsed() - secs);
	if (opt_extras)
		knobs_save_restore(true);
	/* GRE in flight lands; the checker takes its last look. */
	usleep(300000);
	for (i = 0; i < ngroups; i++)
		group_summary(&groups[i], secs, stdout);
	if (opt_report && (rep = fopen(opt_report, "w"))) {
		for (i = 0; i < ngroups; i++)
			group_summary(&groups[i], secs, rep);
		fclose(rep);
	}
	if (opt_hold)
		do_hold();
	atomic_store(&stop_all, 1);
	/* Threads end within a poll interval; exit closes every socket. */
	usleep(300000);
	return 0;
}
