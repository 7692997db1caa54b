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

int pptp_callid_pick(const struct pptp_callid_src *src, u16 *out)
{
	unsigned int i, start;
	u16 id;

	for (i = 0; i < PPTP_CALLID_PROBES; i++) {
		/* Modulo bias of 2^32 mod 65535 is far below anything visible. */
		id = src->random(src->ctx) % PPTP_CALLID_SPACE + 1;
		if (src->claim(src->ctx, id)) {
			*out = id;
			return 0;
		}
	}

	/* Nearly full: one bounded pass guarantees we find a free ID. */
	start = src->random(src->ctx) % PPTP_CALLID_SPACE;
	for (i = 0; i < PPTP_CALLID_SPACE; i++) {
		id = (start + i) % PPTP_CALLID_SPACE + 1;
		if (src->claim(src->ctx, id)) {
			*out = id;
			return 0;
		}
	}
	return -ENOSPC;
}

int pptp_callid_pick_near(const struct pptp_callid_src *src, u16 hint,
			  u16 *out)
{
	unsigned int i;
	u16 id;

	for (i = 0; i < PPTP_CALLID_NEAR_PROBES; i++) {
		id = (hint & 0xff00) | (src->random(src->ctx) & 0xff);
		/* The hint itself would translate nothing. */
		if (id && id != hint && src->claim(src->ctx, id)) {
			*out = id;
			return 0;
		}
	}
	return pptp_callid_pick(src, out);
}
