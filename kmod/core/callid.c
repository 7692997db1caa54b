// SPDX-License-Identifier: GPL-2.0-only
/*
 * Choice of a translated PPTP call ID.  Random rather than sequential so
 * that IDs seen on the wire say nothing about the hosts behind the NAT.
 */
#include <linux/types.h>
#include <linux/errno.h>

#include "pptp_alg/callid.h"

/* Number of usable call IDs: 0 is reserved. */
#define PPTP_CALLID_SPACE	65535U

#if PPTP_CALLID_NEAR_PROBES >= PPTP_CALLID_MAX_ATTEMPTS
#error "the hint's block must leave attempts for the whole space"
#endif

/* Up to @tries uniform probes of the whole space, never returning @skip. */
static int pptp_callid_probe(const struct pptp_callid_src *src, u16 skip,
			     unsigned int tries, u16 *out)
{
	u16 id;

	while (tries--) {
		/* Modulo bias of 2^32 mod 65535 is far below anything visible. */
		id = src->random(src->ctx) % PPTP_CALLID_SPACE + 1;
		if (id != skip && src->claim(src->ctx, id)) {
			*out = id;
			return 0;
		}
	}
	return -ENOSPC;
}

int pptp_callid_pick(const struct pptp_callid_src *src, u16 *out)
{
	/* 0 is never drawn, so nothing is skipped. */
	return pptp_callid_probe(src, 0, PPTP_CALLID_MAX_ATTEMPTS, out);
}

int pptp_callid_pick_near(const struct pptp_callid_src *src, u16 hint,
			  u16 *out)
{
	unsigned int i;
	u16 id;

	for (i = 0; i < PPTP_CALLID_NEAR_PROBES; i++) {
		id = (hint & 0xff00) | (src->random(src->ctx) & 0xff);
		if (id && id != hint && src->claim(src->ctx, id)) {
			*out = id;
			return 0;
		}
	}
	return pptp_callid_probe(src, hint,
				 PPTP_CALLID_MAX_ATTEMPTS -
				 PPTP_CALLID_NEAR_PROBES, out);
}
