// SPDX-License-Identifier: GPL-2.0-only
/*
 * gre_blast: send enhanced GRE (PPTP, version 1) frames through an
 * AF_PACKET socket as fast as possible, for a fixed time and at most a
 * fixed number of packets.  Run it inside the sending netns.
 *
 * usage: gre_blast --ifname IF --dst-mac MAC --src IP --dst IP --key K
 *                  [--seconds S (3)] [--payload BYTES (64)]
 *                  [--max-packets N (50000000)] [--batch N (32)]
 *
 * Prints: "sent N secs S pps R" (and "errors E" when sends failed, e.g.
 * ENOBUFS; those packets are not counted as sent).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXB 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t csum(const void *p, int len)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *mac = NULL, *src = NULL, *dst = NULL;
	long key = -1, maxp = 50000000, sent = 0, errors = 0;
	int payload = 64, nb = 32, i, fd, len, one = 1;
	double secs = 3, t0, t, end;
	unsigned int m[6];
	uint8_t frames[MAXB][1600];
	struct mmsghdr msgs[MAXB];
	struct iovec iov[MAXB];
	struct sockaddr_ll sll;
	struct iphdr *ip;
	uint8_t *f, *g;
	uint32_t seq = 1;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--ifname")) ifname = v;
		else if (!strcmp(a, "--dst-mac")) mac = v;
		else if (!strcmp(a, "--src")) src = v;
		else if (!strcmp(a, "--dst")) dst = v;
		else if (!strcmp(a, "--key")) key = strtol(v, NULL, 0);
		else if (!strcmp(a, "--seconds")) secs = atof(v);
		else if (!strcmp(a, "--payload")) payload = atoi(v);
		else if (!strcmp(a, "--max-packets")) maxp = atol(v);
		else if (!strcmp(a, "--batch")) nb = atoi(v);
		else break;
	}
	if (i != argc || !ifname || !mac || !src || !dst || key < 0 || key > 0xffff ||
	    payload < 0 || payload > 1400 || nb < 1 || nb > MAXB ||
	    secs <= 0 || secs > 60 ||
	    sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
		fprintf(stderr, "usage: %s --ifname IF --dst-mac MAC --src IP --dst IP "
			"--key K [--seconds S] [--payload B] [--max-packets N] [--batch N]\n",
			argv[0]);
		return 2;
	}

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_IP);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("bind");
		return 1;
	}

	/* Ethernet + IPv4 + GRE (K,S, v1) + payload. */
	f = frames[0];
	memset(f, 0, sizeof(frames[0]));
	for (i = 0; i < 6; i++)
		f[i] = m[i];
	f[12] = 0x08;
	f[13] = 0x00;
	ip = (struct iphdr *)(f + 14);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_GRE;
	len = 20 + 12 + payload;
	ip->tot_len = htons(len);
	if (inet_pton(AF_INET, src, &ip->saddr) != 1 ||
	    inet_pton(AF_INET, dst, &ip->daddr) != 1) {
		fprintf(stderr, "bad address\n");
		return 2;
	}
	ip->check = csum(ip, 20);
	g = f + 34;
	g[0] = 0x30; g[1] = 0x01;		/* K, S, version 1 */
	g[2] = 0x88; g[3] = 0x0B;
	g[4] = payload >> 8; g[5] = payload;
	g[6] = key >> 8; g[7] = key;
	len += 14;
	for (i = 0; i < nb; i++) {
		if (i)
			memcpy(frames[i], f, len);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = len;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now();
	end = t0 + secs;
	t = t0;
	while (t < end && sent < maxp) {
		int n = nb, r;

		if (maxp - sent < n)
			n = maxp - sent;
		for (i = 0; i < n; i++) {
			uint8_t *s = frames[i] + 34 + 8;

			s[0] = seq >> 24; s[1] = seq >> 16; s[2] = seq >> 8; s[3] = seq;
			seq++;
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("sendmmsg");
				return 1;
			}
			errors += n;
		} else {
			sent += r;
			errors += n - r;
		}
		t = now();
	}
	printf("sent %ld secs %.4f pps %.0f", sent, t - t0, sent / (t - t0));
	if (errors)
		printf(" errors %ld", errors);
	printf("\n");
	return 0;
}
