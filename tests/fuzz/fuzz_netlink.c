// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the input is a stream of netlink messages, as a recv()
 * would return it.  Each message goes through every parser and through a
 * sync model (rtnetlink and XFRM handlers, in-memory map output) that
 * lives across inputs, so state built by one input meets the next.
 * Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "conf.h"
#include "netlink.h"
#include "sync.h"

static struct vta_sync *s;
static struct vta_mem *mem;

static void init(void)
{
	static struct vta_conf c;
	struct vta_sync_out out;

	vta_conf_defaults(&c);
	c.lan.n = 1;
	strcpy(c.lan.pat[0], "eth*");
	c.wan.n = 1;
	strcpy(c.wan.pat[0], "wan*");
	mem = vta_mem_new();
	vta_sync_out_mem(&out, mem);
	s = vta_sync_new(&c, &out, NULL);
	vta_sync_set_xfrm(s, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static _Alignas(8) uint8_t buf[1 << 16];
	const struct nlmsghdr *nlh;
	int len;
	static unsigned int n;

	if (!s)
		init();
	if (size > sizeof(buf))
		size = sizeof(buf);
	/* netlink messages are 4-byte aligned in a real receive buffer */
	memcpy(buf, data, size);
	len = size;
	for (nlh = (const void *)buf; vta_nl_msg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		union {
			struct vta_nl_link l;
			struct vta_nl_addr a;
			struct vta_nl_route r;
			struct vta_nl_nexthop n;
			struct vta_nl_sa sa;
		} u;
		bool hard;

		vta_nl_parse_link(nlh, &u.l);
		vta_nl_parse_addr(nlh, &u.a);
		vta_nl_parse_route(nlh, &u.r);
		vta_nl_parse_nexthop(nlh, &u.n);
		vta_nl_parse_sa(nlh, &u.sa, &hard);
		/* a flag bit the kernel never sets picks the bus */
		if (nlh->nlmsg_flags & 0x8000)
			vta_sync_xfrm_msg(s, nlh);
		else
			vta_sync_rtnl_msg(s, nlh);
	}
	/* now and then a resync that sees nothing: everything is swept */
	if (!(++n % 4096)) {
		vta_sync_begin(s);
		vta_sync_sweep(s, true);
		if (vta_mem_count_fib(mem) || vta_mem_count_groups(mem))
			__builtin_trap();	/* the sweep must leave nothing */
	}
	return 0;
}
