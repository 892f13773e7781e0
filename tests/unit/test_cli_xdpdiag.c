// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Unit tests of the native-XDP diagnosis (vta_xdp_diagnose): facts as
 * ETHTOOL_GDRVINFO / ETHTOOL_GCHANNELS, the XDP query and a failed attach
 * would give them on an EC2 instance (ENA) and on veth -> cause and fix.
 * The expected limits are worked out here from the drivers' formulas, not
 * taken from the code under test.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/if_link.h>

#include "attach.h"

/* ENA_XDP_MAX_MTU with 4 KiB pages: 4096 - ETH_HLEN 14 - ETH_FCS_LEN 4 -
 * VLAN_HLEN 4 - XDP_PACKET_HEADROOM 256 - aligned skb_shared_info 320 */
#define ENA_LIMIT_4K	3498
/* veth: SKB_WITH_OVERHEAD(4096 - 256) - 14; measured on 6.18 (3507 is
 * refused with "Peer MTU is too large to set XDP") */
#define VETH_LIMIT_4K	3506

static struct vta_xdp_facts ena(unsigned int mtu, unsigned int combined,
				unsigned int max)
{
	struct vta_xdp_facts f = {
		.ifname = "eth1", .driver = "ena", .mtu = mtu,
		.page_size = 4096, .have_channels = true, .combined = combined,
		.max_combined = max, .wanted = true,
		.attach_mode = XDP_ATTACHED_NONE, .err = -EINVAL,
	};

	return f;
}

static void test_limits(void **state)
{
	assert_int_equal(vta_xdp_mtu_limit("ena", 4096), ENA_LIMIT_4K);
	assert_int_equal(vta_xdp_mtu_limit("veth", 4096), VETH_LIMIT_4K);
	/* ENA_PAGE_SIZE is the page size capped at 16 KiB */
	assert_int_equal(vta_xdp_mtu_limit("ena", 65536),
			 vta_xdp_mtu_limit("ena", 16384));
	assert_int_equal(vta_xdp_mtu_limit("ena", 16384), 16384 - 598);
	assert_int_equal(vta_xdp_mtu_limit("mlx5_core", 4096), 0);
}

/* EC2's default MTU 9001 on ENA: the common refusal. */
static void test_ena_mtu_9001(void **state)
{
	struct vta_xdp_facts f = ena(9001, 2, 8);
	struct vta_xdp_diag d;

	strcpy(f.extack, "Failed to set xdp program, the current MTU is larger than the maximum allowed MTU. Check the dmesg for more info");
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_MTU);
	assert_string_equal(d.reason, "MTU 9001 above the driver's native XDP limit 3498");
	assert_string_equal(d.fix, "ip link set dev eth1 mtu 3498");
	assert_string_equal(vta_xdp_cause_name(d.cause), "mtu");
}

/* At the limit the MTU is fine; ena_xdp_allowed() checks the MTU first,
 * then the queues: 2 * channels <= max. */
static void test_ena_channels(void **state)
{
	struct vta_xdp_facts f = ena(ENA_LIMIT_4K, 8, 8);
	struct vta_xdp_diag d;

	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_CHANNELS);
	assert_string_equal(d.reason, "8 of 8 combined channels in use: ENA needs half of its queues free for XDP");
	assert_string_equal(d.fix, "ethtool -L eth1 combined 4");

	/* both wrong: the MTU is named first, as the driver does */
	f = ena(9001, 8, 8);
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_MTU);

	/* exactly half: allowed, so the queues are not the cause */
	f = ena(1500, 4, 8);
	f.err = -EIO;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_OTHER);
	assert_non_null(strstr(d.reason, strerror(EIO)));

	/* no ETHTOOL_GCHANNELS answer: never guessed */
	f = ena(1500, 8, 8);
	f.have_channels = false;
	vta_xdp_diagnose(&f, &d);
	assert_int_not_equal(d.cause, VTA_XDP_CHANNELS);
}

/* Channels only matter for ENA. */
static void test_channels_not_ena(void **state)
{
	struct vta_xdp_facts f = ena(1500, 8, 8);
	struct vta_xdp_diag d;

	strcpy(f.driver, "ixgbe");
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_OTHER);
}

static void test_veth_peer_mtu(void **state)
{
	struct vta_xdp_facts f = {
		.ifname = "lan0", .driver = "veth", .mtu = 9000,
		.page_size = 4096, .wanted = true, .err = -ERANGE,
		.extack = "veth: Peer MTU is too large to set XDP",
	};
	struct vta_xdp_diag d;

	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_MTU);
	assert_string_equal(d.reason, "MTU 9000 above the driver's native XDP limit 3506 (veth checks its peer's MTU)");
	assert_string_equal(d.fix, "ip link set dev lan0 mtu 3506 (and its peer)");

	/* own MTU fine, the peer's too large: the kernel's words verbatim */
	f.mtu = 1500;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_MTU);
	assert_non_null(strstr(d.reason, "veth: Peer MTU is too large to set XDP"));
	assert_non_null(strstr(d.reason, "3506"));
}

static void test_no_driver_support(void **state)
{
	struct vta_xdp_facts f = {
		.ifname = "eth2", .driver = "e1000", .mtu = 1500,
		.page_size = 4096, .wanted = true, .err = -EOPNOTSUPP,
	};
	struct vta_xdp_diag d;

	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_NO_DRIVER);
	assert_string_equal(d.reason, "the driver (e1000) has no native XDP");
	assert_string_equal(d.fix, "");
}

static void test_attached_and_off(void **state)
{
	struct vta_xdp_facts f = ena(9001, 8, 8);
	struct vta_xdp_diag d;

	/* ours, native: nothing to fix whatever the other facts say */
	f.err = 0;
	f.ours = true;
	f.attach_mode = XDP_ATTACHED_DRV;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_NATIVE);
	assert_string_equal(d.fix, "");

	f.attach_mode = XDP_ATTACHED_SKB;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_GENERIC);

	/* not configured: a choice, not a refusal */
	f = ena(9001, 8, 8);
	f.wanted = false;
	f.err = 0;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_OFF);
	assert_string_equal(d.fix, "");
}

static void test_foreign_and_generic(void **state)
{
	struct vta_xdp_facts f = ena(1500, 2, 8);
	struct vta_xdp_diag d;

	f.err = -EBUSY;
	strcpy(f.foreign, "xdp_ddos");
	f.foreign_id = 42;
	f.attach_mode = XDP_ATTACHED_DRV;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_FOREIGN);
	assert_non_null(strstr(d.reason, "xdp_ddos, id 42"));
	assert_non_null(strstr(d.fix, "xdp-loader"));

	f.attach_mode = XDP_ATTACHED_SKB;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_GENERIC);
	assert_non_null(strstr(d.fix, "ip link set dev eth1 xdpgeneric off"));

	/* a foreign program in libxdp's dispatcher shares the interface:
	 * not the cause by itself */
	f.attach_mode = XDP_ATTACHED_DRV;
	f.dispatcher = true;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_OTHER);
}

/* status has no errno: an unexplained absence says where to look. */
static void test_status_without_errno(void **state)
{
	struct vta_xdp_facts f = ena(1500, 2, 8);
	struct vta_xdp_diag d;

	f.err = 0;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_OTHER);
	assert_non_null(strstr(d.reason, "log"));
}

/*
 * The default configuration (xdp = yes, xdp_guard = no) attaches nothing:
 * "no-job", no fix to apply.  Attached, the costs name the driver's limit
 * (veth: the peer's TSO; ENA: MTU and channels).
 */
static void test_no_job_and_costs(void **state)
{
	struct vta_xdp_facts f = ena(9001, 2, 8);
	struct vta_xdp_diag d;

	f.wanted = false;
	f.no_job = true;
	f.err = 0;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_NO_JOB);
	assert_string_equal(vta_xdp_cause_name(d.cause), "no-job");
	assert_non_null(strstr(d.reason, "xdp_guard = no"));
	assert_string_equal(d.fix, "");
	/* xdp = no wins over the guard: "off" as before */
	f.no_job = false;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_OFF);

	f = ena(3498, 4, 8);
	f.ours = true;
	f.attach_mode = XDP_ATTACHED_DRV;
	vta_xdp_diagnose(&f, &d);
	assert_int_equal(d.cause, VTA_XDP_NATIVE);
	assert_non_null(strstr(d.costs, "MTU <= 3498"));
	assert_non_null(strstr(d.costs, "channels"));
	strcpy(f.driver, "veth");
	vta_xdp_diagnose(&f, &d);
	assert_non_null(strstr(d.costs, "peer loses TSO"));
	assert_non_null(strstr(d.costs, "3506"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ena_mtu_9001),
		cmocka_unit_test(test_ena_channels),
		cmocka_unit_test(test_channels_not_ena),
		cmocka_unit_test(test_veth_peer_mtu),
		cmocka_unit_test(test_no_driver_support),
		cmocka_unit_test(test_attached_and_off),
		cmocka_unit_test(test_foreign_and_generic),
		cmocka_unit_test(test_status_without_errno),
		cmocka_unit_test(test_no_job_and_costs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
