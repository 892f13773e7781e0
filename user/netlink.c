// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * netlink.c - rtnetlink/XFRM sockets and message parsing for the route
 * sync.  One parser per message type, used for dumps and events alike.
 */
#include <net/if.h>	/* before linux/if.h: libc-compat */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/ipv6.h>
#include <linux/if_addr.h>
#include <linux/nexthop.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <linux/udp.h>
#include <libmnl/libmnl.h>

#include "netlink.h"
#include "log.h"

/* Large enough for one dump datagram (the kernel uses up to 32 KiB). */
#define NL_BUFSZ	(64 * 1024)

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

const char *vta_addr_str(int family, const union vta_addr *a, char *buf,
			 size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a->b, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

int vta_addr_parse(const char *s, int *family, union vta_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->b) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- */
/* attribute tables                                                   */

/*
 * Collect attributes into tb[] by type (newer types than max are
 * ignored).  libmnl's iterators stop quietly at an attribute that claims
 * more bytes than are left; here that makes the message malformed.
 */
static int walk_attrs(const void *start, int len, const struct nlattr **tb,
		      int max)
{
	const struct nlattr *attr = start;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	while (len >= (int)sizeof(struct nlattr)) {
		int type;

		if (!mnl_attr_ok(attr, len))
			return -EBADMSG;
		type = mnl_attr_get_type(attr);
		if (type <= max)
			tb[type] = attr;
		len -= MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
	return len > 0 ? -EBADMSG : 0;
}

static int parse_tb(const struct nlmsghdr *nlh, size_t hdrlen,
		    const struct nlattr **tb, int max)
{
	size_t off = NLMSG_HDRLEN + MNL_ALIGN(hdrlen);

	if (nlh->nlmsg_len < off) {
		memset(tb, 0, sizeof(*tb) * (max + 1));
		return -EBADMSG;
	}
	return walk_attrs((const char *)nlh + off, nlh->nlmsg_len - off, tb, max);
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			int max)
{
	return walk_attrs(mnl_attr_get_payload(nest),
			  mnl_attr_get_payload_len(nest), tb, max);
}

/* Attribute payload of at least `len` bytes, else NULL. */
static const void *attr_min(const struct nlattr *a, size_t len)
{
	if (!a || mnl_attr_get_payload_len(a) < len)
		return NULL;
	return mnl_attr_get_payload(a);
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	const void *p = attr_min(a, 4);

	if (!p)
		return -EBADMSG;
	memcpy(v, p, 4);
	return 0;
}

/* An address attribute of the given family: exactly 4 or 16 bytes. */
static int get_addr(const struct nlattr *a, int family, union vta_addr *out)
{
	size_t len = family == AF_INET6 ? 16 : 4;

	if (!a || mnl_attr_get_payload_len(a) != len)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(out->b, mnl_attr_get_payload(a), len);
	return 0;
}

static void get_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t n;

	buf[0] = '\0';
	if (!a)
		return;
	n = mnl_attr_get_payload_len(a);
	if (n >= len)
		n = len - 1;
	memcpy(buf, mnl_attr_get_payload(a), n);
	buf[n] = '\0';
}

/* ---------------------------------------------------------------- */
/* links                                                              */

static void parse_vti(const struct nlattr *data, struct vta_nl_link *l)
{
	const struct nlattr *tb[IFLA_VTI_MAX + 1];
	int fam = !strcmp(l->kind, "vti6") ? AF_INET6 : AF_INET;
	uint32_t v;

	if (parse_nested(data, tb, IFLA_VTI_MAX))
		return;
	l->tun_family = fam;
	if (tb[IFLA_VTI_LOCAL])
		get_addr(tb[IFLA_VTI_LOCAL], fam, &l->local);
	if (tb[IFLA_VTI_REMOTE])
		get_addr(tb[IFLA_VTI_REMOTE], fam, &l->remote);
	/* Keys are __be32 on the wire; the kernel uses be32_to_cpu(i_key)
	 * as the mark. */
	if (!get_u32(tb[IFLA_VTI_IKEY], &v))
		l->ikey = ntohl(v);
	if (!get_u32(tb[IFLA_VTI_OKEY], &v))
		l->okey = ntohl(v);
}

/* IFLA_AF_SPEC: the IPv6 MTU out of AF_INET6's IFLA_INET6_CONF (an
 * array of s32 indexed by DEVCONF_*). */
static void parse_af_spec(const struct nlattr *spec, struct vta_nl_link *l)
{
	const struct nlattr *af;

	mnl_attr_for_each_nested(af, spec) {
		const struct nlattr *i6[IFLA_INET6_MAX + 1];
		const int32_t *conf;

		if (mnl_attr_get_type(af) != AF_INET6 ||
		    parse_nested(af, i6, IFLA_INET6_MAX))
			continue;
		conf = attr_min(i6[IFLA_INET6_CONF],
				(DEVCONF_MTU6 + 1) * sizeof(*conf));
		if (conf && conf[DEVCONF_MTU6] > 0) {
			l->mtu6 = conf[DEVCONF_MTU6];
			l->has_mtu6 = true;
		}
	}
}

int vta_nl_parse_link(const struct nlmsghdr *nlh, struct vta_nl_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (parse_tb(nlh, sizeof(*ifi), tb, IFLA_MAX))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->type = ifi->ifi_type;
	l->flags = ifi->ifi_flags;
	l->operstate = IF_OPER_UNKNOWN;
	if (l->ifindex <= 0)
		return -EBADMSG;
	if (tb[IFLA_IFNAME]) {
		if (mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		get_str(tb[IFLA_IFNAME], l->name, sizeof(l->name));
	}
	if (tb[IFLA_MTU] && get_u32(tb[IFLA_MTU], &l->mtu))
		return -EBADMSG;
	if (tb[IFLA_AF_SPEC])
		parse_af_spec(tb[IFLA_AF_SPEC], l);
	if (tb[IFLA_OPERSTATE]) {
		if (mnl_attr_validate(tb[IFLA_OPERSTATE], MNL_TYPE_U8) < 0)
			return -EBADMSG;
		l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	}
	if (tb[IFLA_LINKINFO] &&
	    !parse_nested(tb[IFLA_LINKINFO], li, IFLA_INFO_MAX)) {
		get_str(li[IFLA_INFO_KIND], l->kind, sizeof(l->kind));
		if (li[IFLA_INFO_DATA] && (!strcmp(l->kind, "vti") ||
					   !strcmp(l->kind, "vti6")))
			parse_vti(li[IFLA_INFO_DATA], l);
		if (li[IFLA_INFO_DATA] && !strcmp(l->kind, "xfrm")) {
			const struct nlattr *xt[IFLA_XFRM_MAX + 1];

			if (!parse_nested(li[IFLA_INFO_DATA], xt, IFLA_XFRM_MAX) &&
			    !get_u32(xt[IFLA_XFRM_IF_ID], &v)) {
				l->has_if_id = true;
				l->if_id = v;
			}
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* addresses                                                          */

int vta_nl_parse_addr(const struct nlmsghdr *nlh, struct vta_nl_addr *a)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	const struct nlattr *at;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	if (parse_tb(nlh, sizeof(*ifa), tb, IFA_MAX))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_family;
	a->ifindex = ifa->ifa_index;
	a->prefixlen = ifa->ifa_prefixlen;
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	/* IFA_LOCAL is the address on point-to-point links, IFA_ADDRESS the
	 * peer there; elsewhere both are the same. */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (get_addr(at, a->family, &a->addr))
		return -EBADMSG;
	return 0;
}

/* ---------------------------------------------------------------- */
/* routes                                                             */

static int parse_gw(const struct nlattr *gw, const struct nlattr *via,
		    int family, struct vta_nl_nh *nh)
{
	if (gw) {
		if (get_addr(gw, family, &nh->gw))
			return -EBADMSG;
		nh->gw_family = family;
	} else if (via) {
		/* RTA_VIA: struct rtvia { family; addr[] } (IPv4 route via
		 * an IPv6 gateway) */
		size_t len = mnl_attr_get_payload_len(via);
		const uint8_t *p = mnl_attr_get_payload(via);
		uint16_t fam;

		if (len < 2)
			return -EBADMSG;
		memcpy(&fam, p, 2);
		if ((fam != AF_INET || len != 2 + 4) &&
		    (fam != AF_INET6 || len != 2 + 16))
			return -EBADMSG;
		memset(&nh->gw, 0, sizeof(nh->gw));
		memcpy(nh->gw.b, p + 2, len - 2);
		nh->gw_family = fam;
	}
	return 0;
}

static int parse_multipath(const struct nlattr *mp, int family,
			   struct vta_nl_route *r)
{
	const uint8_t *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left > 0) {
		const struct rtnexthop *rtnh = (const void *)p;
		const struct nlattr *tb[RTA_MAX + 1];
		struct vta_nl_nh *nh;
		size_t step;

		if (left < sizeof(*rtnh) || rtnh->rtnh_len < sizeof(*rtnh) ||
		    rtnh->rtnh_len > left)
			return -EBADMSG;
		memset(tb, 0, sizeof(tb));
		/* nested attributes follow the rtnexthop */
		if (rtnh->rtnh_len > RTNH_ALIGN(sizeof(*rtnh)) &&
		    walk_attrs(p + RTNH_ALIGN(sizeof(*rtnh)),
			       rtnh->rtnh_len - RTNH_ALIGN(sizeof(*rtnh)), tb,
			       RTA_MAX))
			return -EBADMSG;
		if (tb[RTA_ENCAP])
			r->encap = true;
		if (r->n_nh >= VTA_NL_MAX_NH) {
			r->too_many = true;
		} else {
			nh = &r->nh[r->n_nh++];
			memset(nh, 0, sizeof(*nh));
			nh->ifindex = rtnh->rtnh_ifindex;
			nh->weight = rtnh->rtnh_hops + 1;
			if (parse_gw(tb[RTA_GATEWAY], tb[RTA_VIA], family, nh))
				return -EBADMSG;
		}
		step = RTNH_ALIGN(rtnh->rtnh_len);
		if (step >= left)
			break;
		left -= step;
		p += step;
	}
	return 0;
}

int vta_nl_parse_route(const struct nlmsghdr *nlh, struct vta_nl_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (parse_tb(nlh, sizeof(*rtm), tb, RTA_MAX))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	memset(r, 0, offsetof(struct vta_nl_route, nh));
	r->family = rtm->rtm_family;
	if (r->family != AF_INET && r->family != AF_INET6)
		return -EINVAL;
	r->dst_len = rtm->rtm_dst_len;
	if (r->dst_len > (r->family == AF_INET ? 32 : 128))
		return -EBADMSG;
	r->table = rtm->rtm_table;
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->tos = rtm->rtm_tos;
	r->src_len = rtm->rtm_src_len;
	if (r->src_len > (r->family == AF_INET ? 32 : 128))
		return -EBADMSG;
	if (tb[RTA_SRC] && get_addr(tb[RTA_SRC], r->family, &r->src))
		return -EBADMSG;
	r->encap = tb[RTA_ENCAP] != NULL;
	if (tb[RTA_PREFSRC]) {
		if (get_addr(tb[RTA_PREFSRC], r->family, &r->prefsrc))
			return -EBADMSG;
		r->has_prefsrc = true;
	}
	if (tb[RTA_TABLE]) {
		if (get_u32(tb[RTA_TABLE], &v))
			return -EBADMSG;
		r->table = v;
	}
	if (tb[RTA_DST] && get_addr(tb[RTA_DST], r->family, &r->dst))
		return -EBADMSG;
	if (!tb[RTA_DST] && r->dst_len)
		return -EBADMSG;
	if (tb[RTA_PRIORITY] && get_u32(tb[RTA_PRIORITY], &r->priority))
		return -EBADMSG;
	if (tb[RTA_NH_ID] && get_u32(tb[RTA_NH_ID], &r->nhid))
		return -EBADMSG;
	if (tb[RTA_METRICS]) {
		const struct nlattr *mx[RTAX_MAX + 1];

		/* RTAX_LOCK only says whether PMTU discovery may lower
		 * it; forwarding honours the value either way */
		if (parse_nested(tb[RTA_METRICS], mx, RTAX_MAX))
			return -EBADMSG;
		if (mx[RTAX_MTU] && get_u32(mx[RTAX_MTU], &r->mtu))
			return -EBADMSG;
	}
	if (tb[RTA_MULTIPATH]) {
		if (parse_multipath(tb[RTA_MULTIPATH], r->family, r))
			return -EBADMSG;
	} else if (tb[RTA_OIF] || tb[RTA_GATEWAY] || tb[RTA_VIA]) {
		struct vta_nl_nh *nh = &r->nh[0];

		memset(nh, 0, sizeof(*nh));
		if (tb[RTA_OIF] && get_u32(tb[RTA_OIF], &v))
			return -EBADMSG;
		nh->ifindex = tb[RTA_OIF] ? (int)v : 0;
		nh->weight = 1;
		if (parse_gw(tb[RTA_GATEWAY], tb[RTA_VIA], r->family, nh))
			return -EBADMSG;
		r->n_nh = 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* netconf                                                            */

int vta_nl_parse_netconf(const struct nlmsghdr *nlh, struct vta_nl_netconf *n)
{
	const struct nlattr *tb[NETCONFA_MAX + 1];
	const struct netconfmsg *ncm;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWNETCONF &&
	    nlh->nlmsg_type != RTM_DELNETCONF)
		return -EINVAL;
	/* struct netconfmsg is one byte: attributes start 4-aligned */
	if (parse_tb(nlh, sizeof(*ncm), tb, NETCONFA_MAX))
		return -EBADMSG;
	ncm = mnl_nlmsg_get_payload(nlh);
	memset(n, 0, sizeof(*n));
	n->family = ncm->ncm_family;
	if (n->family != AF_INET && n->family != AF_INET6)
		return -EINVAL;
	if (!tb[NETCONFA_IFINDEX] || get_u32(tb[NETCONFA_IFINDEX], &v))
		return -EBADMSG;
	n->ifindex = (int32_t)v;
	if (tb[NETCONFA_FORWARDING]) {
		if (get_u32(tb[NETCONFA_FORWARDING], &v))
			return -EBADMSG;
		n->forwarding = (int32_t)v;
		n->has_forwarding = true;
	}
	if (tb[NETCONFA_RP_FILTER]) {
		if (get_u32(tb[NETCONFA_RP_FILTER], &v))
			return -EBADMSG;
		n->rp_filter = (int32_t)v;
		n->has_rp_filter = true;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* nexthop objects                                                    */

int vta_nl_parse_nexthop(const struct nlmsghdr *nlh, struct vta_nl_nexthop *n)
{
	const struct nlattr *tb[NHA_MAX + 1];
	const struct nhmsg *nhm;
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWNEXTHOP && nlh->nlmsg_type != RTM_DELNEXTHOP)
		return -EINVAL;
	if (parse_tb(nlh, sizeof(*nhm), tb, NHA_MAX))
		return -EBADMSG;
	nhm = mnl_nlmsg_get_payload(nlh);
	memset(n, 0, offsetof(struct vta_nl_nexthop, grp));
	n->family = nhm->nh_family;
	if (get_u32(tb[NHA_ID], &n->id) || !n->id)
		return -EBADMSG;
	n->blackhole = tb[NHA_BLACKHOLE] != NULL;
	n->fdb = tb[NHA_FDB] != NULL;
	n->encap = tb[NHA_ENCAP] != NULL;
	if (tb[NHA_GROUP_TYPE]) {
		if (mnl_attr_validate(tb[NHA_GROUP_TYPE], MNL_TYPE_U16) < 0)
			return -EBADMSG;
		n->resilient = mnl_attr_get_u16(tb[NHA_GROUP_TYPE]) ==
			       NEXTHOP_GRP_TYPE_RES;
	}
	if (tb[NHA_OIF]) {
		if (get_u32(tb[NHA_OIF], &v))
			return -EBADMSG;
		n->ifindex = v;
	}
	if (tb[NHA_GATEWAY]) {
		/* The gateway's family is the attribute's length (an IPv4
		 * nexthop may have an IPv6 gateway). */
		size_t len = mnl_attr_get_payload_len(tb[NHA_GATEWAY]);
		int fam = len == 16 ? AF_INET6 : len == 4 ? AF_INET : 0;

		if (!fam || get_addr(tb[NHA_GATEWAY], fam, &n->gw))
			return -EBADMSG;
		n->gw_family = fam;
	}
	if (tb[NHA_GROUP]) {
		const struct nexthop_grp *g = mnl_attr_get_payload(tb[NHA_GROUP]);
		size_t len = mnl_attr_get_payload_len(tb[NHA_GROUP]);
		size_t i, cnt = len / sizeof(*g);

		if (!len || len % sizeof(*g))
			return -EBADMSG;
		for (i = 0; i < cnt; i++) {
			if (i >= VTA_NL_MAX_NH) {
				n->too_many = true;
				break;
			}
			n->grp[i].id = g[i].id;
			n->grp[i].weight = g[i].weight + 1;
		}
		n->n_grp = i;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* XFRM states                                                        */

/* ESP overhead by algorithm: IV length, padding block, ICV length. */
struct alg_info {
	const char *name;
	uint8_t iv, block, icv;
};

static const struct alg_info crypt_algs[] = {
	{ "cbc(aes)", 16, 16, 0 },
	{ "cbc(des3_ede)", 8, 8, 0 },
	{ "cbc(des)", 8, 8, 0 },
	{ "cbc(camellia)", 16, 16, 0 },
	{ "cbc(serpent)", 16, 16, 0 },
	{ "cbc(twofish)", 16, 16, 0 },
	{ "rfc3686(ctr(aes))", 8, 4, 0 },
	{ "ecb(cipher_null)", 0, 4, 0 },
	{ "cipher_null", 0, 4, 0 },
};

/* Default truncation when the SA carries XFRMA_ALG_AUTH (no explicit
 * truncation): the kernel's xfrm_algo table icv_truncbits. */
static const struct alg_info auth_algs[] = {
	{ "hmac(md5)", 0, 0, 12 },
	{ "hmac(sha1)", 0, 0, 12 },
	{ "hmac(sha256)", 0, 0, 12 },	/* draft-ietf-ipsec-ciph-sha-256 */
	{ "hmac(sha384)", 0, 0, 24 },
	{ "hmac(sha512)", 0, 0, 32 },
	{ "hmac(rmd160)", 0, 0, 12 },
	{ "xcbc(aes)", 0, 0, 12 },
	{ "cmac(aes)", 0, 0, 12 },
	{ "digest_null", 0, 0, 0 },
};

static const struct alg_info *find_alg(const struct alg_info *t, size_t n,
				       const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static int parse_sa_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
			  struct vta_nl_sa *s)
{
	const struct nlattr *tb[XFRMA_MAX + 1];
	const struct xfrm_algo *alg;
	const struct xfrm_algo_auth *auth;
	const struct xfrm_algo_aead *aead;
	const struct xfrm_encap_tmpl *encap;
	const struct xfrm_mark *mark;
	const struct alg_info *ai;
	bool crypt_ok = false, auth_ok = false;

	if (parse_tb(nlh, hdrlen, tb, XFRMA_MAX))
		return -EBADMSG;
	if ((mark = attr_min(tb[XFRMA_MARK], sizeof(*mark)))) {
		s->mark = mark->v;
		s->mark_mask = mark->m;
	}
	if (tb[XFRMA_IF_ID] && !get_u32(tb[XFRMA_IF_ID], &s->if_id))
		s->has_if_id = true;
	if ((encap = attr_min(tb[XFRMA_ENCAP], sizeof(*encap))))
		s->encap_udp = encap->encap_type == UDP_ENCAP_ESPINUDP ||
			       encap->encap_type == UDP_ENCAP_ESPINUDP_NON_IKE;
	if ((aead = attr_min(tb[XFRMA_ALG_AEAD], sizeof(*aead)))) {
		snprintf(s->crypt, sizeof(s->crypt), "%.*s",
			 (int)sizeof(aead->alg_name), aead->alg_name);
		/* rfc4106(gcm(aes)), rfc4309(ccm(aes)), rfc7539esp(...):
		 * 8-byte IV, 4-byte alignment; rfc4543(gcm(aes)) (GMAC) too */
		if (!strncmp(s->crypt, "rfc4106(", 8) ||
		    !strncmp(s->crypt, "rfc4309(", 8) ||
		    !strncmp(s->crypt, "rfc4543(", 8) ||
		    !strncmp(s->crypt, "rfc7539esp(", 11)) {
			s->iv_len = 8;
			s->block = 4;
			s->icv_len = aead->alg_icv_len / 8;
			crypt_ok = auth_ok = true;
		}
	}
	if ((alg = attr_min(tb[XFRMA_ALG_CRYPT], sizeof(*alg)))) {
		snprintf(s->crypt, sizeof(s->crypt), "%.*s",
			 (int)sizeof(alg->alg_name), alg->alg_name);
		ai = find_alg(crypt_algs, sizeof(crypt_algs) / sizeof(*ai),
			      s->crypt);
		if (ai) {
			s->iv_len = ai->iv;
			s->block = ai->block;
			crypt_ok = true;
		}
	}
	if ((auth = attr_min(tb[XFRMA_ALG_AUTH_TRUNC], sizeof(*auth)))) {
		snprintf(s->auth, sizeof(s->auth), "%.*s",
			 (int)sizeof(auth->alg_name), auth->alg_name);
		s->icv_len = auth->alg_trunc_len / 8;
		auth_ok = true;
	} else if ((alg = attr_min(tb[XFRMA_ALG_AUTH], sizeof(*alg)))) {
		snprintf(s->auth, sizeof(s->auth), "%.*s",
			 (int)sizeof(alg->alg_name), alg->alg_name);
		ai = find_alg(auth_algs, sizeof(auth_algs) / sizeof(*ai), s->auth);
		if (ai) {
			s->icv_len = ai->icv;
			auth_ok = true;
		}
	} else if (crypt_ok && !aead) {
		auth_ok = true;		/* encryption only: no ICV */
	}
	s->overhead_known = s->proto == IPPROTO_ESP && crypt_ok && auth_ok;
	return 0;
}

static void sa_from_info(const struct xfrm_usersa_info *i, struct vta_nl_sa *s)
{
	s->family = i->family;
	memcpy(s->saddr.b, &i->saddr, 16);
	memcpy(s->daddr.b, &i->id.daddr, 16);
	s->spi = i->id.spi;
	s->proto = i->id.proto;
}

int vta_nl_parse_sa(const struct nlmsghdr *nlh, struct vta_nl_sa *s,
		    bool *hard)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);

	memset(s, 0, sizeof(*s));
	*hard = true;
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA: {
		const struct xfrm_usersa_info *i = mnl_nlmsg_get_payload(nlh);

		if (plen < sizeof(*i))
			return -EBADMSG;
		sa_from_info(i, s);
		*hard = false;
		break;
	}
	case XFRM_MSG_EXPIRE: {
		const struct xfrm_user_expire *e = mnl_nlmsg_get_payload(nlh);

		if (plen < sizeof(*e))
			return -EBADMSG;
		sa_from_info(&e->state, s);
		*hard = e->hard;
		return parse_sa_attrs(nlh, sizeof(*e), s);
	}
	case XFRM_MSG_DELSA: {
		const struct xfrm_usersa_id *id = mnl_nlmsg_get_payload(nlh);
		const struct nlattr *tb[XFRMA_MAX + 1];

		if (plen < sizeof(*id))
			return -EBADMSG;
		s->family = id->family;
		memcpy(s->daddr.b, &id->daddr, 16);
		s->spi = id->spi;
		s->proto = id->proto;
		if (parse_tb(nlh, sizeof(*id), tb, XFRMA_MAX))
			return -EBADMSG;
		if (tb[XFRMA_SRCADDR]) {
			if (mnl_attr_get_payload_len(tb[XFRMA_SRCADDR]) < 16)
				return -EBADMSG;
			memcpy(s->saddr.b, mnl_attr_get_payload(tb[XFRMA_SRCADDR]), 16);
		}
		return 0;
	}
	default:
		return -EINVAL;
	}
	if (s->family != AF_INET && s->family != AF_INET6)
		return -EBADMSG;
	return parse_sa_attrs(nlh, sizeof(struct xfrm_usersa_info), s);
}

/* ---------------------------------------------------------------- */
/* sockets                                                            */

static void sock_setup(struct mnl_socket *s, uint32_t rcvbuf)
{
	int one = 1, fd = mnl_socket_get_fd(s);

	/* Best effort: older kernels lack one or the other. */
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				 sizeof(rcvbuf)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		pr_warn("netlink receive buffer of %u bytes: %s\n", rcvbuf,
			strerror(errno));
}

static struct mnl_socket *sock_open(int bus, const unsigned int *groups,
				    int n_groups, uint32_t rcvbuf, bool nonblock)
{
	struct mnl_socket *s;
	int i;

	s = nonblock ? mnl_socket_open2(bus, SOCK_NONBLOCK | SOCK_CLOEXEC)
		     : mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!s)
		return NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	sock_setup(s, rcvbuf);
	for (i = 0; i < n_groups; i++) {
		unsigned int g = groups[i];

		if (mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &g,
					  sizeof(g)) < 0) {
			/* nexthop objects are optional (pre-5.3 kernels) */
			if (bus == NETLINK_ROUTE && g == RTNLGRP_NEXTHOP)
				continue;
			goto fail;
		}
	}
	return s;
fail:
	i = errno;
	mnl_socket_close(s);
	errno = i;
	return NULL;
}

int vta_nl_open(struct vta_nl *nl, bool with_events, uint32_t rcvbuf)
{
	static const unsigned int rt_groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEXTHOP,
		RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF,
	};
	static const unsigned int x_groups[] = { XFRMNLGRP_SA, XFRMNLGRP_EXPIRE };
	int err;

	memset(nl, 0, sizeof(*nl));
	nl->seq = time(NULL);
	if (with_events) {
		/* Subscribe before dumping so nothing falls between. */
		nl->ev = sock_open(NETLINK_ROUTE, rt_groups,
				   sizeof(rt_groups) / sizeof(rt_groups[0]),
				   rcvbuf, true);
		if (!nl->ev) {
			err = -errno;
			pr_warn("open rtnetlink event socket: %s\n", strerror(errno));
			return err;
		}
		nl->xev = sock_open(NETLINK_XFRM, x_groups, 2, rcvbuf, true);
		if (!nl->xev)
			pr_info("XFRM netlink unavailable (%s): SA state unknown, "
				"tunnels count as up\n", strerror(errno));
	}
	nl->dump = sock_open(NETLINK_ROUTE, NULL, 0, 1 << 20, false);
	if (!nl->dump) {
		err = -errno;
		pr_warn("open rtnetlink socket: %s\n", strerror(errno));
		vta_nl_close(nl);
		return err;
	}
	if (!with_events || nl->xev)
		nl->xdump = sock_open(NETLINK_XFRM, NULL, 0, 1 << 20, false);
	return 0;
}

void vta_nl_close(struct vta_nl *nl)
{
	struct mnl_socket **s[] = { &nl->ev, &nl->dump, &nl->xev, &nl->xdump };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (*s[i])
			mnl_socket_close(*s[i]);
		*s[i] = NULL;
	}
}

struct dump_ctx {
	vta_nl_cb cb;
	void *data;
	bool intr;	/* NLM_F_DUMP_INTR on a message of this dump */
	int err;	/* the callback's first error: the rest is drained */
	int kerr;	/* the kernel's error (NLMSG_ERROR, NLMSG_DONE) */
};

/*
 * One datagram of the dump with sequence number seq: 1 when it ended the
 * dump (NLMSG_DONE or NLMSG_ERROR), else 0.
 *
 * Not mnl_cb_run(): libmnl (1.0.4) returns -1/EINTR at the first message
 * flagged NLM_F_DUMP_INTR, before our callback sees it, with the rest of
 * the dump still queued; a new request on that socket then reads the old
 * dump's datagrams (EPROTO) while the kernel answers it with EBUSY (one
 * dump at a time per socket: netlink_dump_start()).  Here an interrupted
 * dump, like one whose callback failed, is read to its end, so that the
 * socket is clean for the redump; the caller decides what to redo.
 */
static int dump_datagram(const void *buf, int len, uint32_t seq,
			 uint32_t portid, struct dump_ctx *dc)
{
	const struct nlmsghdr *nlh;

	for (nlh = buf; vta_nl_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		/* a late part of another request (not ours to judge) */
		if (nlh->nlmsg_seq != seq ||
		    (portid && nlh->nlmsg_pid && nlh->nlmsg_pid != portid))
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			dc->intr = true;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			/* netlink_dump_done(): the dump's error, if any */
			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
				int e = *(const int *)NLMSG_DATA(nlh);

				if (e < 0 && !dc->kerr)
					dc->kerr = e;
			}
			return 1;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				dc->kerr = dc->kerr ?: -EBADMSG;
			else if (e->error < 0 && !dc->kerr)
				dc->kerr = e->error;
			return 1;	/* an error (or ack) ends the dump */
		}
		case NLMSG_NOOP:
		case NLMSG_OVERRUN:
			continue;
		}
		if (!dc->err) {
			int err = dc->cb(nlh, dc->data);

			if (err < 0)
				dc->err = err;
		}
	}
	return 0;
}

/* A dump socket in an unknown state (a receive failed mid-dump: the rest
 * may still come): replace it, so that no later dump reads its tail. */
static int dump_sock_reset(struct mnl_socket **s, int bus)
{
	if (*s)
		mnl_socket_close(*s);
	*s = sock_open(bus, NULL, 0, 1 << 20, false);
	return *s ? 0 : -errno;
}

/*
 * Send the request and read its whole dump.  0, -EINTR when the kernel
 * flagged it inconsistent (NLM_F_DUMP_INTR; the caller redumps), the
 * callback's error, the kernel's, or -errno.  Whatever happens the
 * socket is left with nothing of this dump on it.
 */
static int run_dump(struct mnl_socket **sp, int bus, struct nlmsghdr *nlh,
		    char *buf, struct dump_ctx *dc)
{
	uint32_t seq = nlh->nlmsg_seq, portid;
	int ret, err;

	if (!*sp && (err = dump_sock_reset(sp, bus)))
		return err;
	portid = mnl_socket_get_portid(*sp);
	if (mnl_socket_sendto(*sp, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		dump_sock_reset(sp, bus);
		return err;
	}
	for (;;) {
		ret = mnl_socket_recvfrom(*sp, buf, NL_BUFSZ);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			dump_sock_reset(sp, bus);
			return err;
		}
		if (dump_datagram(buf, ret, seq, portid, dc))
			break;
		/* a stop: no draining of what may be a million routes */
		if (dc->err == -ECANCELED) {
			dump_sock_reset(sp, bus);
			break;
		}
	}
	if (dc->err)
		return dc->err;
	if (dc->kerr)
		return dc->kerr;
	return dc->intr ? -EINTR : 0;
}

int vta_nl_dump(struct vta_nl *nl, int type, int family, vta_nl_cb cb,
		void *data)
{
	static char buf[NL_BUFSZ];
	struct dump_ctx d = { cb, data, false, 0, 0 };
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	switch (type) {
	case RTM_GETLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		ifi->ifi_family = family;
		break;
	}
	case RTM_GETADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = family;
		break;
	}
	case RTM_GETROUTE: {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		rtm->rtm_family = family;
		break;
	}
	case RTM_GETNEXTHOP: {
		struct nhmsg *nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));

		nhm->nh_family = family;
		break;
	}
	case RTM_GETNETCONF: {
		struct netconfmsg *ncm =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));

		ncm->ncm_family = family;
		break;
	}
	default:
		return -EINVAL;
	}
	return run_dump(&nl->dump, NETLINK_ROUTE, nlh, buf, &d);
}

/* An IPv6 route change for vta_nl_dump_route6()'s watcher; route cache
 * entries (RTM_F_CLONED: exceptions, outside the tree the dump walks) do
 * not count. */
static int route6_change_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	bool *moved = data;

	if ((nlh->nlmsg_type == RTM_NEWROUTE ||
	     nlh->nlmsg_type == RTM_DELROUTE) &&
	    (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	     !(rtm->rtm_flags & RTM_F_CLONED)))
		*moved = true;
	return 0;
}

int vta_nl_dump_route6(struct vta_nl *nl, vta_nl_cb cb, void *data,
		       bool *moved)
{
	static const unsigned int group = RTNLGRP_IPV6_ROUTE;
	static bool warned;
	struct mnl_socket *w;
	int err;

	*moved = false;
	w = sock_open(NETLINK_ROUTE, &group, 1, 0, true);
	if (!w && !warned) {
		warned = true;
		pr_warn("IPv6 route watcher: %s; IPv6 dumps are taken as "
			"consistent\n", strerror(errno));
	}
	err = vta_nl_dump(nl, RTM_GETROUTE, AF_INET6, cb, data);
	if (w) {
		/* an overrun counts: it heard more than it could keep */
		if (vta_nl_read_events(w, route6_change_cb, moved))
			*moved = true;
		mnl_socket_close(w);
	}
	return err;
}

int vta_nl_dump_sa(struct vta_nl *nl, vta_nl_cb cb, void *data)
{
	static char buf[NL_BUFSZ];
	struct dump_ctx d = { cb, data, false, 0, 0 };
	struct nlmsghdr *nlh;

	if (!nl->xdump)
		return -EOPNOTSUPP;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_GETSA;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++nl->seq;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct xfrm_usersa_id));
	return run_dump(&nl->xdump, NETLINK_XFRM, nlh, buf, &d);
}

int vta_nl_read_events(struct mnl_socket *s, vta_nl_cb cb, void *data)
{
	static char buf[NL_BUFSZ];
	const struct nlmsghdr *nlh;
	int ret;

	for (;;) {
		ret = mnl_socket_recvfrom(s, buf, sizeof(buf));
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		for (nlh = (const void *)buf; vta_nl_msg_ok(nlh, ret);
		     nlh = mnl_nlmsg_next(nlh, &ret)) {
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_NOOP)
				continue;
			cb(nlh, data);
		}
	}
}

int vta_nl_drain(struct mnl_socket *s)
{
	static char buf[NL_BUFSZ];
	int n = 0;

	for (;;) {
		if (mnl_socket_recvfrom(s, buf, sizeof(buf)) < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? n : -errno;
		}
		n++;
	}
}
