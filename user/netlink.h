/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * netlink.h - rtnetlink and XFRM netlink for the route sync: sockets
 * (libmnl, iproute2-style) and parsing of messages into plain structs.
 *
 * Parsers never trust the message: every attribute is validated for its
 * type and length; a malformed message gives -EBADMSG (or -EINVAL for a
 * message of the wrong type) and leaves *out unspecified.
 */
#ifndef VTA_NETLINK_H
#define VTA_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/netlink.h>
#include "vtiaccel.h"

/* More members than this in one route or group: not representable. */
#define VTA_NL_MAX_NH		32

/* An address of either family; IPv4 in the first 4 bytes. */
union vta_addr {
	uint8_t b[16];
	uint32_t v4;
};

struct vta_nl_link {
	int ifindex;
	char name[IFNAMSIZ];
	uint16_t type;		/* ARPHRD_* */
	uint32_t flags;		/* IFF_* */
	uint32_t mtu;
	uint8_t operstate;	/* IF_OPER_*, IF_OPER_UNKNOWN when absent */
	char kind[16];		/* IFLA_INFO_KIND ("vti", "vti6", "xfrm", "veth"...) */
	/* vti / vti6 */
	int tun_family;		/* AF_INET / AF_INET6, 0 when not a VTI */
	union vta_addr local, remote;
	uint32_t ikey, okey;	/* host byte order */
	/* xfrm */
	bool has_if_id;
	uint32_t if_id;
	/* IPv6: the device's IPv6 MTU (net.ipv6.conf.DEV.mtu, IFLA_AF_SPEC
	 * AF_INET6 IFLA_INET6_CONF[DEVCONF_MTU6]), when the message has it */
	bool has_mtu6;
	uint32_t mtu6;
};

struct vta_nl_addr {
	int family;
	int ifindex;
	uint8_t prefixlen;
	union vta_addr addr;
};

struct vta_nl_nh {
	int ifindex;
	uint16_t weight;	/* 1..256 (rtnh_hops + 1) */
	uint8_t gw_family;	/* 0 = on-link */
	union vta_addr gw;
};

struct vta_nl_route {
	int family;
	uint8_t dst_len;
	union vta_addr dst;
	uint32_t table;
	uint8_t type;		/* RTN_* */
	uint8_t protocol;
	uint8_t scope;
	uint8_t tos;
	uint32_t priority;
	uint32_t nhid;		/* RTA_NH_ID, 0 when absent */
	uint32_t mtu;		/* RTA_METRICS RTAX_MTU (locked or not), 0 */
	int n_nh;		/* RTA_MULTIPATH / RTA_OIF members */
	bool too_many;		/* more than VTA_NL_MAX_NH members */
	/* What the map FIB does not represent (issue 11, item 4). */
	uint8_t src_len;	/* rtm_src_len: IPv6 source-specific route */
	union vta_addr src;	/* RTA_SRC */
	bool encap;		/* RTA_ENCAP on the route or a member */
	bool has_prefsrc;	/* RTA_PREFSRC: the route goes with it */
	union vta_addr prefsrc;
	struct vta_nl_nh nh[VTA_NL_MAX_NH];
};

struct vta_nl_nhgrp {
	uint32_t id;
	uint16_t weight;	/* 1..256 (nexthop_grp.weight + 1) */
};

struct vta_nl_nexthop {
	uint32_t id;
	int family;
	bool blackhole;
	bool fdb;
	int ifindex;
	uint8_t gw_family;
	union vta_addr gw;
	int n_grp;		/* > 0: a group */
	bool encap;		/* NHA_ENCAP: lightweight tunnel */
	bool too_many;
	bool resilient;		/* NHA_GROUP_TYPE resilient (buckets) */
	struct vta_nl_nhgrp grp[VTA_NL_MAX_NH];
};

/* The parts of an XFRM state the sync needs. */
struct vta_nl_sa {
	int family;
	union vta_addr saddr, daddr;
	uint32_t spi;		/* network byte order, as the kernel keys it */
	uint8_t proto;
	uint32_t mark, mark_mask;
	bool has_if_id;
	uint32_t if_id;
	bool encap_udp;		/* NAT-T */
	/* ESP overhead of this SA, 0/false when unknown */
	bool overhead_known;
	uint8_t iv_len, block, icv_len;
	char crypt[64];		/* algorithm names, for logs */
	char auth[64];
};

/*
 * RTM_NEWNETCONF / RTM_DELNETCONF: per-device (or all, default) sysctls.
 * Notifications carry only the attribute that changed (dumps and device
 * registration carry all): has_* says which are present.
 */
struct vta_nl_netconf {
	int family;		/* AF_INET / AF_INET6 */
	int ifindex;		/* NETCONFA_IFINDEX_ALL (-1), _DEFAULT (-2) */
	bool has_forwarding, has_rp_filter;
	int32_t forwarding, rp_filter;
};

int vta_nl_parse_link(const struct nlmsghdr *nlh, struct vta_nl_link *out);
int vta_nl_parse_netconf(const struct nlmsghdr *nlh,
			 struct vta_nl_netconf *out);
int vta_nl_parse_addr(const struct nlmsghdr *nlh, struct vta_nl_addr *out);
int vta_nl_parse_route(const struct nlmsghdr *nlh, struct vta_nl_route *out);
int vta_nl_parse_nexthop(const struct nlmsghdr *nlh, struct vta_nl_nexthop *out);
/* XFRM_MSG_NEWSA / UPDSA / DELSA / EXPIRE; *hard tells whether an EXPIRE
 * removes the state (hard) or only warns (soft). */
int vta_nl_parse_sa(const struct nlmsghdr *nlh, struct vta_nl_sa *out,
		    bool *hard);

/*
 * Whether a whole message of at least a header lies in the len bytes at
 * nlh.  (libmnl's mnl_nlmsg_ok compares nlmsg_len as an int, so a
 * length >= 2 GiB passes it.)
 */
static inline bool vta_nl_msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

/* Address to text (inet_ntop of the right family). */
const char *vta_addr_str(int family, const union vta_addr *a, char *buf,
			 size_t len);
/* Text to address: IPv4 or IPv6, *family AF_INET or AF_INET6; -EINVAL
 * when it is neither. */
int vta_addr_parse(const char *s, int *family, union vta_addr *a);

/* ---------------------------------------------------------------- */
/* Sockets                                                            */

struct mnl_socket;

struct vta_nl {
	struct mnl_socket *ev;		/* rtnl events */
	struct mnl_socket *dump;	/* rtnl dumps (request/response) */
	struct mnl_socket *xev;		/* XFRM events, NULL when unavailable */
	struct mnl_socket *xdump;	/* XFRM dumps */
	uint32_t seq;
	bool no_nexthop;		/* kernel without nexthop objects */
};

/* Message callback: return 0 to continue, < 0 to abort the dump. */
typedef int (*vta_nl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Open the sockets.  with_events subscribes the event sockets to links,
 * addresses, routes, nexthops and IPv4/IPv6 netconf (and XFRM SAs)
 * before any dump is made;
 * rcvbuf sizes their receive buffers (SO_RCVBUFFORCE, then SO_RCVBUF).
 * An XFRM failure is not fatal: xev/xdump stay NULL.
 */
int vta_nl_open(struct vta_nl *nl, bool with_events, uint32_t rcvbuf);
void vta_nl_close(struct vta_nl *nl);

/*
 * Dump one object type (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE,
 * RTM_GETNEXTHOP, RTM_GETNETCONF), passing every message to cb.
 * Returns 0, -EINTR when the kernel flagged the dump inconsistent
 * (NLM_F_DUMP_INTR: the caller redumps), the callback's first error, or
 * -errno.  The dump is always read to its end (or the socket replaced):
 * the next request on nl starts clean.
 */
int vta_nl_dump(struct vta_nl *nl, int type, int family, vta_nl_cb cb,
		void *data);
/* The same for XFRM states; -EOPNOTSUPP without XFRM netlink. */
int vta_nl_dump_sa(struct vta_nl *nl, vta_nl_cb cb, void *data);

/*
 * The IPv6 route dump (RTM_GETROUTE, AF_INET6), with *moved set when an
 * IPv6 route was added, changed or deleted while it ran.  Such a dump is
 * no snapshot, and the kernel does not flag it (no NLM_F_DUMP_INTR): it
 * resumes each datagram by position (fib6_dump_table(): a tree that
 * changed is walked again from its root, skipping as many routes as were
 * sent), so a change ahead of that position repeats a route the dump
 * already listed or leaves out one that never changed.  The caller
 * dumps again.  A socket subscribed to IPv6 route events before the
 * request tells; when it cannot be opened, *moved stays false (one
 * dump, as before).
 */
int vta_nl_dump_route6(struct vta_nl *nl, vta_nl_cb cb, void *data,
		       bool *moved);

/*
 * Read every pending event from a non-blocking event socket.  Returns
 * 0 when drained, -ENOBUFS on overrun (events were lost: resync), or
 * -errno.
 */
int vta_nl_read_events(struct mnl_socket *s, vta_nl_cb cb, void *data);

/*
 * Discard what is queued on an event socket.  After an overrun the queue
 * holds events from before the lost ones: applied after the resync's
 * dump they would bring back state the dump no longer shows.  Returns
 * the number of datagrams dropped or -errno.
 */
int vta_nl_drain(struct mnl_socket *s);

#endif
