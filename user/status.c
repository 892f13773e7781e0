// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `vtiaccel status`: is the fast path doing what the operator thinks?
 * Interfaces and how our programs are attached to them, the lease, what
 * is in the maps, and what this kernel can do.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/utsname.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "cli.h"
#include "kfeatures.h"
#include "cmd.h"
#include "fib4.h"
#include "netlink.h"
#include "liveness.h"
#include "mapwalk.h"
#include "log.h"
#include "print.h"
#include "seedrules.h"
#include "pcrypt.h"
#include "spread.h"

/*
 * XDP on an interface: the attach mode, whether vta_xdp_lan is among the
 * programs (directly or in libxdp's dispatcher) and, on LAN interfaces,
 * why native XDP is not there and what fixes it: the same diagnosis the
 * daemon logged when the attach failed, re-derived from the interface.
 */
static void print_xdp(const struct vta_cli_iface *i, const struct vta_config *cfg)
{
	/* The daemon attaches vta_xdp_lan only when it has a job: the guard. */
	struct vta_xdp_facts f = {
		.wanted = (cfg->flags & VTA_CFG_F_XDP) &&
			  (cfg->flags & VTA_CFG_F_XDP_GUARD),
		.no_job = (cfg->flags & VTA_CFG_F_XDP) &&
			  !(cfg->flags & VTA_CFG_F_XDP_GUARD),
	};
	const char *mode = "none";
	struct vta_xdp_diag d;
	bool spread;

	if (vta_xdp_facts_read(i->ifindex, i->name, &f)) {
		print_null(PRINT_ANY, "xdp", "xdp ? ");
		return;
	}
	switch (f.attach_mode) {
	case XDP_ATTACHED_DRV: mode = "native"; break;
	case XDP_ATTACHED_SKB: mode = "generic"; break;
	case XDP_ATTACHED_HW: mode = "offload"; break;
	case XDP_ATTACHED_MULTI: mode = "multi"; break;
	}
	/* [esp] spread: vta_spread on a WAN interface is ours too */
	spread = !f.ours && !strcmp(f.foreign, "vta_spread");
	open_json_object("xdp");
	print_string(PRINT_ANY, "mode", "xdp %s", mode);
	print_bool(PRINT_JSON, "vtiaccel", NULL, f.ours || spread);
	if (f.attach_mode != XDP_ATTACHED_NONE)
		print_text(f.ours ? " (vta_xdp_lan) " : spread ?
			   " (vta_spread: ESP spreading) " : " (not vtiaccel's) ");
	else
		print_text(" ");
	print_string(PRINT_JSON, "driver", NULL, f.driver[0] ? f.driver : NULL);
	if (i->v.role != VTA_ROLE_LAN) {
		/* XDP is for LAN interfaces only */
		print_null(PRINT_JSON, "cause", NULL);
		print_null(PRINT_JSON, "reason", NULL);
		print_null(PRINT_JSON, "fix", NULL);
		print_null(PRINT_JSON, "costs", NULL);
		close_json_object();
		return;
	}
	vta_xdp_diagnose(&f, &d);
	print_string(PRINT_JSON, "cause", NULL, vta_xdp_cause_name(d.cause));
	print_string(PRINT_JSON, "reason", NULL, d.reason);
	print_string(PRINT_JSON, "fix", NULL, d.fix[0] ? d.fix : NULL);
	print_string(PRINT_JSON, "costs", NULL, d.costs[0] ? d.costs : NULL);
	if (d.cause == VTA_XDP_NATIVE) {
		print_text("\n%-10s xdp costs: %s", "", d.costs);
	} else {
		print_text("\n%-10s xdp: %s", "", d.reason);
		if (d.fix[0])
			print_text("; fix: %s", d.fix);
		if (d.cause != VTA_XDP_OFF && d.cause != VTA_XDP_NO_JOB)
			print_text("; tc only");
	}
	close_json_object();
}

static void print_iface(const struct vta_cli_iface *i, const struct vta_config *cfg)
{
	char flags[128], name[64];
	bool tcx;
	__u32 tc_id = vta_hook_query(i->ifindex, false, &tcx);

	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%-10s ", i->name);
	print_uint(PRINT_ANY, "ifindex", "ifindex %-3" PRIu64 " ", i->ifindex);
	print_string(PRINT_ANY, "role", "%-6s ", vta_role_name(i->v.role));
	print_bool(PRINT_JSON, "gone", NULL, i->gone);
	print_uint(PRINT_ANY, "slot", "slot %" PRIu64 " ", i->v.slot);
	print_uint(PRINT_ANY, "mtu", "mtu %" PRIu64 " ", i->v.mtu);
	print_uint(PRINT_ANY, "mss4", "mss ipv4 %" PRIu64, i->v.mss4);
	print_uint(PRINT_ANY, "mss6", " ipv6 %" PRIu64 " ", i->v.mss6);
	if (i->v.role == VTA_ROLE_TUNNEL)
		print_text("mark 0x%x/0x%x ", i->v.mark, i->v.mark_mask);
	print_uint(PRINT_JSON, "mark", NULL, i->v.mark);
	print_uint(PRINT_JSON, "mark_mask", NULL, i->v.mark_mask);
	vta_if_flags_str(i->v.flags, flags, sizeof(flags));
	print_text("<%s>", flags);
	open_json_array("flags");
	{
		char *save = NULL, *tok;

		for (tok = strtok_r(flags, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save))
			print_string(PRINT_JSON, NULL, NULL, tok);
	}
	close_json_array();
	print_nl();
	/* kernel settings that send this interface's traffic to the kernel
	 * (mirrored by the daemon: docs/datapath-notes.md) */
	if (i->v.role == VTA_ROLE_LAN || i->v.role == VTA_ROLE_TUNNEL) {
		print_bool(PRINT_JSON, "ipv4_forwarding", NULL,
			   !(i->v.flags & VTA_IF_F_NO_FWD4));
		print_bool(PRINT_JSON, "ipv6_forwarding", NULL,
			   !(i->v.flags & VTA_IF_F_NO_FWD6));
		print_bool(PRINT_JSON, "rp_filter", NULL,
			   i->v.flags & VTA_IF_F_RP_FILTER);
		if (i->v.flags & VTA_IF_F_NO_FWD4)
			print_text("%-10s net.ipv4.conf.%s.forwarding is 0: IPv4 arriving here goes to the kernel\n",
				   "", i->name);
		if (i->v.flags & VTA_IF_F_NO_FWD6)
			print_text("%-10s net.ipv6.conf.all.forwarding is 0: IPv6 arriving here goes to the kernel\n",
				   "");
		if (i->v.flags & VTA_IF_F_RP_FILTER)
			print_text("%-10s rp_filter on: IPv4 sources not routed back through %s go to the kernel\n",
				   "", i->name);
	}
	print_text("%-10s ", "");
	open_json_object("tc");
	if (tc_id) {
		vta_prog_name_by_id(tc_id, name, sizeof(name));
		print_string(PRINT_ANY, "hook", "%s", tcx ? "tcx" : "tc");
		print_uint(PRINT_ANY, "prog_id", " ingress id %" PRIu64, tc_id);
		print_string(PRINT_ANY, "prog", " %s ", name);
	} else if (i->v.role == VTA_ROLE_WAN &&
		   !(cfg->flags & VTA_CFG_F_ESP_MARK)) {
		/* the daemon attaches vta_wan_in only to mark ESP */
		print_null(PRINT_ANY, "prog_id", "tc none ");
		print_string(PRINT_ANY, "reason", "(no job: ESP marking off) ",
			     "no-job");
	} else {
		print_null(PRINT_ANY, "prog_id", "tc none ");
	}
	close_json_object();
	if (i->v.role == VTA_ROLE_TUNNEL) {
		/* the MSS clamp (vta_tun_out), which outlives the daemon */
		bool out_tcx;
		__u32 out_id = vta_hook_query(i->ifindex, true, &out_tcx);

		open_json_object("tc_egress");
		if (out_id) {
			vta_prog_name_by_id(out_id, name, sizeof(name));
			print_string(PRINT_JSON, "hook", NULL,
				     out_tcx ? "tcx" : "tc");
			print_uint(PRINT_ANY, "prog_id",
				   out_tcx ? "tcx egress id %" PRIu64 :
					     "egress id %" PRIu64,
				   out_id);
			print_string(PRINT_ANY, "prog", " %s ", name);
		} else {
			print_null(PRINT_ANY, "prog_id", "egress none: SYNs the kernel forwards into it are not clamped ");
		}
		close_json_object();
	}
	if (i->v.role == VTA_ROLE_LAN || i->v.role == VTA_ROLE_WAN)
		print_xdp(i, cfg);
	if (i->v.role == VTA_ROLE_TUNNEL)
		vta_live_print(i->ifindex);
	if (i->gone)
		print_text("(interface gone)");
	print_nl();
	close_json_object();
}

/*
 * Exit status of `status` (documented in its help text and the man page):
 * healthy, loaded but the lease is not live (the daemon is dead or never
 * renewed it: every program passes everything to the kernel), nothing
 * loaded, or status could not tell.
 */
enum {
	ST_HEALTHY = 0,
	ST_LEASE_EXPIRED = 1,
	ST_NOT_LOADED = 2,
	ST_ERROR = 3,
	/* the lease is live but the maps lag the kernel: the daemon's map
	 * writes fail, or it knows its mirror is stale (vta_health) */
	ST_DEGRADED = 4,
};

static const char *health_name(int st)
{
	switch (st) {
	case ST_HEALTHY: return "healthy";
	case ST_LEASE_EXPIRED: return "lease-expired";
	case ST_NOT_LOADED: return "not-loaded";
	case ST_DEGRADED: return "degraded";
	default: return "error";
	}
}

/*
 * The daemon's own health (the vta_health map it writes); "daemon": null
 * when there is none (pins of an older vtiaccel, or never written).
 * Returns its VTA_HEALTH_F_* flags.
 */
static __u32 print_daemon(const struct vta_maps *m)
{
	uint64_t now = vta_mono_ns();
	struct vta_health h;
	int c;

	if (vta_health_get(m, &h) || !h.updated_ns) {
		print_null(PRINT_JSON, "daemon", NULL);
		return 0;
	}
	open_json_object("daemon");
	print_uint(PRINT_ANY, "pid", "daemon pid %" PRIu64, h.pid);
	print_float(PRINT_ANY, "uptime_s", ", up %.0f s",
		    h.started_ns && now > h.started_ns ?
		    (now - h.started_ns) / 1e9 : 0.0);
	print_float(PRINT_ANY, "age_s", ", health written %.1f s ago\n",
		    now > h.updated_ns ? (now - h.updated_ns) / 1e9 : 0.0);
	print_text("  resyncs");
	open_json_object("resyncs");
	for (c = 0; c < VTA_RESYNC_MAX; c++) {
		print_text(" %s", vta_resync_cause_name(c));
		print_uint(PRINT_ANY, vta_resync_cause_name(c), " %" PRIu64,
			   h.resyncs[c]);
	}
	close_json_object();
	print_uint(PRINT_ANY, "resync_failures", ", failed %" PRIu64, h.resync_failures);
	if (h.last_sync_end_ns) {
		print_float(PRINT_ANY, "last_sync_ms", "; last full sync %.1f ms",
			    h.last_sync_ns / 1e6);
		print_float(PRINT_ANY, "last_sync_age_s", ", %.0f s ago\n",
			    now > h.last_sync_end_ns ?
			    (now - h.last_sync_end_ns) / 1e9 : 0.0);
	} else {
		print_null(PRINT_JSON, "last_sync_ms", NULL);
		print_null(PRINT_JSON, "last_sync_age_s", NULL);
		print_text("; no full sync completed\n");
	}
	print_uint(PRINT_ANY, "messages", "  netlink messages %" PRIu64, h.msgs);
	print_uint(PRINT_ANY, "bad_messages", ", rejected %" PRIu64, h.bad_msgs);
	print_uint(PRINT_ANY, "write_errors", ", failed map writes %" PRIu64 "\n",
		   h.write_errors);
	print_uint(PRINT_ANY, "routes", "  model: %" PRIu64 " routes", h.routes);
	print_uint(PRINT_ANY, "groups", ", %" PRIu64 " groups", h.groups);
	print_uint(PRINT_ANY, "interfaces", ", %" PRIu64 " interfaces", h.ifaces);
	print_uint(PRINT_ANY, "peers", ", %" PRIu64 " peers\n", h.peers);
	print_float(PRINT_ANY, "renew_lag_ms", "  lease renewal lag %.1f ms",
		    h.renew_lag_ns / 1e6);
	print_float(PRINT_ANY, "renew_lag_max_ms", " (max %.1f ms)\n",
		    h.renew_lag_max_ns / 1e6);
	print_bool(PRINT_JSON, "writes_failing", NULL,
		   h.flags & VTA_HEALTH_F_WRITES_FAILING);
	print_bool(PRINT_JSON, "stale", NULL, h.flags & VTA_HEALTH_F_STALE);
	if (h.flags & VTA_HEALTH_F_WRITES_FAILING)
		print_text("  map writes are failing: the maps lag the kernel (retried every lease renewal; see the daemon's log)\n");
	if (h.flags & VTA_HEALTH_F_STALE)
		print_text("  the mirror is stale: a resync is due (events lost or dumps failing)\n");
	close_json_object();
	return h.flags;
}

/* The lease, and the health it means. */
static int print_lease(const struct vta_config *cfg)
{
	__u64 now = vta_mono_ns();
	int st = ST_LEASE_EXPIRED;

	open_json_object("lease");
	if (!cfg->lease_deadline_ns && (cfg->flags & VTA_CFG_F_RESYNC)) {
		print_string(PRINT_ANY, "state", "lease %s", "withheld");
		print_text(": resync in flight, the maps are not a complete mirror yet; the fast path passes everything to the kernel\n");
	} else if (!cfg->lease_deadline_ns) {
		print_string(PRINT_ANY, "state", "lease %s", "off");
		print_text(": the fast path passes everything to the kernel\n");
	} else if (now <= cfg->lease_deadline_ns) {
		print_string(PRINT_ANY, "state", "lease %s", "valid");
		print_float(PRINT_ANY, "remaining_s", ", %.3f s left\n",
			    (cfg->lease_deadline_ns - now) / 1e9);
		st = ST_HEALTHY;
	} else {
		print_string(PRINT_ANY, "state", "lease %s", "expired");
		print_float(PRINT_ANY, "expired_s", " %.3f s ago: the fast path passes everything to the kernel\n",
			    (now - cfg->lease_deadline_ns) / 1e9);
	}
	close_json_object();
	if (st != ST_HEALTHY && (cfg->flags & VTA_CFG_F_RESYNC) &&
	    !cfg->lease_deadline_ns)
		pr_warn("lease withheld: `vtiaccel run` is writing a full resync\n");
	else if (st != ST_HEALTHY)
		pr_warn("lease %s: the fast path is off (is `vtiaccel run` running?)\n",
			cfg->lease_deadline_ns ? "expired" : "off");
	return st;
}

/*
 * The seed's iptables rules that vtiaccel replaces, if still installed:
 * they would clamp and mark a second time on the kernel path.
 */
static void print_seed_rules(void)
{
	struct vta_seed_rules r;
	int err = vta_seed_rules_scan(&r), i;

	open_json_array("seed_rules");
	for (i = 0; i < r.n; i++) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "backend", "warning: the seed's rule is still installed (iptables %s", r.v[i].backend);
		print_string(PRINT_ANY, "chain", ", -t mangle -A %s", r.v[i].chain);
		print_string(PRINT_ANY, "target", " ... -j %s): vtiaccel replaces it, remove it (docs/guide.md, section 1)\n",
			     r.v[i].target);
		close_json_object();
	}
	close_json_array();
	if (err)
		pr_debug("read the iptables rules: %s\n", strerror(-err));
}

static int print_peer_cb(const void *k, const void *value, void *ctx)
{
	const struct vta_peer_key *key = k;
	const struct vta_peer *v = value;
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN], name[IF_NAMESIZE];
	int family = key->family == VTA_AF_INET6 ? AF_INET6 : AF_INET;

	vta_addr_str(family, (const union vta_addr *)key->local, l, sizeof(l));
	vta_addr_str(family, (const union vta_addr *)key->peer, p, sizeof(p));
	open_json_object(NULL);
	print_string(PRINT_ANY, "peer", "esp peer %s ", p);
	print_string(PRINT_ANY, "local", "local %s ", l);
	print_uint(PRINT_JSON, "mark", NULL, v->mark);
	print_uint(PRINT_JSON, "mask", NULL, v->mask);
	print_text("mark 0x%x/0x%x ", v->mark, v->mask);
	print_string(PRINT_ANY, "tunnel", "tunnel %s ",
		     v->tunnel_ifindex ? vta_cli_ifname(v->tunnel_ifindex, name) : "-");
	print_bool(PRINT_ANY, "esp", "esp %s ", v->flags & VTA_PEER_F_ESP);
	print_bool(PRINT_ANY, "natt", "nat-t %s", v->flags & VTA_PEER_F_NATT);
	print_nl();
	close_json_object();
	return 0;
}

static void print_peers(const struct vta_maps *m)
{
	open_json_array("peers");
	vta_map_walk(m->peers, sizeof(struct vta_peer_key),
		     sizeof(struct vta_peer), print_peer_cb, NULL);
	close_json_array();
}

/*
 * Above this many routes in the maps, the per-prefix count is skipped: it
 * dumps the kernel's whole table (~0.5 s at 1M routes), and status must
 * answer in well under that (issue 14).  `vtiaccel routes` lists the
 * routes left to the kernel (type kernel) at any size.
 */
#define PREFIX_SCAN_MAX 100000

/*
 * The kernel features that make vtiaccel pass traffic: those the daemon
 * switches forwarding off for (looked at again here, in this namespace,
 * with this configuration's netfilter_bypass), and the per-prefix ones
 * the route sync leaves to the kernel (counted as kernel routes; routes:
 * how many the maps hold, -1 unknown).
 */
static void print_kfeatures(const struct vta_config *cfg, long routes)
{
	struct vta_prefix_features pf;
	struct vta_features f;
	int i;

	vta_features_scan(&vta_conf, &f);
	open_json_object("kernel_features");
	print_bool(PRINT_JSON, "forwarding_off", NULL,
		   cfg && (cfg->flags & VTA_CFG_F_KFEATURES));
	print_text("kernel features on the forwarding path that vtiaccel does not mirror: %s\n",
		   f.n ? "" : "none");
	open_json_array("in_use");
	for (i = 0; i < f.n; i++) {
		print_text("  ");
		print_string(PRINT_ANY, NULL, "%s\n", f.what[i]);
	}
	close_json_array();
	if (f.n)
		print_text("  (fast-path forwarding stays off while any of these is in use)\n");
	open_json_array("bypassed");
	for (i = 0; i < f.n_bypassed; i++) {
		print_text("netfilter chain bypassed by configuration: ");
		print_string(PRINT_ANY, NULL, "%s\n", f.bypassed[i]);
	}
	close_json_array();
	open_json_object("per_prefix");
	if (routes > PREFIX_SCAN_MAX) {
		print_string(PRINT_ANY, "skipped",
			     "per prefix, left to the kernel: %s\n",
			     "not counted above 100000 routes (it dumps the "
			     "kernel's table): `vtiaccel routes` shows them as "
			     "kernel");
		close_json_object();
		close_json_object();
		return;
	}
	vta_prefix_features_scan(&vta_conf, &pf);
	if (pf.err) {
		print_string(PRINT_ANY, "error",
			     "per prefix: cannot read table %s", strerror(-pf.err));
		print_text("\n");
	} else {
		print_text("per prefix, left to the kernel (table %u):", vta_conf.table);
		print_uint(PRINT_ANY, "tos", " %" PRIu64 " TOS", pf.tos);
		print_uint(PRINT_ANY, "source_specific",
			   ", %" PRIu64 " IPv6 source-specific", pf.src);
		print_uint(PRINT_ANY, "encap", ", %" PRIu64 " encap", pf.encap);
		print_uint(PRINT_ANY, "reject",
			   ", %" PRIu64 " blackhole/unreachable/prohibit/throw",
			   pf.reject);
		print_text(" routes");
		print_uint(PRINT_ANY, "resilient",
			   ", the routes using %" PRIu64 " resilient nexthop groups",
			   pf.resilient);
		print_text(" (and routes through unmanaged interfaces: `vtiaccel routes` shows them as kernel)\n");
	}
	close_json_object();
	close_json_object();
}

/* What this kernel offers the fast path. */
static void print_features(void)
{
	static const struct {
		const char *name;
		enum bpf_prog_type type;
		enum bpf_func_id fn;
	} helpers[] = {
		{ "redirect_neigh", BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_redirect_neigh },
		{ "check_mtu", BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_check_mtu },
		{ "fib_lookup", BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_fib_lookup },
		{ "xdp_redirect_map", BPF_PROG_TYPE_XDP, BPF_FUNC_redirect_map },
	};
	struct utsname u;
	size_t i;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	print_string(PRINT_ANY, "kernel", "kernel %s\n", u.release);
	open_json_object("features");
	print_text("features");
	print_bool(PRINT_ANY, "tc", " tc %s",
		   libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SCHED_CLS, NULL) > 0);
	print_bool(PRINT_ANY, "xdp", " xdp %s",
		   libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) > 0);
	for (i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++) {
		print_text(" %s", helpers[i].name);
		print_bool(PRINT_ANY, helpers[i].name, " %s",
			   libbpf_probe_bpf_helper(helpers[i].type, helpers[i].fn,
						   NULL) > 0);
	}
	print_nl();
	close_json_object();
}

/*
 * Nothing pinned: the same document with empty contents, so that a
 * monitoring script reads one schema whatever the state.
 */
static int print_not_loaded(const char *root, const char *why)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "pin_root", "maps %s: ", root);
	print_string(PRINT_ANY, "health", "%s\n", health_name(ST_NOT_LOADED));
	print_string(PRINT_JSON, "error", NULL, why);
	open_json_object("lease");
	print_string(PRINT_JSON, "state", NULL, "none");
	close_json_object();
	print_null(PRINT_JSON, "pins_pid", NULL);
	print_null(PRINT_JSON, "config", NULL);
	open_json_array("seed_rules");
	close_json_array();
	print_uint(PRINT_JSON, "routes4", NULL, 0);
	print_uint(PRINT_JSON, "routes6", NULL, 0);
	print_uint(PRINT_JSON, "groups", NULL, 0);
	print_null(PRINT_JSON, "daemon", NULL);
	open_json_array("interfaces");
	close_json_array();
	open_json_array("peers");
	close_json_array();
	print_null(PRINT_JSON, "spread", NULL);
	print_null(PRINT_JSON, "pcrypt", NULL);
	print_kfeatures(NULL, -1);
	print_features();
	close_json_object();
	pr_warn("%s\n", why);
	return ST_NOT_LOADED;
}

int cmd_status(int argc, char **argv)
{
	const char *root = vta_cli_pin_root();
	struct vta_cli_iface *ifs = NULL;
	struct vta_config cfg = {};
	struct vta_maps m;
	char flags[128], why[PATH_MAX + 640];
	long r4, r6, ng;
	int n, i, opt, err, st;
	__u32 dflags;

	while ((opt = vta_cmd_getopt(&vta_cmd_status, argc, argv)) != -1) {
		switch (opt) {
		case 'j':
			vta_print_init(true, false);
			break;
		case 'h':
			return vta_cmd_usage("status", false);
		default:
			vta_cmd_usage("status", true);
			return ST_ERROR;
		}
	}
	if (optind < argc) {
		vta_print_error("status: unexpected argument '%s'", argv[optind]);
		return ST_ERROR;
	}
	err = vta_maps_open_pinned(&m, root);
	if (err == -ENOENT) {
		snprintf(why, sizeof(why), "no vtiaccel maps under %s: %s", root,
			 vta_cli_pins_hint()[0] ? vta_cli_pins_hint() :
			 "is `vtiaccel run` running?");
		return print_not_loaded(root, why);
	}
	if (err) {
		vta_print_error("open the maps pinned under %s: %s", root,
				strerror(-err));
		return ST_ERROR;
	}
	n = vta_cli_ifaces(&m, &ifs);
	err = vta_config_get(&m, &cfg);
	r6 = vta_cli_map_count(m.fib6, sizeof(struct vta_fib6_key));
	/* the count the IPv4 tables keep (fib4.h): one read at any size */
	r4 = vta_fib4_count(&m);
	ng = vta_cli_map_count(m.groups, sizeof(__u32));
	if (n < 0 || err || r4 < 0 || r6 < 0 || ng < 0) {
		vta_print_error("read the maps under %s: %s", root,
				strerror(-(n < 0 ? n : err ? err : r4 < 0 ? r4 :
					  r6 < 0 ? r6 : ng)));
		free(ifs);
		vta_maps_close(&m);
		return ST_ERROR;
	}
	open_json_object(NULL);
	print_string(PRINT_ANY, "pin_root", "maps %s", root);
	if (vta_cli_pins_pid())
		print_int(PRINT_ANY, "pins_pid",
			  " (in the mount namespace of vtiaccel run pid %d)",
			  vta_cli_pins_pid());
	else
		print_null(PRINT_JSON, "pins_pid", NULL);
	print_nl();
	st = print_lease(&cfg);
	dflags = print_daemon(&m);
	if (st == ST_HEALTHY && (dflags & (VTA_HEALTH_F_WRITES_FAILING |
					   VTA_HEALTH_F_STALE))) {
		st = ST_DEGRADED;
		pr_warn("degraded: %s\n", dflags & VTA_HEALTH_F_WRITES_FAILING ?
			"map writes are failing" : "the mirror is stale");
	}
	print_string(PRINT_JSON, "health", NULL, health_name(st));
	vta_cfg_flags_str(cfg.flags, flags, sizeof(flags));
	print_text("config <%s> hash_seed 0x%08x\n", flags, cfg.hash_seed);
	open_json_object("config");
	print_uint(PRINT_JSON, "hash_seed", NULL, cfg.hash_seed);
	print_bool(PRINT_JSON, "forward", NULL, cfg.flags & VTA_CFG_F_FORWARD);
	print_bool(PRINT_JSON, "esp_mark", NULL, cfg.flags & VTA_CFG_F_ESP_MARK);
	print_bool(PRINT_JSON, "xdp_guard", NULL, cfg.flags & VTA_CFG_F_XDP_GUARD);
	print_bool(PRINT_JSON, "xdp", NULL, cfg.flags & VTA_CFG_F_XDP);
	close_json_object();
	if (!(cfg.flags & VTA_CFG_F_FORWARD))
		print_text("forwarding is off: every packet goes to the kernel\n");
	print_seed_rules();
	print_kfeatures(&cfg, r4 + r6);
	print_uint(PRINT_ANY, "routes4", "routes %" PRIu64 " IPv4", r4);
	print_uint(PRINT_ANY, "routes6", ", %" PRIu64 " IPv6", r6);
	print_uint(PRINT_ANY, "groups", ", %" PRIu64 " nexthop groups\n", ng);
	print_text("interfaces:\n");
	open_json_array("interfaces");
	for (i = 0; i < n; i++)
		print_iface(&ifs[i], &cfg);
	close_json_array();
	if (!n)
		print_text("  (none)\n");
	print_peers(&m);
	vta_spread_status(root, ifs, n);
	vta_pcrypt_status();
	print_features();
	close_json_object();
	free(ifs);
	vta_maps_close(&m);
	return st;
}

static const struct vta_cmd_opt status_opts[] = {
	VTA_OPT_JSON("JSON output (also as a global option)"),
	{ 0 },
};

const struct vta_cmd vta_cmd_status = {
	.name = "status",
	.fn = cmd_status,
	.args = "[-j]",
	.summary = "interfaces, attach modes, lease, route counts, kernel features",
	.desc = "Shows the managed interfaces with role, MTU, MSS clamp, flags and "
		"mark, the tc and XDP attachment of each, the lease, the "
		"configuration flags, route and group counts, ESP peers, the "
		"kernel version and the BPF features the fast path uses. With "
		"[esp] spread: its lease, CPUs and queue sizes, each WAN interface "
		"with vta_spread's XDP mode (or the foreign XDP program that keeps "
		"it off), the spread peers and vta_spread's counters (\"spread\", "
		"null when off). The kernel's pcrypt instances ([esp] pcrypt), "
		"with the CPUs they decrypt and encrypt on, their priority "
		"against the plain AEAD's (whether new SAs get them) and their "
		"reference count (\"pcrypt\", null when there is none). On a LAN "
		"interface without native XDP it names the cause (no job: the guard "
		"is off, the default; XDP off by "
		"configuration, MTU above the driver's XDP limit, ENA channels, "
		"another XDP program, generic XDP, no driver support) and the fix; "
		"such an interface runs with tc only; with XDP attached, what it "
		"costs on that driver. The MSS clamps are shown per family (mss "
		"ipv4 N ipv6 N, 0 for none). Exit status: 0 healthy (lease "
		"live); 1 loaded but the lease has expired (the daemon is dead: "
		"traffic takes the kernel path); 2 nothing loaded (no maps under the "
		"pin root); 3 status could not tell (bad arguments or "
		"configuration, unreadable maps); 4 degraded: the lease is live but "
		"the daemon's map writes are failing or it knows its mirror is "
		"stale (the \"daemon\" section: resyncs by cause, netlink messages, "
		"failed writes, last full sync, model sizes, lease renewal lag). "
		"With -j the document has the same "
		"fields in every case, \"health\" naming it; errors are "
		"{\"error\": ...}.",
	.opts = status_opts,
	.needs_conf = true,
};
