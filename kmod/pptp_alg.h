/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-side declarations shared by the glue files of nf_pptp_alg.
 * The pure protocol logic lives in include/pptp_alg/ and knows nothing of
 * what is declared here.
 */
#ifndef PPTP_ALG_H
#define PPTP_ALG_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_helper.h>

#include "pptp_alg/conn.h"
#include "compat.h"

#define PPTP_ALG_NAME		"pptp-alg"

/* Upper bound of the max_calls sysctl: bounds one connection's memory. */
#define PPTP_ALG_MAX_CALLS_LIMIT	16384

/*
 * Calls of one connection waiting for GRE: the core evicts a connection's
 * oldest expectation beyond max_expected (255), two per call.
 */
#define PPTP_ALG_PENDING_PER_CONN	127

/* How soon the state of a connection whose helper was detached goes. */
#define PPTP_ALG_GC_INTERVAL		(5 * HZ)

enum pptp_alg_stat {
#define PPTP_ALG_STAT(id, name) PPTP_STAT_##id,
#include "stats_list.h"
#undef PPTP_ALG_STAT
	PPTP_STAT_MAX
};

struct pptp_alg_stats {
	u64 v[PPTP_STAT_MAX];
};

struct pptp_alg_tunables {
	int gre_timeout;	/* s: GRE entry until both directions seen */
	int gre_stream_timeout;	/* s: GRE entry once both directions seen */
	int expect_timeout;	/* s: unfulfilled GRE expectation */
	int max_calls;		/* live calls per control connection */
	int strict;		/* drop malformed control segments */
	int log_invalid;	/* ratelimited log of malformed input */
	int pending_calls_max;	/* calls waiting for GRE in the netns */
	int pending_calls_per_host; /* ... per ORIG address */
};

/* Per network namespace state. */
struct pptp_alg_net {
	struct net *net;
	struct pptp_alg_stats __percpu *stats;
	struct pptp_alg_tunables tun;
	struct ctl_table_header *sysctl_hdr;
	struct proc_dir_entry *proc_dir;
	/* GRE timeout policies handed to the core through the timeout
	 * extension; data is in jiffies and follows the sysctls.
	 */
	struct nf_ct_timeout *gre_half;
	struct nf_ct_timeout *gre_stream;
	struct rhashtable nat_ids;	/* translated call IDs in use */
	struct rhashtable hosts;	/* calls waiting for GRE, per host */
	spinlock_t hosts_lock;		/* hosts: insert and remove */
	atomic_t pending;		/* calls waiting for GRE */
	spinlock_t conns_lock;		/* conns writers: setup/teardown only */
	struct list_head conns;		/* RCU: /proc readers take no lock */
	unsigned int nconns;
	struct delayed_work gc;		/* connections whose helper was detached */
	/* States from ctnetlink waiting for their entry (ha.c). */
	spinlock_t restores_lock;	/* restores, nrestores */
	struct list_head restores;
	unsigned int nrestores;
	atomic64_t restore_cookie;
	struct delayed_work restore_work;
	bool dying;
};

/* Per control connection; owned by the conntrack entry's helper area. */
struct pptp_alg_conn {
	struct list_head node;		/* pptp_alg_net.conns */
	spinlock_t lock;		/* everything below */
	struct nf_conn *ct;		/* master, valid until destroy */
	struct pptp_conn pc;		/* protocol state, pure */
	u32 created;			/* seconds */
	bool dead;			/* destroy ran: ignore everything */
	bool closed;			/* FIN or RST seen: not an active session */
	u8 pending;			/* calls waiting for GRE (expect_budget.c) */
	struct rcu_head rcu;
};

/*
 * Layout of nf_conn_help::data.  In 6.1 the core, when a GRE entry whose
 * master uses a helper with a destroy callback dies, reads this area as
 * mainline's struct nf_ct_pptp_master and frees its keymap[] pointers:
 * those two slots must stay NULL.  helper.c checks the offsets at build
 * time.
 */
struct pptp_alg_help {
	struct pptp_alg_conn *conn;
	u64 restore;			/* cookie of a state to restore (ha.c) */
	void *core_keymap[IP_CT_DIR_MAX];
};

extern unsigned int pptp_alg_net_id;
extern struct pernet_operations pptp_alg_net_ops;

static inline struct pptp_alg_net *pptp_alg_pernet(const struct net *net)
{
	return net_generic(net, pptp_alg_net_id);
}

static inline void pptp_alg_stat_inc(struct pptp_alg_net *pn,
				     enum pptp_alg_stat id)
{
	this_cpu_inc(pn->stats->v[id]);
}

static inline void pptp_alg_stat_add(struct pptp_alg_net *pn,
				     enum pptp_alg_stat id, u64 n)
{
	this_cpu_add(pn->stats->v[id], n);
}

static inline struct pptp_alg_help *pptp_alg_help_area(const struct nf_conn *ct)
{
	struct nf_conn_help *help = nfct_help(ct);

	return help ? (struct pptp_alg_help *)help->data : NULL;
}

/* The state of control connection @ct, or NULL. */
static inline struct pptp_alg_conn *pptp_alg_conn_of(const struct nf_conn *ct)
{
	struct pptp_alg_help *h = pptp_alg_help_area(ct);

	return h ? READ_ONCE(h->conn) : NULL;
}

static inline u32 pptp_alg_now(void)
{
	return (u32)ktime_get_boottime_seconds();
}

/* fault.c */
#ifdef CONFIG_FAULT_INJECTION
bool pptp_alg_fail(void);
void pptp_alg_fault_init(void);
void pptp_alg_fault_exit(void);
#else
static inline bool pptp_alg_fail(void)
{
	return false;
}

static inline void pptp_alg_fault_init(void)
{
}

static inline void pptp_alg_fault_exit(void)
{
}
#endif
/* GFP_ATOMIC; a failure counts in "nomem". */
void *pptp_alg_alloc(struct pptp_alg_net *pn, size_t size);

/* stats.c */
int pptp_alg_stats_init(struct pptp_alg_net *pn);
void pptp_alg_stats_exit(struct pptp_alg_net *pn);
u64 pptp_alg_stat_sum(struct pptp_alg_net *pn, enum pptp_alg_stat id);
int pptp_alg_stats_show(struct seq_file *s, void *v);
enum pptp_alg_stat pptp_alg_msg_stat(unsigned int type, int dir);

/* sysctl.c */
int pptp_alg_sysctl_init(struct pptp_alg_net *pn);
void pptp_alg_sysctl_exit(struct pptp_alg_net *pn);

/* proc_calls.c */
int pptp_alg_proc_init(struct pptp_alg_net *pn);
void pptp_alg_proc_exit(struct pptp_alg_net *pn);

/* gre_timeout.c */
int pptp_alg_gre_timeout_init(struct pptp_alg_net *pn);
void pptp_alg_gre_timeout_exit(struct pptp_alg_net *pn);
void pptp_alg_gre_timeout_attach(struct pptp_alg_net *pn, struct nf_conn *gre,
				 bool stream);
void pptp_alg_gre_timeout_promote(struct pptp_alg_net *pn, struct nf_conn *gre);
bool pptp_alg_gre_is_ours(struct pptp_alg_net *pn, struct nf_conn *gre);

/* nat_ids.c */
int pptp_alg_nat_ids_init(struct pptp_alg_net *pn);
void pptp_alg_nat_ids_exit(struct pptp_alg_net *pn);
int pptp_alg_nat_id_reserve(struct pptp_alg_net *pn, struct nf_conn *ct,
			    u16 hint, u16 *out);
/* Reserve exactly @id: 0, -EEXIST (taken) or -ENOMEM. */
int pptp_alg_nat_id_claim(struct pptp_alg_net *pn, struct nf_conn *ct, u16 id);
void pptp_alg_nat_id_release(struct pptp_alg_net *pn, struct nf_conn *ct,
			     u16 id);

/* expect_budget.c */
void pptp_alg_budget_defaults(struct pptp_alg_tunables *tun);
int pptp_alg_budget_init(struct pptp_alg_net *pn);
void pptp_alg_budget_exit(struct pptp_alg_net *pn);
int pptp_alg_budget_charge(struct pptp_alg_net *pn,
			   struct pptp_alg_conn *conn, struct pptp_call *call);
void pptp_alg_budget_uncharge(struct pptp_alg_net *pn,
			      struct pptp_alg_conn *conn,
			      struct pptp_call *call);

/* ha.c */
int pptp_alg_to_nlattr(struct sk_buff *skb, const struct nf_conn *ct);
int pptp_alg_from_nlattr(struct nlattr *attr, struct nf_conn *ct);
void pptp_alg_restore_now(struct pptp_alg_net *pn, struct nf_conn *ct);
void pptp_alg_ha_init(struct pptp_alg_net *pn);
void pptp_alg_ha_exit(struct pptp_alg_net *pn);

/* gre_expect.c */
/* New expectations checked for an entry made before them, at most. */
#define PPTP_ALG_AFTER_NEW	8

/*
 * What is left to do once conn->lock is dropped: nothing touches the
 * conntrack table under it.
 */
struct pptp_alg_after {
	struct list_head retired;	/* GRE entries of ended calls */
	unsigned int nnew;		/* GRE expectations made */
	u8 new_dir[PPTP_ALG_AFTER_NEW];
	u16 new_key[PPTP_ALG_AFTER_NEW];
};

static inline void pptp_alg_after_init(struct pptp_alg_after *a)
{
	INIT_LIST_HEAD(&a->retired);
	a->nnew = 0;
}

int pptp_alg_gre_expect(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			struct pptp_call *call, struct pptp_alg_after *after);
void pptp_alg_gre_forget(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			 struct pptp_call *call, struct pptp_alg_after *after);
void pptp_alg_after_run(struct pptp_alg_net *pn, struct nf_conn *ct,
			struct pptp_alg_after *after);
void pptp_alg_gre_repair(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			 struct pptp_call *call, struct pptp_alg_after *after,
			 struct nf_conn **lost);

/* helper.c */
struct pptp_alg_conn *pptp_alg_conn_create(struct pptp_alg_net *pn,
					   struct nf_conn *ct,
					   const struct pptp_conn *from,
					   bool *made);
bool pptp_alg_is_ours(const struct nf_conn *ct);
int pptp_alg_helper_register(void);
void pptp_alg_helper_quiesce(void);
void pptp_alg_helper_unregister(void);
void pptp_alg_net_drain(struct pptp_alg_net *pn);
void pptp_alg_gc_init(struct pptp_alg_net *pn);
void pptp_alg_gc_schedule(struct pptp_alg_net *pn);
int pptp_alg_conn_cache_init(void);
void pptp_alg_conn_cache_exit(void);

/* segment.c */
unsigned int pptp_alg_segment(struct pptp_alg_net *pn,
			      struct pptp_alg_conn *conn, struct sk_buff *skb,
			      unsigned int protoff, struct nf_conn *ct,
			      enum ip_conntrack_info ctinfo,
			      struct pptp_alg_after *after, bool *changed);
const struct pptp_mem_ops *pptp_alg_calls_mem(void);
void pptp_alg_conn_end_call(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			    int idx, struct pptp_alg_after *after);
unsigned int pptp_alg_conn_close(struct pptp_alg_net *pn,
				 struct pptp_alg_conn *conn, unsigned int side,
				 u32 seq, bool rst, struct pptp_alg_after *after);
void pptp_alg_conn_end_all(struct pptp_alg_net *pn,
			   struct pptp_alg_conn *conn,
			   struct pptp_alg_after *after);
void pptp_alg_conn_free_tables(struct pptp_alg_conn *conn);

/* Ratelimited report of malformed input when log_invalid is set. */
#define pptp_alg_log(pn, fmt, ...)					\
	do {								\
		if (READ_ONCE((pn)->tun.log_invalid))			\
			net_info_ratelimited(fmt, ##__VA_ARGS__);	\
	} while (0)

#endif /* PPTP_ALG_H */
