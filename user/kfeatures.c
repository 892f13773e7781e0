// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * kfeatures.c - kernel features on the forwarding path that the map FIB
 * does not mirror (kfeatures.h).  Read through netlink and getsockopt,
 * never by running iptables/nft:
 *
 *  - ip rules (RTM_GETRULE): anything but the default rules and rules
 *    that only look up an empty table (strongSwan's "from all lookup
 *    220" with install_routes = no) changes which route the kernel takes.
 *  - nftables (NFT_MSG_GETCHAIN / NFT_MSG_GETRULE on NETLINK_NETFILTER):
 *    a chain of family ip, ip6 or inet on the prerouting, forward or
 *    postrouting hook with a rule or a policy other than accept.  This
 *    covers iptables-nft too (its tables are nftables tables).
 *  - iptables-legacy (/proc/net/ip{,6}_tables_names, IPT_SO_GET_INFO and
 *    IPT_SO_GET_ENTRIES): a PREROUTING, FORWARD or POSTROUTING chain with
 *    a rule or a policy other than ACCEPT.
 *  - XFRM policies (XFRM_MSG_GETPOLICY) of direction out or fwd that
 *    match packets without a mark and are not bound to an xfrm interface
 *    (if_id): the kernel checks forwarded packets against them
 *    (xfrm4_policy_check(FWD), xfrm_route_forward()).  The marked
 *    policies of a VTI set-up do not match.
 *
 * Limits (docs/datapath-notes.md): ebtables/arptables and the bridge and
 * netdev nftables families are not looked at (they do not apply to
 * routed packets the way the ip hooks do); the INPUT/OUTPUT hooks do not
 * concern forwarded packets.  The daemon scans again on every change
 * event of rules, nftables and XFRM policies (vta_features_watch_open),
 * on route changes in the tables a lookup rule points to, and on every
 * lease renewal (iptables-legacy has no events: within renew_ms).
 */
/* conf.h brings <net/if.h>: before the UAPI headers (libc-compat.h) */
#include "kfeatures.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/fib_rules.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>

static void add(struct vta_features *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct vta_features *f, const char *fmt, ...)
{
	va_list ap;

	if (f->n == VTA_FEATURES_MAX) {
		f->truncated = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(f->what[f->n++], sizeof(f->what[0]), fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------- */
/* netlink dumps                                                      */

typedef int (*msg_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * One dump request on a fresh socket: type, family header (hdr, hdrlen),
 * optional attributes added by put().  Returns 0, or -errno (the
 * NLMSG_ERROR of the request, e.g. -EPROTONOSUPPORT, -ENOENT).  cb may
 * return 1 to stop early (the socket is closed, nothing leaks).
 */
static int dump(int bus, uint16_t type, const void *hdr, size_t hdrlen,
		void (*put)(struct nlmsghdr *, const void *), const void *arg,
		msg_cb cb, void *data)
{
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE > 32768
				   ? MNL_SOCKET_BUFFER_SIZE
				   : 32768);
	size_t bufsz = MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE
						      : 32768;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq = time(NULL), portid;
	int one = 1, err = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open(bus);
	if (!nl) {
		err = -errno;
		free(buf);
		return err;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	/* filter rule dumps by table and chain (ignored where unknown) */
	mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	if (put)
		put(nlh, arg);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		const struct nlmsghdr *m;
		int left;

		n = mnl_socket_recvfrom(nl, buf, bufsz);
		if (n < 0) {
			err = -errno;
			break;
		}
		left = n;
		for (m = (const void *)buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_type == NLMSG_DONE)
				goto out;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e =
					mnl_nlmsg_get_payload(m);

				err = e->error;
				goto out;
			}
			if (cb(m, data))
				goto out;
		}
	}
out:
	mnl_socket_close(nl);
	free(buf);
	return err;
}

static int attrs_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type < 64)
		tb[type] = a;
	return MNL_CB_OK;
}

static void parse(const struct nlmsghdr *nlh, size_t hdrlen,
		  const struct nlattr **tb)
{
	memset(tb, 0, 64 * sizeof(*tb));
	mnl_attr_parse(nlh, hdrlen, attrs_cb, tb);
}

static uint32_t u32_or(const struct nlattr *a, uint32_t def)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a)
						     : def;
}

/* ---------------------------------------------------------------- */
/* ip rules                                                           */

struct rule {
	int family;
	uint32_t prio, table;
	uint8_t action;
	bool selective; /* any selector: from/to/iif/fwmark/... */
	char desc[120];
};

struct rules {
	struct rule r[64];
	int n;
	bool more;
};

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rules *rs = data;
	const struct fib_rule_hdr *h = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64];
	struct rule *r;
	int i, len = 0;

	if (nlh->nlmsg_type != RTM_NEWRULE)
		return 0;
	if (rs->n == (int)(sizeof(rs->r) / sizeof(rs->r[0]))) {
		rs->more = true;
		return 0;
	}
	parse(nlh, sizeof(*h), tb);
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->family = h->family;
	r->prio = u32_or(tb[FRA_PRIORITY], 0);
	r->table = u32_or(tb[FRA_TABLE], h->table);
	r->action = h->action;
	r->selective = h->dst_len || h->src_len || h->tos ||
		       (h->flags & FIB_RULE_INVERT);
	/* every attribute but the ones that only say what the rule is, or
	 * that the kernel sends with a value that selects nothing */
	for (i = 0; i < 64; i++) {
		if (!tb[i])
			continue;
		switch (i) {
		case FRA_PRIORITY:
		case FRA_TABLE:
		case FRA_PROTOCOL:
		case FRA_PAD:
			continue;
		case FRA_SUPPRESS_PREFIXLEN:
		case FRA_SUPPRESS_IFGROUP:
			if (u32_or(tb[i], 0) == 0xffffffff)
				continue;
			break;
		case FRA_FWMARK:
		case FRA_FWMASK:
		case FRA_L3MDEV:
			if (mnl_attr_get_payload_len(tb[i]) >= 1 &&
			    (i == FRA_L3MDEV ? mnl_attr_get_u8(tb[i]) == 0
					     : u32_or(tb[i], 1) == 0))
				continue;
			break;
		case FRA_UID_RANGE:
			if (mnl_attr_get_payload_len(tb[i]) >= 8 &&
			    ((const uint32_t *)mnl_attr_get_payload(
				    tb[i]))[0] == 0 &&
			    ((const uint32_t *)mnl_attr_get_payload(
				    tb[i]))[1] == 0xffffffff)
				continue;
			break;
		default:
			break;
		}
		r->selective = true;
	}
	len = snprintf(r->desc, sizeof(r->desc),
		       "ip%s rule %u: ", h->family == AF_INET6 ? " -6" : "",
		       r->prio);
	if (h->src_len || h->dst_len || tb[FRA_IIFNAME] || tb[FRA_OIFNAME] ||
	    tb[FRA_FWMARK] || h->tos || tb[FRA_L3MDEV] ||
	    tb[FRA_SUPPRESS_PREFIXLEN]) {
		char a[INET6_ADDRSTRLEN];

		if (tb[FRA_SRC] && h->src_len &&
		    inet_ntop(h->family, mnl_attr_get_payload(tb[FRA_SRC]), a,
			      sizeof(a)))
			len += snprintf(r->desc + len, sizeof(r->desc) - len,
					"from %s/%u ", a, h->src_len);
		if (tb[FRA_DST] && h->dst_len &&
		    inet_ntop(h->family, mnl_attr_get_payload(tb[FRA_DST]), a,
			      sizeof(a)))
			len += snprintf(r->desc + len, sizeof(r->desc) - len,
					"to %s/%u ", a, h->dst_len);
		if (tb[FRA_IIFNAME] && len < (int)sizeof(r->desc))
			len += snprintf(r->desc + len, sizeof(r->desc) - len,
					"iif %s ",
					mnl_attr_get_str(tb[FRA_IIFNAME]));
		if (tb[FRA_FWMARK] && len < (int)sizeof(r->desc))
			len += snprintf(r->desc + len, sizeof(r->desc) - len,
					"fwmark %#x ",
					mnl_attr_get_u32(tb[FRA_FWMARK]));
		if (h->tos && len < (int)sizeof(r->desc))
			len += snprintf(r->desc + len, sizeof(r->desc) - len,
					"tos %#x ", h->tos);
		if (tb[FRA_L3MDEV] && len < (int)sizeof(r->desc))
			len += snprintf(r->desc + len, sizeof(r->desc) - len,
					"l3mdev (VRF) ");
	} else if (len < (int)sizeof(r->desc)) {
		len += snprintf(r->desc + len, sizeof(r->desc) - len,
				"from all ");
	}
	if (len < (int)sizeof(r->desc)) {
		if (r->action == FR_ACT_TO_TBL)
			snprintf(r->desc + len, sizeof(r->desc) - len,
				 "lookup %u", r->table);
		else
			snprintf(r->desc + len, sizeof(r->desc) - len,
				 "action %u (%s)", r->action,
				 r->action == FR_ACT_BLACKHOLE ? "blackhole"
				 : r->action == FR_ACT_UNREACHABLE
					 ? "unreachable"
				 : r->action == FR_ACT_PROHIBIT ? "prohibit"
				 : r->action == FR_ACT_GOTO	? "goto"
								: "other");
	}
	return 0;
}

struct tbl_put {
	uint32_t table;
};

static void put_table(struct nlmsghdr *nlh, const void *arg)
{
	const struct tbl_put *t = arg;

	mnl_attr_put_u32(nlh, RTA_TABLE, t->table);
}

struct tbl_count {
	uint32_t table;
	unsigned long n;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tbl_count *t = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64];

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	parse(nlh, sizeof(*rtm), tb);
	if (u32_or(tb[RTA_TABLE], rtm->rtm_table) != t->table)
		return 0; /* a kernel that does not filter */
	t->n++;
	return 1; /* one is enough */
}

/* Whether a table holds no route of this family (-errno: cannot tell). */
static int table_empty(int family, uint32_t table)
{
	struct rtmsg rtm = { .rtm_family = family,
			     .rtm_table = table < 256 ? table
						      : RT_TABLE_UNSPEC };
	struct tbl_put p = { table };
	struct tbl_count c = { table, 0 };
	int err;

	err = dump(NETLINK_ROUTE, RTM_GETROUTE, &rtm, sizeof(rtm), put_table,
		   &p, route_cb, &c);
	if (err)
		return err;
	return c.n == 0;
}

static void rules_scan(const struct vta_conf *c, struct vta_features *f)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	struct rules *rs = calloc(1, sizeof(*rs));
	size_t k;
	int i, err;

	if (!rs) {
		f->n_errors++;
		add(f, "ip rules: out of memory");
		return;
	}
	for (k = 0; k < 2; k++) {
		struct fib_rule_hdr h = { .family = fams[k] };
		bool have_local = false, have_main = false;
		uint32_t main_prio = 0;

		rs->n = 0;
		rs->more = false;
		err = dump(NETLINK_ROUTE, RTM_GETRULE, &h, sizeof(h), NULL,
			   NULL, rule_cb, rs);
		if (err == -EAFNOSUPPORT || err == -EPROTONOSUPPORT)
			continue; /* no IPv6 */
		if (err) {
			f->n_errors++;
			add(f, "ip%s rules: cannot read them (%s)",
			    k ? " -6" : "", strerror(-err));
			continue;
		}
		if (rs->more)
			add(f, "ip%s rules: more than %zu", k ? " -6" : "",
			    sizeof(rs->r) / sizeof(rs->r[0]));
		for (i = 0; i < rs->n; i++) {
			const struct rule *r = &rs->r[i];

			if (r->selective || r->action != FR_ACT_TO_TBL)
				continue;
			if (r->table == RT_TABLE_LOCAL)
				have_local = true;
			if (r->table == c->table && !have_main) {
				have_main = true;
				main_prio = r->prio;
			}
		}
		if (!have_local || !have_main)
			add(f, "ip%s rules: no plain rule for the %s table",
			    k ? " -6" : "", have_local ? "mirrored" : "local");
		for (i = 0; i < rs->n; i++) {
			const struct rule *r = &rs->r[i];

			if (!r->selective && r->action == FR_ACT_TO_TBL) {
				if (r->table == RT_TABLE_LOCAL ||
				    r->table == c->table)
					continue;
				/* after the mirrored table: only what it
				 * does not route, which the programs pass */
				if (have_main && r->prio > main_prio)
					continue;
				err = table_empty(fams[k], r->table);
				if (err >= 0 && f->n_watch < VTA_FEATURES_MAX)
					f->watch_tables[f->n_watch++] =
						r->table;
				if (err == 1)
					continue;
				if (err < 0) {
					f->n_errors++;
					add(f, "%s (table %u unreadable: %s)",
					    r->desc, r->table, strerror(-err));
					continue;
				}
				add(f, "%s (table %u has routes)", r->desc,
				    r->table);
				continue;
			}
			/* a rule that only applies where the mirrored table
			 * has no route cannot change a forward: the programs
			 * pass what the map FIB does not route */
			if (have_main && r->prio > main_prio)
				continue;
			add(f, "%s", r->desc);
		}
	}
	free(rs);
}

/* ---------------------------------------------------------------- */
/* nftables                                                           */

static const char *nf_family(int family)
{
	switch (family) {
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	case NFPROTO_INET:
		return "inet";
	default:
		return NULL;
	}
}

static const char *hook_name(uint32_t hook)
{
	switch (hook) {
	case NF_INET_PRE_ROUTING:
		return "prerouting";
	case NF_INET_FORWARD:
		return "forward";
	case NF_INET_POST_ROUTING:
		return "postrouting";
	default:
		return NULL;
	}
}

struct nft_chain {
	int family;
	char table[64], chain[64];
	uint32_t hook, policy;
};

struct nft_chains {
	struct nft_chain c[64];
	int n;
	bool more;
};

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nft_chains *cs = data;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64], *hb[64];
	struct nft_chain *ch;

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWCHAIN)
		return 0;
	if (!nf_family(g->nfgen_family))
		return 0;
	parse(nlh, sizeof(*g), tb);
	if (!tb[NFTA_CHAIN_HOOK] || !tb[NFTA_CHAIN_TABLE] ||
	    !tb[NFTA_CHAIN_NAME])
		return 0; /* a regular chain: reached through a base one */
	memset(hb, 0, sizeof(hb));
	mnl_attr_parse_nested(tb[NFTA_CHAIN_HOOK], attrs_cb, hb);
	if (!hb[NFTA_HOOK_HOOKNUM] ||
	    !hook_name(ntohl(mnl_attr_get_u32(hb[NFTA_HOOK_HOOKNUM]))))
		return 0;
	if (cs->n == (int)(sizeof(cs->c) / sizeof(cs->c[0]))) {
		cs->more = true;
		return 0;
	}
	ch = &cs->c[cs->n++];
	ch->family = g->nfgen_family;
	snprintf(ch->table, sizeof(ch->table), "%s",
		 mnl_attr_get_str(tb[NFTA_CHAIN_TABLE]));
	snprintf(ch->chain, sizeof(ch->chain), "%s",
		 mnl_attr_get_str(tb[NFTA_CHAIN_NAME]));
	ch->hook = ntohl(mnl_attr_get_u32(hb[NFTA_HOOK_HOOKNUM]));
	ch->policy = tb[NFTA_CHAIN_POLICY]
			     ? ntohl(mnl_attr_get_u32(tb[NFTA_CHAIN_POLICY]))
			     : NF_ACCEPT;
	return 0;
}

static void put_chain(struct nlmsghdr *nlh, const void *arg)
{
	const struct nft_chain *ch = arg;

	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, ch->table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, ch->chain);
}

struct rule_count {
	const struct nft_chain *ch;
	unsigned long n;
};

static int nft_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_count *rc = data;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64];

	if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWRULE)
		return 0;
	parse(nlh, sizeof(*g), tb);
	/* older kernels ignore the filter: count only this chain's */
	if (g->nfgen_family != rc->ch->family || !tb[NFTA_RULE_TABLE] ||
	    !tb[NFTA_RULE_CHAIN] ||
	    strcmp(mnl_attr_get_str(tb[NFTA_RULE_TABLE]), rc->ch->table) ||
	    strcmp(mnl_attr_get_str(tb[NFTA_RULE_CHAIN]), rc->ch->chain))
		return 0;
	rc->n++;
	return 0;
}

static bool bypassed(const struct vta_conf *c, const char *name)
{
	int i;

	for (i = 0; i < c->n_nf_bypass; i++)
		if (!strcmp(c->nf_bypass[i], name))
			return true;
	return false;
}

static void blocks_or_bypassed(const struct vta_conf *c, struct vta_features *f,
			       const char *name, const char *hook,
			       unsigned long rules, bool policy_accept)
{
	char what[64];

	if (!rules && policy_accept)
		return;
	snprintf(what, sizeof(what), "%lu rule%s%s", rules,
		 rules == 1 ? "" : "s", policy_accept ? "" : ", policy drop");
	if (bypassed(c, name)) {
		if (f->n_bypassed < VTA_FEATURES_MAX)
			snprintf(f->bypassed[f->n_bypassed++],
				 sizeof(f->bypassed[0]), "%s (%s, %s)", name,
				 hook, what);
		return;
	}
	add(f, "netfilter %s (hook %s, %s)", name, hook, what);
}

static void nft_scan(const struct vta_conf *c, struct vta_features *f)
{
	struct nfgenmsg g = { .nfgen_family = NFPROTO_UNSPEC,
			      .version = NFNETLINK_V0 };
	struct nft_chains *cs = calloc(1, sizeof(*cs));
	int i, err;

	if (!cs) {
		f->n_errors++;
		add(f, "nftables: out of memory");
		return;
	}
	err = dump(NETLINK_NETFILTER,
		   NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETCHAIN, &g, sizeof(g),
		   NULL, NULL, chain_cb, cs);
	/* no nfnetlink or nf_tables: nothing of it can be in use */
	if (err == -EPROTONOSUPPORT || err == -EOPNOTSUPP || err == -ENOENT) {
		free(cs);
		return;
	}
	if (err) {
		f->n_errors++;
		add(f, "nftables: cannot read the chains (%s)", strerror(-err));
		free(cs);
		return;
	}
	if (cs->more)
		add(f, "nftables: more than %zu base chains on the ip hooks",
		    sizeof(cs->c) / sizeof(cs->c[0]));
	for (i = 0; i < cs->n; i++) {
		const struct nft_chain *ch = &cs->c[i];
		struct nfgenmsg rg = { .nfgen_family = ch->family,
				       .version = NFNETLINK_V0 };
		struct rule_count rc = { ch, 0 };
		char name[160];

		err = dump(NETLINK_NETFILTER,
			   NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETRULE, &rg,
			   sizeof(rg), put_chain, ch, nft_rule_cb, &rc);
		snprintf(name, sizeof(name), "%s/%s/%s", nf_family(ch->family),
			 ch->table, ch->chain);
		if (err) {
			f->n_errors++;
			add(f, "netfilter %s: cannot read its rules (%s)", name,
			    strerror(-err));
			continue;
		}
		blocks_or_bypassed(c, f, name, hook_name(ch->hook), rc.n,
				   ch->policy == NF_ACCEPT);
	}
	free(cs);
}

/* ---------------------------------------------------------------- */
/* iptables-legacy                                                    */

static const char *const legacy_hooks[NF_INET_NUMHOOKS] = {
	[NF_INET_PRE_ROUTING] = "PREROUTING",
	[NF_INET_FORWARD] = "FORWARD",
	[NF_INET_POST_ROUTING] = "POSTROUTING",
};

/* The verdict of the standard target at off (a chain's policy). */
static int policy_at(const unsigned char *tbl, size_t size, unsigned int off,
		     bool v6, int *verdict)
{
	unsigned int toff;
	const struct xt_standard_target *t;

	if (v6) {
		const struct ip6t_entry *e = (const void *)(tbl + off);

		if (off + sizeof(*e) > size)
			return -EBADMSG;
		toff = e->target_offset;
	} else {
		const struct ipt_entry *e = (const void *)(tbl + off);

		if (off + sizeof(*e) > size)
			return -EBADMSG;
		toff = e->target_offset;
	}
	if (off + toff + sizeof(*t) > size)
		return -EBADMSG;
	t = (const void *)(tbl + off + toff);
	if (strcmp(t->target.u.user.name, XT_STANDARD_TARGET))
		return -EBADMSG;
	*verdict = t->verdict;
	return 0;
}

static void legacy_table(const struct vta_conf *c, struct vta_features *f,
			 int fd, bool v6, const char *table)
{
	struct ipt_getinfo info; /* same layout as ip6t_getinfo */
	struct ipt_get_entries *ge;
	socklen_t len = sizeof(info);
	unsigned int h;
	char name[96];

	_Static_assert(sizeof(struct ipt_getinfo) ==
			       sizeof(struct ip6t_getinfo),
		       "getinfo layouts");
	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "%.31s", table);
	if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IP6T_SO_GET_INFO : IPT_SO_GET_INFO, &info, &len)) {
		f->n_errors++;
		add(f, "%s table %s: cannot read it (%s)",
		    v6 ? "ip6tables-legacy" : "iptables-legacy", table,
		    strerror(errno));
		return;
	}
	len = sizeof(*ge) + info.size;
	ge = calloc(1, len);
	if (!ge) {
		f->n_errors++;
		return;
	}
	snprintf(ge->name, sizeof(ge->name), "%.31s", table);
	ge->size = info.size;
	if (getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       v6 ? IP6T_SO_GET_ENTRIES : IPT_SO_GET_ENTRIES, ge,
		       &len)) {
		f->n_errors++;
		add(f, "%s table %s: cannot read its rules (%s)",
		    v6 ? "ip6tables-legacy" : "iptables-legacy", table,
		    strerror(errno));
		free(ge);
		return;
	}
	for (h = 0; h < NF_INET_NUMHOOKS; h++) {
		int verdict = 0;
		bool rules;

		if (!legacy_hooks[h] || !(info.valid_hooks & (1U << h)))
			continue;
		/* a built-in chain holds rules when its first entry is not
		 * its policy (underflow) */
		rules = info.hook_entry[h] != info.underflow[h];
		if (policy_at((const unsigned char *)ge->entrytable, info.size,
			      info.underflow[h], v6, &verdict)) {
			f->n_errors++;
			add(f, "%s %s/%s: unreadable policy",
			    v6 ? "ip6tables-legacy" : "iptables-legacy", table,
			    legacy_hooks[h]);
			continue;
		}
		snprintf(name, sizeof(name), "%s/%s/%s",
			 v6 ? "ip6tables" : "iptables", table, legacy_hooks[h]);
		/* standard verdicts are stored as -verdict - 1 */
		blocks_or_bypassed(c, f, name, legacy_hooks[h], rules ? 1 : 0,
				   verdict == -NF_ACCEPT - 1);
	}
	free(ge);
}

static void legacy_scan(const struct vta_conf *c, struct vta_features *f,
			bool v6)
{
	FILE *fp = fopen(v6 ? "/proc/net/ip6_tables_names"
			    : "/proc/net/ip_tables_names",
			 "r");
	char line[64];
	int fd;

	if (!fp)
		return; /* module not loaded: no legacy tables */
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_CLOEXEC,
		    IPPROTO_RAW);
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (fd < 0) {
			f->n_errors++;
			add(f, "%s table %s: no raw socket to read it (%s)",
			    v6 ? "ip6tables-legacy" : "iptables-legacy", line,
			    strerror(errno));
			continue;
		}
		legacy_table(c, f, fd, v6, line);
	}
	if (fd >= 0)
		close(fd);
	fclose(fp);
}

/* ---------------------------------------------------------------- */
/* XFRM policies                                                      */

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vta_features *f = data;
	const struct xfrm_userpolicy_info *p = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64];
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int fam;

	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY)
		return 0;
	if (p->dir != XFRM_POLICY_OUT && p->dir != XFRM_POLICY_FWD)
		return 0;
	parse(nlh, sizeof(*p), tb);
	if (tb[XFRMA_IF_ID] && mnl_attr_get_u32(tb[XFRMA_IF_ID]))
		return 0; /* applies in its xfrm interface only */
	if (tb[XFRMA_MARK] && mnl_attr_get_payload_len(tb[XFRMA_MARK]) >=
				      sizeof(struct xfrm_mark)) {
		const struct xfrm_mark *m =
			mnl_attr_get_payload(tb[XFRMA_MARK]);

		/* matches when (skb->mark & m) == v: never for mark 0 */
		if (m->v & m->m)
			return 0;
	}
	fam = p->sel.family ? p->sel.family : AF_INET;
	if (!inet_ntop(fam, &p->sel.saddr, s, sizeof(s)))
		strcpy(s, "?");
	if (!inet_ntop(fam, &p->sel.daddr, d, sizeof(d)))
		strcpy(d, "?");
	add(f,
	    "xfrm policy dir %s src %s/%u dst %s/%u %s (matches unmarked "
	    "forwarded packets)",
	    p->dir == XFRM_POLICY_OUT ? "out" : "fwd", s, p->sel.prefixlen_s, d,
	    p->sel.prefixlen_d,
	    p->action == XFRM_POLICY_BLOCK ? "action block" : "action allow");
	return 0;
}

static void xfrm_scan(struct vta_features *f)
{
	struct xfrm_userpolicy_id id = { 0 };
	int err;

	err = dump(NETLINK_XFRM, XFRM_MSG_GETPOLICY, &id, sizeof(id), NULL,
		   NULL, policy_cb, f);
	if (err && err != -EPROTONOSUPPORT && err != -EOPNOTSUPP) {
		f->n_errors++;
		add(f, "xfrm policies: cannot read them (%s)", strerror(-err));
	}
}

static int watch_one(int proto, const unsigned int *groups, int n)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, i;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	for (i = 0; i < n; i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			       &groups[i], sizeof(groups[i])))
			goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

int vta_features_watch_open(int fds[3])
{
	static const unsigned int rules[] = { RTNLGRP_IPV4_RULE,
					      RTNLGRP_IPV6_RULE };
	static const unsigned int nft[] = { NFNLGRP_NFTABLES };
	static const unsigned int pol[] = { XFRMNLGRP_POLICY };
	int n = 0;

	fds[0] = watch_one(NETLINK_ROUTE, rules, 2);
	fds[1] = watch_one(NETLINK_NETFILTER, nft, 1);
	fds[2] = watch_one(NETLINK_XFRM, pol, 1);
	n = (fds[0] >= 0) + (fds[1] >= 0) + (fds[2] >= 0);
	return n;
}

void vta_features_watch_drain(int fd)
{
	char buf[8192];

	/* ENOBUFS (overrun) also just means "look again" */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
}

int vta_features_scan(const struct vta_conf *c, struct vta_features *f)
{
	memset(f, 0, sizeof(*f));
	rules_scan(c, f);
	nft_scan(c, f);
	legacy_scan(c, f, false);
	legacy_scan(c, f, true);
	xfrm_scan(f);
	return 0;
}

static int prefix_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vta_prefix_features *pf = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64];

	if (nlh->nlmsg_type != RTM_NEWROUTE || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	parse(nlh, sizeof(*rtm), tb);
	if (rtm->rtm_tos)
		pf->tos++;
	if (rtm->rtm_src_len)
		pf->src++;
	if (tb[RTA_ENCAP])
		pf->encap++;
	if (rtm->rtm_type == RTN_BLACKHOLE ||
	    rtm->rtm_type == RTN_UNREACHABLE || rtm->rtm_type == RTN_PROHIBIT ||
	    rtm->rtm_type == RTN_THROW)
		pf->reject++;
	return 0;
}

/* Resilient nexthop groups: every route using one is left to the kernel
 * (user/sync_group.c, nh_members()). */
static int nexthop_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vta_prefix_features *pf = data;
	const struct nlattr *tb[64];

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP)
		return 0;
	parse(nlh, sizeof(struct nhmsg), tb);
	if (tb[NHA_GROUP_TYPE] &&
	    mnl_attr_get_payload_len(tb[NHA_GROUP_TYPE]) >= 2 &&
	    mnl_attr_get_u16(tb[NHA_GROUP_TYPE]) == NEXTHOP_GRP_TYPE_RES)
		pf->resilient++;
	return 0;
}

struct table_filter {
	uint32_t table;
	struct vta_prefix_features *pf;
};

static int prefix_table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct table_filter *t = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64];

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	parse(nlh, sizeof(*rtm), tb);
	if (u32_or(tb[RTA_TABLE], rtm->rtm_table) != t->table)
		return 0;
	return prefix_cb(nlh, t->pf);
}

void vta_prefix_features_scan(const struct vta_conf *c,
			      struct vta_prefix_features *pf)
{
	static const int fams[] = { AF_INET, AF_INET6 };
	struct table_filter t = { c->table, pf };
	struct tbl_put p = { c->table };
	size_t k;
	int err;

	memset(pf, 0, sizeof(*pf));
	{
		struct nhmsg nhm = { .nh_family = AF_UNSPEC };

		/* kernels without nexthop objects answer an error: none */
		dump(NETLINK_ROUTE, RTM_GETNEXTHOP, &nhm, sizeof(nhm), NULL,
		     NULL, nexthop_cb, pf);
	}
	for (k = 0; k < 2; k++) {
		struct rtmsg rtm = { .rtm_family = fams[k],
				     .rtm_table = c->table < 256
							  ? c->table
							  : RT_TABLE_UNSPEC };

		err = dump(NETLINK_ROUTE, RTM_GETROUTE, &rtm, sizeof(rtm),
			   put_table, &p, prefix_table_cb, &t);
		if (err && !pf->err)
			pf->err = err;
	}
}

void vta_features_summary(const struct vta_features *f, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	if (!len)
		return;
	buf[0] = '\0';
	if (!f->n) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; i < f->n && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "; " : "",
			      f->what[i]);
	if (f->truncated && n < len)
		snprintf(buf + n, len - n, "; ...");
}
