// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli_fixture - give the read commands (`status`, `stats`, `routes`,
 * `lookup`, `detach`) real pinned maps to read without the daemon: load
 * the programs with vta_loader_open(PIN_ROOT), fill the maps from a spec
 * file, optionally attach tc programs, and exit (the pins and tc filters
 * stay).  Used by tests/net/cli/.
 *
 *   cli_fixture PIN_ROOT SPEC
 *
 * SPEC: the net tier's map spec (tests/net/lib/mapspec.h), and
 *   attach NAME lan|tunnel|wan
 *   testrun NAME SRC DST tcp|udp SPORT DPORT
 *          run the real tc program of NAME's role on one packet with
 *          BPF_PROG_TEST_RUN (ingress on NAME) and print its verdict;
 *          fails when only the maps could be created
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "ifdata.h"
#include "loader.h"
#include "vtiaccel.h"
#include "lib/mapspec.h"

/*
 * Fallback while the data path does not load on this kernel (it is being
 * written concurrently): the maps alone, created as bpf/maps.h defines
 * them, and a pass-everything tc program under the real program's name,
 * so the read commands still have real maps and real attachments.
 */
static int create_maps(const char *pin_root, struct vta_maps *m)
{
	LIBBPF_OPTS(bpf_map_create_opts, lpm, .map_flags = BPF_F_NO_PREALLOC);
	LIBBPF_OPTS(bpf_map_create_opts, mm, .map_flags = BPF_F_MMAPABLE);
	char path[512];
	size_t i;
	int err;

	err = vta_bpffs_prepare(pin_root);
	if (err)
		return err;
	m->fib6 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, VTA_MAP_NAME(fib6),
				 sizeof(struct vta_fib6_key), sizeof(struct vta_route),
				 VTA_FIB6_MAX, &lpm);
	m->groups = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_NAME(groups), 4,
				   sizeof(struct vta_group), VTA_GROUPS_MAX, NULL);
	m->ifslot = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_NAME(ifslot), 4,
				   4, VTA_IFACES_MAX, NULL);
	m->ifdata = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(ifdata), 4,
				   sizeof(struct vta_ifdata), VTA_STATS_SLOTS,
				   &mm);
	m->ifidx = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(ifidx), 4, 4,
				  VTA_IFIDX_DIRECT, NULL);
	m->peers = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_NAME(peers),
				  sizeof(struct vta_peer_key), sizeof(struct vta_peer),
				  VTA_PEERS_MAX, NULL);
	m->config = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(config), 4,
				   sizeof(struct vta_config), 1, NULL);
	m->stats = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, VTA_MAP_NAME(stats), 4,
				  sizeof(struct vta_stats), VTA_STATS_SLOTS, NULL);
	m->fwd_stats = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY,
				      VTA_MAP_NAME(fwd_stats), 4,
				      sizeof(struct vta_fwd_stats), 1, NULL);
	m->health = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(health), 4,
				   sizeof(struct vta_health), 1, NULL);
	m->fib4_l1 = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(fib4_l1), 4,
				    sizeof(struct vta_fib4_tbl), 1U << 16, &mm);
	m->fib4_l2 = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(fib4_l2), 4,
				    sizeof(struct vta_fib4_tbl), VTA_FIB4_BLOCKS,
				    &mm);
	m->fib4_rt = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(fib4_rt), 4,
				    sizeof(struct vta_fib4_slot), VTA_FIB4_ROUTES,
				    &mm);
	for (i = 0; vta_map_name(i); i++) {
		if (*vta_maps_slot(m, i) < 0)
			return -errno;
		snprintf(path, sizeof(path), "%s/%s", pin_root, vta_map_name(i));
		if (bpf_obj_pin(*vta_maps_slot(m, i), path))
			return -errno;
	}
	return 0;
}

static int pass_prog(const char *name)
{
	struct bpf_insn insns[] = {
		/* r0 = TC_ACT_OK; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", insns, 2, NULL);
}

struct fixture {
	struct vta_loader *l;	/* NULL: the maps alone (create_maps) */
	struct vta_maps m;
};

static int do_attach(struct mapspec *ms, char **w, int n)
{
	struct fixture *fx = ms->priv;
	enum vta_prog p;
	bool created;
	int err, fd, idx;

	if (n != 3) {
		mapspec_err(ms, "attach NAME lan|tunnel|wan");
		return -EINVAL;
	}
	err = mapspec_tc_prog(ms, w[2], &p);
	if (err)
		return err;
	idx = mapspec_ifindex(ms, w[1]);
	if (!idx)
		return -ENODEV;
	fd = fx->l ? vta_loader_prog_fd(fx->l, p) : pass_prog(vta_prog_name(p));
	if (fd < 0) {
		err = -errno;
		mapspec_err(ms, "load a pass program: %s", strerror(errno));
		return err;
	}
	err = vta_tc_attach(idx, fd, &created);
	if (!fx->l)
		close(fd);
	if (err)
		mapspec_err(ms, "attach tc ingress on %s: %s", w[1], strerror(-err));
	return err;
}

static __u16 csum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

/* One Ethernet + IP + TCP(ACK)/UDP packet through the program of the
 * ingress interface's role: the cross-check of `lookup` against the code
 * that really forwards (it counts TX on the egress slot it chose). */
static int dev_mac(const char *name, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
	return err;
}

static int do_testrun(struct mapspec *ms, char **w, int n)
{
	struct fixture *fx = ms->priv;
	char **kv = w + 1;
	__u8 pkt[128] = {}, src[16], dst[16], *ip = pkt + 14, *l4;
	struct __sk_buff ctx = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct vta_iface in;
	int family, proto, len, fd, err;
	__u32 sp, dp;
	__u16 sport, dport;

	if (!fx->l) {
		mapspec_err(ms, "testrun needs the real programs, which did not load");
		return -ENOEXEC;
	}
	if (n != 7) {
		mapspec_err(ms, "testrun NAME SRC DST tcp|udp SPORT DPORT");
		return -EINVAL;
	}
	ctx.ifindex = mapspec_ifindex(ms, kv[0]);
	if (!ctx.ifindex)
		return -ENODEV;
	if (vta_iface_lookup(&fx->m, ctx.ifindex, &in)) {
		mapspec_err(ms, "testrun: %s is not in vta_ifslot", kv[0]);
		return -ENOENT;
	}
	family = mapspec_addr(ms, kv[1], src);
	if (family < 0 || mapspec_addr(ms, kv[2], dst) != family) {
		mapspec_err(ms, "testrun: bad or mixed addresses");
		return -EINVAL;
	}
	if (mapspec_u32(kv[4], &sp) || sp > 0xffff || mapspec_u32(kv[5], &dp) ||
	    dp > 0xffff || (strcmp(kv[3], "tcp") && strcmp(kv[3], "udp"))) {
		mapspec_err(ms, "testrun: bad protocol or port");
		return -EINVAL;
	}
	proto = !strcmp(kv[3], "udp") ? 17 : 6;
	sport = htons(sp);
	dport = htons(dp);
	/* BPF_PROG_TEST_RUN runs eth_type_trans() against the ctx's device:
	 * the frame must be addressed to its MAC to read as PACKET_HOST
	 * (the programs leave anything else to the kernel) */
	err = dev_mac(kv[0], pkt);
	if (err) {
		mapspec_err(ms, "MAC address of %s: %s", kv[0], strerror(-err));
		return err;
	}
	memset(pkt + 6, 0x02, 6);
	if (family == VTA_AF_INET) {
		pkt[12] = 0x08;
		len = 20 + (proto == 6 ? 20 : 8) + 16;
		ip[0] = 0x45;
		ip[2] = len >> 8;
		ip[3] = len & 0xff;
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		*(__u16 *)(ip + 10) = csum16(ip, 20);
		l4 = ip + 20;
	} else {
		pkt[12] = 0x86;
		pkt[13] = 0xdd;
		len = 40 + (proto == 6 ? 20 : 8) + 16;
		ip[0] = 0x60;
		ip[4] = (len - 40) >> 8;
		ip[5] = (len - 40) & 0xff;
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		l4 = ip + 40;
	}
	memcpy(l4, &sport, 2);
	memcpy(l4 + 2, &dport, 2);
	if (proto == 6) {
		l4[12] = 5 << 4;
		l4[13] = 0x10;		/* ACK: no MSS work */
	} else {
		l4[4] = (len - (l4 - ip)) >> 8;
		l4[5] = (len - (l4 - ip)) & 0xff;
	}
	o.data_size_in = 14 + len;
	fd = vta_loader_prog_fd(fx->l, in.role == VTA_ROLE_TUNNEL ? VTA_PROG_TUNNEL :
				   in.role == VTA_ROLE_WAN ? VTA_PROG_WAN :
				   VTA_PROG_LAN);
	if (bpf_prog_test_run_opts(fd, &o)) {
		err = -errno;
		mapspec_err(ms, "BPF_PROG_TEST_RUN: %s", strerror(errno));
		return err;
	}
	printf("testrun retval %u\n", o.retval);
	return 0;
}

static int fixture_entry(struct mapspec *ms, char **w, int n)
{
	if (!strcmp(w[0], "attach"))
		return do_attach(ms, w, n);
	if (!strcmp(w[0], "testrun"))
		return do_testrun(ms, w, n);
	return -ENOENT;
}

int main(int argc, char **argv)
{
	struct fixture fx = { 0 };
	struct mapspec ms = {
		.prog = "cli_fixture", .maps = &fx.m, .entry = fixture_entry,
		.priv = &fx,
	};
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: cli_fixture PIN_ROOT SPEC\n");
		return 2;
	}
	/* libbpf's verifier log is noise here; the error says enough. */
	libbpf_set_print(NULL);
	err = vta_loader_open(&fx.l, argv[1]);
	if (err) {
		fprintf(stderr, "cli_fixture: the programs do not load (%s): "
			"creating the maps alone\n", strerror(-err));
		fx.l = NULL;
		fx.m = VTA_MAPS_NONE;
		/* Maps of an earlier run of ours: add to them. */
		err = vta_maps_open_pinned(&fx.m, argv[1]);
		if (err)
			err = create_maps(argv[1], &fx.m);
		if (err) {
			fprintf(stderr, "cli_fixture: create maps under %s: %s\n",
				argv[1], strerror(-err));
			return 1;
		}
	} else {
		vta_loader_maps(fx.l, &fx.m);
	}
	mapspec_slots_from_map(&ms);
	err = mapspec_apply_file(&ms, argv[2]);
	if (fx.l)
		vta_loader_close(fx.l);
	else
		vta_maps_close(&fx.m);
	if (err)
		return 1;
	printf("ready\n");
	return 0;
}
