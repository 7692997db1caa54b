// SPDX-License-Identifier: GPL-2.0-only
/*
 * GRE idle timeouts of a call's data entries.
 *
 * The 6.1 GRE tracker copies its timeouts into ct->proto.gre when it sees
 * the first packet of an unconfirmed entry, overwriting anything an
 * expectfn stored there.  What it does honour at that moment is the
 * conntrack timeout extension, so each new GRE entry gets one pointing at
 * one of two per-netns policies: "half" until the call's other direction
 * has carried GRE too, "stream" after.  An entry created first is promoted
 * in place when its partner appears (it is confirmed by then, so the value
 * that matters is ct->proto.gre, which only the tracker's per-packet
 * refresh reads).
 *
 * The policies are reference counted (Debian's 6.1 and later): every entry
 * holds one, the namespace one more, so a policy outlives the namespace's
 * state for as long as an entry still points at it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/netfilter/nf_conntrack_proto_gre.h>
#include <net/netfilter/nf_conntrack_l4proto.h>
#include <net/netfilter/nf_conntrack_timeout.h>

#include "pptp_alg.h"

#if PPTP_ALG_HAVE_CT_TIMEOUT

static struct nf_ct_timeout *pptp_alg_policy_alloc(void)
{
	struct nf_ct_timeout *t;

	t = kzalloc(sizeof(*t) + GRE_CT_MAX * sizeof(unsigned int),
		    GFP_KERNEL);
	if (!t)
		return NULL;
	refcount_set(&t->refcnt, 1);
	t->l3num = NFPROTO_IPV4;
	t->l4proto = nf_ct_l4proto_find(IPPROTO_GRE);
	return t;
}

int pptp_alg_gre_timeout_init(struct pptp_alg_net *pn)
{
	pn->gre_half = pptp_alg_policy_alloc();
	pn->gre_stream = pptp_alg_policy_alloc();
	if (!pn->gre_half || !pn->gre_stream) {
		kfree(pn->gre_half);
		kfree(pn->gre_stream);
		pn->gre_half = NULL;
		pn->gre_stream = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The GRE entries are one-way, so both slots carry the same value. */
static void pptp_alg_policy_set(struct nf_ct_timeout *t, int secs)
{
	unsigned int *v = (unsigned int *)t->data;
	unsigned int j = (unsigned int)secs * HZ;

	if (READ_ONCE(v[GRE_CT_UNREPLIED]) != j)
		WRITE_ONCE(v[GRE_CT_UNREPLIED], j);
	if (READ_ONCE(v[GRE_CT_REPLIED]) != j)
		WRITE_ONCE(v[GRE_CT_REPLIED], j);
}

static int pptp_alg_kill_gre(struct nf_conn *ct, void *data)
{
	return pptp_alg_gre_is_ours(data, ct);
}

static void pptp_alg_policy_put(struct nf_ct_timeout *t)
{
	if (t && refcount_dec_and_test(&t->refcnt))
		kfree_rcu(t, rcu);
}

/* Netns exit or unload: delete our GRE entries, drop our references. */
void pptp_alg_gre_timeout_exit(struct pptp_alg_net *pn)
{
	struct nf_ct_iter_data iter = { .net = pn->net, .data = pn };

	if (!pn->gre_half)
		return;
	nf_ct_iterate_cleanup_net(pptp_alg_kill_gre, &iter);
	pptp_alg_policy_put(pn->gre_half);
	pptp_alg_policy_put(pn->gre_stream);
	pn->gre_half = NULL;
	pn->gre_stream = NULL;
}

bool pptp_alg_gre_is_ours(struct pptp_alg_net *pn, struct nf_conn *gre)
{
	struct nf_conn_timeout *ext = nf_ct_timeout_find(gre);
	const struct nf_ct_timeout *t;

	if (!ext)
		return false;
	t = rcu_access_pointer(ext->timeout);
	return t && (t == pn->gre_half || t == pn->gre_stream);
}

/* @gre is unconfirmed: called from the expectation callback. */
void pptp_alg_gre_timeout_attach(struct pptp_alg_net *pn, struct nf_conn *gre,
				 bool stream)
{
	struct nf_ct_timeout *t = stream ? pn->gre_stream : pn->gre_half;

	pptp_alg_policy_set(t, stream ? READ_ONCE(pn->tun.gre_stream_timeout) :
					READ_ONCE(pn->tun.gre_timeout));
	/* Takes its own reference; fails if a ruleset policy is there. */
	if (!nf_ct_timeout_ext_add(gre, t, GFP_ATOMIC))
		pptp_alg_stat_inc(pn, PPTP_STAT_GRE_TIMEOUT_FAILED);
}

#else /* !PPTP_ALG_HAVE_CT_TIMEOUT */

int pptp_alg_gre_timeout_init(struct pptp_alg_net *pn)
{
	return 0;
}

void pptp_alg_gre_timeout_exit(struct pptp_alg_net *pn)
{
}

bool pptp_alg_gre_is_ours(struct pptp_alg_net *pn, struct nf_conn *gre)
{
	return false;
}

void pptp_alg_gre_timeout_attach(struct pptp_alg_net *pn, struct nf_conn *gre,
				 bool stream)
{
	pptp_alg_stat_inc(pn, PPTP_STAT_GRE_TIMEOUT_FAILED);
}

#endif

static void pptp_alg_gre_set_stream(struct nf_conn *gre, unsigned int j)
{
	WRITE_ONCE(gre->proto.gre.timeout, j);
	WRITE_ONCE(gre->proto.gre.stream_timeout, j);
	pptp_alg_ct_refresh(gre, j);
}

/* A partner whose first packet was still in flight when it was promoted. */
struct pptp_alg_promotion {
	struct rcu_head rcu;
	struct nf_conn *gre;		/* referenced */
	unsigned int j;
};

/*
 * The partner's first packet has left the tracker: it ran in one RCU
 * read-side section with the callback that made the entry.
 */
static void pptp_alg_gre_promote_rcu(struct rcu_head *head)
{
	struct pptp_alg_promotion *p = container_of(head,
						    struct pptp_alg_promotion,
						    rcu);

	if (!nf_ct_is_dying(p->gre))
		pptp_alg_gre_set_stream(p->gre, p->j);
	nf_ct_put(p->gre);
	kfree(p);
}

/*
 * @gre's partner direction just appeared.  The tracker reads the policy
 * only for an unconfirmed entry, at its first packet, so the copy it
 * refreshes from is set here; when @gre is not confirmed yet its first
 * packet may be in the tracker on another CPU, about to overwrite that
 * copy, so it is set once more after a grace period.
 */
void pptp_alg_gre_timeout_promote(struct pptp_alg_net *pn, struct nf_conn *gre)
{
	unsigned int j = READ_ONCE(pn->tun.gre_stream_timeout) * HZ;
	struct pptp_alg_promotion *p;

	pptp_alg_gre_set_stream(gre, j);
	if (nf_ct_is_confirmed(gre))
		return;
	p = pptp_alg_alloc(pn, sizeof(*p));
	if (!p)
		return;
	nf_conntrack_get(&gre->ct_general);
	p->gre = gre;
	p->j = j;
	call_rcu(&p->rcu, pptp_alg_gre_promote_rcu);
}
