// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli.c - `vtiaccel [global options] COMMAND [args]`: the command table
 * (bpftool style, unique prefixes), global options, the config file, and
 * the one source of every command's documentation: `vtiaccel help`,
 * `vtiaccel COMMAND --help` and the COMMANDS section of the man page
 * (`vtiaccel help --man`) are all printed from the tables below.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "print.h"

struct vta_global vta_g;

static const struct vta_cmd_opt json_opt[] = {
	{ "-j, --json", "JSON output (also as a global option)" },
	{ NULL, NULL },
};

static const struct vta_cmd_opt stats_opts[] = {
	{ "--watch S", "redraw every S seconds (fractions allowed) with packet and bit rates, until interrupted" },
	{ "--prometheus", "Prometheus text exposition of every counter" },
	{ "--iface NAME", "only this interface" },
	{ "-j, --json", "JSON output; with --watch one document per line" },
	{ NULL, NULL },
};

static const struct vta_cmd_opt routes_opts[] = {
	{ "-4", "IPv4 routes only" },
	{ "-6", "IPv6 routes only" },
	{ "-j, --json", "JSON output" },
	{ NULL, NULL },
};

static const struct vta_cmd_opt lookup_opts[] = {
	{ "--from ADDR", "source address (default: unspecified, 0.0.0.0 or ::)" },
	{ "--proto P", "tcp, udp, icmp or a protocol number (default tcp)" },
	{ "--sport N", "source port (tcp, udp)" },
	{ "--dport N", "destination port (tcp, udp)" },
	{ "--in IFACE", "ingress interface (default: the first LAN interface)" },
	{ "--len N", "IP packet length, checked against the egress MTU" },
	{ "-j, --json", "JSON output" },
	{ NULL, NULL },
};

static const struct vta_cmd_opt detach_opts[] = {
	{ "--pin-root DIR", "pins to remove (also a global option)" },
	{ NULL, NULL },
};

/* run's own switches (user/run.c); the configuration keys follow them. */
static const struct vta_cmd_opt run_opts[] = {
	{ "--set-mss N", "same as --mss-mode fixed --mss N" },
	{ "--no-xdp", "same as --xdp no" },
	{ "--no-sa-aware", "do not derive the MSS clamp from the SAs" },
	{ "--foreground", "accepted for compatibility: run never forks" },
	{ NULL, NULL },
};

static const struct vta_cmd_opt help_opts[] = {
	{ "--man", "print the COMMANDS and OPTIONS sections of the man page (troff)" },
	{ NULL, NULL },
};

static const struct vta_cmd cmds[] = {
	{ "run", cmd_run, "[OPTIONS] [--KEY VALUE]...",
	  "the daemon: load, pin, attach, mirror routes, renew the lease",
	  "Loads the programs, pins the maps under the pin root, attaches to "
	  "the configured interfaces, mirrors the kernel's routes into the "
	  "maps and renews the lease until SIGTERM or SIGINT, then detaches. "
	  "Tells systemd when it is ready (Type=notify). SIGHUP resyncs and "
	  "tries native XDP again where it was refused. XDP on LAN interfaces "
	  "is native only; where the driver refuses, the log names the cause "
	  "and the fix and the interface runs with tc only. A vta_xdp_lan left "
	  "attached by a killed daemon of the same pin root is replaced. Every key of the "
	  "configuration file is also an option of run (--KEY VALUE or "
	  "--KEY=VALUE), which wins over the file; a key given without a value "
	  "(--esp-mark) means yes.",
	  run_opts, true },
	{ "status", cmd_status, "[-j]",
	  "interfaces, attach modes, lease, route counts, kernel features",
	  "Shows the managed interfaces with role, MTU, MSS clamp, flags and "
	  "mark, the tc and XDP attachment of each, the lease, the "
	  "configuration flags, route and group counts, ESP peers, the "
	  "kernel version and the BPF features the fast path uses. On a LAN "
	  "interface without native XDP it names the cause (XDP off by "
	  "configuration, MTU above the driver's XDP limit, ENA channels, "
	  "another XDP program, generic XDP, no driver support) and the fix; "
	  "such an interface runs with tc only. Exit status: 0 healthy (lease "
	  "live); 1 loaded but the lease has expired (the daemon is dead: "
	  "traffic takes the kernel path); 2 nothing loaded (no maps under the "
	  "pin root); 3 status could not tell (bad arguments or "
	  "configuration, unreadable maps). With -j the document has the same "
	  "fields in every case, \"health\" naming it; errors are "
	  "{\"error\": ...}.",
	  json_opt, true },
	{ "stats", cmd_stats, "[--watch S] [--prometheus] [--iface NAME] [-j]",
	  "counters per interface: forwarded, passed to the kernel and why, drops",
	  "Per interface: packets and bytes forwarded per direction, sent, "
	  "passed to the kernel by reason, dropped by reason and events (text "
	  "output shows non-zero counters only), the fast-path share "
	  "(forwarded / (forwarded + passed transit traffic): traffic for the "
	  "gateway itself, non-IP frames and the WAN are left out), and the "
	  "ECMP balance: each "
	  "tunnel's share of the packets sent into tunnels.",
	  stats_opts, true },
	{ "routes", cmd_routes, "[-4|-6] [-j]",
	  "the FIB in the maps, with nexthops by interface name",
	  "Dumps the IPv4 and IPv6 route maps: prefix, type, nexthop group "
	  "and its members (via GATEWAY dev NAME weight W).",
	  routes_opts, true },
	{ "lookup", cmd_lookup, "ADDR [--from ADDR] [--proto P] [--sport N] [--dport N] [--in IFACE] [--len N] [-j]",
	  "explain what the fast path does with a packet",
	  "Follows a packet to ADDR through the maps as the programs do: "
	  "the longest matching prefix, route type, nexthop group, the member "
	  "the flow hash picks (same hash and seed as the programs), the "
	  "egress interface and its state, the MSS a SYN is clamped to, the "
	  "reverse-path check of --from on tunnel ingress, or the counter "
	  "under which the packet is passed to the kernel instead.",
	  lookup_opts, true },
	{ "verify", cmd_verify, "[-j] [--KEY VALUE]...",
	  "compare the maps with the kernel's routes and interfaces",
	  "Compares the maps with the kernel FIB and interfaces and exits "
	  "non-zero on any difference. Takes the configuration options of "
	  "run, so that it judges the same interfaces and table.",
	  json_opt, true },
	{ "detach", cmd_detach, "[--pin-root DIR]",
	  "remove vtiaccel's tc filters, XDP program and pins",
	  "Removes vtiaccel's tc filters (its own handle and priority only) "
	  "from every interface, its XDP program from the libxdp dispatcher "
	  "and the pinned maps and programs. Other filters, programs and "
	  "qdiscs are left alone; an emptied clsact qdisc stays.",
	  detach_opts, true },
	{ "version", cmd_version, "[-j]",
	  "vtiaccel, libbpf and kernel versions", NULL,
	  json_opt, false },
	{ "help", cmd_help, "[COMMAND]",
	  "this help, or one command's", NULL, help_opts, false },
};

#define N_CMDS ((int)(sizeof(cmds) / sizeof(cmds[0])))

/* Global options: the getopt table and their documentation together. */
static const struct option global_long[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "config", required_argument, NULL, 'c' },
	{ "pin-root", required_argument, NULL, 'P' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const struct vta_cmd_opt global_opts[] = {
	{ "-j, --json", "JSON output; errors as {\"error\": ...} on stdout" },
	{ "-p, --pretty", "indented JSON (implies -j)" },
	{ "-v, --verbose", "more detail; -vv adds libbpf's and libxdp's debug output" },
	{ "-c, --config FILE", "configuration file (default " VTA_CONF_PATH " when it exists)" },
	{ "--pin-root DIR", "bpffs directory of the maps (default from the configuration, else " VTA_PIN_ROOT ")" },
	{ "-h, --help", "help" },
	{ "-V, --version", "same as the version command" },
	{ NULL, NULL },
};

const struct vta_cmd *vta_cmd_at(int i)
{
	return i >= 0 && i < N_CMDS ? &cmds[i] : NULL;
}

const struct vta_cmd *vta_cmd_find(const char *name, char *amb, size_t amblen)
{
	const struct vta_cmd *found = NULL;
	size_t len = strlen(name), n = 0;
	int i, hits = 0;

	if (amb && amblen)
		amb[0] = '\0';
	if (!len)
		return NULL;
	for (i = 0; i < N_CMDS; i++) {
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
		if (strncmp(cmds[i].name, name, len))
			continue;
		hits++;
		found = &cmds[i];
		if (amb && n < amblen)
			n += snprintf(amb + n, amblen - n, "%s%s", n ? ", " : "",
				      cmds[i].name);
	}
	return hits == 1 ? found : NULL;
}

/* Wrap text at 72 columns with an indent. */
static void wrap(FILE *f, const char *text, int indent)
{
	const char *s = text;
	int col = indent;

	fprintf(f, "%*s", indent, "");
	while (*s) {
		size_t w = strcspn(s, " ");

		if (col > indent && col + 1 + (int)w > 76) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)w, s);
		col += w;
		s += w;
		s += strspn(s, " ");
	}
	fputc('\n', f);
}

static void opt_line(FILE *f, const char *opt, const char *help)
{
	if (strlen(opt) < 22) {
		fprintf(f, "    %-22s %s\n", opt, help);
	} else {
		fprintf(f, "    %s\n", opt);
		fprintf(f, "    %-22s %s\n", "", help);
	}
}

static void cmd_usage_to(FILE *f, const struct vta_cmd *c)
{
	char opt[64];
	int i;

	fprintf(f, "Usage: vtiaccel [GLOBAL OPTIONS] %s %s\n\n", c->name, c->args);
	wrap(f, c->desc ? c->desc : c->summary, 2);
	if (c->opts)
		fputc('\n', f);
	for (i = 0; c->opts && c->opts[i].opt; i++)
		opt_line(f, c->opts[i].opt, c->opts[i].help);
	/* run's options are the configuration keys: one table, conf.c. */
	if (c->fn == cmd_run)
		for (i = 0; vta_conf_flag_name(i); i++) {
			snprintf(opt, sizeof(opt), "--%s VALUE", vta_conf_flag_name(i));
			opt_line(f, opt, vta_conf_flag_help(i));
		}
}

int vta_cmd_usage(const char *name, bool error)
{
	const struct vta_cmd *c = vta_cmd_find(name, NULL, 0);

	if (!c)
		return 2;
	/* Under -j a usage error is still one JSON document on stdout. */
	if (error && vta_print_is_json())
		vta_print_error("%s: bad arguments: see `vtiaccel help %s`",
				c->name, c->name);
	cmd_usage_to(error ? stderr : stdout, c);
	return error ? 2 : 0;
}

static void usage_to(FILE *f)
{
	int i;

	fprintf(f, "Usage: vtiaccel [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		   "Commands (any unique prefix will do):\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "    %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nGlobal options:\n");
	for (i = 0; global_opts[i].opt; i++)
		opt_line(f, global_opts[i].opt, global_opts[i].help);
	fprintf(f, "\n`vtiaccel help COMMAND` or `vtiaccel COMMAND --help` for a command's options.\n");
}

/* troff: escape backslashes and dashes, keep a leading dot literal. */
static void man_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else
			fputc(*s, stdout);
	}
}

static void man_opt(const char *opt, const char *help)
{
	fputs(".TP\n.B ", stdout);
	man_text(opt);
	fputc('\n', stdout);
	man_text(help);
	fputc('\n', stdout);
}

static void print_man(void)
{
	char opt[64];
	int i, j;

	fputs(".SH OPTIONS\n", stdout);
	for (i = 0; global_opts[i].opt; i++)
		man_opt(global_opts[i].opt, global_opts[i].help);
	fputs(".SH COMMANDS\n", stdout);
	for (i = 0; i < N_CMDS; i++) {
		const struct vta_cmd *c = &cmds[i];

		fputs(".SS \"", stdout);
		man_text(c->name);
		fputc(' ', stdout);
		man_text(c->args);
		fputs("\"\n", stdout);
		man_text(c->desc ? c->desc : c->summary);
		fputc('\n', stdout);
		for (j = 0; c->opts && c->opts[j].opt; j++)
			man_opt(c->opts[j].opt, c->opts[j].help);
		if (c->fn != cmd_run)
			continue;
		for (j = 0; vta_conf_flag_name(j); j++) {
			snprintf(opt, sizeof(opt), "--%s VALUE", vta_conf_flag_name(j));
			man_opt(opt, vta_conf_flag_help(j));
		}
	}
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--man")) {
		print_man();
		return 0;
	}
	if (argc > 1) {
		char amb[128];
		const struct vta_cmd *c = vta_cmd_find(argv[1], amb, sizeof(amb));

		if (!c)
			return vta_print_error("help: unknown command '%s'%s%s%s",
					       argv[1], amb[0] ? " (ambiguous: " : "",
					       amb, amb[0] ? ")" : "") + 1;
		cmd_usage_to(stdout, c);
		return 0;
	}
	usage_to(stdout);
	return 0;
}

const char *vta_cli_pin_root(void)
{
	return vta_g.pin_root ? vta_g.pin_root : vta_conf.pin_root;
}

int vta_cli_open_maps(struct vta_maps *m)
{
	const char *root = vta_cli_pin_root();
	int err = vta_maps_open_pinned(m, root);

	if (!err)
		return 0;
	if (err == -ENOENT)
		vta_print_error("no vtiaccel maps under %s: is `vtiaccel run` running?",
				root);
	else
		vta_print_error("open the maps pinned under %s: %s", root,
				strerror(-err));
	return err;
}

const char *vta_cli_ifname(__u32 ifindex, char buf[IF_NAMESIZE])
{
	if (!ifindex || !if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

__u32 vta_cli_ifindex(const char *name)
{
	char *end;
	unsigned long n = if_nametoindex(name);

	if (n)
		return n;
	n = strtoul(name, &end, 10);
	return (*name && !*end && n <= UINT32_MAX) ? n : 0;
}

static int cmp_iface(const void *a, const void *b)
{
	const struct vta_cli_iface *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

int vta_cli_grow(void **v, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	nv = realloc(*v, ncap * size);
	if (!nv) {
		free(*v);
		*v = NULL;
		return -ENOMEM;
	}
	*v = nv;
	*cap = ncap;
	return 0;
}

int vta_cli_ifaces(const struct vta_maps *m, struct vta_cli_iface **out)
{
	struct vta_cli_iface *v = NULL;
	__u32 key, next, *prev = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	while (!bpf_map_get_next_key(m->ifaces, prev, &next)) {
		key = next;
		prev = &key;
		if (vta_cli_grow((void **)&v, &cap, n, sizeof(*v), 16))
			return -ENOMEM;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].ifindex = key;
		/* Deleted between get_next_key and lookup: skip it. */
		if (bpf_map_lookup_elem(m->ifaces, &key, &v[n].v))
			continue;
		v[n].gone = !if_indextoname(key, v[n].name);
		if (v[n].gone)
			snprintf(v[n].name, sizeof(v[n].name), "if%u", key);
		n++;
	}
	if (errno != ENOENT) {
		int err = -errno;

		free(v);
		return err;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_iface);
	*out = v;
	return n;
}

const char *vta_nh_kind_name(__u8 kind)
{
	switch (kind) {
	case VTA_NH_TUNNEL: return "tunnel";
	case VTA_NH_NEIGH: return "neigh";
	default: return "?";
	}
}

const char *vta_rt_type_name(__u8 type)
{
	switch (type) {
	case VTA_RT_UNICAST: return "unicast";
	case VTA_RT_LOCAL: return "local";
	case VTA_RT_KERNEL: return "kernel";
	default: return "?";
	}
}

static void flags_str(__u32 flags, const char *const *names, int n,
		      char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!(flags & (1U << i)))
			continue;
		o += snprintf(buf + o, o < len ? len - o : 0, "%s%s",
			      o ? "," : "", names[i]);
		flags &= ~(1U << i);
	}
	/* Bits this build does not know about are still shown. */
	if (flags && o < len)
		snprintf(buf + o, len - o, "%s0x%x", o ? "," : "", flags);
}

void vta_if_flags_str(__u32 flags, char *buf, size_t len)
{
	static const char *const names[] = {
		"UP", "SA_UP", "CLEAR_MARK", "RPF_STRICT", "CLAMP_IN", "L2",
	};

	flags_str(flags, names, 6, buf, len);
}

void vta_cfg_flags_str(__u32 flags, char *buf, size_t len)
{
	static const char *const names[] = { "FORWARD", "ESP_MARK", "XDP_GUARD",
					     "XDP", "RESYNC", "KFEATURES" };

	flags_str(flags, names, 6, buf, len);
}

__u64 vta_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int load_conf(void)
{
	const char *path = vta_g.conf_path;
	char err[1024];
	int ret;

	/* vta_cli_main() has set the defaults: the file overrides them. */
	if (!path) {
		if (access(VTA_CONF_PATH, F_OK))
			return 0;
		path = VTA_CONF_PATH;
	}
	ret = vta_conf_load(&vta_conf, path, err, sizeof(err));
	if (ret)
		vta_print_error("%s", err);
	return ret;
}

int vta_cli_main(int argc, char **argv)
{
	const struct vta_cmd *c;
	char amb[128];
	bool pretty = false;
	int opt;

	vta_log_setup_libbpf();
	vta_conf_defaults(&vta_conf);
	/* '+': stop at the command, its options are its own. */
	while ((opt = getopt_long(argc, argv, "+jpvc:hV", global_long, NULL)) != -1) {
		switch (opt) {
		case 'j':
			vta_g.json = true;
			break;
		case 'p':
			vta_g.json = pretty = true;
			break;
		case 'v':
			vta_g.verbose++;
			break;
		case 'c':
			vta_g.conf_path = optarg;
			break;
		case 'P':
			vta_g.pin_root = optarg;
			break;
		case 'h':
			usage_to(stdout);
			return 0;
		case 'V':
			vta_print_init(vta_g.json, pretty);
			return cmd_version(1, (char *[]){ "version", NULL });
		default:
			usage_to(stderr);
			return 2;
		}
	}
	vta_log_level = vta_g.verbose > 1 ? VTA_LOG_DEBUG + 1 :
			vta_g.verbose ? VTA_LOG_DEBUG : VTA_LOG_WARN;
	vta_print_init(vta_g.json, pretty);
	if (optind >= argc) {
		usage_to(stderr);
		return 2;
	}
	c = vta_cmd_find(argv[optind], amb, sizeof(amb));
	if (!c) {
		if (amb[0])
			vta_print_error("'%s' is ambiguous: %s", argv[optind], amb);
		else
			vta_print_error("unknown command '%s' (try `vtiaccel help`)",
					argv[optind]);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return vta_cmd_usage(c->name, false);
	if (c->needs_conf && load_conf())
		/* status: 1 and 2 are states of the fast path, not errors */
		return c->fn == cmd_status ? 3 : 1;
	/* Subcommands parse their own options from argv[1]. */
	optind = 0;
	return c->fn(argc, argv);
}
