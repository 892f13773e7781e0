// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `vtiaccel lookup ADDR ...`: walk a packet through the maps the way the
 * tc programs do (bpf/fwd.h: vta_tc_main, vta_src_check, vta_route) and
 * say where it goes, or under which counter it is handed to the kernel.
 * The predicates (addresses, forwarding switches, source validation,
 * MTU) and the ECMP member come from the same code as in the programs:
 * vta_rules.h and vta_hash.h.  The packet is taken as a frame addressed
 * to the gateway (pkt_type PACKET_HOST).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "ifdata.h"
#include "fib4.h"
#include "cmd.h"
#include "netlink.h"
#include "print.h"
#include "vta_hash.h"
#include "vta_rules.h"

struct pkt {
	int family;		/* VTA_AF_* */
	union vta_addr src, dst;	/* IPv4 in the first 4 bytes */
	bool has_src;
	__u8 proto;
	__u16 sport, dport;
	__u32 len;		/* 0: not checked */
};

/* An address and its family as the maps spell it (VTA_AF_*). */
static int parse_ip(const char *s, int *family, union vta_addr *out)
{
	int af;

	if (vta_addr_parse(s, &af, out))
		return -EINVAL;
	*family = af == AF_INET6 ? VTA_AF_INET6 : VTA_AF_INET;
	return 0;
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return (!*s || *end || errno || *s == '-' || *out > max) ? -EINVAL : 0;
}

static __u32 flow_hash(const struct pkt *p, __u32 seed)
{
	__u32 ports = 0, s[4], d[4];

	/* As bpf/parse.h loads them: the raw 16-bit fields of the packet. */
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)
		ports = (__u32)htons(p->sport) << 16 | htons(p->dport);
	memcpy(s, p->src.b, 16);
	memcpy(d, p->dst.b, 16);
	if (p->family == VTA_AF_INET)
		return vta_flow_hash4(s[0], d[0], ports, p->proto, seed);
	return vta_flow_hash6(s, d, ports, p->proto, seed);
}

/*
 * IPv4: what the programs read (bpf/maps.h, vta_fib4_lookup()), from the
 * same tables mmap'ed read-only: two or three loads, at any FIB size.
 */
static int fib4_match(const struct vta_maps *m, const __u8 *addr,
		      struct vta_cli_route *out)
{
	const struct vta_fib4_slot *sl = NULL;
	const struct vta_route *pr;
	struct vta_fib4_view v;
	__u32 a;
	int err;

	err = vta_fib4_map(&v, m, false);
	if (err)
		return err;
	memcpy(&a, addr, 4);
	pr = vta_fib4_view_route(&v, ntohl(a), &sl);
	if (pr) {
		memset(out, 0, sizeof(*out));
		out->family = VTA_AF_INET;
		out->plen = sl->len;
		memcpy(out->addr, &sl->addr, 4);
		out->r = *pr; /* the prefix's interned value, as read there */
	}
	vta_fib4_unmap(&v);
	return pr ? 0 : -ENOENT;
}

/* The longest prefix containing addr, as the programs find it (IPv6:
 * the LPM trie). */
static int fib_match(const struct vta_maps *m, int family, const __u8 *addr,
		     struct vta_cli_route *out)
{
	struct vta_fib6_key k = { .prefixlen = 128 };
	struct vta_cli_route *r;
	int n, i, best = -1;

	if (family == VTA_AF_INET)
		return fib4_match(m, addr, out);
	n = vta_cli_routes(m, family, &r);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		__u32 bits = r[i].plen, full = bits / 8, rem = bits % 8;

		if (memcmp(r[i].addr, addr, full))
			continue;
		if (rem && ((r[i].addr[full] ^ addr[full]) & (0xff00 >> rem) & 0xff))
			continue;
		if (best < 0 || r[i].plen > r[best].plen)
			best = i;
	}
	if (best >= 0)
		*out = r[best];
	free(r);
	if (best < 0)
		return -ENOENT;
	/* The kernel's own answer for the value: a full-length lookup. */
	memcpy(k.addr, addr, 16);
	if (bpf_map_lookup_elem(m->fib6, &k, &out->r))
		return -errno;
	return 0;
}

/* bpf/parse.h: martian sources, destinations never forwarded. */
static int addr_verdict(const struct pkt *p)
{
	/* without --from: a global source, so only the destination counts */
	static const __u8 global6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	if (p->family == VTA_AF_INET) {
		if (p->has_src && vta_ip4_martian_src(p->src.b))
			return VTA_PASS_MALFORMED;
		return vta_ip4_local_dst(p->dst.b) ? VTA_PASS_LOCAL :
						     VTA_CONTINUE;
	}
	return vta_ip6_addr_verdict(p->has_src ? p->src.b : global6, p->dst.b);
}

static __u16 mss_min(__u16 a, __u16 b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/* The verdict: a counter name (pass/drop/fwd) and why. */
static void verdict(enum vta_counter c, const char *why)
{
	const char *action = VTA_COUNTER_IS(c, DROP) ? "drop" :
			     VTA_COUNTER_IS(c, PASS) ? "kernel" : "forward";

	open_json_object("verdict");
	print_string(PRINT_ANY, "action", "verdict: %s", action);
	print_string(PRINT_ANY, "counter", " (%s)", vta_counter_name(c));
	print_string(PRINT_ANY, "reason", ": %s\n", why);
	close_json_object();
}

static int explain(const struct vta_maps *m, const struct pkt *p,
		   __u32 in_ifindex)
{
	struct vta_config cfg = {};
	struct vta_iface in, out;
	struct vta_cli_route rt, srt;
	struct vta_group g;
	char name[IF_NAMESIZE], buf[160];
	bool tunnel, have_in;
	__u32 hash, mtu;
	__u16 clamp;
	int pick, err;

	err = vta_config_get(m, &cfg);
	if (err)
		return vta_print_error("read %s: %s", VTA_MAP_NAME(config), strerror(-err));
	have_in = in_ifindex && !vta_iface_lookup(m, in_ifindex, &in);
	open_json_object("in");
	print_string(PRINT_ANY, "dev", "in %s", vta_cli_ifname(in_ifindex, name));
	print_string(PRINT_ANY, "role", " (%s)\n",
		     have_in ? vta_role_name(in.role) : "not managed");
	close_json_object();

	if (cfg.lease_deadline_ns && vta_mono_ns() > cfg.lease_deadline_ns) {
		verdict(VTA_PASS_LEASE, "the daemon's lease has expired");
		return 0;
	}
	if (!have_in) {
		verdict(VTA_PASS_UNKNOWN_IF, "the ingress interface is not managed");
		return 0;
	}
	if (in.role == VTA_ROLE_WAN) {
		verdict(VTA_PASS_LOCAL, "WAN ingress only marks ESP; the kernel routes the rest");
		return 0;
	}
	tunnel = in.role == VTA_ROLE_TUNNEL;
	if (!tunnel && in.role != VTA_ROLE_LAN) {
		verdict(VTA_PASS_UNKNOWN_IF, "interface without a role");
		return 0;
	}
	/* XDP on LAN interfaces runs first (bpf/xdp_lan.bpf.c). */
	if (!tunnel && p->has_src && (cfg.flags & VTA_CFG_F_XDP_GUARD) &&
	    !fib_match(m, p->family, p->src.b, &srt) &&
	    srt.r.type == VTA_RT_UNICAST && (srt.r.flags & VTA_RT_F_VIA_TUNNEL)) {
		verdict(VTA_DROP_SPOOF, "XDP guard: a LAN packet with a source routed into a tunnel");
		return 0;
	}
	if (!(cfg.flags & VTA_CFG_F_FORWARD)) {
		verdict(VTA_PASS_LEASE, "forwarding is off in the config map");
		return 0;
	}
	switch (addr_verdict(p)) {
	case VTA_PASS_MALFORMED:
		verdict(VTA_PASS_MALFORMED, "martian source address");
		return 0;
	case VTA_PASS_LOCAL:
		verdict(VTA_PASS_LOCAL, "local, multicast, link-local or broadcast address");
		return 0;
	}
	if (vta_fwd_verdict(p->family, in.flags) != VTA_CONTINUE) {
		verdict(VTA_PASS_FWD_OFF, p->family == VTA_AF_INET ?
			"net.ipv4.conf.<in>.forwarding is 0" :
			"net.ipv6.conf.all.forwarding is 0");
		return 0;
	}
	open_json_object("source");
	if (!p->has_src) {
		print_string(PRINT_ANY, "result", "source %s (no --from)\n",
			     "unchecked");
	} else {
		const struct vta_route *sr = NULL;
		const struct vta_group *sg = NULL;
		int sv;

		err = fib_match(m, p->family, p->src.b, &srt);
		if (err && err != -ENOENT) {
			close_json_object();
			return vta_print_error("read the map FIB: %s", strerror(-err));
		}
		if (!err) {
			sr = &srt.r;
			vta_cli_prefix_str(&srt, buf, sizeof(buf));
			print_string(PRINT_ANY, "source_route", "source route %s ", buf);
			if (srt.r.type == VTA_RT_UNICAST &&
			    !bpf_map_lookup_elem(m->groups, &srt.r.group_id, &g))
				sg = &g;
		} else {
			print_null(PRINT_ANY, "source_route", "source route none ");
		}
		print_bool(PRINT_ANY, "rp_filter", "rp_filter %s",
			   in.flags & VTA_IF_F_RP_FILTER);
		print_bool(PRINT_ANY, "rpf_strict", " rpf_strict %s\n",
			   in.flags & VTA_IF_F_RPF_STRICT);
		sv = vta_src_verdict(p->family, sr, sg, in.flags, in_ifindex);
		if (sv != VTA_CONTINUE) {
			close_json_object();
			verdict(sv, sv == VTA_PASS_SRC_LOCAL ?
				"the source is a local or broadcast address (fib_validate_source)" :
				sv == VTA_DROP_RPF ?
				"strict RPF: the source is routed through another interface" :
				!sr ? "rp_filter: the source has no route" :
				sr->type != VTA_RT_UNICAST ?
				"the source's route is not a forwarded unicast route" :
				"rp_filter: the source is not routed back through the ingress interface");
			return 0;
		}
		print_string(PRINT_ANY, "result", "%s\n", "source ok");
	}
	close_json_object();

	err = fib_match(m, p->family, p->dst.b, &rt);
	if (err == -ENOENT) {
		verdict(VTA_PASS_NO_ROUTE, "no route in the map FIB");
		return 0;
	}
	if (err)
		return vta_print_error("read the map FIB: %s", strerror(-err));
	hash = flow_hash(p, cfg.hash_seed);
	pick = -1;
	if (rt.r.type == VTA_RT_UNICAST &&
	    !bpf_map_lookup_elem(m->groups, &rt.r.group_id, &g))
		pick = vta_group_pick(&g, hash);
	else
		memset(&g, 0, sizeof(g));
	print_uint(PRINT_JSON, "hash", NULL, hash);
	print_text("hash 0x%08x (seed 0x%08x)\n", hash, cfg.hash_seed);
	print_text("route ");
	open_json_object("route");
	vta_cli_print_route(m, &rt, pick);
	close_json_object();
	if (rt.r.type == VTA_RT_LOCAL) {
		verdict(VTA_PASS_LOCAL, "local route");
		return 0;
	}
	if (rt.r.type != VTA_RT_UNICAST) {
		verdict(VTA_PASS_NO_ROUTE, "the route belongs to the kernel (not forwarded here)");
		return 0;
	}
	if (pick < 0) {
		verdict(VTA_PASS_NO_PATH, "the nexthop group is missing or empty");
		return 0;
	}
	open_json_object("nexthop");
	print_uint(PRINT_JSON, "index", NULL, pick);
	print_text("nexthop ");
	vta_cli_print_nh(&g.paths[pick]);
	print_nl();
	close_json_object();
	if (g.paths[pick].ifindex == in_ifindex) {
		verdict(VTA_PASS_NO_PATH, "the nexthop leads back out of the ingress interface");
		return 0;
	}
	if (vta_iface_lookup(m, g.paths[pick].ifindex, &out)) {
		verdict(VTA_PASS_NO_PATH, "the egress interface is not managed");
		return 0;
	}
	vta_if_flags_str(out.flags, buf, sizeof(buf));
	open_json_object("out");
	print_string(PRINT_ANY, "dev", "out %s",
		     vta_cli_ifname(g.paths[pick].ifindex, name));
	print_string(PRINT_ANY, "role", " (%s)", vta_role_name(out.role));
	print_uint(PRINT_ANY, "mtu", " mtu %" PRIu64, out.mtu);
	if (p->family == VTA_AF_INET6 && out.mtu6 && out.mtu6 != out.mtu)
		print_uint(PRINT_ANY, "mtu6", " ipv6 mtu %" PRIu64, out.mtu6);
	print_bool(PRINT_ANY, "up", " up %s", out.flags & VTA_IF_F_UP);
	print_bool(PRINT_ANY, "sa_up", " sa_up %s", out.flags & VTA_IF_F_SA_UP);
	print_nl();
	close_json_object();
	if (!(out.flags & VTA_IF_F_UP) ||
	    (out.role == VTA_ROLE_TUNNEL && !(out.flags & VTA_IF_F_SA_UP))) {
		verdict(VTA_PASS_NO_PATH, out.flags & VTA_IF_F_UP ?
			"the tunnel has no SAs" : "the egress interface is down");
		return 0;
	}
	mtu = vta_path_mtu(rt.r.mtu, vta_dev_mtu(&out, p->family));
	if (rt.r.mtu)
		print_uint(PRINT_ANY, "route_mtu", "route mtu %" PRIu64 "\n",
			   rt.r.mtu);
	if (!mtu) {
		verdict(VTA_PASS_MTU, "the egress MTU is unknown");
		return 0;
	}
	if (p->len && p->len > mtu) {
		verdict(VTA_PASS_MTU, rt.r.mtu && mtu == rt.r.mtu ?
			"larger than the route's MTU (the kernel fragments or answers ICMP)" :
			"larger than the egress MTU (the kernel fragments or answers ICMP)");
		return 0;
	}
	/* the route's MTU metric, as bpf/fwd.h */
	if (p->len && rt.r.mtu && p->len > rt.r.mtu) {
		verdict(VTA_PASS_MTU, "larger than the route's MTU (the kernel fragments or answers ICMP)");
		return 0;
	}
	if (p->proto == IPPROTO_TCP) {
		unsigned int minlen = p->family == VTA_AF_INET ? 40 : 60;

		clamp = p->family == VTA_AF_INET ? out.mss4 : out.mss6;
		if (tunnel && (in.flags & VTA_IF_F_CLAMP_IN))
			clamp = mss_min(clamp, p->family == VTA_AF_INET ? in.mss4 : in.mss6);
		if (clamp && rt.r.mtu > minlen && !(out.flags & VTA_IF_F_MSS_FIXED))
			clamp = mss_min(clamp, rt.r.mtu - minlen);
		if (clamp)
			print_uint(PRINT_ANY, "mss", "SYN MSS clamped to %" PRIu64 "\n", clamp);
		else
			print_null(PRINT_ANY, "mss", "SYN MSS not clamped\n");
	}
	if (g.paths[pick].kind == VTA_NH_TUNNEL)
		snprintf(buf, sizeof(buf), "bpf_redirect into %s",
			 vta_cli_ifname(g.paths[pick].ifindex, name));
	else
		snprintf(buf, sizeof(buf), "bpf_redirect_neigh to %s via %s",
			 vta_cli_ifname(g.paths[pick].ifindex, name),
			 g.paths[pick].gw_family ? "the gateway" : "the destination (on-link)");
	verdict(out.role == VTA_ROLE_TUNNEL ? VTA_FWD_TO_TUNNEL : VTA_FWD_TO_LAN,
		buf);
	return 0;
}

int cmd_lookup(int argc, char **argv)
{
	struct pkt p = { .proto = IPPROTO_TCP };
	const char *from = NULL, *in_name = NULL;
	struct vta_cli_iface *ifs = NULL;
	__u32 in_ifindex = 0;
	struct vta_maps m;
	unsigned long n;
	bool icmp = false;
	int opt, fam2, i, cnt, ret;
	char a[INET6_ADDRSTRLEN];

	while ((opt = vta_cmd_getopt(&vta_cmd_lookup, argc, argv)) != -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 'p': {
			struct protoent *pe = getprotobyname(optarg);

			if (!strcmp(optarg, "tcp"))
				p.proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				p.proto = IPPROTO_UDP;
			else if (!strcmp(optarg, "icmp") || !strcmp(optarg, "icmpv6"))
				icmp = true;	/* ICMP or ICMPv6 by family */
			else if (!parse_num(optarg, 255, &n))
				p.proto = n;
			else if (pe)
				p.proto = pe->p_proto;
			else
				goto bad;
			break;
		}
		case 's':
			if (parse_num(optarg, 65535, &n))
				goto bad;
			p.sport = n;
			break;
		case 'd':
			if (parse_num(optarg, 65535, &n))
				goto bad;
			p.dport = n;
			break;
		case 'i':
			in_name = optarg;
			break;
		case 'l':
			if (parse_num(optarg, 65535, &n) || n < 20)
				goto bad;
			p.len = n;
			break;
		case 'j':
			vta_print_init(true, false);
			break;
		case 'h':
			return vta_cmd_usage("lookup", false);
		default:
			return vta_cmd_usage("lookup", true);
		}
	}
	if (optind != argc - 1) {
		vta_print_error("lookup: expected one destination address");
		return 2;
	}
	if (parse_ip(argv[optind], &p.family, &p.dst)) {
		vta_print_error("lookup: '%s' is not an IPv4 or IPv6 address",
				argv[optind]);
		return 2;
	}
	if (icmp)
		p.proto = p.family == VTA_AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	if (from) {
		if (parse_ip(from, &fam2, &p.src) || fam2 != p.family) {
			vta_print_error("lookup: --from %s: not an address of the destination's family",
					from);
			return 2;
		}
		p.has_src = true;
	}
	if (vta_cli_open_maps(&m))
		return 1;
	cnt = vta_cli_ifaces(&m, &ifs);
	if (cnt < 0) {
		ret = vta_print_error("read %s: %s", VTA_MAP_NAME(ifslot), strerror(-cnt));
		goto out;
	}
	if (in_name) {
		in_ifindex = vta_cli_ifindex(in_name);
		if (!in_ifindex) {
			ret = vta_print_error("lookup: --in %s: no such interface", in_name);
			goto out;
		}
	} else {
		for (i = 0; i < cnt && !in_ifindex; i++)
			if (ifs[i].v.role == VTA_ROLE_LAN)
				in_ifindex = ifs[i].ifindex;
		if (!in_ifindex) {
			ret = vta_print_error("lookup: no LAN interface in %s: give --in IFACE",
					      VTA_MAP_NAME(ifslot));
			goto out;
		}
	}
	open_json_object(NULL);
	open_json_object("packet");
	vta_addr_str(p.family == VTA_AF_INET6 ? AF_INET6 : AF_INET,
		     &p.dst, a, sizeof(a));
	print_string(PRINT_ANY, "dst", "packet to %s", a);
	if (p.has_src) {
		vta_addr_str(p.family == VTA_AF_INET6 ? AF_INET6 : AF_INET,
			     &p.src, a, sizeof(a));
		print_string(PRINT_ANY, "src", " from %s", a);
	} else {
		print_null(PRINT_JSON, "src", NULL);
	}
	print_uint(PRINT_ANY, "proto", " proto %" PRIu64, p.proto);
	if (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) {
		print_uint(PRINT_ANY, "sport", " sport %" PRIu64, p.sport);
		print_uint(PRINT_ANY, "dport", " dport %" PRIu64, p.dport);
	}
	if (p.len)
		print_uint(PRINT_ANY, "len", " len %" PRIu64, p.len);
	print_nl();
	close_json_object();
	ret = explain(&m, &p, in_ifindex);
	if (!ret)
		close_json_object();
out:
	free(ifs);
	vta_maps_close(&m);
	return ret;
bad:
	vta_print_error("lookup: bad value '%s'", optarg);
	return 2;
}

static const struct vta_cmd_opt lookup_opts[] = {
	{ 'f', "from", false, "ADDR", "source address (default: unspecified, 0.0.0.0 or ::)", NULL },
	{ 'p', "proto", false, "P", "tcp, udp, icmp or a protocol number (default tcp)", "tcp udp icmp" },
	{ 's', "sport", false, "N", "source port (tcp, udp)", NULL },
	{ 'd', "dport", false, "N", "destination port (tcp, udp)", NULL },
	{ 'i', "in", false, "IFACE", "ingress interface (default: the first LAN interface)", VTA_OPT_IFACE },
	{ 'l', "len", false, "N", "IP packet length, checked against the egress MTU", NULL },
	VTA_OPT_JSON("JSON output"),
	{ 0 },
};

const struct vta_cmd vta_cmd_lookup = {
	.name = "lookup",
	.fn = cmd_lookup,
	.args = "ADDR [--from ADDR] [--proto P] [--sport N] [--dport N] [--in IFACE] [--len N] [-j]",
	.summary = "explain what the fast path does with a packet",
	.desc = "Follows a packet to ADDR through the maps as the programs do: "
		"the longest matching prefix, route type, nexthop group, the member "
		"the flow hash picks (same hash and seed as the programs), the "
		"egress interface and its state, the MSS a SYN is clamped to, the "
		"reverse-path check of --from on tunnel ingress, or the counter "
		"under which the packet is passed to the kernel instead.",
	.opts = lookup_opts,
	.needs_conf = true,
};
