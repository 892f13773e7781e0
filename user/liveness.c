// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * liveness.c - tunnel liveness: the state machine and the daemon's
 * prober (liveness.h; docs/guide.md, "Tunnel liveness").
 *
 * Why not wait for IKE or BGP: when the outside path of one tunnel dies
 * its SAs live on until DPD gives up (AWS: 10 s idle, then 3 probes) and
 * BGP's hold timer expires (AWS: timers 10 30), 24-33 s in the lab, and
 * every flow hashed onto that tunnel is lost for that long.
 */
#include <net/if.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <linux/icmp.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>

#include <inttypes.h>
#include "cli.h"
#include "conf.h"
#include "ifdata.h"
#include "liveness.h"
#include "loader.h"
#include "log.h"
#include "mapwalk.h"
#include "netlink.h"
#include "print.h"
#include "sync.h"
#include "vtiaccel.h"

/* ---------------------------------------------------------------- */
/* State machine                                                      */

void vta_live_sm_init(struct vta_live_sm *m, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->state = VTA_LIVE_UP;
	m->since_ns = now;
}

static int good(struct vta_live_sm *m, const struct vta_live_params *p,
		uint64_t now)
{
	m->misses = 0;
	m->armed = true;
	if (now > m->last_good_ns)
		m->last_good_ns = now;
	if (m->state != VTA_LIVE_DOWN)
		return 0;
	if (++m->oks < p->rise)
		return 0;
	m->state = VTA_LIVE_UP;
	m->oks = 0;
	m->since_ns = now;
	m->transitions++;
	return 1;
}

static int bad(struct vta_live_sm *m, const struct vta_live_params *p,
	       uint64_t now)
{
	m->oks = 0;
	m->lost++;
	/* A target that never answered (a peer that does not answer ICMP
	 * echo, or SAs not up yet) decides nothing: holding such a tunnel
	 * down could last forever for a tunnel that works. */
	if (++m->misses < p->misses || m->state != VTA_LIVE_UP || !m->armed)
		return 0;
	m->state = VTA_LIVE_DOWN;
	m->since_ns = now;
	m->transitions++;
	return -1;
}

/* A probe that expired: a miss, unless a probe sent after it was
 * answered (the loss is older news). */
static int expire(struct vta_live_sm *m, const struct vta_live_params *p,
		  unsigned int i, uint64_t now)
{
	m->ring[i].pending = false;
	if (m->last_ok_sent_ns && m->last_ok_sent_ns > m->ring[i].sent_ns)
		return 0;
	return bad(m, p, now);
}

int vta_live_sm_sent(struct vta_live_sm *m, const struct vta_live_params *p,
		     uint16_t seq, uint64_t now)
{
	unsigned int i = seq % VTA_LIVE_RING;
	int ret = 0;

	if (m->ring[i].pending) /* more in flight than the ring holds */
		ret = expire(m, p, i, now);
	m->ring[i].seq = seq;
	m->ring[i].pending = true;
	m->ring[i].sent_ns = now;
	m->sent++;
	return ret;
}

int vta_live_sm_reply(struct vta_live_sm *m, const struct vta_live_params *p,
		      uint16_t seq, uint64_t now)
{
	unsigned int i = seq % VTA_LIVE_RING;
	uint64_t rtt;
	int ret;

	if (!m->ring[i].pending || m->ring[i].seq != seq) {
		m->late++; /* expired already (or a duplicate) */
		return 0;
	}
	rtt = now - m->ring[i].sent_ns;
	if (rtt >= p->deadline_ns) {
		/* not expired by a tick yet: the same miss, counted now */
		m->late++;
		return expire(m, p, i, now);
	}
	m->ring[i].pending = false;
	m->answered++;
	if (m->ring[i].sent_ns > m->last_ok_sent_ns)
		m->last_ok_sent_ns = m->ring[i].sent_ns;
	m->rtt_us = rtt / 1000;
	/* RFC 6298's SRTT, alpha 1/8 */
	m->srtt_us = m->srtt_us ? m->srtt_us - m->srtt_us / 8 + m->rtt_us / 8
				: m->rtt_us;
	ret = good(m, p, now);
	return ret;
}

int vta_live_sm_rx(struct vta_live_sm *m, const struct vta_live_params *p,
		   uint64_t now)
{
	/*
	 * Received traffic proves the far side's direction only.  In the vm
	 * lab's case (b) (docs/guide.md) the path died towards AWS while
	 * AWS's packets (BGP keepalives, the vpc -> lan flows) still arrived:
	 * counted as evidence, it kept a tunnel that could not send in ECMP
	 * for good.  It arms the machine (the far side exists) and is
	 * counted; only answered probes, a round trip, decide.
	 */
	(void)p;
	m->last_rx_ns = now;
	m->rx_events++;
	m->armed = true;
	return 0;
}

int vta_live_sm_tick(struct vta_live_sm *m, const struct vta_live_params *p,
		     uint64_t now)
{
	uint64_t oldest = UINT64_MAX;
	unsigned int i, k;
	int ret = 0, r;

	/* expire in the order the probes were sent */
	for (;;) {
		k = VTA_LIVE_RING;
		for (i = 0; i < VTA_LIVE_RING; i++)
			if (m->ring[i].pending &&
			    now - m->ring[i].sent_ns >= p->deadline_ns &&
			    (k == VTA_LIVE_RING ||
			     m->ring[i].sent_ns < oldest)) {
				k = i;
				oldest = m->ring[i].sent_ns;
			}
		if (k == VTA_LIVE_RING)
			break;
		r = expire(m, p, k, now);
		if (r)
			ret = r;
	}
	return ret;
}

const char *vta_live_state_name(__u32 state)
{
	switch (state) {
	case VTA_LIVE_UP:
		return "alive";
	case VTA_LIVE_DOWN:
		return "down";
	default:
		return "not-probed";
	}
}

/* ---------------------------------------------------------------- */
/* Published state                                                    */

int vta_live_open(const char *root)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, VTA_MAP_LIVE);
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

int vta_live_get(int fd, __u32 ifindex, struct vta_live_pub *out)
{
	if (fd < 0 || bpf_map_lookup_elem(fd, &ifindex, out))
		return -ENOENT;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Daemon prober                                                      */

struct tun {
	int ifindex;
	char name[IFNAMSIZ];
	bool present;
	enum vta_probe_mode mode;
	int family; /* of the target, 0 = none */
	union vta_addr src, dst;
	bool have_src;
	int fd;
	uint16_t seq;
	uint64_t rx_last;
	bool rx_known;
	struct vta_live_sm sm;
	bool told; /* "never answered" logged */
	char reason[128];
};

struct vta_live {
	const struct vta_conf *c;
	struct vta_sync *s;
	struct vta_live_params p;
	uint64_t interval_ns;
	int ep, tfd, map_fd;
	char map_path[PATH_MAX + 32];
	struct mnl_socket *nl;
	unsigned int nlseq;
	uint16_t ident;
	unsigned int ticks;
	bool want_addrs;
	const struct vta_maps *maps; /* slots, stats */
	int ncpu;
	struct vta_fwd_stats *percpu; /* vta_fwd_stats, read per probe tick */
	bool percpu_ok;
	int unhold[VTA_LIVE_MAX], n_unhold;
	int n;
	struct tun t[VTA_LIVE_MAX];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static const struct vta_tunnel_conf *probe_conf(const struct vta_conf *c,
						const char *name)
{
	int i;

	for (i = 0; i < c->n_tun_conf; i++)
		if (!strcmp(c->tun_conf[i].tunnel, name))
			return &c->tun_conf[i];
	return NULL;
}

static struct tun *tun_get(struct vta_live *l, int ifindex)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->t[i].ifindex == ifindex)
			return &l->t[i];
	return NULL;
}

static void tun_close(struct vta_live *l, struct tun *t)
{
	if (t->fd >= 0) {
		if (l->ep >= 0)
			epoll_ctl(l->ep, EPOLL_CTL_DEL, t->fd, NULL);
		close(t->fd);
	}
	t->fd = -1;
}

static void publish(struct vta_live *l, const struct tun *t)
{
	struct vta_live_pub v;
	__u32 key = t->ifindex;

	if (l->map_fd < 0)
		return;
	memset(&v, 0, sizeof(v));
	v.state = t->family ? t->sm.state : VTA_LIVE_NONE;
	v.transitions = t->sm.transitions;
	v.since_ns = t->sm.since_ns;
	v.sent = t->sm.sent;
	v.answered = t->sm.answered;
	v.late = t->sm.late;
	v.lost = t->sm.lost;
	v.rx_events = t->sm.rx_events;
	v.rtt_us = t->sm.rtt_us;
	v.srtt_us = t->sm.srtt_us;
	v.misses = t->sm.misses;
	v.family = t->family;
	memcpy(v.target, t->dst.b, sizeof(v.target));
	snprintf(v.name, sizeof(v.name), "%s", t->name);
	snprintf(v.reason, sizeof(v.reason), "%s", t->reason);
	bpf_map_update_elem(l->map_fd, &key, &v, BPF_ANY);
}

void vta_live_link(struct vta_live *l, int ifindex, const char *name,
		   bool present)
{
	const struct vta_tunnel_conf *pc;
	struct tun *t;
	__u32 key = ifindex;

	if (!l)
		return;
	t = tun_get(l, ifindex);
	if (!present) {
		if (!t)
			return;
		tun_close(l, t);
		/* not from inside the sync's hook: at the next tick */
		if (t->sm.state == VTA_LIVE_DOWN && l->n_unhold < VTA_LIVE_MAX)
			l->unhold[l->n_unhold++] = ifindex;
		if (l->map_fd >= 0)
			bpf_map_delete_elem(l->map_fd, &key);
		*t = l->t[--l->n];
		return;
	}
	if (!t) {
		if (l->n == VTA_LIVE_MAX) {
			pr_warn("liveness: %s: more than %d tunnels, not "
				"probed\n",
				name, VTA_LIVE_MAX);
			return;
		}
		t = &l->t[l->n++];
		memset(t, 0, sizeof(*t));
		t->fd = -1;
		t->ifindex = ifindex;
		vta_live_sm_init(&t->sm, now_ns());
		snprintf(t->reason, sizeof(t->reason),
			 "assumed alive at start");
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	pc = probe_conf(l->c, name);
	t->mode = pc ? pc->mode : VTA_PROBE_AUTO;
	t->present = true;
	l->want_addrs = true;
}

/* ---- rtnetlink: the tunnels' addresses ---- */

struct addr_ctx {
	struct vta_live *l;
	/* candidates per tunnel index: [0] IPv4, [1] IPv6 */
	struct {
		bool ok;
		union vta_addr local, peer;
		bool has_peer;
		uint8_t plen;
	} c[VTA_LIVE_MAX][2];
};

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= IFA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *x = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *la, *pa;
	struct tun *t;
	int k, alen;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	t = tun_get(x->l, ifa->ifa_index);
	if (!t || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	if (ifa->ifa_scope == RT_SCOPE_LINK || ifa->ifa_scope == RT_SCOPE_HOST)
		return MNL_CB_OK; /* fe80::/10 and friends */
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	/* Point-to-point: IFA_LOCAL is ours and IFA_ADDRESS the peer's;
	 * otherwise IFA_ADDRESS alone (or both equal) is ours. */
	la = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	pa = tb[IFA_LOCAL] ? tb[IFA_ADDRESS] : NULL;
	if (!la || mnl_attr_get_payload_len(la) < (unsigned int)alen)
		return MNL_CB_OK;
	k = ifa->ifa_family == AF_INET6;
	if (x->c[t - x->l->t][k].ok)
		return MNL_CB_OK; /* the first address wins */
	x->c[t - x->l->t][k].ok = true;
	x->c[t - x->l->t][k].plen = ifa->ifa_prefixlen;
	memset(&x->c[t - x->l->t][k].local, 0, sizeof(union vta_addr));
	memcpy(x->c[t - x->l->t][k].local.b, mnl_attr_get_payload(la), alen);
	x->c[t - x->l->t][k].has_peer = false;
	if (pa && mnl_attr_get_payload_len(pa) >= (unsigned int)alen &&
	    memcmp(mnl_attr_get_payload(pa), mnl_attr_get_payload(la), alen)) {
		memset(&x->c[t - x->l->t][k].peer, 0, sizeof(union vta_addr));
		memcpy(x->c[t - x->l->t][k].peer.b, mnl_attr_get_payload(pa),
		       alen);
		x->c[t - x->l->t][k].has_peer = true;
	}
	return MNL_CB_OK;
}

/* The other host of a /30 or /31 (/126, /127): AWS numbers its inside
 * CIDRs 169.254.x.y/30, the customer gateway .2 and AWS .1. */
static bool other_end(int family, const union vta_addr *a, uint8_t plen,
		      union vta_addr *out)
{
	int bits = family == AF_INET ? 32 : 128,
	    last = family == AF_INET ? 3 : 15;
	uint8_t h;

	*out = *a;
	if (plen == bits - 1) {
		out->b[last] ^= 1;
		return true;
	}
	if (plen != bits - 2)
		return false;
	h = a->b[last] & 3;
	if (h != 1 && h != 2)
		return false; /* the network or broadcast address */
	out->b[last] = (a->b[last] & ~3) | (3 - h);
	return true;
}

static int nl_request(struct vta_live *l, struct nlmsghdr *nlh, mnl_cb_t cb,
		      void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int portid = mnl_socket_get_portid(l->nl);
	int ret;

	nlh->nlmsg_seq = ++l->nlseq;
	if (mnl_socket_sendto(l->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ret = mnl_socket_recvfrom(l->nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, l->nlseq, portid, cb, data);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -errno : 0;
	}
}

static void refresh_addrs(struct vta_live *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_ctx *x = calloc(1, sizeof(*x));
	struct ifaddrmsg *ifa;
	int i, k, err;

	if (!x)
		return;
	x->l = l;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	err = nl_request(l, nlh, addr_cb, x);
	if (err) {
		pr_debug("liveness: address dump: %s\n", strerror(-err));
		free(x);
		return;
	}
	l->want_addrs = false;
	for (i = 0; i < l->n; i++) {
		struct tun *t = &l->t[i];
		const struct vta_tunnel_conf *pc = probe_conf(l->c, t->name);
		int family = 0;
		union vta_addr src = { 0 }, dst = { 0 };
		bool have_src = false;

		if (t->mode == VTA_PROBE_ADDR && pc) {
			family = pc->family;
			memcpy(dst.b, &pc->addr, 16);
			k = family == AF_INET6;
			if (x->c[i][k].ok) {
				src = x->c[i][k].local;
				have_src = true;
			}
		} else if (t->mode == VTA_PROBE_AUTO) {
			/* IPv4 first; IPv6 for tunnels carrying only IPv6 */
			for (k = 0; k < 2 && !family; k++) {
				int f = k ? AF_INET6 : AF_INET;

				if (!x->c[i][k].ok)
					continue;
				if (x->c[i][k].has_peer)
					dst = x->c[i][k].peer;
				else if (!other_end(f, &x->c[i][k].local,
						    x->c[i][k].plen, &dst))
					continue;
				family = f;
				src = x->c[i][k].local;
				have_src = true;
			}
		}
		if (family != t->family || memcmp(&dst, &t->dst, sizeof(dst)) ||
		    have_src != t->have_src ||
		    memcmp(&src, &t->src, sizeof(src))) {
			char a[INET6_ADDRSTRLEN] = "-",
			     b[INET6_ADDRSTRLEN] = "-";

			if (family) {
				vta_addr_str(family, &dst, a, sizeof(a));
				if (have_src)
					vta_addr_str(family, &src, b,
						     sizeof(b));
				pr_info("liveness: %s: probing %s from %s "
					"every %u ms\n",
					t->name, a, b, l->c->live_interval_ms);
			} else {
				pr_info("liveness: %s: not probed (%s)\n",
					t->name,
					t->mode == VTA_PROBE_OFF
						? "probe = off"
						: "no peer inside address: set "
						  "[tunnel NAME] probe = ADDR");
			}
			tun_close(l, t);
			t->family = family;
			t->dst = dst;
			t->src = src;
			t->have_src = have_src;
			if (!family) {
				/* nothing decides: never hold it down */
				vta_sync_set_held(l->s, t->ifindex, false);
				vta_live_sm_init(&t->sm, now_ns());
			}
		}
	}
	free(x);
}

/* The forward counters of every CPU, once per probe tick. */
static void read_fwd(struct vta_live *l)
{
	__u32 key = 0;

	l->percpu_ok =
		l->maps && l->percpu && l->maps->fwd_stats >= 0 &&
		!bpf_map_lookup_elem(l->maps->fwd_stats, &key, l->percpu);
}

/*
 * Decapsulated traffic the fast path forwarded from the tunnel to the
 * LAN (FWD_TO_LAN on the tunnel's stats slot, all CPUs; read_fwd()).
 * Not the device's rx counter: on 6.1 a VTI whose outside path is dead
 * still counts a packet every second or so (measured in the vm lab),
 * which would keep a dead tunnel alive.
 */
static int read_rx(struct vta_live *l, int ifindex, uint64_t *rx)
{
	uint32_t slot;
	int i;

	if (!l->percpu_ok || vta_iface_slot(l->maps, ifindex, &slot) ||
	    slot >= VTA_STATS_SLOTS)
		return -ENOENT;
	*rx = 0;
	for (i = 0; i < l->ncpu; i++)
		*rx += l->percpu[i].s[slot].fwd[1].packets;
	return 0;
}

/* ---- probes ---- */

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (b[i] << 8) | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum);
}

static int tun_open(struct vta_live *l, struct tun *t)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int v4 = t->family == AF_INET, prio = 6, tos = 0xc0, fd;

	fd = socket(t->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, t->name,
		       strlen(t->name) + 1))
		goto fail;
	/* Like BFD: CS6, and a priority the qdiscs serve first, so that
	 * probes survive a tunnel saturated by traffic. */
	setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &prio, sizeof(prio));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &(int){ 1 }, sizeof(int));
	if (v4) {
		struct icmp_filter f = { .data = ~(1U << ICMP_ECHOREPLY) };

		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
		setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f));
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	if (t->have_src) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
		int r;

		if (v4) {
			memcpy(&sin.sin_addr, t->src.b, 4);
			r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
		} else {
			memcpy(&sin6.sin6_addr, t->src.b, 16);
			r = bind(fd, (struct sockaddr *)&sin6, sizeof(sin6));
		}
		if (r)
			goto fail;
	}
	ev.data.fd = fd;
	if (l->ep >= 0 && epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev))
		goto fail;
	t->fd = fd;
	return 0;
fail:
	prio = -errno;
	close(fd);
	return prio;
}

static void send_probe(struct vta_live *l, struct tun *t, uint64_t now)
{
	struct {
		uint8_t type, code;
		uint16_t sum, id, seq;
		uint64_t stamp;
	} __attribute__((packed)) m = { 0 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	ssize_t r;

	if (t->fd < 0) {
		int err = tun_open(l, t);

		if (err) {
			pr_debug("liveness: %s: socket: %s\n", t->name,
				 strerror(-err));
			return;
		}
	}
	t->seq++;
	m.type = t->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	m.id = htons(l->ident);
	m.seq = htons(t->seq);
	m.stamp = now;
	if (t->family == AF_INET) {
		m.sum = csum(&m, sizeof(m));
		memcpy(&sin.sin_addr, t->dst.b, 4);
		r = sendto(t->fd, &m, sizeof(m), 0, (struct sockaddr *)&sin,
			   sizeof(sin));
	} else { /* the kernel fills in the ICMPv6 checksum */
		memcpy(&sin6.sin6_addr, t->dst.b, 16);
		r = sendto(t->fd, &m, sizeof(m), 0, (struct sockaddr *)&sin6,
			   sizeof(sin6));
	}
	if (r < 0)
		pr_debug("liveness: %s: send: %s\n", t->name, strerror(errno));
	/* an unsent probe is a probe without an answer all the same */
	vta_live_sm_sent(&t->sm, &l->p, t->seq, now);
}

static void transition(struct vta_live *l, struct tun *t, int what)
{
	char a[INET6_ADDRSTRLEN + 8];
	int err;

	if (!what)
		return;
	vta_addr_str(t->family, &t->dst, a, sizeof(a));
	if (what < 0) {
		snprintf(t->reason, sizeof(t->reason),
			 "%u probes to %s unanswered in %u ms",
			 l->c->live_misses, a, l->c->live_deadline_ms);
		err = vta_sync_set_held(l->s, t->ifindex, true);
		/* the last answer arrived before the path died: the time
		 * since is an upper bound of the detection time */
		pr_warn("liveness: %s: DOWN: %s: held out of ECMP%s (last "
			"answer %.0f ms ago)\n",
			t->name, t->reason, err ? " (too many held down)" : "",
			t->sm.last_good_ns
				? (t->sm.since_ns - t->sm.last_good_ns) / 1e6
				: -1.0);
	} else {
		snprintf(t->reason, sizeof(t->reason), "%u consecutive answers",
			 l->c->live_rise);
		vta_sync_set_held(l->s, t->ifindex, false);
		pr_warn("liveness: %s: UP: %s (rtt %u us): back in ECMP\n",
			t->name, t->reason, t->sm.rtt_us);
	}
}

static void read_replies(struct vta_live *l, struct tun *t);

static void tick(struct vta_live *l)
{
	uint64_t now = now_ns(), rx;
	/* The timer runs at half the interval: probes and the receive
	 * counters every other tick, deadlines seen within half of it. */
	bool probe_tick = !(l->ticks & 1);
	int i;

	while (l->n_unhold)
		vta_sync_set_held(l->s, l->unhold[--l->n_unhold], false);

	/* addresses change rarely and are cheap to dump: every second */
	if (l->want_addrs ||
	    !(l->ticks % (2 * (1000 / l->c->live_interval_ms + 1))))
		refresh_addrs(l);
	l->ticks++;
	if (probe_tick)
		read_fwd(l);
	for (i = 0; i < l->n; i++) {
		struct tun *t = &l->t[i];

		if (!t->family)
			continue;
		/* answers already queued count before the deadlines run */
		if (t->fd >= 0)
			read_replies(l, t);
		if (probe_tick && !read_rx(l, t->ifindex, &rx)) {
			if (t->rx_known && rx != t->rx_last)
				transition(l, t,
					   vta_live_sm_rx(&t->sm, &l->p, now));
			t->rx_last = rx;
			t->rx_known = true;
		}
		transition(l, t, vta_live_sm_tick(&t->sm, &l->p, now));
		if (!t->sm.armed && t->sm.lost >= l->p.misses && !t->told) {
			char a[INET6_ADDRSTRLEN];

			vta_addr_str(t->family, &t->dst, a, sizeof(a));
			pr_info("liveness: %s: no answer from %s yet: not held "
				"down before it answers once\n",
				t->name, a);
			snprintf(t->reason, sizeof(t->reason),
				 "%s never answered: not judged", a);
			t->told = true;
		}
		if (t->sm.armed && t->told) {
			snprintf(t->reason, sizeof(t->reason), "answering");
			t->told = false;
		}
		if (probe_tick)
			send_probe(l, t, now);
		publish(l, t);
	}
	for (i = 0; i < l->n; i++)
		if (!l->t[i].family)
			publish(l, &l->t[i]);
}

static void read_replies(struct vta_live *l, struct tun *t)
{
	uint8_t buf[1500];
	char cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct sockaddr_in6 from;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = { .msg_name = &from,
			     .msg_iov = &iov,
			     .msg_iovlen = 1 };
	struct cmsghdr *cm;
	struct timespec rt;
	ssize_t n;

	for (;;) {
		const uint8_t *icmp = buf;
		uint64_t at = now_ns(), real;
		size_t len;
		uint16_t id, seq;

		mh.msg_namelen = sizeof(from);
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		n = recvmsg(t->fd, &mh, 0);
		if (n < 0)
			break;
		len = n;
		/* When the answer arrived, not when we got to read it (a long
		 * resync keeps the loop busy): the kernel's CLOCK_REALTIME
		 * stamp, moved to CLOCK_MONOTONIC by the clocks' offset now. */
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS &&
			    !clock_gettime(CLOCK_REALTIME, &rt)) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				real = (uint64_t)rt.tv_sec * 1000000000ULL +
				       rt.tv_nsec;
				real -= (uint64_t)ts.tv_sec * 1000000000ULL +
					ts.tv_nsec;
				if ((int64_t)real > 0 && real < at)
					at -= real;
			}
		if (t->family == AF_INET) {
			const struct sockaddr_in *s4 = (const void *)&from;
			size_t ihl;

			if (len < 20)
				continue;
			ihl = (buf[0] & 15) * 4;
			if (len < ihl + 8 || icmp[ihl] != ICMP_ECHOREPLY ||
			    memcmp(&s4->sin_addr, t->dst.b, 4))
				continue;
			icmp += ihl;
			len -= ihl;
		} else if (len < 8 || buf[0] != ICMP6_ECHO_REPLY ||
			   memcmp(&from.sin6_addr, t->dst.b, 16)) {
			continue;
		}
		memcpy(&id, icmp + 4, 2);
		memcpy(&seq, icmp + 6, 2);
		if (ntohs(id) != l->ident)
			continue;
		transition(l, t,
			   vta_live_sm_reply(&t->sm, &l->p, ntohs(seq), at));
		publish(l, t);
	}
}

bool vta_live_handle(struct vta_live *l, int fd)
{
	uint64_t exp;
	int i;

	if (!l)
		return false;
	if (fd == l->tfd) {
		if (read(l->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
			pr_debug("liveness timerfd: %s\n", strerror(errno));
		tick(l);
		return true;
	}
	for (i = 0; i < l->n; i++)
		if (l->t[i].fd == fd) {
			read_replies(l, &l->t[i]);
			return true;
		}
	return false;
}

struct vta_live *vta_live_new(const struct vta_conf *c, struct vta_sync *s,
			      int *err)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	struct vta_live *l;

	*err = 0;
	if (!c->live)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		*err = -ENOMEM;
		return NULL;
	}
	l->c = c;
	l->s = s;
	l->ep = l->tfd = l->map_fd = -1;
	l->interval_ns = (uint64_t)c->live_interval_ms * 1000000ULL;
	l->p.deadline_ns = (uint64_t)c->live_deadline_ms * 1000000ULL;
	l->p.misses = c->live_misses;
	l->p.rise = c->live_rise;
	l->ident = getpid() & 0xffff;
	l->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		*err = -errno;
		vta_live_free(l);
		return NULL;
	}
	/* a lost answer must not stall the daemon's loop (and its lease) */
	setsockopt(mnl_socket_get_fd(l->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	snprintf(l->map_path, sizeof(l->map_path), "%s/%s", c->pin_root,
		 VTA_MAP_LIVE);
	unlink(l->map_path); /* a crashed daemon's */
	l->map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_LIVE,
				   sizeof(__u32), sizeof(struct vta_live_pub),
				   VTA_LIVE_MAX, NULL);
	if (l->map_fd < 0 || bpf_obj_pin(l->map_fd, l->map_path)) {
		/* probing works without it; only the CLI cannot show it */
		pr_warn("liveness: pin %s: %s\n", l->map_path, strerror(errno));
		l->map_path[0] = '\0';
	}
	return l;
}

void vta_live_set_maps(struct vta_live *l, const struct vta_maps *m)
{
	int n = libbpf_num_possible_cpus();

	if (!l || n <= 0)
		return;
	l->percpu = calloc(n, sizeof(*l->percpu));
	if (!l->percpu)
		return;
	l->ncpu = n;
	l->maps = m;
}

int vta_live_start(struct vta_live *l, int ep)
{
	struct itimerspec its = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };

	if (!l)
		return 0;
	l->ep = ep;
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->tfd < 0)
		return -errno;
	its.it_interval.tv_sec = l->interval_ns / 2 / 1000000000ULL;
	its.it_interval.tv_nsec = l->interval_ns / 2 % 1000000000ULL;
	its.it_value = its.it_interval;
	ev.data.fd = l->tfd;
	if (timerfd_settime(l->tfd, 0, &its, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, l->tfd, &ev))
		return -errno;
	pr_info("liveness: every %u ms, %u misses of %u ms hold a tunnel down, "
		"%u answers bring it back\n",
		l->c->live_interval_ms, l->c->live_misses,
		l->c->live_deadline_ms, l->c->live_rise);
	return 0;
}

void vta_live_free(struct vta_live *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		tun_close(l, &l->t[i]);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->map_fd >= 0)
		close(l->map_fd);
	if (l->map_path[0])
		unlink(l->map_path);
	if (l->nl)
		mnl_socket_close(l->nl);
	free(l->percpu);
	free(l);
}

/* ---------------------------------------------------------------- */
/* CLI                                                                */

struct held {
	struct vta_sync *s;
	int n;
};

static int held_cb(const void *key, const void *value, void *ctx)
{
	const struct vta_live_pub *v = value;
	struct held *h = ctx;

	if (v->state == VTA_LIVE_DOWN &&
	    !vta_sync_set_held(h->s, *(const __u32 *)key, true))
		h->n++;
	return 0;
}

int vta_live_apply_held(struct vta_sync *s, const char *root)
{
	int fd = vta_live_open(root);
	struct held h = { .s = s };

	if (fd < 0)
		return 0;
	vta_map_walk(fd, sizeof(__u32), sizeof(struct vta_live_pub), held_cb,
		     &h);
	close(fd);
	return h.n;
}

int vta_live_cli_fd(void)
{
	static int fd = -2;

	if (fd == -2)
		fd = vta_live_open(vta_cli_pin_root());
	return fd;
}

void vta_live_print(__u32 ifindex)
{
	struct vta_live_pub v;
	char a[INET6_ADDRSTRLEN] = "";
	uint64_t now = now_ns();

	if (vta_live_get(vta_live_cli_fd(), ifindex, &v))
		return;
	if (v.family)
		vta_addr_str(v.family, (const union vta_addr *)v.target, a,
			     sizeof(a));
	open_json_object("liveness");
	print_string(PRINT_ANY, "state", "liveness %s ",
		     vta_live_state_name(v.state));
	if (v.state != VTA_LIVE_NONE) {
		print_float(PRINT_ANY, "since_s", "since %.1f s ago ",
			    now > v.since_ns ? (now - v.since_ns) / 1e9 : 0.0);
		print_string(PRINT_ANY, "target", "probe %s ", a);
		print_uint(PRINT_ANY, "rtt_us", "rtt %" PRIu64 " us ",
			   v.rtt_us);
		print_uint(PRINT_ANY, "srtt_us", "srtt %" PRIu64 " us ",
			   v.srtt_us);
		print_uint(PRINT_ANY, "sent", "sent %" PRIu64 " ", v.sent);
		print_uint(PRINT_ANY, "answered", "answered %" PRIu64 " ",
			   v.answered);
		print_uint(PRINT_ANY, "late", "late %" PRIu64 " ", v.late);
		print_uint(PRINT_ANY, "lost", "lost %" PRIu64 " ", v.lost);
		print_uint(PRINT_ANY, "rx_events", "rx-intervals %" PRIu64 " ",
			   v.rx_events);
		print_uint(PRINT_ANY, "transitions", "transitions %" PRIu64 " ",
			   v.transitions);
	}
	if (v.state == VTA_LIVE_DOWN)
		print_string(PRINT_ANY, "reason", "(%s)", v.reason);
	else
		print_string(PRINT_JSON, "reason", NULL, v.reason);
	close_json_object();
}

/* One metric of vta_live_prometheus() for one tunnel's entry. */
struct prom_metric {
	const char *name;
	size_t k;
};

static int prom_cb(const void *key, const void *value, void *ctx)
{
	const struct prom_metric *pm = ctx;
	struct vta_live_pub v;

	memcpy(&v, value, sizeof(v));
	if (v.state == VTA_LIVE_NONE)
		return 0;
	v.name[sizeof(v.name) - 1] = '\0';
	printf("%s{iface=\"%s\"} ", pm->name, v.name);
	switch (pm->k) {
	case 0:
		printf("%d\n", v.state == VTA_LIVE_UP);
		break;
	case 1:
		printf("%.6f\n", v.srtt_us / 1e6);
		break;
	case 2:
		printf("%u\n", v.transitions);
		break;
	case 3:
		printf("%llu\n", (unsigned long long)v.sent);
		break;
	case 4:
		printf("%llu\n", (unsigned long long)v.answered);
		break;
	default:
		printf("%llu\n", (unsigned long long)v.late);
		break;
	}
	return 0;
}

void vta_live_prometheus(void)
{
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{ "vtiaccel_tunnel_alive", "gauge",
		  "1 when the tunnel is alive, 0 when liveness holds it out of "
		  "ECMP." },
		{ "vtiaccel_tunnel_rtt_seconds", "gauge",
		  "Smoothed round-trip time of the liveness probes." },
		{ "vtiaccel_tunnel_transitions_total", "counter",
		  "Liveness state changes (alive <-> held down)." },
		{ "vtiaccel_tunnel_probes_sent_total", "counter",
		  "Liveness probes sent." },
		{ "vtiaccel_tunnel_probes_answered_total", "counter",
		  "Liveness probes answered before the deadline." },
		{ "vtiaccel_tunnel_probes_late_total", "counter",
		  "Liveness answers that came after the deadline." },
	};
	int fd = vta_live_cli_fd();
	struct prom_metric pm;
	size_t k;

	if (fd < 0)
		return;
	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		printf("# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help,
		       m[k].name, m[k].type);
		pm.name = m[k].name;
		pm.k = k;
		vta_map_walk(fd, sizeof(__u32), sizeof(struct vta_live_pub),
			     prom_cb, &pm);
	}
}
