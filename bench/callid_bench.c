// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cost of choosing a translated call ID (kmod/core/callid.c, built
 * unchanged against the kunit/host shim) when the (public address, peer)
 * ID space is empty and when it is full.  A call request pays this in
 * softirq under its connection's lock, so a full space must not cost
 * much more than an empty one.  The claim test is a bitmap lookup here;
 * in the kernel it is a hash lookup, so the ratio is what carries over.
 *
 * usage: callid_bench [PICKS]
 * Prints "empty NS full NS ratio R claims_full N" per pick.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pptp_alg/callid.h"

static unsigned char taken[65536];
static unsigned long claims;
static unsigned int rnd_state = 0x1723;

static u32 bench_random(void *ctx)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static bool bench_claim(void *ctx, u16 id)
{
	claims++;
	if (taken[id])
		return false;
	taken[id] = 1;
	return true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Nanoseconds per pick; a successful pick is given back at once. */
static double run(unsigned int picks, unsigned long *claims_per_pick)
{
	const struct pptp_callid_src src = {
		.random = bench_random, .claim = bench_claim,
	};
	unsigned int i;
	double t0;
	u16 id;

	claims = 0;
	t0 = now();
	for (i = 0; i < picks; i++)
		if (!pptp_callid_pick_near(&src, 0x4242, &id))
			taken[id] = 0;
	*claims_per_pick = claims / picks;
	return (now() - t0) * 1e9 / picks;
}

int main(int argc, char **argv)
{
	unsigned int picks = argc > 1 ? atoi(argv[1]) : 2000;
	unsigned long c_empty, c_full;
	double empty, full;

	memset(taken, 0, sizeof(taken));
	empty = run(picks, &c_empty);
	memset(taken, 1, sizeof(taken));
	full = run(picks, &c_full);
	printf("empty %.0f ns (%lu claims)  full %.0f ns (%lu claims)  full/empty %.1f\n",
	       empty, c_empty, full, c_full, full / empty);
	return 0;
}
