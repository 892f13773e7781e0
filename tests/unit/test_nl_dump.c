// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Dumps through user/netlink.c against a fake kernel: libmnl's send and
 * receive are replaced (-Wl,--wrap, see the Makefile) by a queue of
 * crafted datagrams that behaves as the kernel's dump does:
 *  - a dump is answered in several datagrams, NLMSG_DONE last;
 *  - when the object list changes during a dump, the messages from then
 *    on carry NLM_F_DUMP_INTR (nl_dump_check_consistent());
 *  - a new dump request on a socket whose dump is still being read is
 *    answered with NLMSG_ERROR EBUSY (netlink_dump_start()), after the
 *    old dump's datagrams, which keep their old sequence number;
 *  - an IPv6 route dump during which routes change repeats one route
 *    and leaves out another (fib6_dump_table() resumes by position), and
 *    carries no flag: only a socket listening to IPv6 route events hears
 *    the change.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nlmsg_build.h"
#include "conf.h"
#include "netlink.h"
#include "sync.h"

#define N_LINKS 4
#define N_QUEUE 64

struct dgram {
	char b[NLB_BUFSZ];
	int len;
};

static struct {
	struct dgram q[N_QUEUE];
	int head, tail;
	const struct mnl_socket *sock; /* whose dump is queued */
	int n_links; /* links in a dump (N_LINKS) */
	int intr_dumps; /* link dumps still to flag interrupted */
	int nh_err; /* answer RTM_GETNEXTHOP with this error */
	int busy; /* EBUSY answers given */
	int v6_moving; /* IPv6 route dumps still to change routes under */
	int v6_dumps; /* IPv6 route dumps answered */
	bool v6_heard; /* a watcher has a change to read */
} K;

static struct dgram *dg_new(void)
{
	struct dgram *d = &K.q[K.tail++];

	assert_true(K.tail <= N_QUEUE);
	d->len = 0;
	return d;
}

static void dg_add(struct dgram *d, const struct nlmsghdr *nlh, uint32_t seq,
		   uint16_t flags)
{
	struct nlmsghdr *m = (struct nlmsghdr *)(d->b + d->len);

	assert_true(d->len + NLMSG_ALIGN(nlh->nlmsg_len) <= NLB_BUFSZ);
	memcpy(m, nlh, nlh->nlmsg_len);
	m->nlmsg_seq = seq;
	m->nlmsg_pid = 0;
	m->nlmsg_flags |= flags;
	d->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void dg_done(uint32_t seq, uint16_t flags)
{
	char b[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);

	nlh->nlmsg_type = NLMSG_DONE;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	dg_add(dg_new(), nlh, seq, NLM_F_MULTI | flags);
}

static void dg_error(uint32_t seq, int err, const struct nlmsghdr *req)
{
	char b[128];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	e->error = err;
	e->msg = *req;
	dg_add(dg_new(), nlh, seq, 0);
}

/* Links 1..n_links, two per datagram (100 when there are many);
 * interrupted from the second on. */
static void dump_links(uint32_t seq)
{
	char b[NLB_BUFSZ], name[IFNAMSIZ];
	struct dgram *d = NULL;
	uint16_t intr = 0;
	int i, per = K.n_links > N_LINKS ? 100 : 2;

	for (i = 1; i <= K.n_links; i++) {
		if (!((i - 1) % per))
			d = dg_new();
		if (K.intr_dumps && i == 2)
			intr = NLM_F_DUMP_INTR;
		snprintf(name, sizeof(name), "eth%d", i);
		dg_add(d,
		       nlb_link(b, RTM_NEWLINK, i, name, ARPHRD_ETHER, NLB_UP,
				1500, NULL),
		       seq, NLM_F_MULTI | intr);
	}
	dg_done(seq, intr);
	if (K.intr_dumps)
		K.intr_dumps--;
}

/*
 * The IPv6 routes: fd00:10::/64 dev eth3, fd00:11::/64 dev eth4 and
 * 2001:db8:1::/48 via fe80::1 dev eth3.  While they change under it, the
 * dump (walked again from the root) lists fd00:11::/64 twice and leaves
 * 2001:db8:1::/48 out, and a watcher hears the change.
 */
static void route6(struct dgram *d, uint32_t seq, const char *dst, int len,
		   const struct nlb_nh *nh)
{
	char buf[NLB_BUFSZ];
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, dst, len, 254,
					 RTN_UNICAST, 256, 0, nh, 1);

	dg_add(d, nlh, seq, NLM_F_MULTI);
}

static void dump_routes6(uint32_t seq)
{
	static const struct nlb_nh a = { 3, NULL, 1 }, b = { 4, NULL, 1 },
				   c = { 3, "fe80::1", 1 };
	bool moving = K.v6_moving > 0;
	struct dgram *d = dg_new();

	route6(d, seq, "fd00:10::", 64, &a);
	route6(d, seq, "fd00:11::", 64, &b);
	d = dg_new();
	if (moving)
		route6(d, seq, "fd00:11::", 64, &b);
	else
		route6(d, seq, "2001:db8:1::", 48, &c);
	dg_done(seq, 0);
	K.v6_dumps++;
	if (moving) {
		K.v6_moving--;
		K.v6_heard = true;
	}
}

ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *req,
				 size_t len);
ssize_t __wrap_mnl_socket_sendto(const struct mnl_socket *nl, const void *req,
				 size_t len)
{
	const struct nlmsghdr *nlh = req;

	if (K.sock != nl)
		K.head = K.tail = 0;
	K.sock = nl;
	if (K.head != K.tail) {
		K.busy++;
		dg_error(nlh->nlmsg_seq, -EBUSY, nlh);
		return len;
	}
	K.head = K.tail = 0;
	if (nlh->nlmsg_type == RTM_GETLINK)
		dump_links(nlh->nlmsg_seq);
	else if (nlh->nlmsg_type == RTM_GETNEXTHOP && K.nh_err)
		dg_error(nlh->nlmsg_seq, K.nh_err, nlh);
	else if (nlh->nlmsg_type == RTM_GETROUTE &&
		 ((const struct rtmsg *)NLMSG_DATA(nlh))->rtm_family ==
			 AF_INET6)
		dump_routes6(nlh->nlmsg_seq);
	else
		dg_done(nlh->nlmsg_seq, 0);
	return len;
}

/* A dump queued for a socket goes with it (a new socket may get the
 * closed one's address: the queue must not pass to it). */
int __real_mnl_socket_close(struct mnl_socket *nl);
int __wrap_mnl_socket_close(struct mnl_socket *nl);
int __wrap_mnl_socket_close(struct mnl_socket *nl)
{
	if (nl == K.sock) {
		K.head = K.tail = 0;
		K.sock = NULL;
	}
	return __real_mnl_socket_close(nl);
}

ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t bufsiz);
ssize_t __wrap_mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
				   size_t bufsiz)
{
	struct dgram *d;

	if (K.sock && nl != K.sock) {
		/* a watcher of route events */
		char b[NLB_BUFSZ];
		static const struct nlb_nh c = { 3, "fe80::1", 1 };
		struct nlmsghdr *nlh;

		if (!K.v6_heard) {
			errno = EAGAIN;
			return -1;
		}
		K.v6_heard = false;
		nlh = nlb_route(b, RTM_NEWROUTE, "2001:db8:2::", 48, 254,
				RTN_UNICAST, 1024, 0, &c, 1);
		assert_true(nlh->nlmsg_len <= bufsiz);
		memcpy(buf, nlh, nlh->nlmsg_len);
		return nlh->nlmsg_len;
	}
	if (K.head == K.tail) {
		/* a blocking socket would wait for ever here */
		errno = EAGAIN;
		return -1;
	}
	d = &K.q[K.head++];
	assert_true((size_t)d->len <= bufsiz);
	memcpy(buf, d->b, d->len);
	return d->len;
}

struct seen {
	int n;
	int ifindex[16];
	int fail_at; /* return -ENOMEM at this message (1-based) */
};

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;

	if (s->n < 16)
		s->ifindex[s->n] =
			((const struct ifinfomsg *)NLMSG_DATA(nlh))->ifi_index;
	s->n++;
	return s->n == s->fail_at ? -ENOMEM : 0;
}

static int setup(void **state)
{
	static struct vta_nl nl;

	memset(&K, 0, sizeof(K));
	K.n_links = N_LINKS;
	memset(&nl, 0, sizeof(nl));
	nl.seq = 1000;
	/* a real (unbound) socket: only its portid (0) is read */
	nl.dump = mnl_socket_open(NETLINK_ROUTE);
	assert_non_null(nl.dump);
	*state = &nl;
	return 0;
}

static int teardown(void **state)
{
	vta_nl_close(*state);
	return 0;
}

/* The interrupted dump is read to its end: the redump on the same socket
 * gets its own answer, not the old dump's tail (EPROTO) or EBUSY. */
static void test_intr_then_redump(void **state)
{
	struct vta_nl *nl = *state;
	struct seen a = { 0 }, b = { 0 };
	int i;

	K.intr_dumps = 1;
	assert_int_equal(vta_nl_dump(nl, RTM_GETLINK, AF_UNSPEC, count_cb, &a),
			 -EINTR);
	assert_int_equal(K.head, K.tail); /* nothing of it left queued */
	assert_int_equal(vta_nl_dump(nl, RTM_GETLINK, AF_UNSPEC, count_cb, &b),
			 0);
	assert_int_equal(K.busy, 0);
	assert_int_equal(b.n, N_LINKS);
	for (i = 0; i < N_LINKS; i++)
		assert_int_equal(b.ifindex[i], i + 1);
}

/* A callback failing mid-dump: its error is returned, the rest of the
 * dump is drained (not passed to it) and the next dump works. */
static void test_callback_error_drains(void **state)
{
	struct vta_nl *nl = *state;
	struct seen a = { .fail_at = 1 }, b = { 0 };

	assert_int_equal(vta_nl_dump(nl, RTM_GETLINK, AF_UNSPEC, count_cb, &a),
			 -ENOMEM);
	assert_int_equal(a.n, 1);
	assert_int_equal(K.head, K.tail);
	assert_int_equal(vta_nl_dump(nl, RTM_GETLINK, AF_UNSPEC, count_cb, &b),
			 0);
	assert_int_equal(b.n, N_LINKS);
}

/* The kernel's NLMSG_ERROR for the request is the dump's result. */
static void test_kernel_error(void **state)
{
	struct vta_nl *nl = *state;
	struct seen a = { 0 };

	K.nh_err = -EOPNOTSUPP;
	assert_int_equal(vta_nl_dump(nl, RTM_GETNEXTHOP, AF_UNSPEC, count_cb,
				     &a),
			 -EOPNOTSUPP);
	assert_int_equal(a.n, 0);
}

/* The resync driver: an interrupted link dump is redone and the resync
 * completes (before, it failed and the daemon exited at start-up). */
static void test_sync_full_redumps(void **state)
{
	struct vta_nl *nl = *state;
	struct vta_sync_out out;
	struct vta_sync_counts c;
	struct vta_conf conf;
	struct vta_mem *mem = vta_mem_new();
	struct vta_sync *s;

	vta_conf_defaults(&conf);
	conf.lan.n = 1;
	strcpy(conf.lan.pat[0], "eth2");
	vta_sync_out_mem(&out, mem);
	s = vta_sync_new(&conf, &out, NULL);
	assert_non_null(s);
	K.intr_dumps = 2;
	assert_int_equal(vta_sync_full(s, nl), 0);
	vta_sync_get_counts(s, &c);
	assert_int_equal(c.resyncs, 1);
	assert_false(vta_sync_want_resync(s));
	assert_int_equal(K.busy, 0);
	assert_string_equal(vta_sync_link_name(s, 4), "eth4");
	assert_int_equal(vta_mem_count_ifaces(mem), 1);
	vta_sync_free(s);
	vta_mem_free(mem);
}

static struct vta_sync *v6_sync(struct vta_mem *mem)
{
	struct vta_sync_out out;
	struct vta_conf conf;
	struct vta_sync *s;

	vta_conf_defaults(&conf);
	conf.lan.n = 1;
	strcpy(conf.lan.pat[0], "eth2");
	conf.tunnel.n = 2;
	strcpy(conf.tunnel.pat[0], "eth3");
	strcpy(conf.tunnel.pat[1], "eth4");
	vta_sync_out_mem(&out, mem);
	s = vta_sync_new(&conf, &out, NULL);
	assert_non_null(s);
	return s;
}

/* The map route of an IPv6 prefix: its type, -1 when there is none. */
static int v6_type(const struct vta_mem *mem, const char *dst, int len)
{
	union vta_addr a;
	struct vta_route r;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(AF_INET6, dst, a.b), 1);
	if (vta_mem_fib(mem, AF_INET6, len, &a, &r))
		return -1;
	return r.type;
}

/*
 * IPv6 routes changed during the first dump: it repeated fd00:11::/64
 * and left 2001:db8:1::/48 out.  The resync dumps again (the change was
 * heard) and keeps the union, with a repeated route taken as one route
 * (before: taken as a second route with the same identity, left to the
 * kernel, and the left-out one swept until some event brought it back).
 */
static void test_sync_route6_moved(void **state)
{
	struct vta_nl *nl = *state;
	struct vta_sync_counts c;
	struct vta_mem *mem = vta_mem_new();
	struct vta_sync *s = v6_sync(mem);

	K.v6_moving = 1;
	assert_int_equal(vta_sync_full(s, nl), 0);
	assert_int_equal(K.v6_dumps, 2);
	vta_sync_get_counts(s, &c);
	assert_int_equal(c.route6_redumps, 1);
	assert_int_equal(v6_type(mem, "fd00:10::", 64), VTA_RT_UNICAST);
	assert_int_equal(v6_type(mem, "fd00:11::", 64), VTA_RT_UNICAST);
	assert_int_equal(v6_type(mem, "2001:db8:1::", 48), VTA_RT_UNICAST);
	/* a resync with nothing moving: one dump, the same routes */
	assert_int_equal(vta_sync_full(s, nl), 0);
	assert_int_equal(K.v6_dumps, 3);
	assert_int_equal(v6_type(mem, "fd00:11::", 64), VTA_RT_UNICAST);
	assert_int_equal(v6_type(mem, "2001:db8:1::", 48), VTA_RT_UNICAST);
	vta_sync_free(s);
	vta_mem_free(mem);
}

/* Routes that never stop changing: four dumps, then what they listed
 * (the repeated route still one route). */
static void test_sync_route6_always_moving(void **state)
{
	struct vta_nl *nl = *state;
	struct vta_sync_counts c;
	struct vta_mem *mem = vta_mem_new();
	struct vta_sync *s = v6_sync(mem);

	K.v6_moving = 1000;
	assert_int_equal(vta_sync_full(s, nl), 0);
	assert_int_equal(K.v6_dumps, 4);
	vta_sync_get_counts(s, &c);
	assert_int_equal(c.route6_redumps, 3);
	assert_int_equal(c.resyncs, 1);
	assert_int_equal(v6_type(mem, "fd00:11::", 64), VTA_RT_UNICAST);
	assert_int_equal(v6_type(mem, "2001:db8:1::", 48), -1);
	vta_sync_free(s);
	vta_mem_free(mem);
}

static int stop_calls;

static bool stop_now(void *ctx)
{
	stop_calls++;
	return true;
}

/* SIGTERM during a resync of many routes: the dump stops at the next
 * poll (every 1,024 messages), without reading the rest, the model
 * sweeps nothing, and the socket is fit for the next resync. */
static void test_sync_full_stops(void **state)
{
	struct vta_nl *nl = *state;
	struct vta_sync_hooks hooks = { .stop = stop_now };
	struct vta_sync_out out;
	struct vta_sync_counts c;
	struct vta_conf conf;
	struct vta_mem *mem = vta_mem_new();
	struct vta_sync *s;

	vta_conf_defaults(&conf);
	vta_sync_out_mem(&out, mem);
	s = vta_sync_new(&conf, &out, &hooks);
	assert_non_null(s);
	K.n_links = 3000;
	assert_int_equal(vta_sync_full(s, nl), -ECANCELED);
	assert_int_equal(stop_calls, 1);
	vta_sync_get_counts(s, &c);
	assert_true(c.msgs >= 1024 && c.msgs < 1200); /* not 3,000 */
	assert_int_equal(c.resyncs, 0);
	assert_false(vta_sync_want_resync(s));
	vta_sync_free(s);
	/* the same vta_nl again: a whole dump, no EBUSY */
	s = vta_sync_new(&conf, &out, NULL);
	assert_int_equal(vta_sync_full(s, nl), 0);
	assert_int_equal(K.busy, 0);
	assert_string_equal(vta_sync_link_name(s, 3000), "eth3000");
	vta_sync_free(s);
	vta_mem_free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intr_then_redump, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_callback_error_drains,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_full_redumps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_route6_moved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_route6_always_moving,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_full_stops, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
