// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Seed corpus for fuzz_netlink: well-formed messages the kernel sends,
 * built with the unit tests' builder, one stream per file. */
#include <stdbool.h>
#include <stdio.h>
#include "../unit/nlmsg_build.h"

static char buf[NLB_BUFSZ];

static void out(const char *dir, const char *name, const struct nlmsghdr *nlh,
		bool xfrm)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	/* the fuzzer routes messages with this flag to the XFRM handler */
	if (xfrm)
		((struct nlmsghdr *)nlh)->nlmsg_flags |= 0x8000;
	fwrite(nlh, 1, nlh->nlmsg_len, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct nlb_nh mp[] = { { 5, "169.254.10.1", 2 }, { 6, "169.254.11.1", 1 } };
	struct nlb_nh v6[] = { { 5, "fe80::1", 1 } };
	unsigned int ids[] = { 11, 12 };
	int w[] = { 1, 3 };
	const char *d = argc > 1 ? argv[1] : ".";

	out(d, "link-eth", nlb_link(buf, RTM_NEWLINK, 3, "eth1", ARPHRD_ETHER,
				    NLB_UP, 1500, "veth"), false);
	out(d, "link-vti", nlb_vti(buf, 5, "vti1", 1436, "10.16.1.254",
				   "203.0.113.10", 100, 100), false);
	out(d, "route-mp", nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
				     RTN_UNICAST, 20, 0, mp, 2), false);
	out(d, "route-nhid", nlb_route(buf, RTM_NEWROUTE, "172.30.0.0", 16, 254,
				       RTN_UNICAST, 20, 22, NULL, 0), false);
	out(d, "route-v6", nlb_route(buf, RTM_NEWROUTE, "2001:db8::", 32, 254,
				     RTN_UNICAST, 1024, 0, v6, 1), false);
	out(d, "nh-one", nlb_nexthop(buf, RTM_NEWNEXTHOP, 11, AF_INET, 5,
				     "169.254.10.1", false, NULL, NULL, 0), false);
	out(d, "nh-group", nlb_nexthop(buf, RTM_NEWNEXTHOP, 22, AF_UNSPEC, 0, NULL,
				       false, ids, w, 2), false);
	out(d, "sa", nlb_sa(buf, XFRM_MSG_NEWSA, "10.16.1.254", "203.0.113.10",
			    0x101, 100, 0xffffffff, true, "cbc(aes)",
			    "hmac(sha1)", 96), true);
	out(d, "sa-del", nlb_sa(buf, XFRM_MSG_DELSA, "10.16.1.254", "203.0.113.10",
				0x101, 0, 0, false, NULL, NULL, 0), true);
	return 0;
}
