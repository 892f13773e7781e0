// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * nl_intr - a dump the kernel really flags NLM_F_DUMP_INTR, then the
 * redump on the same sockets (user/netlink.c, issue 13 finding 1).  Run
 * in a network namespace holding many links (so that a link dump spans
 * several datagrams); while the first dump is being read, a link is
 * added, which changes the namespace's dev_base_seq and makes the kernel
 * flag the rest of the dump (nl_dump_check_consistent()).
 *
 *   nl_intr IFNAME     (IFNAME: the link to add, a veth pair IFNAME/IFNAMEp)
 *
 * Exit 0: the interrupted dump returned -EINTR and the redump on the same
 * vta_nl saw every link; 1: it failed; 77: the kernel did not flag the
 * dump (nothing to test).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>

#include "netlink.h"

static const char *ifname;
static int seen;
static bool mutate, found;

static int cb(const struct nlmsghdr *nlh, void *data)
{
	char cmd[128];

	struct vta_nl_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (!vta_nl_parse_link(nlh, &l) && !strcmp(l.name, ifname))
		found = true;
	if (seen++ == 0 && mutate) {
		/* the first datagram is already filled: later ones see a
		 * changed dev_base_seq */
		snprintf(cmd, sizeof(cmd),
			 "ip link add %s type veth peer name %sp", ifname,
			 ifname);
		if (system(cmd))
			fprintf(stderr, "nl_intr: %s failed\n", cmd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct vta_nl nl;
	int err, first;

	if (argc != 2) {
		fprintf(stderr, "usage: nl_intr IFNAME\n");
		return 2;
	}
	ifname = argv[1];
	err = vta_nl_open(&nl, false, 0);
	if (err) {
		fprintf(stderr, "nl_intr: open netlink: %s\n", strerror(-err));
		return 1;
	}
	mutate = true;
	err = vta_nl_dump(&nl, RTM_GETLINK, AF_UNSPEC, cb, NULL);
	first = seen;
	printf("first dump: %s after %d links\n", err ? strerror(-err) : "ok",
	       first);
	if (err != -EINTR) {
		vta_nl_close(&nl);
		return err ? 1 : 77;
	}
	mutate = false;
	seen = 0;
	found = false;
	err = vta_nl_dump(&nl, RTM_GETLINK, AF_UNSPEC, cb, NULL);
	printf("redump: %s, %d links, %s %s\n", err ? strerror(-err) : "ok",
	       seen, ifname, found ? "seen" : "missing");
	vta_nl_close(&nl);
	/* no link went: every one of the first dump, and the one added */
	return !err && seen >= first && found ? 0 : 1;
}
