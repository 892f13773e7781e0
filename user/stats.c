// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `vtiaccel stats`: the per-CPU counters of vta_stats (and the forwards of
 * vta_fwd_stats) summed per interface slot, named by the X-macro of
 * include/vtiaccel.h (vta_counter_name / vta_counter_help), never by a
 * list of our own.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "liveness.h"
#include "cmd.h"
#include "print.h"
#include "spread.h"

struct slot_stats {
	__u32 slot, ifindex, role;
	char name[IF_NAMESIZE];
	struct vta_stats s;
};

struct snapshot {
	__u64 t_ns;
	int n;
	struct slot_stats v[VTA_STATS_SLOTS];
	bool has_spread;	/* [esp] spread: vta_spread's maps are pinned */
	__u64 spread[SPREAD_NR_COUNTERS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static bool all_zero(const struct vta_stats *s)
{
	int c;

	for (c = 0; c < VTA_COUNTER_MAX; c++)
		if (s->c[c].packets || s->c[c].bytes)
			return false;
	return true;
}

/*
 * Read every slot that belongs to a managed interface, plus any other
 * slot with counts (slot 0: unknown interfaces; slots of interfaces that
 * have gone away keep their counts until the daemon reuses them).
 */
static int snapshot_read(const struct vta_maps *m, const char *only,
			 struct snapshot *snap)
{
	struct vta_fwd_stats *fwd;
	struct vta_cli_iface *ifs;
	int n, i, err;
	__u32 slot;

	fwd = malloc(sizeof(*fwd));
	if (!fwd)
		return -ENOMEM;
	err = vta_fwd_stats_read(m, fwd);
	if (err) {
		free(fwd);
		return err;
	}
	n = vta_cli_ifaces(m, &ifs);
	if (n < 0) {
		free(fwd);
		return n;
	}
	snap->n = 0;
	snap->t_ns = vta_mono_ns();
	for (slot = 0; slot < VTA_STATS_SLOTS; slot++) {
		struct slot_stats *ss = &snap->v[snap->n];
		const struct vta_cli_iface *owner = NULL;

		for (i = 0; i < n; i++)
			if (ifs[i].v.slot == slot)
				owner = &ifs[i];
		memset(ss, 0, sizeof(*ss));
		ss->slot = slot;
		if (owner) {
			ss->ifindex = owner->ifindex;
			ss->role = owner->v.role;
			snprintf(ss->name, sizeof(ss->name), "%s", owner->name);
		} else if (slot == 0) {
			snprintf(ss->name, sizeof(ss->name), "unknown");
		} else {
			snprintf(ss->name, sizeof(ss->name), "slot%u", slot);
		}
		if (only && strcmp(only, ss->name))
			continue;
		err = vta_stats_read_with(m, slot, fwd, &ss->s);
		if (err)
			break;
		if (!owner && all_zero(&ss->s))
			continue;
		snap->n++;
	}
	free(ifs);
	free(fwd);
	return err;
}

static const struct slot_stats *find_slot(const struct snapshot *s, __u32 slot,
					  const char *name)
{
	int i;

	for (i = 0; s && i < s->n; i++)
		if (s->v[i].slot == slot && !strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/* K_TRANSIT: passes of traffic a router forwards, the denominator of the
 * fast-path share (with the forwarded packets).  Not in it: traffic for the
 * gateway itself (BGP over the tunnels, pass_local), non-IP frames (ARP),
 * frames not addressed to the gateway's MAC (pass_not_host: IPv6 neighbour
 * discovery and MLD multicast, broadcasts; the kernel forwards none of them)
 * and the WAN program's passes (it never forwards: its share is "-"). */
enum kind { K_FWD, K_PASS, K_DROP, K_TRANSIT };

static bool is_kind(int c, enum kind k)
{
	switch (k) {
	case K_FWD: return VTA_COUNTER_IS(c, FWD);
	case K_PASS: return VTA_COUNTER_IS(c, PASS);
	case K_TRANSIT: return VTA_COUNTER_IS(c, PASS) && c != VTA_PASS_LOCAL &&
			       c != VTA_PASS_NOT_IP && c != VTA_PASS_NOT_HOST &&
			       c != VTA_PASS_MARK_OFF;
	case K_DROP: return VTA_COUNTER_IS(c, DROP);
	}
	return false;
}

/* By classification, not by position: counters appended to the X-macro
 * after the events (pass_mark_off) still count as what they are. */
static struct vta_counter_val sum(const struct vta_stats *s, enum kind k)
{
	struct vta_counter_val v = {};
	int c;

	for (c = 0; c < VTA_COUNTER_MAX; c++) {
		if (!is_kind(c, k))
			continue;
		v.packets += s->c[c].packets;
		v.bytes += s->c[c].bytes;
	}
	return v;
}

static void print_val(const char *key, const char *label,
		      struct vta_counter_val v)
{
	open_json_object(key);
	print_text("  %-16s", label);
	print_uint(PRINT_ANY, "packets", " %12" PRIu64 " pkts", v.packets);
	print_uint(PRINT_ANY, "bytes", " %14" PRIu64 " bytes", v.bytes);
	close_json_object();
}

static void print_rate(__u64 dp, __u64 db, double dt)
{
	print_float(PRINT_ANY, "pps", "  %10.0f pps", dp / dt);
	print_float(PRINT_ANY, "bps", " %13.0f bit/s", db * 8 / dt);
}

static void print_slot(const struct slot_stats *ss, const struct slot_stats *prev,
		       double dt)
{
	struct vta_counter_val fwd = sum(&ss->s, K_FWD);
	struct vta_counter_val pass = sum(&ss->s, K_PASS);
	struct vta_counter_val drop = sum(&ss->s, K_DROP);
	struct vta_counter_val transit = sum(&ss->s, K_TRANSIT);
	int c;

	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%s", ss->name);
	print_string(PRINT_ANY, "role", " (%s", vta_role_name(ss->role));
	print_uint(PRINT_ANY, "slot", ", slot %" PRIu64 ")", ss->slot);
	print_uint(PRINT_JSON, "ifindex", NULL, ss->ifindex);
	if (ss->role != VTA_ROLE_WAN && fwd.packets + transit.packets)
		print_float(PRINT_ANY, "fast_path_share", "  fast path %.1f%%",
			    100.0 * fwd.packets / (fwd.packets + transit.packets));
	else
		print_null(PRINT_ANY, "fast_path_share", "  fast path -");
	print_nl();
	print_val("forwarded", "forwarded", fwd);
	print_nl();
	print_val("passed", "passed", pass);
	print_nl();
	print_val("dropped", "dropped", drop);
	print_nl();
	open_json_object("counters");
	for (c = 0; c < VTA_COUNTER_MAX; c++) {
		const struct vta_counter_val *v = &ss->s.c[c];

		/* Text shows what happened; JSON has a fixed schema. */
		if (VTA_COUNTER_IS(c, RESERVED) ||
		    (!vta_print_is_json() && !v->packets && !v->bytes))
			continue;
		open_json_object(vta_counter_name(c));
		print_text("    %-18s", vta_counter_name(c));
		print_uint(PRINT_ANY, "packets", " %12" PRIu64 " pkts", v->packets);
		print_uint(PRINT_ANY, "bytes", " %14" PRIu64 " bytes", v->bytes);
		if (prev && dt > 0)
			print_rate(v->packets - prev->s.c[c].packets,
				   v->bytes - prev->s.c[c].bytes, dt);
		print_nl();
		close_json_object();
	}
	close_json_object();
	close_json_object();
}

static void print_ecmp(const struct snapshot *s)
{
	__u64 total = 0;
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		if (s->v[i].role == VTA_ROLE_TUNNEL) {
			total += s->v[i].s.c[VTA_TX].packets;
			n++;
		}
	open_json_array("ecmp");
	if (n)
		/* Packets, not flows: the programs keep no flow state, so one
		 * bulk flow outweighs many small ones (`vtiaccel lookup`
		 * names the tunnel of a given flow). */
		print_text("ECMP balance by packets (each tunnel's share of the packets the fast path sent into tunnels, not of flows):");
	for (i = 0; i < s->n; i++) {
		const struct slot_stats *ss = &s->v[i];

		if (ss->role != VTA_ROLE_TUNNEL)
			continue;
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", " %s", ss->name);
		print_uint(PRINT_JSON, "tx_packets", NULL, ss->s.c[VTA_TX].packets);
		if (total)
			print_float(PRINT_ANY, "share", " %.1f%%",
				    100.0 * ss->s.c[VTA_TX].packets / total);
		else
			print_null(PRINT_ANY, "share", " -");
		close_json_object();
	}
	if (n)
		print_nl();
	close_json_array();
}

/* vta_spread's counters ([esp] spread), null when it is not loaded. */
static void print_spread(const __u64 *now, const __u64 *before, double dt)
{
	unsigned int i;

	if (!now) {
		print_null(PRINT_JSON, "spread", NULL);
		return;
	}
	open_json_object("spread");
	print_text("esp spreading (vta_spread):");
	for (i = 0; i < SPREAD_NR_COUNTERS; i++) {
		print_uint(PRINT_ANY, vta_spread_counter_name(i),
			   i ? ", %" PRIu64 : " %" PRIu64, now[i]);
		print_text(" %s", vta_spread_counter_name(i));
		if (before && dt > 0)
			print_text(" (%.0f/s)", (now[i] - before[i]) / dt);
	}
	print_nl();
	close_json_object();
}

static void print_snapshot(const struct snapshot *s, const struct snapshot *prev)
{
	double dt = prev ? (s->t_ns - prev->t_ns) / 1e9 : 0;
	int i;

	open_json_object(NULL);
	if (prev)
		print_float(PRINT_ANY, "interval_s", "interval %.2f s\n", dt);
	open_json_array("interfaces");
	for (i = 0; i < s->n; i++)
		print_slot(&s->v[i], find_slot(prev, s->v[i].slot, s->v[i].name), dt);
	close_json_array();
	print_ecmp(s);
	print_spread(s->has_spread ? s->spread : NULL,
		     prev && prev->has_spread ? prev->spread : NULL, dt);
	close_json_object();
}

/* Prometheus text exposition format 0.0.4. */
static void label_escaped(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			putchar('\\');
		if (*s == '\n') {
			fputs("\\n", stdout);
			continue;
		}
		putchar(*s);
	}
}

static void print_prometheus(const struct snapshot *s)
{
	static const char *const metric[2] = { "vtiaccel_packets_total",
					       "vtiaccel_bytes_total" };
	static const char *const what[2] = { "Packets", "Bytes" };
	int k, i, c;

	/* One metric per unit; the counter is a label, its meaning below. */
	for (c = 0; c < VTA_COUNTER_MAX; c++)
		if (!VTA_COUNTER_IS(c, RESERVED))
			printf("# counter %s: %s\n", vta_counter_name(c),
			       vta_counter_help(c));
	for (k = 0; k < 2; k++) {
		printf("# HELP %s %s counted by the vtiaccel fast path, by interface and counter.\n",
		       metric[k], what[k]);
		printf("# TYPE %s counter\n", metric[k]);
		for (i = 0; i < s->n; i++)
			for (c = 0; c < VTA_COUNTER_MAX; c++) {
				if (VTA_COUNTER_IS(c, RESERVED))
					continue;
				printf("%s{iface=\"", metric[k]);
				label_escaped(s->v[i].name);
				printf("\",counter=\"%s\"} %" PRIu64 "\n",
				       vta_counter_name(c),
				       k ? (uint64_t)s->v[i].s.c[c].bytes :
					   (uint64_t)s->v[i].s.c[c].packets);
			}
	}
	vta_live_prometheus();	/* per-tunnel liveness, when the daemon runs it */
	if (s->has_spread) {
		printf("# HELP vtiaccel_spread_packets_total ESP spreading (vta_spread on the WAN): packets by verdict.\n"
		       "# TYPE vtiaccel_spread_packets_total counter\n");
		for (c = 0; c < SPREAD_NR_COUNTERS; c++)
			printf("vtiaccel_spread_packets_total{counter=\"%s\"} %" PRIu64 "\n",
			       vta_spread_counter_name(c), (uint64_t)s->spread[c]);
	}
}

static void prom_one(const char *name, const char *type, const char *help,
		     double v)
{
	printf("# HELP %s %s\n# TYPE %s %s\n%s %.9g\n", name, help, name,
	       type, name, v);
}

/* The daemon's own health (vta_health), when it wrote one. */
static void print_prometheus_health(const struct vta_maps *m)
{
	static const char *const kinds[] = { "routes", "groups", "interfaces",
					     "peers" };
	uint64_t now = vta_mono_ns();
	struct vta_health h;
	__u64 sizes[4];
	int c;

	if (vta_health_get(m, &h) || !h.updated_ns)
		return;
	printf("# HELP vtiaccel_daemon_resyncs_total Full resyncs of the route mirror completed, by cause.\n"
	       "# TYPE vtiaccel_daemon_resyncs_total counter\n");
	for (c = 0; c < VTA_RESYNC_MAX; c++)
		printf("vtiaccel_daemon_resyncs_total{cause=\"%s\"} %" PRIu64 "\n",
		       vta_resync_cause_name(c), (uint64_t)h.resyncs[c]);
	prom_one("vtiaccel_daemon_resync_failures_total", "counter",
		 "Full resyncs that failed or stayed interrupted.",
		 h.resync_failures);
	prom_one("vtiaccel_daemon_netlink_messages_total", "counter",
		 "Netlink messages handled (dumps and events).", h.msgs);
	prom_one("vtiaccel_daemon_netlink_bad_messages_total", "counter",
		 "Netlink messages rejected as malformed.", h.bad_msgs);
	prom_one("vtiaccel_daemon_map_write_errors_total", "counter",
		 "BPF map writes that failed (retries included).",
		 h.write_errors);
	prom_one("vtiaccel_daemon_last_sync_seconds", "gauge",
		 "Duration of the last completed full resync.",
		 h.last_sync_ns / 1e9);
	printf("# HELP vtiaccel_daemon_model_entries Entries the daemon keeps in the maps, by kind.\n"
	       "# TYPE vtiaccel_daemon_model_entries gauge\n");
	sizes[0] = h.routes;
	sizes[1] = h.groups;
	sizes[2] = h.ifaces;
	sizes[3] = h.peers;
	for (c = 0; c < 4; c++)
		printf("vtiaccel_daemon_model_entries{kind=\"%s\"} %" PRIu64 "\n",
		       kinds[c], (uint64_t)sizes[c]);
	prom_one("vtiaccel_daemon_lease_renew_lag_seconds", "gauge",
		 "How late the last lease renewal was.", h.renew_lag_ns / 1e9);
	prom_one("vtiaccel_daemon_lease_renew_lag_max_seconds", "gauge",
		 "The largest lease renewal lag since the daemon started.",
		 h.renew_lag_max_ns / 1e9);
	prom_one("vtiaccel_daemon_writes_failing", "gauge",
		 "1 while failed map writes wait for a retry.",
		 !!(h.flags & VTA_HEALTH_F_WRITES_FAILING));
	prom_one("vtiaccel_daemon_stale", "gauge",
		 "1 while the daemon knows its mirror is stale (a resync is due).",
		 !!(h.flags & VTA_HEALTH_F_STALE));
	prom_one("vtiaccel_daemon_health_age_seconds", "gauge",
		 "Seconds since the daemon last wrote its health.",
		 now > h.updated_ns ? (now - h.updated_ns) / 1e9 : 0);
}

int cmd_stats(int argc, char **argv)
{
	struct snapshot *cur = NULL, *prev = NULL, *t;
	const char *only = NULL;
	bool prom = false, clear;
	double watch = 0;
	struct vta_maps m;
	int opt, err, ret = 0;
	char *end;

	while ((opt = vta_cmd_getopt(&vta_cmd_stats, argc, argv)) != -1) {
		switch (opt) {
		case 'w':
			watch = strtod(optarg, &end);
			if (*end || !(watch > 0) || watch > 86400) {
				vta_print_error("stats: --watch %s: must be seconds, > 0",
						optarg);
				return 2;
			}
			break;
		case 'P':
			prom = true;
			break;
		case 'i':
			only = optarg;
			break;
		case 'j':
			vta_print_init(true, false);
			break;
		case 'h':
			return vta_cmd_usage("stats", false);
		default:
			return vta_cmd_usage("stats", true);
		}
	}
	if (optind < argc) {
		vta_print_error("stats: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (prom && vta_print_is_json()) {
		vta_print_error("stats: --prometheus and --json exclude each other");
		return 2;
	}
	if (vta_cli_open_maps(&m))
		return 1;
	cur = calloc(1, sizeof(*cur));
	prev = calloc(1, sizeof(*prev));
	if (!cur || !prev) {
		ret = vta_print_error("stats: out of memory");
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clear = watch && !vta_print_is_json() && !prom && isatty(STDOUT_FILENO);
	for (bool first = true; !stop; first = false) {
		struct timespec ts;

		err = snapshot_read(&m, only, cur);
		cur->has_spread = !err &&
			!vta_spread_counters(vta_cli_pin_root(), cur->spread);
		if (err) {
			ret = vta_print_error("read %s: %s", VTA_MAP_NAME(stats),
					      strerror(-err));
			goto out;
		}
		if (only && !cur->n) {
			ret = vta_print_error("stats: no interface %s in %s",
					      only, VTA_MAP_NAME(ifslot));
			goto out;
		}
		if (clear)
			fputs("\033[H\033[2J", stdout);
		if (prom) {
			print_prometheus(cur);
			print_prometheus_health(&m);
		}
		else
			print_snapshot(cur, first ? NULL : prev);
		if (!watch)
			break;
		if (!clear && !vta_print_is_json() && !prom)
			print_text("\n");
		fflush(stdout);
		t = prev;
		prev = cur;
		cur = t;
		ts.tv_sec = (time_t)watch;
		ts.tv_nsec = (long)((watch - ts.tv_sec) * 1e9);
		/* SIGINT interrupts the sleep and ends the loop. */
		nanosleep(&ts, NULL);
	}
out:
	free(cur);
	free(prev);
	vta_maps_close(&m);
	return ret;
}

static const struct vta_cmd_opt stats_opts[] = {
	{ 'w', "watch", false, "S", "redraw every S seconds (fractions allowed) with packet and bit rates, until interrupted", NULL },
	{ 'P', "prometheus", false, NULL, "Prometheus text exposition of every counter", NULL },
	{ 'i', "iface", false, "NAME", "only this interface", VTA_OPT_IFACE },
	VTA_OPT_JSON("JSON output; with --watch one document per line"),
	{ 0 },
};

const struct vta_cmd vta_cmd_stats = {
	.name = "stats",
	.fn = cmd_stats,
	.args = "[--watch S] [--prometheus] [--iface NAME] [-j]",
	.summary = "counters per interface: forwarded, passed to the kernel and why, drops",
	.desc = "Per interface: packets and bytes forwarded per direction, sent, "
		"passed to the kernel by reason, dropped by reason and events (text "
		"output shows non-zero counters only), the fast-path share "
		"(forwarded / (forwarded + passed transit traffic): traffic for the "
		"gateway itself, non-IP frames, frames not addressed to the gateway "
		"(multicast, broadcast) and the WAN are left out), and the "
		"ECMP balance: each "
		"tunnel's share of the packets the fast path sent into tunnels. "
		"It counts packets, not flows (the programs keep no flow state): "
		"one bulk flow outweighs many small ones; `vtiaccel lookup` names "
		"the tunnel a given flow takes.",
	.opts = stats_opts,
	.needs_conf = true,
};
