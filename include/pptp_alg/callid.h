/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Choice of a translated call ID.  Pure: the caller supplies the random
 * source and the "is this ID in use" test, so the same code runs against
 * the kernel's NAT table, KUnit fakes and a userspace harness.
 */
#ifndef PPTP_ALG_CALLID_H
#define PPTP_ALG_CALLID_H

#include <linux/types.h>

/*
 * Most claim() calls one pick may make.  The search runs for a call
 * request in softirq under the connection's lock, and each claim is a
 * hash lookup: the bound caps that work per packet whatever the fill of
 * the ID space, as the NAT core caps its own tuple search.
 */
#define PPTP_CALLID_MAX_ATTEMPTS	128

/* Of those, the ones pptp_callid_pick_near() spends in the hint's block. */
#define PPTP_CALLID_NEAR_PROBES		16

struct pptp_callid_src {
	u32 (*random)(void *ctx);
	/* Try to claim @id; true when it was free and is now ours. */
	bool (*claim)(void *ctx, u16 id);
	void *ctx;
};

/*
 * Claim a free ID in [1, 65535] (0 is never handed out: some peers treat
 * it as "no call") by independent uniform probes, at most
 * PPTP_CALLID_MAX_ATTEMPTS of them.  A free ID can therefore be missed
 * when the space is nearly full: with a fraction f taken all probes miss
 * with probability f^128, under 1e-5 up to 91% full but 0.28 at 99%.
 * Returns 0 and stores the ID in *@out, or -ENOSPC.
 */
int pptp_callid_pick(const struct pptp_callid_src *src, u16 *out);

/*
 * Like pptp_callid_pick(), but first try IDs with the same high byte as
 * @hint (the ID being translated): a translation that only changes the
 * low byte can still be made when a segment boundary splits the field
 * and its high byte has already been forwarded.  The rest of the same
 * attempt budget goes to the whole space.  Never returns @hint, which
 * would translate nothing.
 */
int pptp_callid_pick_near(const struct pptp_callid_src *src, u16 hint,
			  u16 *out);

#endif /* PPTP_ALG_CALLID_H */
