// SPDX-License-Identifier: GPL-2.0-only
/*
 * pptp_bench_peer: fast synthetic PPTP peer for bench_scale.sh.
 *
 * One process plays both ends: the PNS (client) in one network namespace
 * and the PAC (server) in another, so every step is synchronous and no
 * rendezvous between processes is needed.  Sockets keep the namespace they
 * were created in; the process switches with setns() only to create them.
 *
 * usage: pptp_bench_peer --cns /run/netns/C --sns /run/netns/S
 *                        --server 192.168.201.25 [--calls-per-conn K]
 *                        [--batch B] [--timeout SEC]
 *
 * Commands on stdin, one per line; one reply line on stdout each:
 *   add K     set up K more calls: control connections (SCCRQ/SCCRP) as
 *             needed, OCRQ/OCRP, then one GRE packet per direction.
 *             -> "ok add K total T conns C conn_secs X call_secs Y key Z last L"
 *             (Z, L = GRE key the client uses for the first, newest call)
 *   del       CCRQ/CDN for every call, then StopCCRQ/StopCCRP and close
 *             every control connection.
 *             -> "ok del K call_secs Y conn_secs X"
 *   quit      exit.
 * Errors: "err <text>" and exit status 1.  Every socket has a receive
 * timeout (--timeout, default 10 s), so no step can hang.
 *
 * Call IDs: the PNS uses call ID i+1 for call i, the PAC 0x8000+i+1 (so
 * calls up to 32767); the PAC answers to the call ID it sees in the OCRQ
 * (translated by the router) and sends its GRE to the address the control
 * connection comes from (the router's outside address).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pptp_wire.h"

#define MAX_CALLS	32000

struct conn {
	int cfd;		/* client (PNS) end */
	int sfd;		/* server (PAC) end */
	struct sockaddr_in peer;	/* client as the server sees it */
	int ncalls;
};

struct call {
	int conn;
	uint16_t pns_id;	/* as the PNS uses it */
	uint16_t pac_id;	/* as the PAC uses it */
	uint16_t pns_nat_id;	/* PNS ID as the PAC sees it */
};

static struct conn *conns;
static int nconns, conns_cap;
static struct call calls[MAX_CALLS];
static int ncalls;
static int cns_fd, sns_fd, listen_fd, cgre_fd, sgre_fd;
static struct sockaddr_in server;
static int per_conn, batch = 50, timeout_s = 10;

static void die(const char *what)
{
	printf("err %s: %s\n", what, errno ? strerror(errno) : "protocol");
	fflush(stdout);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void enter(int nsfd)
{
	if (setns(nsfd, CLONE_NEWNET))
		die("setns");
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = timeout_s };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}


static void write_all(int fd, const uint8_t *b, int len)
{
	while (len > 0) {
		ssize_t n = write(fd, b, len);

		if (n <= 0)
			die("write");
		b += n;
		len -= n;
	}
}

/* Read one message of the given type; returns it in b. */
static void read_msg(int fd, uint8_t *b, int type)
{
	int want = msg_len[type], got = 0;

	while (got < want) {
		ssize_t n = read(fd, b + got, want - got);

		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			die("read");
		}
		got += n;
	}
	if (get16(b) != want || get16(b + 8) != type) {
		errno = 0;
		fprintf(stderr, "bad message: len %u type %u, want %d\n",
			get16(b), get16(b + 8), type);
		die("unexpected message");
	}
}

static void send_gre(int fd, struct sockaddr_in *to, uint16_t key)
{
	uint8_t p[16 + 32];

	memset(p, 0, sizeof(p));
	put16(p, 0x3001);		/* K, S, version 1 */
	put16(p + 2, 0x880B);
	put16(p + 4, 32);
	put16(p + 6, key);
	put32(p + 8, 1);		/* sequence */
	if (sendto(fd, p, 12 + 32, 0, (struct sockaddr *)to, sizeof(*to)) < 0)
		die("sendto gre");
}

/* Open k control connections, pipelined. */
static void open_conns(int k)
{
	uint8_t b[256];
	int first = nconns, i;

	if (nconns + k > conns_cap) {
		conns_cap = (nconns + k) * 2;
		conns = realloc(conns, conns_cap * sizeof(*conns));
		if (!conns)
			die("realloc");
	}
	for (i = 0; i < k; i++) {
		struct conn *c = &conns[first + i];

		memset(c, 0, sizeof(*c));
		enter(cns_fd);
		c->cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (c->cfd < 0)
			die("socket");
		set_timeouts(c->cfd);
		if (connect(c->cfd, (struct sockaddr *)&server, sizeof(server)))
			die("connect");
		build(b, SCCRQ);
		put16(b + 12, 0x0100);
		snprintf((char *)b + 92, 64, "%d", first + i);
		write_all(c->cfd, b, 156);
	}
	nconns += k;
	for (i = 0; i < k; i++) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		int fd = accept(listen_fd, (struct sockaddr *)&a, &al), idx;

		if (fd < 0)
			die("accept");
		set_timeouts(fd);
		read_msg(fd, b, SCCRQ);
		b[92 + 63] = 0;
		idx = atoi((char *)b + 92);
		if (idx < first || idx >= nconns || conns[idx].sfd) {
			errno = 0;
			die("SCCRQ index");
		}
		conns[idx].sfd = fd;
		conns[idx].peer = a;
		conns[idx].peer.sin_port = 0;
		build(b, SCCRP);
		put16(b + 12, 0x0100);
		b[14] = 1;
		write_all(fd, b, 156);
	}
	for (i = first; i < nconns; i++)
		read_msg(conns[i].cfd, b, SCCRP);
}

/* Set up calls [from, to) on their connections: one batch. */
static void setup_batch(int from, int to)
{
	struct sockaddr_in dst;
	uint8_t b[256];
	int i;

	for (i = from; i < to; i++) {
		struct call *cl = &calls[i];

		build(b, OCRQ);
		put16(b + 12, cl->pns_id);
		put16(b + 14, i & 0xffff);
		write_all(conns[cl->conn].cfd, b, 168);
	}
	/* Messages on one connection arrive in order. */
	for (i = from; i < to; i++) {
		struct call *cl = &calls[i];
		int fd = conns[cl->conn].sfd;

		read_msg(fd, b, OCRQ);
		cl->pns_nat_id = get16(b + 12);
		build(b, OCRP);
		put16(b + 12, cl->pac_id);
		put16(b + 14, cl->pns_nat_id);
		b[16] = 1;
		write_all(fd, b, 32);
	}
	for (i = from; i < to; i++) {
		struct call *cl = &calls[i];

		read_msg(conns[cl->conn].cfd, b, OCRP);
		if (get16(b + 14) != cl->pns_id) {
			fprintf(stderr, "call %d (conn %d): OCRP call %u peer %u, want peer %u; PAC saw PNS ID %u\n",
				i, cl->conn, get16(b + 12), get16(b + 14),
				cl->pns_id, cl->pns_nat_id);
			errno = 0;
			die("OCRP peer call ID not translated back");
		}
	}
	/* The router has seen every OCRP: first GRE of each direction. */
	for (i = from; i < to; i++) {
		struct call *cl = &calls[i];

		send_gre(cgre_fd, &server, cl->pac_id);
		dst = conns[cl->conn].peer;
		send_gre(sgre_fd, &dst, cl->pns_nat_id);
	}
}

static void cmd_add(int k)
{
	double t0, t1, t2;
	int want_conns, i;

	if (k <= 0 || ncalls + k > MAX_CALLS) {
		errno = 0;
		die("bad call count");
	}
	t0 = now();
	/* Calls fill connections up to per_conn each (0: all on one). */
	want_conns = (per_conn ? (ncalls + k + per_conn - 1) / per_conn : 1) -
		     nconns;
	while (want_conns > 0) {
		int n = want_conns > 256 ? 256 : want_conns;

		open_conns(n);
		want_conns -= n;
	}
	t1 = now();
	for (i = ncalls; i < ncalls + k; i++) {
		calls[i].conn = per_conn ? i / per_conn : 0;
		calls[i].pns_id = i + 1;
		calls[i].pac_id = 0x8000 + i + 1;
		conns[calls[i].conn].ncalls++;
	}
	for (i = ncalls; i < ncalls + k; i += batch)
		setup_batch(i, i + batch < ncalls + k ? i + batch : ncalls + k);
	ncalls += k;
	t2 = now();
	printf("ok add %d total %d conns %d conn_secs %.4f call_secs %.4f key %u last %u\n",
	       k, ncalls, nconns, t1 - t0, t2 - t1, calls[0].pac_id,
	       calls[ncalls - 1].pac_id);
	fflush(stdout);
}

static void cmd_del(void)
{
	double t0, t1, t2;
	uint8_t b[256];
	int i, j, n = ncalls;

	t0 = now();
	for (i = 0; i < ncalls; i += batch) {
		int to = i + batch < ncalls ? i + batch : ncalls;

		for (j = i; j < to; j++) {
			build(b, CCRQ);
			put16(b + 12, calls[j].pns_id);
			write_all(conns[calls[j].conn].cfd, b, 16);
		}
		for (j = i; j < to; j++) {
			int fd = conns[calls[j].conn].sfd;

			read_msg(fd, b, CCRQ);
			build(b, CDN);
			put16(b + 12, calls[j].pac_id);
			b[14] = 3;	/* admin shutdown */
			write_all(fd, b, 148);
		}
		for (j = i; j < to; j++)
			read_msg(conns[calls[j].conn].cfd, b, CDN);
	}
	t1 = now();
	for (i = 0; i < nconns; i++) {
		build(b, STOPCCRQ);
		b[12] = 1;
		write_all(conns[i].cfd, b, 16);
		read_msg(conns[i].sfd, b, STOPCCRQ);
		build(b, STOPCCRP);
		b[12] = 1;
		write_all(conns[i].sfd, b, 16);
		read_msg(conns[i].cfd, b, STOPCCRP);
		close(conns[i].cfd);
		close(conns[i].sfd);
	}
	t2 = now();
	ncalls = 0;
	nconns = 0;
	printf("ok del %d call_secs %.4f conn_secs %.4f\n", n, t1 - t0, t2 - t1);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *cns = NULL, *sns = NULL, *srv = NULL;
	struct rlimit rl = { 65536, 65536 };
	struct sockaddr_in la;
	char line[128];
	int i, one = 1;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--cns"))
			cns = argv[i + 1];
		else if (!strcmp(argv[i], "--sns"))
			sns = argv[i + 1];
		else if (!strcmp(argv[i], "--server"))
			srv = argv[i + 1];
		else if (!strcmp(argv[i], "--calls-per-conn"))
			per_conn = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--batch"))
			batch = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout"))
			timeout_s = atoi(argv[i + 1]);
		else
			break;
	}
	if (!cns || !sns || !srv || i != argc || batch < 1 || batch > 120) {
		fprintf(stderr, "usage: %s --cns NSPATH --sns NSPATH --server IP "
			"[--calls-per-conn K] [--batch 1..120] [--timeout S]\n", argv[0]);
		return 2;
	}
	setrlimit(RLIMIT_NOFILE, &rl);
	cns_fd = open(cns, O_RDONLY);
	sns_fd = open(sns, O_RDONLY);
	if (cns_fd < 0 || sns_fd < 0)
		die("open netns");
	memset(&server, 0, sizeof(server));
	server.sin_family = AF_INET;
	server.sin_port = htons(PPTP_PORT);
	if (inet_pton(AF_INET, srv, &server.sin_addr) != 1)
		die("server address");

	enter(sns_fd);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	la = server;
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&la, sizeof(la)) ||
	    listen(listen_fd, 1024))
		die("listen");
	set_timeouts(listen_fd);
	sgre_fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
	enter(cns_fd);
	cgre_fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
	if (sgre_fd < 0 || cgre_fd < 0)
		die("raw socket");
	/* Nobody reads GRE here: keep receive queues tiny. */
	i = 1;
	setsockopt(sgre_fd, SOL_SOCKET, SO_RCVBUF, &i, sizeof(i));
	setsockopt(cgre_fd, SOL_SOCKET, SO_RCVBUF, &i, sizeof(i));
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < 100000 && fgets(line, sizeof(line), stdin); i++) {
		int k;

		if (sscanf(line, "add %d", &k) == 1)
			cmd_add(k);
		else if (!strncmp(line, "del", 3))
			cmd_del();
		else if (!strncmp(line, "quit", 4))
			break;
		else {
			errno = 0;
			die("unknown command");
		}
	}
	return 0;
}
