// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * conf.c - /etc/vtiaccel.conf (INI, parsed by inih) and the matching
 * command-line flags of `run`.  Every key is validated in one place,
 * vta_conf_set(), whichever way it arrives; settings that only make sense
 * together are checked once everything is set, by vta_conf_check().
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>

#include "conf.h"
#include "netlink.h"
#include "vtiaccel.h"

struct vta_conf vta_conf;

/* The kernel's limits for an MSS: TCP_MIN_MSS and 65535 - 40. */
#define MSS_MIN		88
#define MSS_MAX		65495

static const char *const mss_mode_names[] = {
	[VTA_MSS_OFF] = "off",
	[VTA_MSS_PMTU] = "pmtu",
	[VTA_MSS_SA] = "sa",
	[VTA_MSS_FIXED] = "fixed",
};

const char *vta_mss_mode_name(enum vta_mss_mode m)
{
	return (unsigned)m < sizeof(mss_mode_names) / sizeof(mss_mode_names[0]) ?
	       mss_mode_names[m] : "?";
}

void vta_conf_defaults(struct vta_conf *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	strcpy(c->pin_root, VTA_PIN_ROOT);
	c->tunnel.n = 2;
	strcpy(c->tunnel.pat[0], "vti*");
	strcpy(c->tunnel.pat[1], "xfrm*");
	c->table = 254;
	c->mss_mode = VTA_MSS_SA;
	c->clamp_in = true;
	c->xdp = true;
	c->lease_ms = 3000;
	c->renew_ms = 1000;
	c->nl_rcvbuf = 32 << 20;
	c->live = true;
	c->live_interval_ms = 100;
	c->live_deadline_ms = 400;
	c->live_misses = 3;
	c->live_rise = 3;
	for (i = 0; i < VTA_CONF_W_MAX; i++)
		strcpy(c->where[i], "default");
}

/* ------------------------------------------------------------------ */
/* Value parsers: 0 or -EINVAL with the reason in err.                  */

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_u32(const char *v, uint32_t min, uint32_t max, uint32_t *out,
		     char *err, size_t errlen)
{
	unsigned long long n;
	char *end;

	/* strtoull accepts "-1" as a huge number: refuse signs outright. */
	while (*v == ' ' || *v == '\t')
		v++;
	if (!*v || *v == '-' || *v == '+')
		return fail(err, errlen, "not a number");
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || end == v || *end)
		return fail(err, errlen, "not a number");
	if (n < min || n > max)
		return fail(err, errlen, "must be %u..%u", min, max);
	*out = n;
	return 0;
}

/* One of two words: *out = false for the first, true for the second. */
static int parse_either(const char *v, const char *first,
			const char *second, bool *out, char *err,
			size_t errlen)
{
	if (strcmp(v, first) && strcmp(v, second))
		return fail(err, errlen, "must be %s or %s", first, second);
	*out = !strcmp(v, second);
	return 0;
}

static int parse_attach(const char *v, enum vta_attach_mode *out, char *err,
			size_t errlen)
{
	if (!strcmp(v, "auto"))
		*out = VTA_ATTACH_AUTO;
	else if (!strcmp(v, "tc"))
		*out = VTA_ATTACH_TC;
	else if (!strcmp(v, "tcx"))
		*out = VTA_ATTACH_TCX;
	else
		return fail(err, errlen, "must be auto, tc or tcx");
	return 0;
}

static int parse_bool(const char *v, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(err, errlen, "must be yes or no");
}

/*
 * A list of names or patterns; with append, added to what p holds (a
 * repeated command-line flag), a name already there not twice.
 */
static int parse_patterns(const char *v, struct vta_patterns *p, bool append,
			  char *err, size_t errlen)
{
	struct vta_patterns n = { 0 };
	const char *s = v;
	int i;

	if (append)
		n = *p;
	while (*s) {
		size_t len = strcspn(s, " \t,");

		if (len) {
			for (i = 0; i < n.n; i++)
				if (strlen(n.pat[i]) == len &&
				    !strncmp(n.pat[i], s, len))
					break;
			if (i < n.n) {
				s += len;
				continue;
			}
			if (n.n == VTA_CONF_MAX_PATTERNS)
				return fail(err, errlen,
					    "more than %d interface patterns",
					    VTA_CONF_MAX_PATTERNS);
			if (len >= IFNAMSIZ)
				return fail(err, errlen,
					    "'%.*s' is longer than an interface name (%d)",
					    (int)len, s, IFNAMSIZ - 1);
			memcpy(n.pat[n.n], s, len);
			n.pat[n.n][len] = '\0';
			n.n++;
			s += len;
		}
		s += strspn(s, " \t,");
	}
	*p = n;
	return 0;
}

/* "inet/filter/forward iptables/filter/FORWARD": FAMILY/TABLE/CHAIN. */
static int parse_chains(const char *v, struct vta_conf *c, char *err,
			size_t errlen)
{
	static const char *const fams[] = { "ip", "ip6", "inet", "iptables",
					    "ip6tables" };
	char names[VTA_CONF_MAX_PATTERNS][64];
	const char *s = v;
	int n = 0;

	while (*s) {
		size_t len = strcspn(s, " \t,"), i;
		const char *slash, *slash2;

		if (len) {
			if (n == VTA_CONF_MAX_PATTERNS)
				return fail(err, errlen, "more than %d chains",
					    VTA_CONF_MAX_PATTERNS);
			if (len >= sizeof(names[0]))
				return fail(err, errlen, "'%.*s' is too long",
					    (int)len, s);
			memcpy(names[n], s, len);
			names[n][len] = '\0';
			slash = strchr(names[n], '/');
			slash2 = slash ? strchr(slash + 1, '/') : NULL;
			for (i = 0; slash && i < sizeof(fams) / sizeof(fams[0]); i++)
				if ((size_t)(slash - names[n]) == strlen(fams[i]) &&
				    !strncmp(names[n], fams[i], strlen(fams[i])))
					break;
			if (!slash || !slash2 || slash2 == slash + 1 ||
			    !slash2[1] || strchr(slash2 + 1, '/') ||
			    i == sizeof(fams) / sizeof(fams[0]))
				return fail(err, errlen,
					    "'%s' is not FAMILY/TABLE/CHAIN with FAMILY ip, ip6, inet, iptables or ip6tables",
					    names[n]);
			n++;
			s += len;
		}
		s += strspn(s, " \t,");
	}
	memcpy(c->nf_bypass, names, sizeof(names));
	c->n_nf_bypass = n;
	return 0;
}

static int parse_table(const char *v, uint32_t *out, char *err, size_t errlen)
{
	if (!strcmp(v, "main")) {
		*out = 254;
		return 0;
	}
	if (!strcmp(v, "default")) {
		*out = 253;
		return 0;
	}
	if (parse_u32(v, 1, UINT32_MAX, out, err, errlen))
		return fail(err, errlen, "must be main, default or 1..%u",
			    UINT32_MAX);
	return 0;
}

/* "100", "100/0xffffffff", "0x64/0xff" as iptables --set-xmark. */
static int parse_mark(const char *v, uint32_t *mark, uint32_t *mask,
		      char *err, size_t errlen)
{
	char buf[64], *slash;

	if (strlen(v) >= sizeof(buf))
		return fail(err, errlen, "must be MARK or MARK/MASK");
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (parse_u32(buf, 0, UINT32_MAX, mark, err, errlen) ||
	    (slash && parse_u32(slash, 1, UINT32_MAX, mask, err, errlen)))
		return fail(err, errlen, "must be MARK or MARK/MASK (32-bit numbers, mask not 0)");
	if (!slash)
		*mask = UINT32_MAX;
	return 0;
}

/* "0-3", "1,2", "0-1,4": distinct CPU ids below VTA_SPREAD_CPUMAP_MAX,
 * at most cap of them, into ids[*n] in the given order. */
static int parse_cpu_list(const char *v, uint32_t *ids, uint32_t cap,
			  uint32_t *n, char *err, size_t errlen)
{
	const char *p = v;

	*n = 0;
	while (*p) {
		unsigned long a, b, i, j;
		char *end;

		if (*p < '0' || *p > '9')
			return fail(err, errlen, "'%s' is not a CPU list (e.g. 0-3 or 1,2)", v);
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return fail(err, errlen, "'%s' is not a CPU list (e.g. 0-3 or 1,2)", v);
			b = strtoul(p, &end, 10);
		}
		if (b < a)
			return fail(err, errlen, "'%s': range %lu-%lu is backwards", v, a, b);
		if (b >= VTA_SPREAD_CPUMAP_MAX)
			return fail(err, errlen, "'%s': CPU %lu above %u", v, b,
				    VTA_SPREAD_CPUMAP_MAX - 1);
		for (i = a; i <= b; i++) {
			for (j = 0; j < *n; j++)
				if (ids[j] == i)
					return fail(err, errlen, "'%s': CPU %lu listed twice", v, i);
			if (*n == cap)
				return fail(err, errlen, "'%s': more than %u CPUs", v, cap);
			ids[(*n)++] = i;
		}
		p = end;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return fail(err, errlen, "'%s' is not a CPU list (e.g. 0-3 or 1,2)", v);
	}
	if (!*n)
		return fail(err, errlen, "no CPU listed");
	return 0;
}

/* no | cpus LIST [block N] [qsize N] [xdp generic|native]; a tunnel's
 * (tunnel): no | cpus LIST [block N] (one CPUMAP, one XDP attachment) */
static int parse_spread(const char *v, struct vta_spread_conf *out,
			bool tunnel, char *err, size_t errlen)
{
	const char *usage = tunnel ?
		"must be no or \"cpus LIST [block N]\" (qsize and xdp are [esp] spread's)" :
		"must be no or \"cpus LIST [block N] [qsize N] [xdp generic|native]\"";
	struct vta_spread_conf s = { 0 };
	char buf[256], *tok, *arg, *save = NULL;
	bool yes;
	uint32_t n;

	if (!parse_bool(v, &yes, err, errlen) && !yes) {
		*out = s;
		return 0;
	}
	if (strlen(v) >= sizeof(buf))
		return fail(err, errlen, "too long");
	strcpy(buf, v);
	tok = strtok_r(buf, " \t", &save);
	if (!tok || strcmp(tok, "cpus"))
		return fail(err, errlen, "%s", usage);
	arg = strtok_r(NULL, " \t", &save);
	if (!arg)
		return fail(err, errlen, "cpus: needs a CPU list (e.g. 0-3 or 1,2)");
	if (parse_cpu_list(arg, s.cpus, VTA_SPREAD_MAX_CPUS, &s.ncpus, err,
			   errlen))
		return -EINVAL;
	/* Blocks of 64 sequence numbers: measured with 7x less inner TCP
	 * reordering than alternating every packet (docs/esp-spread.md). */
	s.block_shift = VTA_SPREAD_BLOCK_SHIFT;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		arg = strtok_r(NULL, " \t", &save);
		if (!arg)
			return fail(err, errlen, "%s: needs a value (%s)", tok, usage);
		if (!strcmp(tok, "block")) {
			if (parse_u32(arg, 1, 1U << 16, &n, err, errlen) ||
			    (n & (n - 1)))
				return fail(err, errlen,
					    "block %s: must be a power of two, 1..65536 (consecutive sequence numbers per CPU)",
					    arg);
			for (s.block_shift = 0; (1U << s.block_shift) < n;)
				s.block_shift++;
		} else if (tunnel) {
			return fail(err, errlen, "%s: not here (%s)", tok, usage);
		} else if (!strcmp(tok, "qsize")) {
			/* The kernel's CPUMAP limit (kernel/bpf/cpumap.c). */
			if (parse_u32(arg, 8, 16384, &s.qsize, err, errlen))
				return fail(err, errlen,
					    "qsize %s: must be 8..16384 (packets queued per CPU)",
					    arg);
		} else if (!strcmp(tok, "xdp")) {
			if (!strcmp(arg, "generic"))
				s.xdp = VTA_SPREAD_XDP_GENERIC;
			else if (!strcmp(arg, "native"))
				s.xdp = VTA_SPREAD_XDP_NATIVE;
			else
				return fail(err, errlen, "xdp %s: must be generic or native", arg);
		} else {
			return fail(err, errlen, "unknown word '%s' (%s)", tok, usage);
		}
	}
	*out = s;
	return 0;
}

uint32_t vta_spread_qsize(const struct vta_spread_conf *s)
{
	uint32_t q;

	if (s->qsize || !s->ncpus)
		return s->qsize;
	/* Keeps the reorder distance (<= qsize x ncpus) within half of a
	 * 1024-packet replay window (docs/esp-spread.md). */
	q = 512 / s->ncpus;
	return q < 8 ? 8 : q;
}

/* "cpus 1-3,6 block 64" ("no" when off) into buf; its length. */
static size_t spread_cpus_str(const struct vta_spread_conf *s, char *buf,
			      size_t len)
{
	size_t n;
	uint32_t i, j;

	if (!s->ncpus)
		return snprintf(buf, len, "no");
	n = snprintf(buf, len, "cpus ");
	for (i = 0; i < s->ncpus && n < len; i = j + 1) {
		/* runs of consecutive ids as ranges */
		for (j = i; j + 1 < s->ncpus && s->cpus[j + 1] == s->cpus[j] + 1;)
			j++;
		if (j > i)
			n += snprintf(buf + n, len - n, "%s%u-%u", i ? "," : "",
				      s->cpus[i], s->cpus[j]);
		else
			n += snprintf(buf + n, len - n, "%s%u", i ? "," : "",
				      s->cpus[i]);
	}
	if (n < len)
		n += snprintf(buf + n, len - n, " block %u",
			      1U << s->block_shift);
	return n;
}

void vta_spread_conf_str(const struct vta_spread_conf *s, char *buf,
			 size_t len)
{
	size_t n = spread_cpus_str(s, buf, len);

	if (s->ncpus && n < len)
		snprintf(buf + n, len - n, " qsize %u xdp %s",
			 vta_spread_qsize(s),
			 s->xdp == VTA_SPREAD_XDP_NATIVE ? "native" : "generic");
}

void vta_tunnel_spread_str(const struct vta_spread_conf *s, char *buf,
			   size_t len)
{
	spread_cpus_str(s, buf, len);
}

/* no | cpus LIST: a mask of CPUs below 64 */
static int parse_pcrypt(const char *v, struct vta_pcrypt_conf *out, char *err,
			size_t errlen)
{
	uint32_t ids[VTA_SPREAD_CPUMAP_MAX], n, i;
	const char *list;
	bool yes;

	if (!parse_bool(v, &yes, err, errlen) && !yes) {
		out->cpus = 0;
		out->retire = true;
		return 0;
	}
	out->retire = false;
	if (strncmp(v, "cpus", 4) || (v[4] != ' ' && v[4] != '\t'))
		return fail(err, errlen, "must be no or \"cpus LIST\" (e.g. cpus 1-3)");
	for (list = v + 4; *list == ' ' || *list == '\t';)
		list++;
	if (!*list)
		return fail(err, errlen, "cpus: needs a CPU list (e.g. 0-3 or 1,2)");
	if (parse_cpu_list(list, ids, VTA_SPREAD_CPUMAP_MAX, &n, err, errlen))
		return -EINVAL;
	out->cpus = 0;
	for (i = 0; i < n; i++)
		out->cpus |= 1ULL << ids[i];
	return 0;
}

/*
 * The AEADs pcrypt wraps by default: the seed's (aes128-cbc + hmac-sha1),
 * the same with SHA-256, and AES-GCM (rfc4106): the names esp4 asks the
 * crypto API for (esp_init_authenc(), esp_init_aead()).
 */
static const char *const pcrypt_default_algs[] = {
	"authenc(hmac(sha1),cbc(aes))",
	"authenc(hmac(sha256),cbc(aes))",
	"rfc4106(gcm(aes))",
};

int vta_pcrypt_algs(const struct vta_pcrypt_conf *p,
		    const char *out[VTA_PCRYPT_MAX_ALGS])
{
	int i, n;

	if (!p->n_algs) {
		n = sizeof(pcrypt_default_algs) / sizeof(pcrypt_default_algs[0]);
		for (i = 0; i < n; i++)
			out[i] = pcrypt_default_algs[i];
		return n;
	}
	for (i = 0; i < p->n_algs; i++)
		out[i] = p->algs[i];
	return p->n_algs;
}

/* ALG...: crypto API names, e.g. authenc(hmac(sha1),cbc(aes)) */
static int parse_pcrypt_algs(const char *v, struct vta_pcrypt_conf *out,
			     char *err, size_t errlen)
{
	struct vta_pcrypt_conf p = *out;
	const char *s = v, *e, *c;
	int depth;

	p.n_algs = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		for (e = s; *e && *e != ' ' && *e != '\t';)
			e++;
		if (p.n_algs == VTA_PCRYPT_MAX_ALGS)
			return fail(err, errlen, "more than %d algorithms",
				    VTA_PCRYPT_MAX_ALGS);
		if ((size_t)(e - s) >= VTA_PCRYPT_NAME_MAX)
			return fail(err, errlen, "'%.*s': longer than %d characters",
				    (int)(e - s), s, VTA_PCRYPT_NAME_MAX - 1);
		/* what the crypto API's names are made of, parentheses
		 * balanced: authenc(hmac(sha1),cbc(aes)) */
		for (c = s, depth = 0; c < e && depth >= 0; c++) {
			/* a name before "(", an argument before "," and ")" */
			if (strchr("(,)", *c) &&
			    (c == s || strchr("(,", c[-1]) ||
			     (*c == '(' && c[-1] == ')')))
				break;
			if (*c == '(')
				depth++;
			else if (*c == ')')
				depth--;
			else if (*c == ',' && !depth)
				break;
			else if (!isalnum((unsigned char)*c) && !strchr(",-_", *c))
				break;
		}
		if (c < e || depth)
			return fail(err, errlen,
				    "'%.*s' is not a crypto algorithm name (e.g. authenc(hmac(sha1),cbc(aes)) or rfc4106(gcm(aes)))",
				    (int)(e - s), s);
		memcpy(p.algs[p.n_algs], s, e - s);
		p.algs[p.n_algs++][e - s] = '\0';
		s = e;
	}
	if (!p.n_algs)
		return fail(err, errlen, "no algorithm listed");
	*out = p;
	return 0;
}

void vta_cpumask_str(uint64_t m, char *buf, size_t len)
{
	size_t n = 0;
	int i, j;

	buf[0] = '\0';
	if (!m) {
		snprintf(buf, len, "none");
		return;
	}
	for (i = 0; i < 64 && n < len; i = j + 1) {
		if (!(m & (1ULL << i))) {
			j = i;
			continue;
		}
		for (j = i; j + 1 < 64 && (m & (1ULL << (j + 1)));)
			j++;
		n += snprintf(buf + n, len - n, j > i ? "%s%d-%d" : "%s%d",
			      n ? "," : "", i, j);
	}
}

/* ------------------------------------------------------------------ */
/* The key table: section, key, flag, help.                              */

enum key_id {
	K_PIN_ROOT, K_LAN, K_WAN, K_TUNNEL, K_TABLE, K_MSS_MODE, K_MSS_VALUE,
	K_CLAMP_IN, K_ESP_MARK, K_RPF, K_XDP, K_XDP_GUARD, K_HASH_SEED,
	K_LEASE, K_RENEW, K_RCVBUF, K_NF_BYPASS, K_PEER_LOCAL, K_PEER_MARK,
	K_LIVE, K_LIVE_INTERVAL, K_LIVE_DEADLINE, K_LIVE_MISSES, K_LIVE_RISE,
	K_TUNNEL_PROBE, K_TUNNEL_SPREAD, K_SPREAD, K_SPREAD_TUNNELS, K_PCRYPT,
	K_PCRYPT_ALGS, K_PCRYPT_KERNEL_OK, K_ATTACH, K_MAX
};

static const struct conf_key {
	const char *section, *key, *flag, *help;
} keys[K_MAX] = {
	[K_PIN_ROOT] = { "general", "pin_root", "pin-root",
		"bpffs directory for maps and programs (" VTA_PIN_ROOT ")" },
	[K_LAN] = { "interfaces", "lan", "lan",
		"LAN interfaces, names or patterns" },
	[K_WAN] = { "interfaces", "wan", "wan",
		"outside interface(s) carrying ESP/IKE" },
	[K_TUNNEL] = { "interfaces", "tunnel", "tunnel",
		"tunnel interfaces (vti* xfrm*)" },
	[K_TABLE] = { "routes", "table", "table",
		"routing table to mirror: main, default or 1..4294967295" },
	[K_MSS_MODE] = { "mss", "mode", "mss-mode",
		"MSS clamp: sa, pmtu, fixed or off (sa)" },
	[K_MSS_VALUE] = { "mss", "value", "mss",
		"fixed MSS, 88..65495 (implies mode fixed)" },
	[K_CLAMP_IN] = { "mss", "clamp_inbound", "clamp-inbound",
		"also clamp SYNs arriving from tunnels (yes)" },
	[K_ESP_MARK] = { "esp", "mark", "esp-mark",
		"mark ESP from peers on the WAN ingress (no)" },
	[K_RPF] = { "forward", "rpf", "rpf",
		"reverse-path check on tunnel ingress: loose or strict (loose)" },
	[K_XDP] = { "forward", "xdp", "xdp",
		"allow native XDP on LAN interfaces; attached only for xdp_guard (yes)" },
	[K_ATTACH] = { "forward", "attach", "attach",
		"hook of the tc programs: auto (tcx where the kernel has it and the pin root outlives the daemon, else tc; the default), tc (a cls_bpf filter in clsact) or tcx (kernel 6.6+: a pinned link, cheaper per packet)" },
	[K_XDP_GUARD] = { "forward", "xdp_guard", "xdp-guard",
		"drop LAN packets spoofing tunnel sources in XDP: attaches native XDP to LAN interfaces, with its costs (no)" },
	[K_HASH_SEED] = { "forward", "hash_seed", "hash-seed",
		"ECMP flow hash seed, 0 = random (0)" },
	[K_LEASE] = { "daemon", "lease_ms", "lease-ms",
		"fast path stops this long after the daemon does, 100..600000 (3000)" },
	[K_RENEW] = { "daemon", "renew_ms", "renew-ms",
		"lease renewal interval, 10..60000 (1000)" },
	[K_RCVBUF] = { "daemon", "netlink_rcvbuf", "netlink-rcvbuf",
		"netlink socket receive buffer in bytes (33554432)" },
	[K_NF_BYPASS] = { "forward", "netfilter_bypass", "netfilter-bypass",
		"netfilter chains the fast path may bypass, e.g. inet/filter/forward (none)" },
	[K_PEER_LOCAL] = { "peer", "local", NULL,
		"local address ESP arrives for (behind 1:1 NAT)" },
	[K_PEER_MARK] = { "peer", "mark", NULL,
		"mark for the tunnel's ESP, MARK[/MASK]" },
	[K_LIVE] = { "liveness", "enable", "liveness",
		"probe every tunnel and take a dead one out of ECMP (yes)" },
	[K_LIVE_INTERVAL] = { "liveness", "interval_ms", "liveness-interval-ms",
		"probe interval per tunnel, 10..10000 (100)" },
	[K_LIVE_DEADLINE] = { "liveness", "deadline_ms", "liveness-deadline-ms",
		"a probe unanswered this long is a miss, 10..60000 (400)" },
	[K_LIVE_MISSES] = { "liveness", "misses", "liveness-misses",
		"consecutive misses that hold a tunnel down, 1..100 (3)" },
	[K_LIVE_RISE] = { "liveness", "rise", "liveness-rise",
		"consecutive answers that bring it back, 1..100 (3)" },
	[K_TUNNEL_PROBE] = { "tunnel", "probe", NULL,
		"probe target: ADDR, off or auto (the peer inside address)" },
	[K_TUNNEL_SPREAD] = { "tunnel", "spread", NULL,
		"this tunnel's ESP spreading over [esp] spread: \"cpus LIST [block N (64)]\" or no" },
	[K_SPREAD] = { "esp", "spread", "spread",
		"spread the tunnels' inbound ESP over CPUs with XDP on the WAN, \"cpus LIST [block N (64)] [qsize N (512/ncpus)] [xdp generic|native]\", or no, the default (docs/esp-spread.md)" },
	[K_SPREAD_TUNNELS] = { "esp", "spread_tunnels", "spread-tunnels",
		"tunnel interfaces whose peer's ESP is spread, names or patterns (all)" },
	[K_PCRYPT] = { "esp", "pcrypt", "pcrypt",
		"decrypt (and encrypt) each SA on several CPUs with the kernel's pcrypt, in order, \"cpus LIST\"; no takes its instances out of use; unset leaves them as they are; SAs created afterwards follow (docs/esp-spread.md)" },
	[K_PCRYPT_KERNEL_OK] = { "esp", "pcrypt_kernel_ok", "pcrypt-kernel-ok",
		"the kernel has the fix for async decryption on VTI and XFRM interfaces that pcrypt needs (no: pcrypt refused; docs/esp-spread.md)" },
	[K_PCRYPT_ALGS] = { "esp", "pcrypt_algs", "pcrypt-algs",
		"the SAs' AEADs pcrypt wraps (authenc(hmac(sha1),cbc(aes)) authenc(hmac(sha256),cbc(aes)) rfc4106(gcm(aes)))" },
};

/* "peer vti1" -> "vti1", or NULL when section is not a "kind NAME" section. */
static const char *named_section(const char *section, const char *kind)
{
	size_t n = strlen(kind);

	if (strncmp(section, kind, n) || (section[n] != ' ' && section[n] != '\t'))
		return NULL;
	section += n;
	while (*section == ' ' || *section == '\t')
		section++;
	return section;
}

static const char *peer_name(const char *section)
{
	return named_section(section, "peer");
}

static struct vta_tunnel_conf *tunnel_get(struct vta_conf *c, const char *name,
					  char *err, size_t errlen)
{
	int i;

	if (!*name || strlen(name) >= IFNAMSIZ || strpbrk(name, " \t/")) {
		fail(err, errlen, "not an interface name");
		return NULL;
	}
	for (i = 0; i < c->n_tun_conf; i++)
		if (!strcmp(c->tun_conf[i].tunnel, name))
			return &c->tun_conf[i];
	if (c->n_tun_conf == VTA_CONF_MAX_TUNNELS) {
		fail(err, errlen, "more than %d tunnel sections",
		     VTA_CONF_MAX_TUNNELS);
		return NULL;
	}
	i = c->n_tun_conf++;
	memset(&c->tun_conf[i], 0, sizeof(c->tun_conf[i]));
	strcpy(c->tun_conf[i].tunnel, name);
	return &c->tun_conf[i];
}

static struct vta_peer_override *peer_get(struct vta_conf *c, const char *name,
					  char *err, size_t errlen)
{
	int i;

	if (!*name || strlen(name) >= IFNAMSIZ || strpbrk(name, " \t/")) {
		fail(err, errlen, "not an interface name");
		return NULL;
	}
	for (i = 0; i < c->n_peers; i++)
		if (!strcmp(c->peers[i].tunnel, name))
			return &c->peers[i];
	if (c->n_peers == VTA_CONF_MAX_PEERS) {
		fail(err, errlen, "more than %d peer sections", VTA_CONF_MAX_PEERS);
		return NULL;
	}
	i = c->n_peers++;
	memset(&c->peers[i], 0, sizeof(c->peers[i]));
	strcpy(c->peers[i].tunnel, name);
	return &c->peers[i];
}

/*
 * A list key given again by the same command-line flag (--tunnel r1
 * --tunnel r2) adds to the list, as `tunnel = r1 r2` would; the first
 * occurrence of the flag replaces what the file or the defaults set.
 */
static bool list_again(const struct vta_conf *c, enum vta_conf_w w)
{
	return c->origin && !strncmp(c->origin, "--", 2) &&
	       !strcmp(c->where[w], c->origin);
}

static void remember(struct vta_conf *c, enum vta_conf_w w)
{
	snprintf(c->where[w], sizeof(c->where[w]), "%s",
		 c->origin ? c->origin : "?");
}

static int set_key(struct vta_conf *c, enum key_id k, const char *peer,
		   const char *v, char *err, size_t errlen)
{
	struct vta_peer_override *p;
	uint32_t n;
	int err_;

	switch (k) {
	case K_PIN_ROOT:
		if (v[0] != '/')
			return fail(err, errlen, "must be an absolute path");
		if (strlen(v) >= sizeof(c->pin_root) - 32)
			return fail(err, errlen, "path too long");
		strcpy(c->pin_root, v);
		/* "/x/" and "/x" name the same directory; keep one form. */
		n = strlen(c->pin_root);
		while (n > 1 && c->pin_root[n - 1] == '/')
			c->pin_root[--n] = '\0';
		return 0;
	case K_LAN:
		err_ = parse_patterns(v, &c->lan,
				      list_again(c, VTA_CONF_W_LAN), err, errlen);
		if (!err_)
			remember(c, VTA_CONF_W_LAN);
		return err_;
	case K_WAN:
		err_ = parse_patterns(v, &c->wan,
				      list_again(c, VTA_CONF_W_WAN), err, errlen);
		if (!err_)
			remember(c, VTA_CONF_W_WAN);
		return err_;
	case K_TUNNEL:
		err_ = parse_patterns(v, &c->tunnel,
				      list_again(c, VTA_CONF_W_TUNNEL), err, errlen);
		if (!err_)
			remember(c, VTA_CONF_W_TUNNEL);
		return err_;
	case K_TABLE:
		return parse_table(v, &c->table, err, errlen);
	case K_MSS_MODE:
		for (n = 0; n < sizeof(mss_mode_names) / sizeof(mss_mode_names[0]); n++)
			if (!strcmp(v, mss_mode_names[n]))
				break;
		if (n == sizeof(mss_mode_names) / sizeof(mss_mode_names[0]))
			return fail(err, errlen, "must be sa, pmtu, fixed or off");
		c->mss_mode = n;
		remember(c, VTA_CONF_W_MSS_MODE);
		return 0;
	case K_MSS_VALUE:
		err_ = parse_u32(v, MSS_MIN, MSS_MAX, &n, err, errlen);
		if (err_)
			return err_;
		c->mss_fixed = n;
		/* A value alone means "--set-mss"; an explicit other mode
		 * is a conflict that vta_conf_check() reports. */
		if (!strcmp(c->where[VTA_CONF_W_MSS_MODE], "default"))
			c->mss_mode = VTA_MSS_FIXED;
		remember(c, VTA_CONF_W_MSS_VALUE);
		return 0;
	case K_CLAMP_IN:
		return parse_bool(v, &c->clamp_in, err, errlen);
	case K_ESP_MARK:
		return parse_bool(v, &c->esp_mark, err, errlen);
	case K_SPREAD:
		return parse_spread(v, &c->spread, false, err, errlen);
	case K_SPREAD_TUNNELS:
		return parse_patterns(v, &c->spread_tunnels, false, err, errlen);
	case K_PCRYPT:
		return parse_pcrypt(v, &c->pcrypt, err, errlen);
	case K_PCRYPT_ALGS:
		return parse_pcrypt_algs(v, &c->pcrypt, err, errlen);
	case K_PCRYPT_KERNEL_OK:
		return parse_bool(v, &c->pcrypt.kernel_ok, err, errlen);
	case K_RPF:
		return parse_either(v, "loose", "strict", &c->rpf_strict, err,
				    errlen);
	case K_XDP:
		return parse_bool(v, &c->xdp, err, errlen);
	case K_XDP_GUARD:
		return parse_bool(v, &c->xdp_guard, err, errlen);
	case K_ATTACH:
		return parse_attach(v, &c->attach, err, errlen);
	case K_HASH_SEED:
		return parse_u32(v, 0, UINT32_MAX, &c->hash_seed, err, errlen);
	case K_LEASE:
		err_ = parse_u32(v, 100, 600000, &c->lease_ms, err, errlen);
		if (!err_)
			remember(c, VTA_CONF_W_LEASE);
		return err_;
	case K_RENEW:
		err_ = parse_u32(v, 10, 60000, &c->renew_ms, err, errlen);
		if (!err_)
			remember(c, VTA_CONF_W_RENEW);
		return err_;
	case K_RCVBUF:
		return parse_u32(v, 65536, 1U << 30, &c->nl_rcvbuf, err, errlen);
	case K_NF_BYPASS:
		return parse_chains(v, c, err, errlen);
	case K_PEER_LOCAL: {
		union vta_addr a;
		int family = 0;

		if (vta_addr_parse(v, &family, &a))
			return fail(err, errlen, "not an IPv4 or IPv6 address");
		p = peer_get(c, peer, err, errlen);
		if (!p)
			return -EINVAL;
		p->family = family;
		memcpy(&p->local, a.b, sizeof(p->local));
		return 0;
	}
	case K_PEER_MARK: {
		uint32_t mark, mask;

		err_ = parse_mark(v, &mark, &mask, err, errlen);
		if (err_)
			return err_;
		p = peer_get(c, peer, err, errlen);
		if (!p)
			return -EINVAL;
		p->has_mark = true;
		p->mark = mark;
		p->mask = mask;
		return 0;
	}
	case K_LIVE:
		return parse_bool(v, &c->live, err, errlen);
	case K_LIVE_INTERVAL:
		return parse_u32(v, 10, 10000, &c->live_interval_ms, err, errlen);
	case K_LIVE_DEADLINE:
		return parse_u32(v, 10, 60000, &c->live_deadline_ms, err, errlen);
	case K_LIVE_MISSES:
		return parse_u32(v, 1, 100, &c->live_misses, err, errlen);
	case K_LIVE_RISE:
		return parse_u32(v, 1, 100, &c->live_rise, err, errlen);
	case K_TUNNEL_PROBE: {
		struct vta_tunnel_conf *t;
		union vta_addr a;
		int family = 0;
		enum vta_probe_mode mode = VTA_PROBE_ADDR;

		if (!strcmp(v, "off"))
			mode = VTA_PROBE_OFF;
		else if (!strcmp(v, "auto"))
			mode = VTA_PROBE_AUTO;
		else if (vta_addr_parse(v, &family, &a))
			return fail(err, errlen,
				    "must be an IPv4 or IPv6 address, off or auto");
		t = tunnel_get(c, peer, err, errlen);
		if (!t)
			return -EINVAL;
		t->mode = mode;
		t->family = family;
		if (family)
			memcpy(&t->addr, a.b, sizeof(t->addr));
		return 0;
	}
	case K_TUNNEL_SPREAD: {
		struct vta_tunnel_conf *t;
		struct vta_spread_conf sc;

		if (parse_spread(v, &sc, true, err, errlen))
			return -EINVAL;
		t = tunnel_get(c, peer, err, errlen);
		if (!t)
			return -EINVAL;
		t->spread = sc;
		t->spread_mode = sc.ncpus ? VTA_TSPREAD_ON : VTA_TSPREAD_OFF;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

const struct vta_spread_conf *vta_tunnel_spread(const struct vta_conf *c,
						const char *name)
{
	int i;

	for (i = 0; i < c->n_tun_conf; i++) {
		if (strcmp(c->tun_conf[i].tunnel, name))
			continue;
		if (c->tun_conf[i].spread_mode == VTA_TSPREAD_ON)
			return &c->tun_conf[i].spread;
		if (c->tun_conf[i].spread_mode == VTA_TSPREAD_OFF)
			return NULL;
	}
	if (!c->spread.ncpus || (c->spread_tunnels.n &&
				 !vta_patterns_match(&c->spread_tunnels, name)))
		return NULL;
	return &c->spread;
}

bool vta_spread_any(const struct vta_conf *c)
{
	int i;

	for (i = 0; i < c->n_tun_conf; i++)
		if (c->tun_conf[i].spread_mode == VTA_TSPREAD_ON)
			return true;
	return c->spread.ncpus;
}

/* Known keys of a section, for the "unknown key" message. */
static void known_keys(const char *section, char *buf, size_t len)
{
	size_t n = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < K_MAX && n < len; k++) {
		if (strcmp(keys[k].section, section))
			continue;
		n += snprintf(buf + n, len - n, "%s%s", n ? ", " : "", keys[k].key);
	}
}

int vta_conf_set(struct vta_conf *c, const char *section, const char *key,
		 const char *value, char *err, size_t errlen)
{
	const char *peer = peer_name(section);
	const char *sect = peer ? "peer" : section;
	char why[256], known[160];

	if (!peer && (peer = named_section(section, "tunnel")))
		sect = "tunnel";
	int k, ret;

	for (k = 0; k < K_MAX; k++)
		if (!strcmp(keys[k].section, sect) && !strcmp(keys[k].key, key))
			break;
	if (k == K_MAX) {
		known_keys(sect, known, sizeof(known));
		if (known[0])
			snprintf(why, sizeof(why), "unknown key (known: %s)", known);
		else
			snprintf(why, sizeof(why), "unknown section (known: general, interfaces, routes, mss, esp, forward, daemon, liveness, peer NAME, tunnel NAME)");
		snprintf(err, errlen, "[%s] %s = %s: %s", section, key, value, why);
		return -EINVAL;
	}
	/* "[peer]" alone names no tunnel (peer_name() gives NULL) */
	if (!strcmp(keys[k].section, "peer") && !peer) {
		snprintf(err, errlen, "[%s] %s = %s: a peer section needs a tunnel name ([peer vti1])",
			 section, key, value);
		return -EINVAL;
	}
	ret = set_key(c, k, peer, value, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "[%s] %s = %s: %s", section, key, value, why);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Conflicts between settings.                                           */

static void patterns_str(const struct vta_patterns *p, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < p->n && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "", p->pat[i]);
}

const char *vta_role_name(uint32_t role)
{
	switch (role) {
	case VTA_ROLE_LAN: return "lan";
	case VTA_ROLE_WAN: return "wan";
	case VTA_ROLE_TUNNEL: return "tunnel";
	default: return "none";
	}
}

bool vta_patterns_match(const struct vta_patterns *p, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (!fnmatch(p->pat[i], name, 0))
			return true;
	return false;
}

/* Could one interface name match a pattern of a and one of b?  Exact for
 * names; for two patterns, a conservative test that either matches the
 * other's text ("vti*" vs "vti1"), which catches the real mistakes. */
static const char *roles_overlap(const struct vta_patterns *a,
				 const struct vta_patterns *b)
{
	int i, j;

	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			if (!fnmatch(a->pat[i], b->pat[j], 0))
				return b->pat[j];
			else if (!fnmatch(b->pat[j], a->pat[i], 0))
				return a->pat[i];
	return NULL;
}

int vta_conf_check(const struct vta_conf *c, char *err, size_t errlen)
{
	static const struct {
		enum vta_conf_w a, b;
		const char *an, *bn;
	} pairs[] = {
		{ VTA_CONF_W_LAN, VTA_CONF_W_TUNNEL, "lan", "tunnel" },
		{ VTA_CONF_W_LAN, VTA_CONF_W_WAN, "lan", "wan" },
		{ VTA_CONF_W_WAN, VTA_CONF_W_TUNNEL, "wan", "tunnel" },
	};
	const struct vta_patterns *pp[] = {
		[VTA_CONF_W_LAN] = &c->lan, [VTA_CONF_W_WAN] = &c->wan,
		[VTA_CONF_W_TUNNEL] = &c->tunnel,
	};
	size_t i;

	if (c->mss_mode == VTA_MSS_FIXED && !c->mss_fixed)
		return fail(err, errlen,
			    "%s: [mss] mode = fixed: needs [mss] value = N (88..65495)",
			    c->where[VTA_CONF_W_MSS_MODE]);
	if (c->mss_fixed && c->mss_mode != VTA_MSS_FIXED)
		return fail(err, errlen,
			    "%s: [mss] value = %u: only with mode = fixed, but mode = %s (%s)",
			    c->where[VTA_CONF_W_MSS_VALUE], c->mss_fixed,
			    vta_mss_mode_name(c->mss_mode),
			    c->where[VTA_CONF_W_MSS_MODE]);
	if (c->lease_ms <= c->renew_ms)
		return fail(err, errlen,
			    "%s: [daemon] lease_ms = %u: must be greater than renew_ms = %u (%s)",
			    c->where[VTA_CONF_W_LEASE], c->lease_ms, c->renew_ms,
			    c->where[VTA_CONF_W_RENEW]);
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const char *both = roles_overlap(pp[pairs[i].a], pp[pairs[i].b]);
		char as[128], bs[128];

		if (!both)
			continue;
		patterns_str(pp[pairs[i].a], as, sizeof(as));
		patterns_str(pp[pairs[i].b], bs, sizeof(bs));
		return fail(err, errlen,
			    "%s: [interfaces] %s = %s: %s matches both %s and %s = %s (%s)",
			    c->where[pairs[i].a], pairs[i].an, as, both,
			    pairs[i].an, pairs[i].bn, bs, c->where[pairs[i].b]);
	}
	for (i = 0; i < (size_t)c->n_peers; i++)
		if (!c->peers[i].family && !c->peers[i].has_mark)
			return fail(err, errlen,
				    "[peer %s]: needs local = ADDR or mark = MARK[/MASK]",
				    c->peers[i].tunnel);
	return 0;
}

/* ------------------------------------------------------------------ */
/* INI files.                                                            */

struct ini_ctx {
	struct vta_conf *c;
	const char *name;
	/* line counting: inih reads one line per reader call */
	unsigned int line;
	bool at_bol;
	FILE *f;		/* file source, or */
	const char *s;		/* string source */
	char where[PATH_MAX / 16];
	char *err;
	size_t errlen;
	bool failed;
};

static char *ctx_reader(char *str, int num, void *stream)
{
	struct ini_ctx *x = stream;
	char *ret;

	if (x->f) {
		ret = fgets(str, num, x->f);
	} else {
		size_t n = 0;

		if (!*x->s)
			return NULL;
		while (x->s[n] && n + 1 < (size_t)num) {
			str[n] = x->s[n];
			if (x->s[n++] == '\n')
				break;
		}
		str[n] = '\0';
		x->s += n;
		ret = str;
	}
	if (!ret)
		return NULL;
	/* A line longer than inih's buffer arrives in pieces. */
	if (x->at_bol)
		x->line++;
	x->at_bol = strchr(str, '\n') != NULL;
	return ret;
}

static int ctx_handler(void *user, const char *section, const char *key,
		       const char *value)
{
	struct ini_ctx *x = user;
	char msg[512];

	if (x->failed)
		return 0;
	snprintf(x->where, sizeof(x->where), "%s:%u", x->name, x->line);
	x->c->origin = x->where;
	if (!*section) {
		snprintf(msg, sizeof(msg), "%s = %s: outside of any [section]",
			 key, value);
	} else if (!vta_conf_set(x->c, section, key, value, msg, sizeof(msg))) {
		x->c->origin = NULL;
		return 1;
	}
	x->c->origin = NULL;
	snprintf(x->err, x->errlen, "%s:%u: %s", x->name, x->line, msg);
	x->failed = true;
	return 0;
}

static int load(struct ini_ctx *x)
{
	int ret;

	x->line = 0;
	x->at_bol = true;
	ret = ini_parse_stream(ctx_reader, x, ctx_handler, x);
	if (ret == -2)
		return fail(x->err, x->errlen, "%s: out of memory", x->name);
	if (ret && !x->failed)
		return fail(x->err, x->errlen,
			    "%s:%d: syntax error: expected [section] or key = value",
			    x->name, ret);
	if (ret)
		return -EINVAL;
	return vta_conf_check(x->c, x->err, x->errlen);
}

int vta_conf_load(struct vta_conf *c, const char *path, char *err,
		  size_t errlen)
{
	struct ini_ctx x = { .c = c, .name = path, .err = err, .errlen = errlen };
	int ret;

	x.f = fopen(path, "r");
	if (!x.f) {
		ret = -errno;
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return ret;
	}
	ret = load(&x);
	fclose(x.f);
	return ret;
}

int vta_conf_load_string(struct vta_conf *c, const char *name,
			 const char *text, char *err, size_t errlen)
{
	struct ini_ctx x = { .c = c, .name = name, .s = text, .err = err,
			     .errlen = errlen };

	return load(&x);
}

/* ------------------------------------------------------------------ */
/* Flags.                                                                */

const char *vta_conf_flag_name(int i)
{
	int k, n = 0;

	for (k = 0; k < K_MAX; k++) {
		if (!keys[k].flag)
			continue;
		if (n++ == i)
			return keys[k].flag;
	}
	return n == i ? "peer" : n + 1 == i ? "probe" : NULL;
}

const char *vta_conf_flag_help(int i)
{
	int k, n = 0;

	for (k = 0; k < K_MAX; k++) {
		if (!keys[k].flag)
			continue;
		if (n++ == i)
			return keys[k].help;
	}
	if (n + 1 == i)
		return "\"TUNNEL ADDR|off|auto\": [tunnel TUNNEL] probe";
	return n == i ? "\"TUNNEL local=ADDR mark=MARK[/MASK]\": a [peer TUNNEL] section" : NULL;
}

static int set_peer_flag(struct vta_conf *c, const char *value, char *err,
			 size_t errlen)
{
	char buf[256], section[IFNAMSIZ + 8], *tok, *save = NULL;
	int ret;

	if (strlen(value) >= sizeof(buf))
		return fail(err, errlen, "too long");
	strcpy(buf, value);
	tok = strtok_r(buf, " \t,", &save);
	if (!tok || strchr(tok, '=') || strlen(tok) >= IFNAMSIZ)
		return fail(err, errlen,
			    "%s: must be \"TUNNEL local=ADDR mark=MARK[/MASK]\"",
			    value);
	snprintf(section, sizeof(section), "peer %s", tok);
	while ((tok = strtok_r(NULL, " \t,", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			return fail(err, errlen, "%s: '%s' is not key=value",
				    value, tok);
		*eq = '\0';
		ret = vta_conf_set(c, section, tok, eq + 1, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int vta_conf_set_flag(struct vta_conf *c, const char *flag, const char *value,
		      char *err, size_t errlen)
{
	char where[64], msg[512];
	int k, ret;

	while (*flag == '-')
		flag++;
	snprintf(where, sizeof(where), "--%s", flag);
	c->origin = where;
	if (!strcmp(flag, "peer")) {
		ret = set_peer_flag(c, value, msg, sizeof(msg));
	} else if (!strcmp(flag, "probe")) {
		char section[IFNAMSIZ + 8];
		const char *sp = strpbrk(value, " \t");

		if (!sp || sp == value || sp - value >= IFNAMSIZ) {
			snprintf(msg, sizeof(msg),
				 "%s: must be \"TUNNEL ADDR|off|auto\"", value);
			ret = -EINVAL;
		} else {
			snprintf(section, sizeof(section), "tunnel %.*s",
				 (int)(sp - value), value);
			sp += strspn(sp, " \t");
			ret = vta_conf_set(c, section, "probe", sp, msg,
					   sizeof(msg));
		}
	} else {
		for (k = 0; k < K_MAX; k++)
			if (keys[k].flag && !strcmp(keys[k].flag, flag))
				break;
		if (k == K_MAX) {
			c->origin = NULL;
			return fail(err, errlen, "--%s: unknown option", flag);
		}
		ret = vta_conf_set(c, keys[k].section, keys[k].key, value,
				   msg, sizeof(msg));
	}
	c->origin = NULL;
	if (ret)
		snprintf(err, errlen, "%s: %s", where, msg);
	return ret;
}
