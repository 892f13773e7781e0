// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_latency - how fast the route sync mirrors the kernel (run inside
 * the gateway's network namespace; used by bench/sync_bench.sh).
 *
 *   sync_latency PIN_ROOT latency COUNT DEV GATEWAY
 *	adds and deletes COUNT /32 routes in 100.127.0.0/16 via GATEWAY dev
 *	DEV one at a time over rtnetlink and polls the FIB map for each:
 *	prints p50/p99/max of "route added -> in the map" and "route
 *	deleted -> gone from the map".
 *   sync_latency PIN_ROOT wait PREFIX/LEN TIMEOUT_S
 *	polls until PREFIX/LEN is in the map, prints the CLOCK_REALTIME
 *	(ns) at which it was seen.
 */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <libmnl/libmnl.h>

#include "fib4.h"
#include "loader.h"
#include "vtiaccel.h"

static uint64_t ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * The programs' lookup (the DIR-24-8 tables, mmap'ed) at the prefix's
 * address: present when it matches the prefix itself.
 */
static int present(const struct vta_fib4_view *v, uint32_t addr, uint32_t len)
{
	const struct vta_fib4_slot *sl = vta_fib4_view_lookup(v, ntohl(addr));

	return sl && sl->len == len && sl->addr == addr;
}

static int route(struct mnl_socket *nl, int type, uint32_t dst, int ifindex,
		 uint32_t gw, uint32_t seq)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_DST, dst);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	if (mnl_socket_recvfrom(nl, buf, sizeof(buf)) < 0)
		return -errno;
	return mnl_cb_run(buf, sizeof(buf), seq, 0, NULL, NULL) < 0 ? -errno : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats(const char *what, uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%-28s p50 %8.1f us  p99 %8.1f us  max %8.1f us  (n=%d)\n", what,
	       v[n / 2] / 1e3, v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1e3,
	       v[n - 1] / 1e3, n);
}

static int wait_for(const struct vta_fib4_view *v, uint32_t addr, uint32_t len, int want,
		    uint64_t timeout_ns, uint64_t *seen)
{
	uint64_t t0 = ns(CLOCK_MONOTONIC);

	while (present(v, addr, len) != want) {
		if (ns(CLOCK_MONOTONIC) - t0 > timeout_ns)
			return -ETIMEDOUT;
	}
	*seen = ns(CLOCK_MONOTONIC);
	return 0;
}

int main(int argc, char **argv)
{
	struct vta_fib4_view fv;
	struct vta_maps m;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: %s PIN_ROOT latency COUNT DEV GW | "
			"wait PREFIX/LEN TIMEOUT_S\n", argv[0]);
		return 2;
	}
	err = vta_maps_open_pinned(&m, argv[1]);
	if (!err)
		err = vta_fib4_map(&fv, &m, false);
	if (err) {
		fprintf(stderr, "open maps under %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	if (!strcmp(argv[2], "wait") && argc >= 5) {
		char *slash = strchr(argv[3], '/');
		uint32_t addr, len = slash ? atoi(slash + 1) : 32;
		uint64_t seen;

		if (slash)
			*slash = '\0';
		inet_pton(AF_INET, argv[3], &addr);
		if (wait_for(&fv, addr, len, 1, atoll(argv[4]) * 1000000000ULL,
			     &seen)) {
			fprintf(stderr, "%s/%u not in the map after %s s\n", argv[3],
				len, argv[4]);
			return 1;
		}
		printf("%llu\n", (unsigned long long)ns(CLOCK_REALTIME));
		return 0;
	}
	if (!strcmp(argv[2], "latency") && argc >= 6) {
		int n = atoi(argv[3]), i, ifindex = if_nametoindex(argv[4]);
		uint64_t *add = calloc(n, sizeof(*add)), *del = calloc(n, sizeof(*del));
		struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
		uint32_t gw;

		if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
		    !ifindex || !add || !del || n <= 0) {
			fprintf(stderr, "setup: %s\n", strerror(errno));
			return 1;
		}
		inet_pton(AF_INET, argv[5], &gw);
		for (i = 0; i < n; i++) {
			uint32_t dst = htonl(0x647f0000 | (i & 0xffff));
			uint64_t t0, seen;

			t0 = ns(CLOCK_MONOTONIC);
			err = route(nl, RTM_NEWROUTE, dst, ifindex, gw, 2 * i + 1);
			if (err || wait_for(&fv, dst, 32, 1, 2000000000ULL, &seen)) {
				fprintf(stderr, "add #%d: %s\n", i,
					err ? strerror(-err) : "not mirrored in 2 s");
				return 1;
			}
			add[i] = seen - t0;
			t0 = ns(CLOCK_MONOTONIC);
			err = route(nl, RTM_DELROUTE, dst, ifindex, gw, 2 * i + 2);
			if (err || wait_for(&fv, dst, 32, 0, 2000000000ULL, &seen)) {
				fprintf(stderr, "del #%d: %s\n", i,
					err ? strerror(-err) : "still in the map after 2 s");
				return 1;
			}
			del[i] = seen - t0;
		}
		stats("route add -> in map", add, n);
		stats("route del -> out of map", del, n);
		return 0;
	}
	fprintf(stderr, "bad arguments\n");
	return 2;
}
