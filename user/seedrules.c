// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * seedrules.c - are the seed's iptables rules still installed?  vtiaccel
 * replaces `-t mangle -A FORWARD ... -j TCPMSS --clamp-mss-to-pmtu` and
 * `-t mangle -A INPUT -p esp ... -j MARK` (docs/guide.md, section 1);
 * left in place they clamp and mark a second time, on the kernel path.
 *
 * Read only, without running iptables, in the caller's network namespace:
 *
 * - nf_tables (iptables-nft, Debian 12's default): a NFT_MSG_GETRULE dump
 *   over nfnetlink.  iptables-nft has no native form for these targets:
 *   they are xt "target" expressions named TCPMSS and MARK, in table
 *   mangle, chains FORWARD and INPUT; `-p esp` is a cmp with the one
 *   byte 50 (meta l4proto).  Only asked when nf_tables is loaded or
 *   built in (nft_present()): a dump would otherwise load the module.
 * - iptables-legacy: IPT_SO_GET_INFO and IPT_SO_GET_ENTRIES on a raw
 *   socket, only when this namespace has a legacy mangle table
 *   (/proc/net/ip_tables_names): asking for it would create it.
 *
 * Limits: rules written in native nft syntax (`tcp option maxseg size
 * set rt mtu`, `meta mark set`), IPv6 rules and rules in user-defined
 * chains are not recognised.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <libmnl/libmnl.h>

#include "seedrules.h"

static void add(struct vta_seed_rules *r, const char *backend,
		const char *chain, const char *target)
{
	struct vta_seed_rule *s;

	if (r->n == VTA_SEED_RULES_MAX)
		return;
	s = &r->v[r->n++];
	snprintf(s->backend, sizeof(s->backend), "%s", backend);
	snprintf(s->chain, sizeof(s->chain), "%s", chain);
	snprintf(s->target, sizeof(s->target), "%s", target);
}

/* Is this (chain, target, protocol 50 matched) one of the seed's rules? */
static bool seed_rule(const char *chain, const char *target, bool esp)
{
	return (!strcmp(chain, "FORWARD") && !strcmp(target, "TCPMSS")) ||
	       (!strcmp(chain, "INPUT") && !strcmp(target, "MARK") && esp);
}

/* ---------------------------------------------------------------- */
/* nf_tables                                                          */

struct nft_rule_seen {
	char target[32];
	bool esp;
};

/* Every attribute table here: larger than NFTA_RULE_MAX and the rest. */
#define ATTR_MAX 16

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);

	if (t < ATTR_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static void nft_expr(const struct nlattr *elem, struct nft_rule_seen *s)
{
	const struct nlattr *tb[ATTR_MAX] = {}, *d[ATTR_MAX] = {};
	const struct nlattr *v[ATTR_MAX] = {};
	const char *name;

	if (mnl_attr_parse_nested(elem, attr_cb, tb) < 0 ||
	    !tb[NFTA_EXPR_NAME] || !tb[NFTA_EXPR_DATA])
		return;
	name = mnl_attr_get_str(tb[NFTA_EXPR_NAME]);
	if (mnl_attr_parse_nested(tb[NFTA_EXPR_DATA], attr_cb, d) < 0)
		return;
	if (!strcmp(name, "target") && d[NFTA_TARGET_NAME]) {
		snprintf(s->target, sizeof(s->target), "%s",
			 mnl_attr_get_str(d[NFTA_TARGET_NAME]));
	} else if (!strcmp(name, "cmp") && d[NFTA_CMP_DATA] &&
		   mnl_attr_parse_nested(d[NFTA_CMP_DATA], attr_cb, v) >= 0 &&
		   v[NFTA_DATA_VALUE] &&
		   mnl_attr_get_payload_len(v[NFTA_DATA_VALUE]) == 1 &&
		   *(const __u8 *)mnl_attr_get_payload(v[NFTA_DATA_VALUE]) ==
			   IPPROTO_ESP) {
		s->esp = true;
	}
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[ATTR_MAX] = {};
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	struct nft_rule_seen s = { "" };
	const char *chain;
	struct nlattr *e;

	if (g->nfgen_family != NFPROTO_IPV4 ||
	    mnl_attr_parse(nlh, sizeof(*g), attr_cb, tb) < 0 ||
	    !tb[NFTA_RULE_TABLE] || !tb[NFTA_RULE_CHAIN] ||
	    !tb[NFTA_RULE_EXPRESSIONS] ||
	    strcmp(mnl_attr_get_str(tb[NFTA_RULE_TABLE]), "mangle"))
		return MNL_CB_OK;
	chain = mnl_attr_get_str(tb[NFTA_RULE_CHAIN]);
	mnl_attr_for_each_nested(e, tb[NFTA_RULE_EXPRESSIONS]) nft_expr(e, &s);
	if (seed_rule(chain, s.target, s.esp))
		add(data, "nft", chain, s.target);
	return MNL_CB_OK;
}

/*
 * nf_tables is there without loading it: a loaded module has
 * /sys/module/nf_tables; built in, it is in modules.builtin, or the
 * kernel has no modules at all (no /proc/modules).
 */
static bool nft_present(void)
{
	char path[128 + sizeof(((struct utsname *)0)->release)], line[256];
	struct utsname u;
	bool found = false;
	FILE *f;

	if (!access("/sys/module/nf_tables", F_OK) ||
	    access("/proc/modules", F_OK))
		return true;
	if (uname(&u))
		return false;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin",
		 u.release);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, "/nf_tables.ko") != NULL;
	fclose(f);
	return found;
}

static int nft_scan(struct vta_seed_rules *r)
{
	char buf[32768]; /* MNL_SOCKET_DUMP_SIZE in newer libmnl */
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nfgenmsg *g;
	unsigned int seq = time(NULL), port;
	int ret;

	if (!nft_present())
		return 0; /* not loaded: no nft rule anywhere */
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(nl);
		return ret;
	}
	port = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = NFPROTO_IPV4;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		mnl_socket_close(nl);
		return ret;
	}
	while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, ret, seq, port, rule_cb, r);
		if (ret <= 0)
			break;
	}
	ret = ret < 0 ? -errno : 0;
	mnl_socket_close(nl);
	return ret;
}

/* ---------------------------------------------------------------- */
/* iptables-legacy                                                    */

static bool legacy_mangle_exists(void)
{
	char line[64];
	bool found = false;
	FILE *f = fopen("/proc/net/ip_tables_names", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "mangle\n");
	fclose(f);
	return found;
}

static int legacy_scan(struct vta_seed_rules *r)
{
	static const struct {
		int hook;
		const char *chain;
	} hooks[] = {
		{ NF_INET_FORWARD, "FORWARD" },
		{ NF_INET_LOCAL_IN, "INPUT" },
	};
	struct ipt_getinfo info = { .name = "mangle" };
	struct ipt_get_entries *ents;
	socklen_t len = sizeof(info);
	unsigned int off;
	int fd, ret = 0;
	size_t h;

	if (!legacy_mangle_exists())
		return 0;
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return -errno;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	len = sizeof(*ents) + info.size;
	ents = calloc(1, len);
	if (!ents) {
		close(fd);
		return -ENOMEM;
	}
	snprintf(ents->name, sizeof(ents->name), "mangle");
	ents->size = info.size;
	if (getsockopt(fd, IPPROTO_IP, IPT_SO_GET_ENTRIES, ents, &len)) {
		ret = -errno;
		goto out;
	}
	for (off = 0; off + sizeof(struct ipt_entry) <= ents->size;) {
		const struct ipt_entry *e =
			(const void *)((const char *)ents->entrytable + off);
		const struct xt_entry_target *t;

		if (e->next_offset < sizeof(*e) ||
		    e->target_offset + sizeof(*t) > e->next_offset ||
		    off + e->next_offset > ents->size)
			break;
		t = (const void *)((const char *)e + e->target_offset);
		/* a built-in chain's rules: from its entry to its policy */
		for (h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++)
			if (off >= info.hook_entry[hooks[h].hook] &&
			    off < info.underflow[hooks[h].hook] &&
			    seed_rule(hooks[h].chain, t->u.user.name,
				      e->ip.proto == IPPROTO_ESP))
				add(r, "legacy", hooks[h].chain,
				    t->u.user.name);
		off += e->next_offset;
	}
out:
	free(ents);
	close(fd);
	return ret;
}

int vta_seed_rules_scan(struct vta_seed_rules *r)
{
	int a, b;

	memset(r, 0, sizeof(*r));
	a = nft_scan(r);
	b = legacy_scan(r);
	return a ? a : b;
}
