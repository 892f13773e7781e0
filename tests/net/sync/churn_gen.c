// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * churn_gen - route churn for tests/net/sync/test_churn.sh, straight over
 * rtnetlink in network namespace NS at RATE commands per second for SECS
 * seconds.
 *
 *   churn_gen [-n | -a] NS RATE SECS SEED SLOTS FLAP_MS [SLOTS6]
 *
 * RATE x SECS commands (fewer when the kernel cannot keep up: the run ends
 * after SECS; -a: all of them, however long it takes), pseudo-random from
 * SEED: the same arguments give the same sequence; -n prints it in
 * `ip -batch` syntax instead of sending it (NS unused), so a run can be
 * replayed with `ip -force -batch`.  The commands:
 *  - add / replace / delete of SLOTS /32s in 100.64.0.0/10, each via one
 *    tunnel, two or three (RTA_MULTIPATH) or a nexthop group (600..609);
 *  - nexthop group replaces (600..609: subsets of 621..623, one per
 *    tunnel);
 *  - replaces of the flow routes of the test, each only ever with the
 *    tunnels of its allowed set (FLOWS below), and of their groups;
 *  - add / delete of prefixes next to the flows' destinations
 *    (172.16.N.128/25, 172.16.N.2/31, 172.16.N.0/32) via any tunnel: they
 *    never cover a flow's destination;
 *  - with SLOTS6 > 0, one command in five is the same mix in IPv6:
 *    SLOTS6 /128s in 2001:db8:100::/64, groups 640..644 over 631..633,
 *    the flow 2001:db8:1::/48 (group 530) and its neighbours;
 *  - every FLAP_MS (counted in commands at RATE, so that the sequence is
 *    the seed's alone) a link flap of one tunnel: down, up 150 ms of
 *    commands later, the nexthop objects the kernel dropped with it
 *    replaced after the up.
 *
 * Requests are pipelined: each 5 ms tick's commands go in one sendmsg()
 * (rtnetlink handles every message of a datagram, acking each: NLM_F_ACK),
 * at most WINDOW unacknowledged at any time, acks read in bulk with
 * recvmmsg().  Commands the kernel refuses (a delete of an absent route, a
 * group whose nexthop went with a link) are part of the churn: counted,
 * not fatal.  Paced by a token bucket of at most 100 ms of commands (a
 * stall of the generator on a loaded machine is made up for, a kernel
 * that falls behind is not: no catch-up burst after), so the rate printed
 * is the one sustained; its user-space cost is under 1 us a command.
 * Prints
 *   churn: N commands in T s (R/s), E refused by the kernel, A changes/s
 *   accepted, F flaps
 * and on a second line the slowest second (the fewest commands per second
 * over the run's windows of at least one second; a window is longer when
 * a tick stalls in the kernel), the generator's CPU time (its system time
 * is mostly the kernel's work on the requests, done in its context) and
 * how long it waited for a CPU while runnable (a loaded host).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

/* unacknowledged requests at most (fewer with a small receive buffer: an
 * ack takes ~1 KiB of it) */
#define WINDOW 1024
#define TICK_NS 5000000L
#define BUCKET_S 0.1 /* the most the pacing catches up: 100 ms of commands */
#define MSG_MAX 256 /* bytes: the largest request (3-path IPv6) is ~150 */
#define NTUN 3

struct tun {
	const char *dev;
	const char *gw4, *gw6;
	uint32_t a4;
	struct in6_addr a6;
	int ifindex;
};

static struct tun tuns[NTUN + 1] = {
	[1] = { "vti1", "169.254.10.2", "fd00:10::2" },
	[2] = { "vti2", "169.254.11.2", "fd00:11::2" },
	[3] = { "vti3", "169.254.12.2", "fd00:12::2" },
};

/* The flows of test_churn.sh: network, the tunnels it may use, its group
 * (for a single tunnel, that tunnel's flow nexthop). */
struct flow {
	int family;
	const char *net;
	int plen;
	int allowed[NTUN], n_allowed;
	int group;
	const char *near[3]; /* prefixes next to it: never cover the flow */
};

static const struct flow flows4[] = {
	{ AF_INET,
	  "172.16.1.0",
	  24,
	  { 1, 2 },
	  2,
	  500,
	  { "172.16.1.128/25", "172.16.1.2/31", "172.16.1.0/32" } },
	{ AF_INET,
	  "172.16.2.0",
	  24,
	  { 3 },
	  1,
	  503,
	  { "172.16.2.128/25", "172.16.2.2/31", "172.16.2.0/32" } },
	{ AF_INET,
	  "172.16.3.0",
	  24,
	  { 2, 3 },
	  2,
	  510,
	  { "172.16.3.128/25", "172.16.3.2/31", "172.16.3.0/32" } },
};

static const struct flow flows6[] = {
	{ AF_INET6,
	  "2001:db8:1::",
	  48,
	  { 1, 3 },
	  2,
	  530,
	  { "2001:db8:1:8000::/49", "2001:db8:1::2/127", "2001:db8:1::/128" } },
};

/* nexthop object ids: flow ones FLOW_NH + tunnel, churn ones CHURN_NH +
 * tunnel; churn groups GROUP0 .. GROUP0 + NGROUPS - 1 */
struct fam {
	int family;
	int flow_nh, churn_nh, group0, ngroups;
	const struct flow *flows;
	int nflows;
	int slots;
};

enum verb { V_ADD, V_REPLACE, V_DEL, V_NH, V_GROUP, V_LINK };

struct cmd {
	enum verb verb;
	int family;
	uint8_t dst[16];
	int plen;
	int nhid; /* route: nhid form; V_NH, V_GROUP: the id */
	int n; /* paths (route), members (group) */
	int tun[NTUN]; /* route paths, V_NH's tunnel, V_LINK's tunnel */
	int id[NTUN]; /* group members */
	int w[NTUN]; /* weights; 0: none given */
	int up;
};

/* splitmix64: small, fast, and the same sequence everywhere */
static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rnd(void)
{
	return (rnd64() >> 11) * 0x1.0p-53;
}

static int below(int n)
{
	return (int)(((rnd64() >> 32) * (uint64_t)n) >> 32);
}

static int between(int lo, int hi)
{
	return lo + below(hi - lo + 1);
}

/* a random non-empty subset of from[0..n-1], in its order */
static int subset(const int *from, int n, int *out)
{
	int k = between(1, n), pick[NTUN], i, j, t, m = 0;

	for (i = 0; i < n; i++)
		pick[i] = i;
	for (i = 0; i < k; i++) {
		j = i + below(n - i);
		t = pick[i];
		pick[i] = pick[j];
		pick[j] = t;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < k; j++)
			if (pick[j] == i)
				out[m++] = from[i];
	return m;
}

static void group_cmd(struct cmd *c, int gid, const int *ids, int n)
{
	int i;

	c->verb = V_GROUP;
	c->nhid = gid;
	c->n = n;
	for (i = 0; i < n; i++) {
		c->id[i] = ids[i];
		c->w[i] = rnd() < 0.3 ? between(1, 4) : 0;
	}
}

/* a route over a subset of the tunnels: single, multipath or a group */
static void route_form(struct cmd *c, const int *tset, int n, int gid)
{
	int i;

	c->nhid = 0;
	if (gid && rnd() < 0.4) {
		c->nhid = gid;
		return;
	}
	c->n = subset(tset, n, c->tun);
	for (i = 0; i < c->n; i++)
		c->w[i] = c->n > 1 ? between(1, 3) : 0;
}

static void set_prefix(struct cmd *c, const char *s)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	c->plen = slash ? atoi(slash + 1) : (c->family == AF_INET ? 32 : 128);
	if (slash)
		*slash = 0;
	inet_pton(c->family, buf, c->dst);
}

static void slot_prefix(struct cmd *c, int i)
{
	memset(c->dst, 0, sizeof(c->dst));
	if (c->family == AF_INET) {
		uint32_t a = htonl((100u << 24) | (64u << 16) | (unsigned)i);

		memcpy(c->dst, &a, 4);
		c->plen = 32;
	} else {
		inet_pton(AF_INET6, "2001:db8:100::", c->dst);
		c->dst[12] = i >> 24;
		c->dst[13] = i >> 16;
		c->dst[14] = i >> 8;
		c->dst[15] = i;
		c->plen = 128;
	}
}

static const int all_tuns[NTUN] = { 1, 2, 3 };

static void command_fam(struct cmd *c, const struct fam *f)
{
	double x = rnd(), d;
	int ids[NTUN], n, i;

	c->family = f->family;
	if (x < 0.60) {
		slot_prefix(c, below(f->slots));
		d = rnd();
		if (d < 0.30) {
			c->verb = V_DEL;
			return;
		}
		c->verb = d < 0.55 ? V_ADD : V_REPLACE;
		route_form(c, all_tuns, NTUN, f->group0 + below(f->ngroups));
		return;
	}
	if (x < 0.72) {
		n = subset(all_tuns, NTUN, ids);
		for (i = 0; i < n; i++)
			ids[i] += f->churn_nh;
		group_cmd(c, f->group0 + below(f->ngroups), ids, n);
		return;
	}
	if (x < 0.86) {
		const struct flow *fl = &f->flows[below(f->nflows)];

		if (rnd() < 0.5 && fl->n_allowed > 1) {
			n = subset(fl->allowed, fl->n_allowed, ids);
			for (i = 0; i < n; i++)
				ids[i] += f->flow_nh;
			group_cmd(c, fl->group, ids, n);
			return;
		}
		c->verb = V_REPLACE;
		memset(c->dst, 0, sizeof(c->dst));
		inet_pton(f->family, fl->net, c->dst);
		c->plen = fl->plen;
		route_form(c, fl->allowed, fl->n_allowed, fl->group);
		return;
	}
	set_prefix(c, f->flows[below(f->nflows)].near[below(3)]);
	if (rnd() < 0.4) {
		c->verb = V_DEL;
		return;
	}
	c->verb = V_REPLACE;
	route_form(c, all_tuns, NTUN, f->group0 + below(f->ngroups));
}

static struct fam fam4 = { AF_INET, 500, 620, 600, 10, flows4, 3, 0 };
static struct fam fam6 = { AF_INET6, 530, 630, 640, 5, flows6, 1, 0 };

static void command(struct cmd *c)
{
	memset(c, 0, sizeof(*c));
	if (fam6.slots && rnd() < 0.2)
		command_fam(c, &fam6);
	else
		command_fam(c, &fam4);
}

/* the nexthop objects (re)created on tunnel t: flow ones and churn ones */
static int base_nexthops(struct cmd *out, int t)
{
	int n = 0, ids[2] = { 0, 0 }, i;
	const struct fam *fs[2] = { &fam4, &fam6 };

	for (i = 0; i < 2; i++) {
		if (fs[i] == &fam6 && !fam6.slots)
			continue;
		ids[0] = fs[i]->flow_nh + t;
		ids[1] = fs[i]->churn_nh + t;
		for (int k = 0; k < 2; k++) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].verb = V_NH;
			out[n].family = fs[i]->family;
			out[n].nhid = ids[k];
			out[n].tun[0] = t;
			n++;
		}
	}
	return n;
}

/* --- ip -batch text --------------------------------------------------- */

static void via_text(FILE *o, int family, int t)
{
	fprintf(o, "via %s dev %s",
		family == AF_INET ? tuns[t].gw4 : tuns[t].gw6, tuns[t].dev);
}

static void print_cmd(FILE *o, const struct cmd *c)
{
	static const char *const verbs[] = { "add", "replace", "del" };
	char a[INET6_ADDRSTRLEN];
	int i;

	switch (c->verb) {
	case V_ADD:
	case V_REPLACE:
	case V_DEL:
		inet_ntop(c->family, c->dst, a, sizeof(a));
		fprintf(o, "route %s %s/%d", verbs[c->verb], a, c->plen);
		if (c->verb == V_DEL)
			break;
		if (c->nhid) {
			fprintf(o, " nhid %d", c->nhid);
			break;
		}
		for (i = 0; i < c->n; i++) {
			fputs(c->n > 1 ? " nexthop " : " ", o);
			via_text(o, c->family, c->tun[i]);
			if (c->w[i])
				fprintf(o, " weight %d", c->w[i]);
		}
		break;
	case V_NH:
		fprintf(o, "nexthop replace id %d ", c->nhid);
		via_text(o, c->family, c->tun[0]);
		break;
	case V_GROUP:
		fprintf(o, "nexthop replace id %d group ", c->nhid);
		for (i = 0; i < c->n; i++) {
			fprintf(o, "%s%d", i ? "/" : "", c->id[i]);
			if (c->w[i])
				fprintf(o, ",%d", c->w[i]);
		}
		break;
	case V_LINK:
		fprintf(o, "link set %s %s", tuns[c->tun[0]].dev,
			c->up ? "up" : "down");
		break;
	}
	fputc('\n', o);
}

/* --- rtnetlink ---------------------------------------------------------- */

static void put_gw(struct nlmsghdr *nlh, uint16_t type, int family, int t)
{
	if (family == AF_INET)
		mnl_attr_put(nlh, type, 4, &tuns[t].a4);
	else
		mnl_attr_put(nlh, type, 16, &tuns[t].a6);
}

/* builds c's request at buf (MSG_MAX bytes), returns its length */
static size_t encode(char *buf, const struct cmd *c, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int i;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	switch (c->verb) {
	case V_ADD:
	case V_REPLACE:
	case V_DEL: {
		struct rtmsg *rtm =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

		/* as ip route add/replace/del: a delete names the prefix
		 * only (any scope, type, protocol, path) */
		rtm->rtm_family = c->family;
		rtm->rtm_dst_len = c->plen;
		rtm->rtm_table = RT_TABLE_MAIN;
		if (c->verb == V_DEL) {
			nlh->nlmsg_type = RTM_DELROUTE;
			rtm->rtm_scope = RT_SCOPE_NOWHERE;
		} else {
			nlh->nlmsg_type = RTM_NEWROUTE;
			nlh->nlmsg_flags |=
				NLM_F_CREATE |
				(c->verb == V_ADD ? NLM_F_EXCL : NLM_F_REPLACE);
			rtm->rtm_protocol = RTPROT_BOOT;
			rtm->rtm_scope = RT_SCOPE_UNIVERSE;
			rtm->rtm_type = RTN_UNICAST;
		}
		mnl_attr_put(nlh, RTA_DST, c->family == AF_INET ? 4 : 16,
			     c->dst);
		if (c->verb == V_DEL)
			break;
		if (c->nhid) {
			mnl_attr_put_u32(nlh, RTA_NH_ID, c->nhid);
		} else if (c->n == 1) {
			put_gw(nlh, RTA_GATEWAY, c->family, c->tun[0]);
			mnl_attr_put_u32(nlh, RTA_OIF, tuns[c->tun[0]].ifindex);
		} else {
			struct nlattr *mp =
				mnl_attr_nest_start(nlh, RTA_MULTIPATH);

			for (i = 0; i < c->n; i++) {
				struct rtnexthop *rtnh =
					mnl_nlmsg_get_payload_tail(nlh);

				nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
				memset(rtnh, 0, sizeof(*rtnh));
				rtnh->rtnh_ifindex = tuns[c->tun[i]].ifindex;
				rtnh->rtnh_hops = c->w[i] ? c->w[i] - 1 : 0;
				put_gw(nlh, RTA_GATEWAY, c->family, c->tun[i]);
				rtnh->rtnh_len =
					(char *)mnl_nlmsg_get_payload_tail(
						nlh) -
					(char *)rtnh;
			}
			mnl_attr_nest_end(nlh, mp);
		}
		break;
	}
	case V_NH:
	case V_GROUP: {
		struct nhmsg *nhm =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));

		nlh->nlmsg_type = RTM_NEWNEXTHOP;
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
		mnl_attr_put_u32(nlh, NHA_ID, c->nhid);
		if (c->verb == V_NH) {
			nhm->nh_family = c->family;
			put_gw(nlh, NHA_GATEWAY, c->family, c->tun[0]);
			mnl_attr_put_u32(nlh, NHA_OIF, tuns[c->tun[0]].ifindex);
		} else {
			struct nexthop_grp g[NTUN];

			memset(g, 0, sizeof(g));
			for (i = 0; i < c->n; i++) {
				g[i].id = c->id[i];
				g[i].weight = c->w[i] ? c->w[i] - 1 : 0;
			}
			mnl_attr_put(nlh, NHA_GROUP, c->n * sizeof(g[0]), g);
		}
		break;
	}
	case V_LINK: {
		struct ifinfomsg *ifi =
			mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

		nlh->nlmsg_type = RTM_NEWLINK;
		ifi->ifi_index = tuns[c->tun[0]].ifindex;
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = c->up ? IFF_UP : 0;
		break;
	}
	}
	return nlh->nlmsg_len;
}

struct nl {
	int fd;
	uint32_t seq; /* next sequence number */
	uint64_t sent, acked, refused;
	char *buf; /* the requests of one sendmsg() */
	size_t len, cap;
	int queued;
	int dry; /* -n: print, do not send */
	int window; /* unacknowledged requests at most */
};

/* reads the acks there are (wait: at least one), counting refusals */
static int read_acks(struct nl *nl, int wait)
{
	enum { N = 64 };
	static char bufs[N][64]; /* an ack is 36 bytes (NETLINK_CAP_ACK) */
	struct mmsghdr mm[N];
	struct iovec iov[N];
	int i, n;

	for (i = 0; i < N; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;) {
		n = recvmmsg(nl->fd, mm, N,
			     wait ? MSG_WAITFORONE : MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			/* ENOBUFS: acks lost, the counts would lie */
			fprintf(stderr, "churn_gen: reading acks: %s\n",
				strerror(errno));
			return -1;
		}
		for (i = 0; i < n; i++) {
			const struct nlmsghdr *h = (void *)bufs[i];
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (mm[i].msg_len < sizeof(*h) + sizeof(*e) ||
			    h->nlmsg_type != NLMSG_ERROR) {
				fprintf(stderr,
					"churn_gen: unexpected message type "
					"%u\n",
					h->nlmsg_type);
				return -1;
			}
			nl->acked++;
			if (e->error)
				nl->refused++;
		}
		if (n < N)
			return 0;
		wait = 0;
	}
}

static int flush(struct nl *nl)
{
	ssize_t r;

	if (!nl->queued)
		return 0;
	r = send(nl->fd, nl->buf, nl->len, 0);
	if (r < 0) {
		fprintf(stderr, "churn_gen: sendmsg of %d requests: %s\n",
			nl->queued, strerror(errno));
		return -1;
	}
	nl->sent += nl->queued;
	nl->len = 0;
	nl->queued = 0;
	return read_acks(nl, 0);
}

static int submit(struct nl *nl, const struct cmd *c)
{
	if ((nl->len + MSG_MAX > nl->cap || nl->queued >= nl->window) &&
	    flush(nl))
		return -1;
	/* the window: the kernel acks as it handles, so this only waits
	 * when acks pile up unread */
	while (nl->sent + nl->queued - nl->acked >= (uint64_t)nl->window) {
		if (flush(nl) || read_acks(nl, 1))
			return -1;
	}
	nl->len += encode(nl->buf + nl->len, c, nl->seq++);
	nl->queued++;
	return 0;
}

/* sends c, or prints it with -n */
static int emit(struct nl *nl, const struct cmd *c)
{
	if (nl->dry) {
		print_cmd(stdout, c);
		nl->sent++;
		return 0;
	}
	return submit(nl, c);
}

/* tunnel t down; or up, and the nexthop objects the down dropped back */
static int link_cmds(struct cmd *out, int t, int up)
{
	memset(&out[0], 0, sizeof(out[0]));
	out[0].verb = V_LINK;
	out[0].tun[0] = t;
	out[0].up = up;
	return up ? 1 + base_nexthops(&out[1], t) : 1;
}

static int nl_open(struct nl *nl, const char *ns)
{
	int one = 1, sz = 8 << 20, fd, t;
	socklen_t len = sizeof(sz);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char path[256];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "churn_gen: namespace %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	close(fd);
	for (t = 1; t <= NTUN; t++) {
		tuns[t].ifindex = if_nametoindex(tuns[t].dev);
		if (!tuns[t].ifindex) {
			fprintf(stderr, "churn_gen: no %s in %s\n", tuns[t].dev,
				ns);
			return -1;
		}
	}
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0 || bind(nl->fd, (void *)&sa, sizeof(sa))) {
		perror("churn_gen: netlink socket");
		return -1;
	}
	/* acks without the request in them; room for the window's acks
	 * (each a datagram: ~1 KiB of receive buffer) */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (getsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &sz, &len))
		sz = 0;
	nl->window = sz / 2048;
	if (nl->window > WINDOW)
		nl->window = WINDOW;
	if (nl->window < 16)
		nl->window = 16;
	nl->cap = 64 << 10;
	nl->buf = malloc(nl->cap);
	nl->seq = 1;
	return nl->buf ? 0 : -1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* seconds this process has waited for a CPU, runnable (schedstat's
 * second field): what a loaded host takes from the rate; -1 unknown */
static double runq_wait_s(void)
{
	unsigned long long run, wait;
	FILE *f = fopen("/proc/self/schedstat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? wait / 1e9 : -1;
}

static int usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [-n | -a] NS RATE SECS SEED SLOTS FLAP_MS "
		"[SLOTS6]\n",
		me);
	return 2;
}

static int parse(const char *what, const char *s, double lo, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || *v < lo) {
		fprintf(stderr, "churn_gen: %s: '%s' is not a number >= %g\n",
			what, s, lo);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double rate, secs, seed, slots, flap_ms, slots6 = 0, t0, last, now;
	double tokens = 0, sec_start, wait0;
	uint64_t i, total, flap_every, down_for, next_flap, up_at = 0;
	uint64_t sec_count = 0, flaps = 0;
	double slowest = -1;
	struct cmd cmds[8], c;
	int dry = 0, all = 0, down = 0, n, k, t;
	struct nl nl = { .fd = -1 };
	struct timespec next;
	struct rusage ru;

	if (argc > 1 && (!strcmp(argv[1], "-n") || !strcmp(argv[1], "-a"))) {
		dry = argv[1][1] == 'n';
		all = argv[1][1] == 'a';
		argv++;
		argc--;
	}
	if (argc != 7 && argc != 8)
		return usage(argv[0]);
	if (parse("RATE", argv[2], 1, &rate) ||
	    parse("SECS", argv[3], 0, &secs) ||
	    parse("SEED", argv[4], 0, &seed) ||
	    parse("SLOTS", argv[5], 1, &slots) ||
	    parse("FLAP_MS", argv[6], 0, &flap_ms) ||
	    (argc == 8 && parse("SLOTS6", argv[7], 0, &slots6)))
		return 2;
	if (slots > 1 << 22 || slots6 > 1 << 24) {
		fprintf(stderr,
			"churn_gen: SLOTS: at most %d (100.64.0.0/10), SLOTS6 "
			"at most %d\n",
			1 << 22, 1 << 24);
		return 2;
	}
	fam4.slots = slots;
	fam6.slots = slots6;
	rng_state = (uint64_t)seed;
	flap_every = flap_ms ? (uint64_t)(rate * flap_ms / 1000) : 0;
	if (flap_ms && !flap_every)
		flap_every = 1;
	down_for = (uint64_t)(rate * 0.15) + 1;
	next_flap = flap_every;
	total = (uint64_t)(rate * secs);

	nl.dry = dry;
	if (!dry && nl_open(&nl, argv[1]))
		return 1;
	for (t = 1; t <= NTUN; t++) {
		inet_pton(AF_INET, tuns[t].gw4, &tuns[t].a4);
		inet_pton(AF_INET6, tuns[t].gw6, &tuns[t].a6);
		n = base_nexthops(cmds, t);
		for (k = 0; k < n; k++)
			if (emit(&nl, &cmds[k]))
				return 1;
	}

	wait0 = runq_wait_s();
	t0 = last = sec_start = now_s();
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < total; i++) {
		/* the flaps first: due at a command count */
		n = 0;
		if (flap_every && !down && i >= next_flap) {
			down = 1 + below(NTUN);
			n = link_cmds(cmds, down, 0);
			up_at = i + down_for;
			flaps++;
		} else if (down && i >= up_at) {
			n = link_cmds(cmds, down, 1);
			down = 0;
			next_flap = i + flap_every;
		}
		for (k = 0; k < n; k++)
			if (emit(&nl, &cmds[k]))
				return 1;
		while (!nl.dry && tokens < 1) {
			if (flush(&nl))
				return 1;
			/* the pacing tick */
			next.tv_nsec += TICK_NS;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_nsec -= 1000000000L;
				next.tv_sec++;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next,
					NULL);
			now = now_s();
			if (now - sec_start >= 1) {
				double r = (nl.sent - sec_count) /
					   (now - sec_start);

				if (slowest < 0 || r < slowest)
					slowest = r;
				sec_count = nl.sent;
				sec_start = now;
			}
			/* RATE x SECS commands, or fewer if it could not keep
			 * up (a little slack: the last tick's) */
			if (!all && now - t0 >= secs + 0.05)
				goto done;
			/* behind schedule (a slow kernel): no catch-up */
			if (now - (next.tv_sec + next.tv_nsec / 1e9) > 0.01)
				clock_gettime(CLOCK_MONOTONIC, &next);
			tokens += (now - last) * rate;
			if (tokens > rate * BUCKET_S)
				tokens = rate * BUCKET_S;
			last = now;
		}
		command(&c);
		if (emit(&nl, &c))
			return 1;
		tokens -= 1;
	}
done:
	/* a tunnel left down comes back up */
	n = down ? link_cmds(cmds, down, 1) : 0;
	for (k = 0; k < n; k++)
		if (emit(&nl, &cmds[k]))
			return 1;
	if (nl.dry)
		return 0;
	if (flush(&nl))
		return 1;
	while (nl.acked < nl.sent)
		if (read_acks(&nl, 1))
			return 1;
	now = now_s() - t0;
	printf("churn: %llu commands in %.1f s (%.0f/s), %llu refused by the "
	       "kernel, %.0f changes/s accepted, %llu flaps\n",
	       (unsigned long long)nl.sent, now, nl.sent / now,
	       (unsigned long long)nl.refused, (nl.sent - nl.refused) / now,
	       (unsigned long long)flaps);
	/* system time: mostly the kernel's work on the requests, done in
	 * the sender's context */
	getrusage(RUSAGE_SELF, &ru);
	printf("churn: slowest second: %.0f commands; generator CPU %.2f s "
	       "user, %.2f s system, %.2f s waiting for a CPU\n",
	       slowest < 0 ? nl.sent / now : slowest,
	       ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	       runq_wait_s() - wait0);
	return 0;
}
