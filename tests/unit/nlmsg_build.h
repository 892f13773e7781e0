/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nlmsg_build.h - craft rtnetlink/XFRM messages in a buffer, as the
 * kernel would send them, for the netlink and sync unit tests.
 * Addresses are given as text ("10.0.0.1", "2001:db8::1").
 */
#ifndef VTA_NLMSG_BUILD_H
#define VTA_NLMSG_BUILD_H

#include <net/if.h>
#include <arpa/inet.h>
#include <string.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <linux/udp.h>
#include <libmnl/libmnl.h>

#define NLB_BUFSZ 8192

static inline int nlb_family(const char *a)
{
	return strchr(a, ':') ? AF_INET6 : AF_INET;
}

static inline void nlb_put_addr(struct nlmsghdr *nlh, int type, const char *a)
{
	unsigned char b[16];
	int fam = nlb_family(a);

	inet_pton(fam, a, b);
	mnl_attr_put(nlh, type, fam == AF_INET6 ? 16 : 4, b);
}

/* RTM_NEWLINK / RTM_DELLINK; kind may be NULL. */
static inline struct nlmsghdr *nlb_link(void *buf, int type, int ifindex,
					const char *name, unsigned short arphrd,
					unsigned int flags, unsigned int mtu,
					const char *kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_type = arphrd;
	ifi->ifi_flags = flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (kind) {
		struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, li);
	}
	return nlh;
}

#define NLB_UP (IFF_UP | IFF_RUNNING)

/* RTM_NEWLINK of a tunnel of KIND, up, with IFLA_LINKINFO opened: the
 * caller adds IFLA_INFO_DATA and closes the returned nest. */
static inline struct nlattr *nlb_link_kind(struct nlmsghdr *nlh, int ifindex,
					   const char *name, unsigned short type,
					   unsigned int mtu, const char *kind)
{
	struct ifinfomsg *ifi;
	struct nlattr *li;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	ifi->ifi_type = type;
	ifi->ifi_flags = NLB_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	return li;
}

/* A VTI: kind "vti", local/remote, keys (host order; sent big endian). */
static inline struct nlmsghdr *nlb_vti(void *buf, int ifindex, const char *name,
				       unsigned int mtu, const char *local,
				       const char *remote, unsigned int ikey,
				       unsigned int okey)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *li, *data;

	li = nlb_link_kind(nlh, ifindex, name, ARPHRD_TUNNEL, mtu, "vti");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	nlb_put_addr(nlh, IFLA_VTI_LOCAL, local);
	nlb_put_addr(nlh, IFLA_VTI_REMOTE, remote);
	mnl_attr_put_u32(nlh, IFLA_VTI_IKEY, htonl(ikey));
	mnl_attr_put_u32(nlh, IFLA_VTI_OKEY, htonl(okey));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

/* An XFRM interface: `ip link add NAME type xfrm dev LINK if_id ID`. */
static inline struct nlmsghdr *nlb_xfrm(void *buf, int ifindex, const char *name,
					unsigned int mtu, int link,
					unsigned int if_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *li, *data;

	li = nlb_link_kind(nlh, ifindex, name, ARPHRD_NONE, mtu, "xfrm");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_XFRM_LINK, link);
	mnl_attr_put_u32(nlh, IFLA_XFRM_IF_ID, if_id);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

struct nlb_nh {
	int ifindex;
	const char *gw;		/* NULL: on-link */
	int weight;		/* 1..256 */
};

/* RTM_NEWROUTE/RTM_DELROUTE: n == 1 -> RTA_OIF/RTA_GATEWAY, n > 1 ->
 * RTA_MULTIPATH, nhid != 0 -> RTA_NH_ID (with the expanded form too when
 * n > 0, as nexthop_compat_mode 1 sends). */
static inline struct nlmsghdr *nlb_route(void *buf, int type, const char *dst,
					 int len, int table, int rtype,
					 unsigned int prio, unsigned int nhid,
					 const struct nlb_nh *nh, int n)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int fam = nlb_family(dst);
	struct rtmsg *rtm;
	int i;

	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = fam;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	rtm->rtm_type = rtype;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (len)
		nlb_put_addr(nlh, RTA_DST, dst);
	if (prio)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, prio);
	if (nhid)
		mnl_attr_put_u32(nlh, RTA_NH_ID, nhid);
	if (n == 1) {
		mnl_attr_put_u32(nlh, RTA_OIF, nh[0].ifindex);
		if (nh[0].gw)
			nlb_put_addr(nlh, RTA_GATEWAY, nh[0].gw);
	} else if (n > 1) {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (i = 0; i < n; i++) {
			struct rtnexthop *rtnh;
			char *start = mnl_nlmsg_get_payload_tail(nlh);

			rtnh = (struct rtnexthop *)start;
			memset(rtnh, 0, sizeof(*rtnh));
			rtnh->rtnh_ifindex = nh[i].ifindex;
			rtnh->rtnh_hops = nh[i].weight - 1;
			nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
			if (nh[i].gw)
				nlb_put_addr(nlh, RTA_GATEWAY, nh[i].gw);
			rtnh->rtnh_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - start;
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return nlh;
}

/* RTM_NEWNEXTHOP/DELNEXTHOP: a single nexthop (oif, gw) or a group
 * (ids/weights, n_grp > 0) or a blackhole. */
static inline struct nlmsghdr *nlb_nexthop(void *buf, int type, unsigned int id,
					   int family, int oif, const char *gw,
					   bool blackhole, const unsigned int *ids,
					   const int *weights, int n_grp)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nhmsg *nhm;
	int i;

	nlh->nlmsg_type = type;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = family;
	mnl_attr_put_u32(nlh, NHA_ID, id);
	if (blackhole)
		mnl_attr_put(nlh, NHA_BLACKHOLE, 0, NULL);
	if (oif)
		mnl_attr_put_u32(nlh, NHA_OIF, oif);
	if (gw)
		nlb_put_addr(nlh, NHA_GATEWAY, gw);
	if (n_grp) {
		struct nexthop_grp g[32];

		memset(g, 0, sizeof(g));
		for (i = 0; i < n_grp; i++) {
			g[i].id = ids[i];
			g[i].weight = weights[i] - 1;
		}
		mnl_attr_put(nlh, NHA_GROUP, n_grp * sizeof(g[0]), g);
	}
	return nlh;
}

/* XFRM_MSG_NEWSA with aes-cbc/hmac-sha1-96 (or NULL names for none). */
static inline struct nlmsghdr *nlb_sa(void *buf, int type, const char *src,
				      const char *dst, unsigned int spi,
				      unsigned int mark, unsigned int mask,
				      bool natt, const char *crypt,
				      const char *auth, unsigned int trunc_bits)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int fam = nlb_family(dst);

	nlh->nlmsg_type = type;
	if (type == XFRM_MSG_DELSA) {
		struct xfrm_usersa_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));

		inet_pton(fam, dst, &id->daddr);
		id->spi = htonl(spi);
		id->family = fam;
		id->proto = IPPROTO_ESP;
		{
			/* XFRMA_SRCADDR carries a full xfrm_address_t */
			xfrm_address_t sa;

			memset(&sa, 0, sizeof(sa));
			inet_pton(fam, src, &sa);
			mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof(sa), &sa);
		}
		return nlh;
	}
	{
		struct xfrm_usersa_info *i = mnl_nlmsg_put_extra_header(nlh, sizeof(*i));

		inet_pton(fam, dst, &i->id.daddr);
		inet_pton(fam, src, &i->saddr);
		i->id.spi = htonl(spi);
		i->id.proto = IPPROTO_ESP;
		i->family = fam;
		i->mode = XFRM_MODE_TUNNEL;
	}
	if (mask) {
		struct xfrm_mark m = { mark, mask };

		mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	}
	if (natt) {
		struct xfrm_encap_tmpl e = { .encap_type = UDP_ENCAP_ESPINUDP,
					     .encap_sport = htons(4500),
					     .encap_dport = htons(4500) };

		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(e), &e);
	}
	if (crypt) {
		char b[sizeof(struct xfrm_algo) + 16];
		struct xfrm_algo *a = (void *)b;

		memset(b, 0, sizeof(b));
		snprintf(a->alg_name, sizeof(a->alg_name), "%s", crypt);
		a->alg_key_len = 128;
		mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(b), b);
	}
	if (auth) {
		char b[sizeof(struct xfrm_algo_auth) + 20];
		struct xfrm_algo_auth *a = (void *)b;

		memset(b, 0, sizeof(b));
		snprintf(a->alg_name, sizeof(a->alg_name), "%s", auth);
		a->alg_key_len = 160;
		a->alg_trunc_len = trunc_bits;
		mnl_attr_put(nlh, XFRMA_ALG_AUTH_TRUNC, sizeof(b), b);
	}
	return nlh;
}

#endif
