// SPDX-License-Identifier: GPL-2.0-only
/*
 * Round trip of PPTP state through conntrackd's sync protocol, without a
 * kernel: what the primary's kernel reports (a ctnetlink message, parsed
 * by libnetfilter_conntrack as conntrackd's event handler does) goes
 * through the internal cache copy, ct2msg()/exp2msg() (build.c),
 * msg2ct()/msg2exp() (parse.c), the external cache copy and the commit's
 * clone, and ends as the ctnetlink message the backup sends to its
 * kernel, whose attributes are checked.
 *
 * Built by test.sh against conntrackd's build.c and parse.c and a
 * libnetfilter_conntrack, patched or not.  Prints one TAP line per
 * check and a closing "N passed, M failed" line; exits 1 on a failure.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include "conntrackd.h"
#include "network.h"

#define MSG_BUFSIZ	8192
#define CT_DIR_REPLY	1	/* enum ip_conntrack_dir, not in the uapi */
#define SYNC_ALIGNTO	4	/* as in conntrackd's network.c */

/* What build.o and parse.o need from the rest of conntrackd. */
struct ct_conf conf;

int nethdr_align(int value)
{
	return (value + SYNC_ALIGNTO - 1) & ~(SYNC_ALIGNTO - 1);
}

static int passed, failed;

static void check(int ok, const char *what)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", passed + failed + 1, what);
	if (ok)
		passed++;
	else
		failed++;
}

#define PRIMARY_IN	"192.168.1.10"	/* PNS behind the router */
#define PRIMARY_PEER	"198.51.100.200"	/* PAC */
#define ROUTER_PUB	"198.51.100.1"	/* masquerade address */
#define HELPER		"pptp-alg"
#define EXPECTFN	"pptp-alg-gre"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ctnetlink message builders: what the kernel sends. */

static void put_tuple(struct nlmsghdr *nlh, int type, uint32_t src,
		      uint32_t dst, uint8_t proto, uint16_t sport,
		      uint16_t dport)
{
	struct nlattr *t, *n;

	t = mnl_attr_nest_start(nlh, type);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, src);
	mnl_attr_put_u32(nlh, CTA_IP_V4_DST, dst);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
}

static struct nlmsghdr *msg_start(char *buf, int subsys, int type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (subsys << 8) | type;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	return nlh;
}

/* The control connection, masqueraded, with the helper's private data. */
static struct nf_conntrack *kernel_ctl(const void *info, size_t len)
{
	static char buf[MSG_BUFSIZ];
	struct nlmsghdr *nlh = msg_start(buf, NFNL_SUBSYS_CTNETLINK,
					 IPCTNL_MSG_CT_NEW);
	struct nf_conntrack *ct = nfct_new();
	struct nlattr *n, *p;

	put_tuple(nlh, CTA_TUPLE_ORIG, ip(PRIMARY_IN), ip(PRIMARY_PEER),
		  IPPROTO_TCP, 40000, 1723);
	put_tuple(nlh, CTA_TUPLE_REPLY, ip(PRIMARY_PEER), ip(ROUTER_PUB),
		  IPPROTO_TCP, 1723, 40000);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_SEEN_REPLY | IPS_ASSURED |
		IPS_CONFIRMED | IPS_SRC_NAT | IPS_SRC_NAT_DONE |
		IPS_DST_NAT_DONE | IPS_HELPER));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(431999));
	n = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	p = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, 3 /* established */);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_HELP);
	mnl_attr_put_strz(nlh, CTA_HELP_NAME, HELPER);
	if (info)
		mnl_attr_put(nlh, CTA_HELP_INFO, len, info);
	mnl_attr_nest_end(nlh, n);
	nfct_nlmsg_parse(nlh, ct);
	return ct;
}

/* One direction of a call's GRE: key translated by the router. */
static struct nf_conntrack *kernel_gre(uint16_t key, uint16_t nat_key)
{
	static char buf[MSG_BUFSIZ];
	struct nlmsghdr *nlh = msg_start(buf, NFNL_SUBSYS_CTNETLINK,
					 IPCTNL_MSG_CT_NEW);
	struct nf_conntrack *ct = nfct_new();

	put_tuple(nlh, CTA_TUPLE_ORIG, ip(PRIMARY_IN), ip(PRIMARY_PEER),
		  IPPROTO_GRE, key, 0x7000);
	put_tuple(nlh, CTA_TUPLE_REPLY, ip(PRIMARY_PEER), ip(ROUTER_PUB),
		  IPPROTO_GRE, 0x7000, nat_key);
	put_tuple(nlh, CTA_TUPLE_MASTER, ip(PRIMARY_IN), ip(PRIMARY_PEER),
		  IPPROTO_TCP, 40000, 1723);
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(IPS_EXPECTED |
		IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED | IPS_SRC_NAT |
		IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(1799));
	nfct_nlmsg_parse(nlh, ct);
	return ct;
}

/* The expectation for the GRE of a call, with NAT, class and expectfn. */
static struct nf_expect *kernel_exp(uint16_t key)
{
	static char buf[MSG_BUFSIZ];
	struct nlmsghdr *nlh = msg_start(buf, NFNL_SUBSYS_CTNETLINK_EXP,
					 IPCTNL_MSG_EXP_NEW);
	struct nf_expect *exp = nfexp_new();
	struct nlattr *n;

	put_tuple(nlh, CTA_EXPECT_MASTER, ip(PRIMARY_IN), ip(PRIMARY_PEER),
		  IPPROTO_TCP, 40000, 1723);
	put_tuple(nlh, CTA_EXPECT_TUPLE, ip(PRIMARY_PEER), ip(ROUTER_PUB),
		  IPPROTO_GRE, 0, key);
	put_tuple(nlh, CTA_EXPECT_MASK, 0xffffffff, 0xffffffff,
		  IPPROTO_GRE, 0, 0xffff);
	mnl_attr_put_u32(nlh, CTA_EXPECT_TIMEOUT, htonl(117));
	mnl_attr_put_u32(nlh, CTA_EXPECT_FLAGS, htonl(0));
	mnl_attr_put_strz(nlh, CTA_EXPECT_HELP_NAME, HELPER);
	mnl_attr_put_u32(nlh, CTA_EXPECT_CLASS, htonl(1));
	n = mnl_attr_nest_start(nlh, CTA_EXPECT_NAT);
	mnl_attr_put_u32(nlh, CTA_EXPECT_NAT_DIR, htonl(CT_DIR_REPLY));
	put_tuple(nlh, CTA_EXPECT_NAT_TUPLE, ip(PRIMARY_IN), 0,
		  IPPROTO_TCP, 0x4242, 0);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_strz(nlh, CTA_EXPECT_FN, EXPECTFN);
	nfexp_nlmsg_parse(nlh, exp);
	return exp;
}

/* The primary: internal cache, then a sync message. */

static struct nethdr *sync_ct(const struct nf_conntrack *ct)
{
	static char buf[4096];
	struct nethdr *n = (struct nethdr *)buf;

	memset(buf, 0, sizeof(buf));
	n->len = NETHDR_SIZ;
	ct2msg(ct, n);
	return n;
}

static struct nethdr *sync_exp(const struct nf_expect *exp)
{
	static char buf[4096];
	struct nethdr *n = (struct nethdr *)buf;

	memset(buf, 0, sizeof(buf));
	n->len = NETHDR_SIZ;
	exp2msg(exp, n);
	return n;
}

/* The backup: msg2ct() into the external cache, then the commit clone. */

static struct nf_conntrack *backup_ct(struct nethdr *n, int *ret)
{
	struct nf_conntrack *ct = nfct_new(), *obj = nfct_new(), *commit;

	*ret = msg2ct(ct, n, n->len);
	nfct_copy(obj, ct, NFCT_CP_OVERRIDE);		/* cache_add() */
	commit = nfct_clone(obj);			/* nl_create_conntrack() */
	nfct_setobjopt(commit, NFCT_SOPT_SETUP_REPLY);
	nfct_destroy(ct);
	nfct_destroy(obj);
	return commit;
}

static struct nf_expect *backup_exp(struct nethdr *n, int *ret)
{
	struct nf_expect *exp = nfexp_new(), *commit;

	*ret = msg2exp(exp, n, n->len);
	commit = nfexp_clone(exp);			/* nl_create_expect() */
	nfexp_destroy(exp);
	return commit;
}

/* ctnetlink message parsing: what the backup's kernel gets. */

struct attrs {
	const struct nlattr *tb[64];
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type < 64)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_msg(const struct nlmsghdr *nlh, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), attr_cb, a);
}

static void parse_nest(const struct nlattr *nest, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	if (nest)
		mnl_attr_parse_nested(nest, attr_cb, a);
}

static int port_of(const struct nlattr *tuple, int which)
{
	struct attrs t, p;

	parse_nest(tuple, &t);
	parse_nest(t.tb[CTA_TUPLE_PROTO], &p);
	if (!p.tb[which])
		return -1;
	return ntohs(mnl_attr_get_u16(p.tb[which]));
}

static uint32_t ip_of(const struct nlattr *tuple, int which)
{
	struct attrs t, i;

	parse_nest(tuple, &t);
	parse_nest(t.tb[CTA_TUPLE_IP], &i);
	return i.tb[which] ? mnl_attr_get_u32(i.tb[which]) : 0;
}

static struct nlmsghdr *kernel_ct_msg(const struct nf_conntrack *ct)
{
	static char buf[MSG_BUFSIZ];
	struct nlmsghdr *nlh = msg_start(buf, NFNL_SUBSYS_CTNETLINK,
					 IPCTNL_MSG_CT_NEW);

	nfct_nlmsg_build(nlh, ct);
	return nlh;
}

static struct nlmsghdr *kernel_exp_msg(const struct nf_expect *exp)
{
	static char buf[MSG_BUFSIZ];
	struct nlmsghdr *nlh = msg_start(buf, NFNL_SUBSYS_CTNETLINK_EXP,
					 IPCTNL_MSG_EXP_NEW);

	nfexp_nlmsg_build(nlh, exp);
	return nlh;
}

static void test_gre(void)
{
	struct nf_conntrack *a = kernel_gre(0x1111, 0x2222);
	struct nf_conntrack *b = kernel_gre(0x3333, 0x4444);
	struct nf_conntrack *ra, *rb;
	struct attrs m, nat, proto;
	int ret_a, ret_b;

	ra = backup_ct(sync_ct(a), &ret_a);
	rb = backup_ct(sync_ct(b), &ret_b);
	check(ret_a == 0 && ret_b == 0, "gre: msg2ct accepts the messages");
	check(nfct_get_attr_u16(ra, ATTR_ORIG_PORT_SRC) == htons(0x1111) &&
	      nfct_get_attr_u16(ra, ATTR_ORIG_PORT_DST) == htons(0x7000),
	      "gre: keys survive ct2msg/msg2ct");
	check(!nfct_cmp(ra, rb, NFCT_CMP_ORIG),
	      "gre: two calls stay two cache objects (nfct_cmp)");

	parse_msg(kernel_ct_msg(ra), &m);
	check(port_of(m.tb[CTA_TUPLE_ORIG], CTA_PROTO_SRC_PORT) == 0x1111 &&
	      port_of(m.tb[CTA_TUPLE_ORIG], CTA_PROTO_DST_PORT) == 0x7000,
	      "gre: commit sends the keys in CTA_TUPLE_ORIG");
	check(port_of(m.tb[CTA_TUPLE_MASTER], CTA_PROTO_DST_PORT) == 1723,
	      "gre: commit sends the master tuple");
	check(m.tb[CTA_TIMEOUT] &&
	      ntohl(mnl_attr_get_u32(m.tb[CTA_TIMEOUT])) == 1799,
	      "gre: commit sends the timeout");
	parse_nest(m.tb[CTA_NAT_SRC], &nat);
	parse_nest(nat.tb[CTA_NAT_PROTO], &proto);
	check(nat.tb[CTA_NAT_V4_MINIP] &&
	      mnl_attr_get_u32(nat.tb[CTA_NAT_V4_MINIP]) == ip(ROUTER_PUB),
	      "gre: commit sends the SNAT address");
	check(proto.tb[CTA_PROTONAT_PORT_MIN] &&
	      ntohs(mnl_attr_get_u16(proto.tb[CTA_PROTONAT_PORT_MIN])) ==
	      0x2222,
	      "gre: commit sends the translated key (CTA_PROTONAT_PORT_MIN)");

	nfct_destroy(a);
	nfct_destroy(b);
	nfct_destroy(ra);
	nfct_destroy(rb);
}

static void test_helper_info(void)
{
	unsigned char v1[20], v2[37];
	struct nf_conntrack *ev1, *ev2, *obj, *r;
	struct attrs m, help;
	int ret;

	memset(v1, 0xa5, sizeof(v1));
	for (ret = 0; ret < (int)sizeof(v2); ret++)
		v2[ret] = ret + 1;

	/* HelperInfoSync off (the default): nothing an old peer rejects. */
	ev1 = kernel_ctl(v1, sizeof(v1));
	r = backup_ct(sync_ct(ev1), &ret);
	check(ret == 0 && !nfct_attr_is_set(r, ATTR_HELPER_INFO),
	      "helper: no private data sent by default");
	nfct_destroy(ev1);
	nfct_destroy(r);

#ifdef NTA_HELPER_INFO_MAX_SIZE
	CONFIG(sync).helper_info = 1;	/* HelperInfoSync on */
#endif
	/* internal cache: cache_add(), then cache_update() on an event. */
	ev1 = kernel_ctl(v1, sizeof(v1));
	ev2 = kernel_ctl(v2, sizeof(v2));
	obj = nfct_new();
	nfct_copy(obj, ev1, NFCT_CP_OVERRIDE);
	nfct_copy(obj, ev2, NFCT_CP_META);

	r = backup_ct(sync_ct(obj), &ret);
	check(ret == 0, "helper: msg2ct accepts the message");
	check(nfct_attr_is_set(r, ATTR_HELPER_NAME) &&
	      !strcmp(nfct_get_attr(r, ATTR_HELPER_NAME), HELPER),
	      "helper: name survives ct2msg/msg2ct");

	parse_msg(kernel_ct_msg(r), &m);
	parse_nest(m.tb[CTA_HELP], &help);
	check(help.tb[CTA_HELP_NAME] &&
	      !strcmp(mnl_attr_get_str(help.tb[CTA_HELP_NAME]), HELPER),
	      "helper: commit sends CTA_HELP_NAME");
	check(help.tb[CTA_HELP_INFO] &&
	      mnl_attr_get_payload_len(help.tb[CTA_HELP_INFO]) == sizeof(v2) &&
	      !memcmp(mnl_attr_get_payload(help.tb[CTA_HELP_INFO]), v2,
		      sizeof(v2)),
	      "helper: commit sends CTA_HELP_INFO, latest event's 37 bytes");

	nfct_destroy(ev1);
	nfct_destroy(ev2);
	nfct_destroy(obj);
	nfct_destroy(r);
}

static void test_expect(void)
{
	struct nf_expect *a = kernel_exp(0x5555), *b = kernel_exp(0x6666);
	struct nf_expect *ra, *rb;
	struct attrs m, nat;
	int ret_a, ret_b;

	ra = backup_exp(sync_exp(a), &ret_a);
	rb = backup_exp(sync_exp(b), &ret_b);
	check(ret_a == 0 && ret_b == 0, "expect: msg2exp accepts the messages");
	check(nfexp_get_attr_u32(ra, ATTR_EXP_CLASS) == 1 &&
	      nfexp_attr_is_set(ra, ATTR_EXP_FN) &&
	      !strcmp(nfexp_get_attr(ra, ATTR_EXP_FN), EXPECTFN) &&
	      nfexp_get_attr_u32(ra, ATTR_EXP_NAT_DIR) == CT_DIR_REPLY,
	      "expect: class, expectfn, NAT dir survive exp2msg/msg2exp");
	check(!nfexp_cmp(ra, rb, 0),
	      "expect: two calls stay two cache objects (nfexp_cmp)");

	parse_msg(kernel_exp_msg(ra), &m);
	check(port_of(m.tb[CTA_EXPECT_TUPLE], CTA_PROTO_DST_PORT) == 0x5555,
	      "expect: commit sends the GRE key in CTA_EXPECT_TUPLE");
	check(m.tb[CTA_EXPECT_HELP_NAME] &&
	      !strcmp(mnl_attr_get_str(m.tb[CTA_EXPECT_HELP_NAME]), HELPER),
	      "expect: commit sends CTA_EXPECT_HELP_NAME");
	check(m.tb[CTA_EXPECT_CLASS] &&
	      ntohl(mnl_attr_get_u32(m.tb[CTA_EXPECT_CLASS])) == 1,
	      "expect: commit sends CTA_EXPECT_CLASS");
	check(m.tb[CTA_EXPECT_FN] &&
	      !strcmp(mnl_attr_get_str(m.tb[CTA_EXPECT_FN]), EXPECTFN),
	      "expect: commit sends CTA_EXPECT_FN");
	parse_nest(m.tb[CTA_EXPECT_NAT], &nat);
	check(nat.tb[CTA_EXPECT_NAT_DIR] &&
	      ntohl(mnl_attr_get_u32(nat.tb[CTA_EXPECT_NAT_DIR])) ==
	      CT_DIR_REPLY &&
	      ip_of(nat.tb[CTA_EXPECT_NAT_TUPLE], CTA_IP_V4_SRC) ==
	      ip(PRIMARY_IN) &&
	      port_of(nat.tb[CTA_EXPECT_NAT_TUPLE], CTA_PROTO_SRC_PORT) ==
	      0x4242,
	      "expect: commit sends CTA_EXPECT_NAT (dir, address, key)");

	nfexp_destroy(a);
	nfexp_destroy(b);
	nfexp_destroy(ra);
	nfexp_destroy(rb);
}

/* A message from a newer peer: one attribute type beyond the last known. */
static void append_unknown(struct nethdr *n, int type)
{
	struct netattr *nta = NETHDR_TAIL(n);
	uint32_t data = htonl(0xdeadbeef);

	nta->nta_attr = htons(type);
	nta->nta_len = htons(NTA_LENGTH(sizeof(data)));
	memcpy(NTA_DATA(nta), &data, sizeof(data));
	n->len += NTA_ALIGN(NTA_LENGTH(sizeof(data)));
}

static void test_unknown(void)
{
	struct nf_conntrack *ct = kernel_gre(0x1111, 0x2222), *r;
	struct nf_expect *exp = kernel_exp(0x5555), *re;
	struct nethdr *n;
	int ret;

	n = sync_ct(ct);
	append_unknown(n, NTA_MAX + 7);
	r = backup_ct(n, &ret);
	check(ret == 0 && nfct_get_attr_u32(r, ATTR_TIMEOUT) == 1799,
	      "compat: msg2ct skips an unknown attribute");

	n = sync_exp(exp);
	append_unknown(n, NTA_EXP_MAX + 7);
	re = backup_exp(n, &ret);
	check(ret == 0, "compat: msg2exp skips an unknown attribute");

	nfct_destroy(ct);
	nfct_destroy(r);
	nfexp_destroy(exp);
	nfexp_destroy(re);
}

/* argv: checks already passed and failed by test.sh (the daemon's). */
int main(int argc, char *argv[])
{
	if (argc == 3) {
		passed = atoi(argv[1]);
		failed = atoi(argv[2]);
	}
	test_gre();
	test_helper_info();
	test_expect();
	test_unknown();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
