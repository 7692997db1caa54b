/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Choice of a translated call ID.  Pure: the caller supplies the random
 * source and the "is this ID in use" test, so the same code runs against
 * the kernel's NAT table, KUnit fakes and a userspace harness.
 */
#ifndef PPTP_ALG_CALLID_H
#define PPTP_ALG_CALLID_H

#include <linux/types.h>

/* Random probes before falling back to a bounded linear scan. */
#define PPTP_CALLID_PROBES	32

struct pptp_callid_src {
	u32 (*random)(void *ctx);
	/* Try to claim @id; true when it was free and is now ours. */
	bool (*claim)(void *ctx, u16 id);
	void *ctx;
};

/*
 * Claim a free ID in [1, 65535] (0 is never handed out: some peers treat
 * it as "no call").  Random probes first, so the expected cost is O(1)
 * while the space is not nearly full; then one linear pass from a random
 * start, so a free ID is found whenever one exists.
 * Returns 0 and stores the ID in *@out, or -ENOSPC.
 */
int pptp_callid_pick(const struct pptp_callid_src *src, u16 *out);

/* Random probes for an ID sharing @hint's high byte. */
#define PPTP_CALLID_NEAR_PROBES	16

/*
 * Like pptp_callid_pick(), but first try IDs with the same high byte as
 * @hint (the ID being translated): a translation that only changes the
 * low byte can still be made when a segment boundary splits the field
 * and its high byte has already been forwarded.  Falls back to the whole
 * space, so it fails only when pptp_callid_pick() would.
 */
int pptp_callid_pick_near(const struct pptp_callid_src *src, u16 hint,
			  u16 *out);

#endif /* PPTP_ALG_CALLID_H */
