// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli.c - `vtiaccel [global options] COMMAND [args]`: dispatch (bpftool
 * style, unique prefixes), global options, the config file, and what the
 * read commands share.  Each command file owns its entry and option
 * table (struct vta_cmd, cli.h), from which user/cmdopt.c drives its
 * getopt, --help, the man page and the bash completion (run and verify
 * take the configuration keys as options too: user/conf.c).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "ifdata.h"
#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "print.h"

struct vta_global vta_g;

const struct vta_cmd *const vta_cmds[] = {
	&vta_cmd_run, &vta_cmd_status, &vta_cmd_stats, &vta_cmd_routes,
	&vta_cmd_lookup, &vta_cmd_verify, &vta_cmd_detach, &vta_cmd_clamp,
	&vta_cmd_version, &vta_cmd_help, NULL,
};

#define N_CMDS ((int)(sizeof(vta_cmds) / sizeof(vta_cmds[0])) - 1)


/* Global options: their getopt and their documentation. */
const struct vta_cmd_opt vta_global_opts[] = {
	{ 'j', "json", true, NULL, "JSON output; errors as {\"error\": ...} on stdout", NULL },
	{ 'p', "pretty", true, NULL, "indented JSON (implies -j)", NULL },
	{ 'v', "verbose", true, NULL, "more detail; -vv adds libbpf's and libxdp's debug output", NULL },
	{ 'c', "config", true, "FILE", "configuration file (default " VTA_CONF_PATH " when it exists)", VTA_OPT_FILE },
	{ 'P', "pin-root", false, "DIR", "bpffs directory of the maps (default from the configuration, else " VTA_PIN_ROOT ")", VTA_OPT_DIR },
	{ 'h', "help", true, NULL, "help", NULL },
	{ 'V', "version", true, NULL, "same as the version command", NULL },
	{ 0 },
};

const struct vta_cmd *vta_cmd_at(int i)
{
	return i >= 0 && i < N_CMDS ? vta_cmds[i] : NULL;
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
		if (!strcmp(vta_cmds[i]->name, name))
			return vta_cmds[i];
		if (strncmp(vta_cmds[i]->name, name, len))
			continue;
		hits++;
		found = vta_cmds[i];
		if (amb && n < amblen)
			n += snprintf(amb + n, amblen - n, "%s%s", n ? ", " : "",
				      vta_cmds[i]->name);
	}
	return hits == 1 ? found : NULL;
}

/* Where the pins of the configured root were found (looked up once). */
static struct {
	char of[PATH_MAX];	/* the configured root they are for */
	int pid;
	char root[PATH_MAX + 64];
	char hint[512];
} pins;

const char *vta_cli_pin_root(void)
{
	const char *root = vta_g.pin_root ? vta_g.pin_root : vta_conf.pin_root;

	if (strcmp(pins.of, root)) {
		snprintf(pins.of, sizeof(pins.of), "%s", root);
		vta_pins_find(root, pins.root, sizeof(pins.root), &pins.pid,
			      pins.hint, sizeof(pins.hint));
	}
	return pins.root;
}

int vta_cli_pins_pid(void)
{
	vta_cli_pin_root();
	return pins.pid;
}

const char *vta_cli_pins_hint(void)
{
	vta_cli_pin_root();
	return pins.hint;
}

int vta_cli_open_maps(struct vta_maps *m)
{
	const char *root = vta_cli_pin_root();
	int err = vta_maps_open_pinned(m, root);

	if (!err)
		return 0;
	if (err == -ENOENT && pins.hint[0])
		vta_print_error("no vtiaccel maps under %s: %s", root, pins.hint);
	else if (err == -ENOENT)
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
	while (!vta_iface_next(m, prev, &next)) {
		key = next;
		prev = &key;
		if (vta_cli_grow((void **)&v, &cap, n, sizeof(*v), 16))
			return -ENOMEM;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].ifindex = key;
		/* Deleted between get_next_key and lookup: skip it. */
		if (vta_iface_lookup(m, key, &v[n].v))
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

#define VTA__FLAG_NAME(id, bit, name) [bit] = name,
const char *const vta_if_flag_names[32] = { VTA_IF_FLAGS(VTA__FLAG_NAME) };
const char *const vta_cfg_flag_names[32] = { VTA_CFG_FLAGS(VTA__FLAG_NAME) };

static void flags_str(__u32 flags, const char *const *names, char *buf,
		      size_t len)
{
	size_t o = 0;
	int i, j;

	buf[0] = '\0';
	for (i = 0; i < 32; i++) {
		if (!(flags & (1U << i)) || !names[i])
			continue;
		if (o && o < len - 1)
			buf[o++] = ',';
		for (j = 0; names[i][j] && o < len - 1; j++)
			buf[o++] = toupper((unsigned char)names[i][j]);
		buf[o < len ? o : len - 1] = '\0';
		flags &= ~(1U << i);
	}
	/* Bits this build does not know about are still shown. */
	if (flags && o < len)
		snprintf(buf + o, len - o, "%s0x%x", o ? "," : "", flags);
}

void vta_if_flags_str(__u32 flags, char *buf, size_t len)
{
	flags_str(flags, vta_if_flag_names, buf, len);
}

void vta_cfg_flags_str(__u32 flags, char *buf, size_t len)
{
	flags_str(flags, vta_cfg_flag_names, buf, len);
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
	while ((opt = vta_opt_getopt(vta_global_opts, "+", argc, argv)) != -1) {
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
			vta_cli_usage(false);
			return 0;
		case 'V':
			vta_print_init(vta_g.json, pretty);
			return cmd_version(1, (char *[]){ "version", NULL });
		default:
			vta_cli_usage(true);
			return 2;
		}
	}
	vta_log_level = vta_g.verbose > 1 ? VTA_LOG_DEBUG + 1 :
			vta_g.verbose ? VTA_LOG_DEBUG : VTA_LOG_WARN;
	vta_print_init(vta_g.json, pretty);
	if (optind >= argc) {
		vta_cli_usage(true);
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
