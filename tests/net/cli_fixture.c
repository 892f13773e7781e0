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
 * SPEC, one entry per line ('#' comments), interfaces by name in the
 * current network namespace:
 *   config seed=N flags=forward,esp_mark,xdp_guard lease=MS
 *          (lease: +MS from now, -MS = expired MS ago, 0 = off)
 *   iface NAME role=lan|wan|tunnel slot=N mtu=N mss4=N mss6=N
 *          flags=up,sa_up,clear_mark,rpf_strict,clamp_in,l2,rp_filter,
 *                no_fwd4,no_fwd6 mark=N mask=N
 *   group ID NAME:tunnel|neigh:[GW]:WEIGHT ...
 *   route PREFIX type=unicast|local|kernel group=N flags=tunnel,gateway mtu=N
 *   peer LOCAL PEER mark=N mask=N tunnel=NAME flags=esp,natt
 *   stat NAME|0 COUNTER PACKETS BYTES   (spread over the CPUs)
 *   health start=N overrun=N xfrm_overrun=N sighup=N model=N failures=N
 *          msgs=N bad=N write_errors=N last_sync_ms=N routes=N groups=N
 *          ifaces=N peers=N lag_ms=N lag_max_ms=N pid=N
 *          flags=writes_failing,stale age=MS
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
#include "loader.h"
#include "fib4.h"
#include "vtiaccel.h"

static int line_no;

#define die(...) do {							\
		fprintf(stderr, "cli_fixture: line %d: ", line_no);	\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		exit(1);						\
	} while (0)

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("bad number '%s'", s);
	return v;
}

static __u32 ifidx(const char *name)
{
	__u32 i = if_nametoindex(name);

	if (!i)
		die("no interface %s", name);
	return i;
}

/* flags=a,b,c against a name table (bit i = names[i]). */
static __u32 flag_bits(const char *v, const char *const *names, int n)
{
	char buf[256], *tok, *save = NULL;
	__u32 bits = 0;
	int i;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n; i++)
			if (names[i] && !strcmp(tok, names[i]))
				break;
		if (i == n)
			die("unknown flag %s", tok);
		bits |= 1U << i;
	}
	return bits;
}

static int parse_addr(const char *s, __u8 *out)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return VTA_AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return VTA_AF_INET6;
	die("bad address %s", s);
}

static void do_config(const struct vta_maps *m, char **kv, int n)
{
	struct vta_config c = {};
	int i;

	vta_config_get(m, &c);
	for (i = 0; i < n; i++) {
		char *v = strchr(kv[i], '=');

		if (!v)
			die("expected key=value: %s", kv[i]);
		*v++ = '\0';
		if (!strcmp(kv[i], "seed"))
			c.hash_seed = num(v);
		else if (!strcmp(kv[i], "flags"))
			c.flags = flag_bits(v, vta_cfg_flag_names, 32);
		else if (!strcmp(kv[i], "lease")) {
			long long ms = strtoll(v, NULL, 0);

			c.lease_deadline_ns = ms ? vta_mono_ns() + ms * 1000000LL : 0;
		} else
			die("unknown config key %s", kv[i]);
	}
	if (vta_config_set(m, &c))
		die("update config: %s", strerror(errno));
}

/* health KEY=N...: the daemon's health element as `vtiaccel run` writes
 * it; age=MS: written MS ago (default now), lag/last_sync in ms. */
static void do_health(const struct vta_maps *m, char **kv, int n)
{
	static const char *const fl[] = { "writes_failing", "stale" };
	struct vta_health h = {};
	uint64_t now = vta_mono_ns(), age = 0;
	int i, c;

	h.started_ns = now - 60000000000ULL;
	h.pid = 1;
	for (i = 0; i < n; i++) {
		char *v = strchr(kv[i], '=');

		if (!v)
			die("expected key=value: %s", kv[i]);
		*v++ = '\0';
		for (c = 0; c < VTA_RESYNC_MAX; c++)
			if (!strcmp(kv[i], vta_resync_cause_name(c)))
				break;
		if (c < VTA_RESYNC_MAX)
			h.resyncs[c] = num(v);
		else if (!strcmp(kv[i], "failures"))
			h.resync_failures = num(v);
		else if (!strcmp(kv[i], "msgs"))
			h.msgs = num(v);
		else if (!strcmp(kv[i], "bad"))
			h.bad_msgs = num(v);
		else if (!strcmp(kv[i], "write_errors"))
			h.write_errors = num(v);
		else if (!strcmp(kv[i], "last_sync_ms"))
			h.last_sync_ns = num(v) * 1000000ULL;
		else if (!strcmp(kv[i], "routes"))
			h.routes = num(v);
		else if (!strcmp(kv[i], "groups"))
			h.groups = num(v);
		else if (!strcmp(kv[i], "ifaces"))
			h.ifaces = num(v);
		else if (!strcmp(kv[i], "peers"))
			h.peers = num(v);
		else if (!strcmp(kv[i], "lag_ms"))
			h.renew_lag_ns = num(v) * 1000000ULL;
		else if (!strcmp(kv[i], "lag_max_ms"))
			h.renew_lag_max_ns = num(v) * 1000000ULL;
		else if (!strcmp(kv[i], "pid"))
			h.pid = num(v);
		else if (!strcmp(kv[i], "flags"))
			h.flags = flag_bits(v, fl, 2);
		else if (!strcmp(kv[i], "age"))
			age = num(v) * 1000000ULL;
		else
			die("unknown health key %s", kv[i]);
	}
	h.updated_ns = now - age;
	h.last_sync_end_ns = h.updated_ns;
	if (vta_health_set(m, &h))
		die("update health: %s", strerror(errno));
}

static void do_iface(const struct vta_maps *m, char **kv, int n)
{
	struct vta_iface v = {};
	__u32 key = ifidx(kv[0]);
	int i;

	for (i = 1; i < n; i++) {
		char *val = strchr(kv[i], '=');

		if (!val)
			die("expected key=value: %s", kv[i]);
		*val++ = '\0';
		if (!strcmp(kv[i], "role"))
			v.role = !strcmp(val, "lan") ? VTA_ROLE_LAN :
				 !strcmp(val, "wan") ? VTA_ROLE_WAN :
				 !strcmp(val, "tunnel") ? VTA_ROLE_TUNNEL : 0;
		else if (!strcmp(kv[i], "slot"))
			v.slot = num(val);
		else if (!strcmp(kv[i], "mtu"))
			v.mtu = num(val);
		else if (!strcmp(kv[i], "mss4"))
			v.mss4 = num(val);
		else if (!strcmp(kv[i], "mss6"))
			v.mss6 = num(val);
		else if (!strcmp(kv[i], "flags"))
			v.flags = flag_bits(val, vta_if_flag_names, 32);
		else if (!strcmp(kv[i], "mark"))
			v.mark = num(val);
		else if (!strcmp(kv[i], "mask"))
			v.mark_mask = num(val);
		else
			die("unknown iface key %s", kv[i]);
	}
	if (bpf_map_update_elem(m->ifaces, &key, &v, BPF_ANY))
		die("update iface: %s", strerror(errno));
}

static void do_group(const struct vta_maps *m, char **kv, int n)
{
	struct vta_group g = {};
	__u32 id = num(kv[0]);
	int i;

	for (i = 1; i < n; i++) {
		char *f[4] = {}, *save = NULL, *s = kv[i];
		struct vta_nh *nh = &g.paths[g.n_paths];
		int j;

		/* NAME:KIND:GW:WEIGHT, GW may be empty (and IPv6 has ':'). */
		f[0] = strtok_r(s, ":", &save);
		f[1] = strtok_r(NULL, ":", &save);
		f[3] = strrchr(save, ':');
		if (!f[0] || !f[1] || !f[3])
			die("nexthop must be NAME:KIND:[GW]:WEIGHT");
		*f[3]++ = '\0';
		f[2] = save;
		if (g.n_paths == VTA_MAX_PATHS)
			die("too many nexthops");
		nh->ifindex = ifidx(f[0]);
		nh->kind = !strcmp(f[1], "tunnel") ? VTA_NH_TUNNEL : VTA_NH_NEIGH;
		if (f[2] && *f[2])
			nh->gw_family = parse_addr(f[2], nh->gw6);
		j = num(f[3]);
		nh->weight = j;
		g.total_weight += j;
		g.n_paths++;
	}
	if (bpf_map_update_elem(m->groups, &id, &g, BPF_ANY))
		die("update group: %s", strerror(errno));
}

static void do_route(const struct vta_maps *m, char **kv, int n)
{
	static const char *const fl[] = { "tunnel", "gateway" };
	struct vta_route r = {};
	char *slash = strchr(kv[0], '/');
	__u8 addr[16];
	int family, i, err;

	if (!slash)
		die("prefix needs /LEN");
	*slash++ = '\0';
	family = parse_addr(kv[0], addr);
	for (i = 1; i < n; i++) {
		char *v = strchr(kv[i], '=');

		if (!v)
			die("expected key=value: %s", kv[i]);
		*v++ = '\0';
		if (!strcmp(kv[i], "type"))
			r.type = !strcmp(v, "local") ? VTA_RT_LOCAL :
				 !strcmp(v, "kernel") ? VTA_RT_KERNEL : VTA_RT_UNICAST;
		else if (!strcmp(kv[i], "group"))
			r.group_id = num(v);
		else if (!strcmp(kv[i], "flags"))
			r.flags = flag_bits(v, fl, 2);
		else if (!strcmp(kv[i], "mtu"))
			r.mtu = num(v);
		else
			die("unknown route key %s", kv[i]);
	}
	if (family == VTA_AF_INET) {
		struct vta_fib4_key k = { .prefixlen = num(slash) };

		memcpy(&k.addr, addr, 4);
		err = bpf_map_update_elem(m->fib4, &k, &r, BPF_ANY);
	} else {
		struct vta_fib6_key k = { .prefixlen = num(slash) };

		memcpy(k.addr, addr, 16);
		err = bpf_map_update_elem(m->fib6, &k, &r, BPF_ANY);
	}
	if (err)
		die("update route: %s", strerror(errno));
	/* the programs and `lookup` read the IPv4 tables */
	err = vta_fib4_rebuild(m);
	if (err)
		die("write the IPv4 FIB tables: %s", strerror(-err));
}

static void do_peer(const struct vta_maps *m, char **kv, int n)
{
	static const char *const fl[] = { "esp", "natt" };
	struct vta_peer_key k = {};
	struct vta_peer v = {};
	int i;

	if (n < 2)
		die("peer LOCAL PEER ...");
	k.family = parse_addr(kv[0], k.local);
	parse_addr(kv[1], k.peer);
	for (i = 2; i < n; i++) {
		char *val = strchr(kv[i], '=');

		if (!val)
			die("expected key=value: %s", kv[i]);
		*val++ = '\0';
		if (!strcmp(kv[i], "mark"))
			v.mark = num(val);
		else if (!strcmp(kv[i], "mask"))
			v.mask = num(val);
		else if (!strcmp(kv[i], "tunnel"))
			v.tunnel_ifindex = ifidx(val);
		else if (!strcmp(kv[i], "flags"))
			v.flags = flag_bits(val, fl, 2);
		else
			die("unknown peer key %s", kv[i]);
	}
	if (bpf_map_update_elem(m->peers, &k, &v, BPF_ANY))
		die("update peer: %s", strerror(errno));
}

static void do_stat(const struct vta_maps *m, char **kv, int n)
{
	int ncpu = libbpf_num_possible_cpus(), c, cpu;
	struct vta_stats *pc;
	__u32 slot;
	__u64 pk, by;

	if (n != 4)
		die("stat NAME|0 COUNTER PACKETS BYTES");
	if (!strcmp(kv[0], "0")) {
		slot = 0;
	} else {
		__u32 idx = ifidx(kv[0]);
		struct vta_iface v;

		if (bpf_map_lookup_elem(m->ifaces, &idx, &v))
			die("%s is not in vta_ifaces", kv[0]);
		slot = v.slot;
	}
	for (c = 0; c < VTA_COUNTER_MAX; c++)
		if (!strcmp(vta_counter_name(c), kv[1]))
			break;
	if (c == VTA_COUNTER_MAX)
		die("unknown counter %s", kv[1]);
	pk = num(kv[2]);
	by = num(kv[3]);
	pc = calloc(ncpu, sizeof(*pc));
	if (!pc || bpf_map_lookup_elem(m->stats, &slot, pc))
		die("read stats slot %u", slot);
	/* Spread over the CPUs so the readers' per-CPU sum is exercised. */
	for (cpu = 0; cpu < ncpu; cpu++) {
		__u64 p = cpu == ncpu - 1 ? pk : pk / 2;
		__u64 b = cpu == ncpu - 1 ? by : by / 2;

		pc[cpu].c[c].packets += p;
		pc[cpu].c[c].bytes += b;
		pk -= p;
		by -= b;
	}
	if (bpf_map_update_elem(m->stats, &slot, pc, BPF_ANY))
		die("update stats slot %u: %s", slot, strerror(errno));
	free(pc);
}

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
	m->fib4 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, VTA_MAP_NAME(fib4),
				 sizeof(struct vta_fib4_key), sizeof(struct vta_route),
				 VTA_FIB4_MAX, &lpm);
	m->fib6 = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, VTA_MAP_NAME(fib6),
				 sizeof(struct vta_fib6_key), sizeof(struct vta_route),
				 VTA_FIB6_MAX, &lpm);
	m->groups = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_NAME(groups), 4,
				   sizeof(struct vta_group), VTA_GROUPS_MAX, NULL);
	m->ifaces = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_NAME(ifaces), 4,
				   sizeof(struct vta_iface), VTA_IFACES_MAX, NULL);
	m->peers = bpf_map_create(BPF_MAP_TYPE_HASH, VTA_MAP_NAME(peers),
				  sizeof(struct vta_peer_key), sizeof(struct vta_peer),
				  VTA_PEERS_MAX, NULL);
	m->config = bpf_map_create(BPF_MAP_TYPE_ARRAY, VTA_MAP_NAME(config), 4,
				   sizeof(struct vta_config), 1, NULL);
	m->stats = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, VTA_MAP_NAME(stats), 4,
				  sizeof(struct vta_stats), VTA_STATS_SLOTS, NULL);
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

static void do_attach(struct vta_loader *l, char **kv, int n)
{
	enum vta_prog p;
	bool created;
	int err, fd;

	if (n != 2)
		die("attach NAME lan|tunnel|wan");
	p = !strcmp(kv[1], "lan") ? VTA_PROG_LAN :
	    !strcmp(kv[1], "tunnel") ? VTA_PROG_TUNNEL : VTA_PROG_WAN;
	fd = l ? vta_loader_prog_fd(l, p) : pass_prog(vta_prog_name(p));
	if (fd < 0)
		die("load a pass program: %s", strerror(errno));
	err = vta_tc_attach(ifidx(kv[0]), fd, &created);
	if (!l)
		close(fd);
	if (err)
		die("attach tc ingress on %s: %s", kv[0], strerror(-err));
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
static void dev_mac(const char *name, __u8 *mac)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("MAC address of %s: %s", name, strerror(errno));
	close(fd);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

static void do_testrun(struct vta_loader *l, const struct vta_maps *m,
		       char **kv, int n)
{
	__u8 pkt[128] = {}, src[16], dst[16], *ip = pkt + 14, *l4;
	struct __sk_buff ctx = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	struct vta_iface in;
	int family, proto, len, fd;
	__u16 sport, dport;

	if (!l)
		die("testrun needs the real programs, which did not load");
	if (n != 6)
		die("testrun NAME SRC DST tcp|udp SPORT DPORT");
	ctx.ifindex = ifidx(kv[0]);
	if (bpf_map_lookup_elem(m->ifaces, &ctx.ifindex, &in))
		die("%s is not in vta_ifaces", kv[0]);
	family = parse_addr(kv[1], src);
	if (parse_addr(kv[2], dst) != family)
		die("mixed families");
	proto = !strcmp(kv[3], "udp") ? 17 : 6;
	sport = htons(num(kv[4]));
	dport = htons(num(kv[5]));
	/* BPF_PROG_TEST_RUN runs eth_type_trans() against the ctx's device:
	 * the frame must be addressed to its MAC to read as PACKET_HOST
	 * (the programs leave anything else to the kernel) */
	dev_mac(kv[0], pkt);
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
	fd = vta_loader_prog_fd(l, in.role == VTA_ROLE_TUNNEL ? VTA_PROG_TUNNEL :
				   in.role == VTA_ROLE_WAN ? VTA_PROG_WAN :
				   VTA_PROG_LAN);
	if (bpf_prog_test_run_opts(fd, &o))
		die("BPF_PROG_TEST_RUN: %s", strerror(errno));
	printf("testrun retval %u\n", o.retval);
}

int main(int argc, char **argv)
{
	struct vta_loader *l;
	struct vta_maps m;
	char line[1024];
	FILE *f;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: cli_fixture PIN_ROOT SPEC\n");
		return 2;
	}
	f = fopen(argv[2], "r");
	if (!f) {
		fprintf(stderr, "cli_fixture: open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	/* libbpf's verifier log is noise here; the error says enough. */
	libbpf_set_print(NULL);
	err = vta_loader_open(&l, argv[1]);
	if (err) {
		fprintf(stderr, "cli_fixture: the programs do not load (%s): "
			"creating the maps alone\n", strerror(-err));
		l = NULL;
		m = VTA_MAPS_NONE;
		/* Maps of an earlier run of ours: add to them. */
		err = vta_maps_open_pinned(&m, argv[1]);
		if (err)
			err = create_maps(argv[1], &m);
		if (err) {
			fprintf(stderr, "cli_fixture: create maps under %s: %s\n",
				argv[1], strerror(-err));
			return 1;
		}
	} else {
		vta_loader_maps(l, &m);
	}
	while (fgets(line, sizeof(line), f)) {
		char *tok[32], *save = NULL, *s;
		int n = 0;

		line_no++;
		if ((s = strchr(line, '#')))
			*s = '\0';
		for (s = strtok_r(line, " \t\n", &save); s && n < 32;
		     s = strtok_r(NULL, " \t\n", &save))
			tok[n++] = s;
		if (!n)
			continue;
		if (!strcmp(tok[0], "config"))
			do_config(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "health"))
			do_health(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "iface"))
			do_iface(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "group"))
			do_group(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "route"))
			do_route(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "peer"))
			do_peer(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "stat"))
			do_stat(&m, tok + 1, n - 1);
		else if (!strcmp(tok[0], "attach"))
			do_attach(l, tok + 1, n - 1);
		else if (!strcmp(tok[0], "testrun"))
			do_testrun(l, &m, tok + 1, n - 1);
		else
			die("unknown entry %s", tok[0]);
	}
	fclose(f);
	if (l)
		vta_loader_close(l);
	else
		vta_maps_close(&m);
	printf("ready\n");
	return 0;
}
