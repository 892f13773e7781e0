// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Unit tests of user/conf.c: every error case names file:line, key,
 * value and reason; a full valid config lands in struct vta_conf. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "conf.h"

static char err[1024];

static int load(struct vta_conf *c, const char *text)
{
	vta_conf_defaults(c);
	err[0] = '\0';
	return vta_conf_load_string(c, "t.conf", text, err, sizeof(err));
}

/* The error must contain every one of the given fragments. */
static void expect_error(const char *text, ...)
{
	struct vta_conf c;
	const char *frag;
	va_list ap;

	assert_int_not_equal(load(&c, text), 0);
	va_start(ap, text);
	while ((frag = va_arg(ap, const char *))) {
		if (!strstr(err, frag))
			fail_msg("error \"%s\" lacks \"%s\"", err, frag);
	}
	va_end(ap);
}

static void test_defaults(void **state)
{
	struct vta_conf c;

	assert_int_equal(load(&c, ""), 0);
	assert_string_equal(c.pin_root, "/sys/fs/bpf/vtiaccel");
	assert_int_equal(c.mss_mode, VTA_MSS_SA);
	assert_int_equal(c.table, 254);
	assert_true(c.clamp_in);
	assert_false(c.esp_mark);
	assert_int_equal(c.attach, VTA_ATTACH_AUTO);
	assert_int_equal(c.tunnel.n, 2);
	assert_true(vta_patterns_match(&c.tunnel, "vti1"));
	assert_true(vta_patterns_match(&c.tunnel, "xfrm7"));
	assert_false(vta_patterns_match(&c.tunnel, "eth0"));
}

static void test_full_valid(void **state)
{
	struct vta_conf c;
	struct in6_addr a;

	assert_int_equal(load(&c,
		"# the seed's gateway\n"
		"[general]\npin_root = /sys/fs/bpf/gw/\n"
		"[interfaces]\nlan = eth1\nwan = eth0\ntunnel = vti1, vti2 xfrm*\n"
		"[routes]\ntable = 220\n"
		"[mss]\nmode = fixed\nvalue = 1379\nclamp_inbound = no\n"
		"[esp]\nmark = yes\n"
		"[forward]\nrpf = strict\nxdp = off\nxdp_guard = true\nhash_seed = 0xdeadbeef\nattach = tcx\n"
		"[daemon]\nlease_ms = 5000\nrenew_ms = 500\nnetlink_rcvbuf = 1048576\n"
		"[peer vti1]\nlocal = 10.16.1.254\nmark = 100/0xffffffff\n"
		"[peer vti2]\nmark = 0xc8\n"), 0);
	assert_string_equal(c.pin_root, "/sys/fs/bpf/gw");
	assert_int_equal(c.lan.n, 1);
	assert_string_equal(c.lan.pat[0], "eth1");
	assert_string_equal(c.wan.pat[0], "eth0");
	assert_int_equal(c.tunnel.n, 3);
	assert_string_equal(c.tunnel.pat[1], "vti2");
	assert_int_equal(c.table, 220);
	assert_int_equal(c.mss_mode, VTA_MSS_FIXED);
	assert_int_equal(c.mss_fixed, 1379);
	assert_false(c.clamp_in);
	assert_true(c.esp_mark);
	assert_true(c.rpf_strict);
	assert_false(c.xdp);
	assert_true(c.xdp_guard);
	assert_int_equal(c.attach, VTA_ATTACH_TCX);
	assert_int_equal(c.hash_seed, 0xdeadbeef);
	assert_int_equal(c.lease_ms, 5000);
	assert_int_equal(c.renew_ms, 500);
	assert_int_equal(c.nl_rcvbuf, 1048576);
	assert_int_equal(c.n_peers, 2);
	assert_string_equal(c.peers[0].tunnel, "vti1");
	assert_int_equal(c.peers[0].family, AF_INET);
	inet_pton(AF_INET, "10.16.1.254", &a);
	assert_memory_equal(&c.peers[0].local, &a, 4);
	assert_true(c.peers[0].has_mark);
	assert_int_equal(c.peers[0].mark, 100);
	assert_int_equal(c.peers[0].mask, 0xffffffff);
	assert_int_equal(c.peers[1].mark, 200);
	assert_int_equal(c.peers[1].mask, 0xffffffff);
	assert_int_equal(c.peers[1].family, 0);
}

static void test_value_alone_means_fixed(void **state)
{
	struct vta_conf c;

	assert_int_equal(load(&c, "[mss]\nvalue = 1379\n"), 0);
	assert_int_equal(c.mss_mode, VTA_MSS_FIXED);
}

static void test_errors(void **state)
{
	expect_error("[mss]\nvalue = 70000\n", "t.conf:2:", "[mss] value = 70000",
		     "must be 88..65495", NULL);
	expect_error("[mss]\nvalue = 87\n", "t.conf:2:", "88..65495", NULL);
	expect_error("[mss]\nvalue = -5\n", "t.conf:2:", "not a number", NULL);
	expect_error("[mss]\nvalue = 13x\n", "not a number", NULL);
	expect_error("[mss]\nmode = auto\n", "t.conf:2:", "[mss] mode = auto",
		     "sa, pmtu, fixed or off", NULL);
	expect_error("\n[mss]\nmode = fixed\n", "t.conf:3:", "mode = fixed",
		     "needs [mss] value", NULL);
	expect_error("[mss]\nmode = pmtu\nvalue = 1379\n", "t.conf:3:",
		     "[mss] value = 1379", "mode = pmtu", "t.conf:2", NULL);
	expect_error("[mss]\nvalue = 1379\nmode = off\n", "t.conf:2:",
		     "mode = off", NULL);
	expect_error("[daemon]\nlease_ms = 1000\nrenew_ms = 1000\n", "t.conf:2:",
		     "lease_ms = 1000", "greater than renew_ms = 1000", "t.conf:3",
		     NULL);
	expect_error("[daemon]\nrenew_ms = 5000\n", "default:", "lease_ms = 3000",
		     "renew_ms = 5000", NULL);
	expect_error("[daemon]\nlease_ms = 99\n", "t.conf:2:", "100..600000", NULL);
	expect_error("[daemon]\nnetlink_rcvbuf = 10\n", "netlink_rcvbuf = 10", NULL);
	expect_error("[interfaces]\nlan = vti1\n", "t.conf:2:", "lan = vti1",
		     "matches both", "tunnel", NULL);
	expect_error("[interfaces]\nlan = eth1\nwan = eth1\n", "lan = eth1",
		     "wan = eth1", NULL);
	expect_error("[interfaces]\nlan = averyveryverylongname0\n",
		     "longer than an interface name", NULL);
	expect_error("[mss]\nfoo = 1\n", "t.conf:2:", "[mss] foo = 1",
		     "unknown key", "clamp_inbound", NULL);
	expect_error("[bogus]\nkey = 1\n", "t.conf:2:", "[bogus] key = 1",
		     "unknown section", NULL);
	expect_error("key = 1\n", "t.conf:1:", "outside of any [section]", NULL);
	expect_error("[general]\njunk line\n", "t.conf:2:", "syntax error", NULL);
	expect_error("[general]\npin_root = relative\n", "must be an absolute path", NULL);
	expect_error("[routes]\ntable = 0\n", "[routes] table = 0", "main", NULL);
	expect_error("[esp]\nmark = maybe\n", "[esp] mark = maybe", "yes or no", NULL);
	expect_error("[forward]\nrpf = medium\n", "loose or strict", NULL);
	expect_error("[forward]\nattach = xdp\n", "[forward] attach = xdp",
		     "must be auto, tc or tcx", NULL);
	expect_error("[forward]\nhash_seed = 4294967296\n", "hash_seed", "must be", NULL);
	expect_error("[peer vti1]\nlocal = 10.1.1\n", "[peer vti1] local = 10.1.1",
		     "not an IPv4 or IPv6 address", NULL);
	expect_error("[peer vti1]\nmark = 100/0\n", "MARK/MASK", NULL);
	expect_error("[peer vti1]\nfoo = 1\n", "[peer vti1] foo = 1", "unknown key", NULL);
	expect_error("[peer ]\nmark = 1\n", "not an interface name", NULL);
}

static void test_first_error_line(void **state)
{
	/* The first bad line is reported, not a later one. */
	expect_error("[mss]\nvalue = 1\n[esp]\nmark = x\n", "t.conf:2:", NULL);
}

static void test_flags(void **state)
{
	struct vta_conf c;
	int i;
	bool seen_mss = false;

	vta_conf_defaults(&c);
	assert_int_equal(vta_conf_set_flag(&c, "--mss", "1379", err, sizeof(err)), 0);
	assert_int_equal(c.mss_mode, VTA_MSS_FIXED);
	assert_int_equal(vta_conf_set_flag(&c, "lan", "eth1,eth2", err, sizeof(err)), 0);
	assert_int_equal(c.lan.n, 2);
	assert_int_equal(vta_conf_set_flag(&c, "peer", "vti1 local=10.16.1.254 mark=100",
					   err, sizeof(err)), 0);
	assert_int_equal(c.n_peers, 1);
	assert_int_equal(vta_conf_check(&c, err, sizeof(err)), 0);
	assert_int_not_equal(vta_conf_set_flag(&c, "--mss", "70000", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "--mss"));
	assert_non_null(strstr(err, "88..65495"));
	assert_int_not_equal(vta_conf_set_flag(&c, "--nope", "1", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "unknown option"));
	/* A flag's origin shows in a conflict found later. */
	assert_int_equal(vta_conf_set_flag(&c, "--mss-mode", "pmtu", err, sizeof(err)), 0);
	assert_int_not_equal(vta_conf_check(&c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "--mss-mode"));
	/* Every key of every section has a flag (peer keys via --peer). */
	for (i = 0; vta_conf_flag_name(i); i++) {
		assert_non_null(vta_conf_flag_help(i));
		if (!strcmp(vta_conf_flag_name(i), "mss"))
			seen_mss = true;
	}
	assert_true(seen_mss);
	assert_true(i >= 17);	/* 16 keys with a flag, and --peer */
}

/*
 * A list flag given twice adds to the list, as `tunnel = r1 r2` does in
 * the file (issue 17: --tunnel r1 --tunnel r2 kept r2 alone); its first
 * occurrence replaces what the file said; a name is not listed twice.
 */
static void test_list_flags_accumulate(void **state)
{
	static const char *const keys[] = { "lan", "wan", "tunnel" };
	struct vta_conf c;
	const struct vta_patterns *p;
	size_t k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char flag[32];

		assert_int_equal(load(&c, "[interfaces]\nlan = f0\nwan = f1\ntunnel = f2\n"), 0);
		p = !strcmp(keys[k], "lan") ? &c.lan :
		    !strcmp(keys[k], "wan") ? &c.wan : &c.tunnel;
		snprintf(flag, sizeof(flag), "--%s", keys[k]);
		assert_int_equal(vta_conf_set_flag(&c, flag, "r1", err, sizeof(err)), 0);
		assert_int_equal(p->n, 1);
		assert_string_equal(p->pat[0], "r1");
		assert_int_equal(vta_conf_set_flag(&c, flag, "r2 r3", err, sizeof(err)), 0);
		assert_int_equal(vta_conf_set_flag(&c, keys[k], "r1,r4", err, sizeof(err)), 0);
		assert_int_equal(p->n, 4);
		assert_string_equal(p->pat[0], "r1");
		assert_string_equal(p->pat[1], "r2");
		assert_string_equal(p->pat[2], "r3");
		assert_string_equal(p->pat[3], "r4");
	}
	/* Defaults (tunnel = vti* xfrm*) are replaced by the first flag. */
	vta_conf_defaults(&c);
	assert_int_equal(vta_conf_set_flag(&c, "--tunnel", "r1", err, sizeof(err)), 0);
	assert_int_equal(vta_conf_set_flag(&c, "--tunnel", "r2", err, sizeof(err)), 0);
	assert_int_equal(c.tunnel.n, 2);
	assert_string_equal(c.tunnel.pat[0], "r1");
	assert_string_equal(c.tunnel.pat[1], "r2");
	assert_int_equal(vta_conf_check(&c, err, sizeof(err)), 0);
	/* The limit applies to the whole list, whichever way it grew. */
	vta_conf_defaults(&c);
	for (k = 0; k < VTA_CONF_MAX_PATTERNS; k++) {
		char name[16];

		snprintf(name, sizeof(name), "r%zu", k);
		assert_int_equal(vta_conf_set_flag(&c, "--lan", name, err, sizeof(err)), 0);
	}
	assert_int_not_equal(vta_conf_set_flag(&c, "--lan", "one-more", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "--lan"));
	assert_non_null(strstr(err, "more than 16"));
	/* In the file a key given twice is still the last one (inih). */
	assert_int_equal(load(&c, "[interfaces]\ntunnel = a\ntunnel = b\n"), 0);
	assert_int_equal(c.tunnel.n, 1);
	assert_string_equal(c.tunnel.pat[0], "b");
	/* --peer for two tunnels: two peer sections. */
	vta_conf_defaults(&c);
	assert_int_equal(vta_conf_set_flag(&c, "peer", "vti1 local=10.16.1.254", err, sizeof(err)), 0);
	assert_int_equal(vta_conf_set_flag(&c, "peer", "vti2 mark=200", err, sizeof(err)), 0);
	assert_int_equal(c.n_peers, 2);
}

static void test_liveness_keys(void **state)
{
	struct vta_conf c;
	struct in6_addr a;
	char e[512];

	assert_int_equal(load(&c, ""), 0);
	assert_true(c.live);
	assert_int_equal(c.live_interval_ms, 100);
	assert_int_equal(c.live_deadline_ms, 400);
	assert_int_equal(c.live_misses, 3);
	assert_int_equal(c.live_rise, 3);
	assert_int_equal(load(&c,
		"[liveness]\nenable = no\ninterval_ms = 200\ndeadline_ms = 900\n"
		"misses = 5\nrise = 2\n"
		"[tunnel vti1]\nprobe = 169.254.44.1\n"
		"[tunnel vti2]\nprobe = off\n"), 0);
	assert_false(c.live);
	assert_int_equal(c.live_interval_ms, 200);
	assert_int_equal(c.live_deadline_ms, 900);
	assert_int_equal(c.live_misses, 5);
	assert_int_equal(c.live_rise, 2);
	assert_int_equal(c.n_tun_conf, 2);
	assert_string_equal(c.tun_conf[0].tunnel, "vti1");
	assert_int_equal(c.tun_conf[0].mode, VTA_PROBE_ADDR);
	assert_int_equal(c.tun_conf[0].family, AF_INET);
	inet_pton(AF_INET, "169.254.44.1", &a);
	assert_memory_equal(&c.tun_conf[0].addr, &a, 4);
	assert_int_equal(c.tun_conf[1].mode, VTA_PROBE_OFF);
	expect_error("[liveness]\ninterval_ms = 5\n", "t.conf:2",
		     "[liveness] interval_ms = 5", "10..10000", NULL);
	expect_error("[liveness]\nmisses = 0\n", "[liveness] misses = 0", NULL);
	expect_error("[tunnel vti1]\nprobe = nowhere\n",
		     "[tunnel vti1] probe = nowhere",
		     "must be an IPv4 or IPv6 address, off or auto", NULL);
	expect_error("[tunnel vti1]\nport = 1\n", "unknown key (known: probe, spread)",
		     NULL);
	/* the flag form */
	vta_conf_defaults(&c);
	assert_int_equal(vta_conf_set_flag(&c, "probe", "vti3 fd00::1", e,
					   sizeof(e)), 0);
	assert_int_equal(c.tun_conf[0].family, AF_INET6);
	assert_int_not_equal(vta_conf_set_flag(&c, "probe", "vti3", e,
					       sizeof(e)), 0);
	assert_non_null(strstr(e, "--probe"));
	assert_int_equal(vta_conf_set_flag(&c, "liveness", "no", e, sizeof(e)), 0);
	assert_false(c.live);
}

static void test_spread_key(void **state)
{
	struct vta_conf c;
	char e[512], str[160];

	assert_int_equal(load(&c, ""), 0);
	assert_int_equal(c.spread.ncpus, 0);
	vta_spread_conf_str(&c.spread, str, sizeof(str));
	assert_string_equal(str, "no");
	assert_int_equal(load(&c, "[esp]\nspread = cpus 1-3,6\n"), 0);
	assert_int_equal(c.spread.ncpus, 4);
	assert_int_equal(c.spread.cpus[0], 1);
	assert_int_equal(c.spread.cpus[2], 3);
	assert_int_equal(c.spread.cpus[3], 6);
	assert_int_equal(c.spread.block_shift, 6);	/* block 64 */
	assert_int_equal(c.spread.xdp, VTA_SPREAD_XDP_GENERIC);
	/* the default queue keeps qsize x ncpus at 512 */
	assert_int_equal(vta_spread_qsize(&c.spread), 128);
	vta_spread_conf_str(&c.spread, str, sizeof(str));
	assert_string_equal(str, "cpus 1-3,6 block 64 qsize 128 xdp generic");
	assert_int_equal(load(&c, "[esp]\nspread = cpus 0,1 block 1 qsize 32 xdp native\n"
				  "spread_tunnels = vti1\n"), 0);
	assert_int_equal(c.spread.block_shift, 0);
	assert_int_equal(vta_spread_qsize(&c.spread), 32);
	assert_int_equal(c.spread.xdp, VTA_SPREAD_XDP_NATIVE);
	assert_int_equal(c.spread_tunnels.n, 1);
	assert_int_equal(load(&c, "[esp]\nspread = cpus 0-1\nspread = no\n"), 0);
	assert_int_equal(c.spread.ncpus, 0);
	expect_error("[esp]\nspread = yes\n", "t.conf:2", "[esp] spread = yes",
		     "must be no or \"cpus LIST", NULL);
	expect_error("[esp]\nspread = cpus\n", "needs a CPU list", NULL);
	expect_error("[esp]\nspread = cpus 3-1\n", "backwards", NULL);
	expect_error("[esp]\nspread = cpus 0,0\n", "CPU 0 listed twice", NULL);
	expect_error("[esp]\nspread = cpus 64\n", "CPU 64 above 63", NULL);
	expect_error("[esp]\nspread = cpus 0-16\n", "more than 16 CPUs", NULL);
	expect_error("[esp]\nspread = cpus 0-1 block 3\n", "block 3: must be a power of two", NULL);
	expect_error("[esp]\nspread = cpus 0-1 qsize 20000\n", "qsize 20000: must be 8..16384", NULL);
	expect_error("[esp]\nspread = cpus 0-1 xdp offload\n", "xdp offload: must be generic or native", NULL);
	expect_error("[esp]\nspread = cpus 0-1 fast\n", "fast: needs a value", NULL);
	expect_error("[esp]\nspread = cpus 0-1 fast 1\n", "unknown word 'fast'", NULL);
	expect_error("[esp]\nspread = cpus a\n", "'a' is not a CPU list", NULL);
	/* the flag form names the flag */
	vta_conf_defaults(&c);
	assert_int_equal(vta_conf_set_flag(&c, "spread", "cpus 0-1", e, sizeof(e)), 0);
	assert_int_equal(c.spread.ncpus, 2);
	assert_int_not_equal(vta_conf_set_flag(&c, "spread", "cpus 0-x", e, sizeof(e)), 0);
	assert_non_null(strstr(e, "--spread"));
	assert_non_null(strstr(e, "not a CPU list"));
}

static void test_tunnel_spread(void **state)
{
	const struct vta_spread_conf *sc;
	struct vta_conf c;
	char str[64];

	/* nothing spread by default */
	assert_int_equal(load(&c, ""), 0);
	assert_false(vta_spread_any(&c));
	assert_null(vta_tunnel_spread(&c, "vti1"));
	/* [esp] spread covers spread_tunnels; a tunnel's section overrides */
	assert_int_equal(load(&c, "[esp]\nspread = cpus 0-1\nspread_tunnels = vti*\n"
				  "[tunnel vti2]\nspread = cpus 2-3 block 8\n"
				  "[tunnel vti3]\nspread = no\nprobe = off\n"
				  "[tunnel xfrm9]\nspread = cpus 5\n"), 0);
	assert_true(vta_spread_any(&c));
	sc = vta_tunnel_spread(&c, "vti1");
	assert_ptr_equal(sc, &c.spread);
	sc = vta_tunnel_spread(&c, "vti2");
	assert_non_null(sc);
	assert_int_equal(sc->ncpus, 2);
	assert_int_equal(sc->cpus[0], 2);
	assert_int_equal(sc->block_shift, 3);
	vta_tunnel_spread_str(sc, str, sizeof(str));
	assert_string_equal(str, "cpus 2-3 block 8");
	vta_tunnel_spread_str(&c.tun_conf[1].spread, str, sizeof(str));
	assert_string_equal(str, "no");
	assert_null(vta_tunnel_spread(&c, "vti3"));
	/* its section's spread, although spread_tunnels does not match */
	sc = vta_tunnel_spread(&c, "xfrm9");
	assert_non_null(sc);
	assert_int_equal(sc->cpus[0], 5);
	assert_int_equal(sc->block_shift, 6);	/* block 64 */
	assert_null(vta_tunnel_spread(&c, "xfrm1"));
	/* the probe of the same section is still read */
	assert_int_equal(c.tun_conf[1].mode, VTA_PROBE_OFF);
	/* a tunnel spread without [esp] spread */
	assert_int_equal(load(&c, "[tunnel vti1]\nspread = cpus 1\n"), 0);
	assert_true(vta_spread_any(&c));
	assert_non_null(vta_tunnel_spread(&c, "vti1"));
	assert_null(vta_tunnel_spread(&c, "vti2"));
	expect_error("[tunnel vti1]\nspread = cpus 1 qsize 64\n", "[tunnel vti1] spread",
		     "qsize: not here", "qsize and xdp are [esp] spread's", NULL);
	expect_error("[tunnel vti1]\nspread = cpus 1 xdp native\n", "xdp: not here", NULL);
	expect_error("[tunnel vti1]\nspread = yes\n", "must be no or \"cpus LIST [block N]\"", NULL);
	expect_error("[tunnel vti1]\nspread = cpus 1-0\n", "backwards", NULL);
}

static void test_pcrypt_keys(void **state)
{
	const char *algs[VTA_PCRYPT_MAX_ALGS];
	struct vta_conf c;
	char e[512], str[64];

	assert_int_equal(load(&c, ""), 0);
	assert_true(c.pcrypt.cpus == 0);
	/* the defaults: the seed's AEAD, the same with SHA-256, AES-GCM */
	assert_int_equal(vta_pcrypt_algs(&c.pcrypt, algs), 3);
	assert_string_equal(algs[0], "authenc(hmac(sha1),cbc(aes))");
	assert_string_equal(algs[2], "rfc4106(gcm(aes))");
	assert_int_equal(load(&c, "[esp]\npcrypt = cpus 1-3,63\n"), 0);
	assert_true(c.pcrypt.cpus == (0xeULL | 1ULL << 63));
	vta_cpumask_str(c.pcrypt.cpus, str, sizeof(str));
	assert_string_equal(str, "1-3,63");
	vta_cpumask_str(0, str, sizeof(str));
	assert_string_equal(str, "none");
	vta_cpumask_str(0x15, str, sizeof(str));
	assert_string_equal(str, "0,2,4");
	/* more than the 16 CPUs spread takes */
	assert_false(c.pcrypt.retire);
	assert_false(c.pcrypt.kernel_ok);
	assert_int_equal(load(&c, "[esp]\npcrypt_kernel_ok = yes\n"), 0);
	assert_true(c.pcrypt.kernel_ok);
	expect_error("[esp]\npcrypt_kernel_ok = maybe\n", "[esp] pcrypt_kernel_ok", NULL);
	/* unset: left alone; no: taken out of use */
	assert_int_equal(load(&c, "[esp]\npcrypt = cpus 0-31\npcrypt = no\n"), 0);
	assert_true(c.pcrypt.cpus == 0);
	assert_true(c.pcrypt.retire);
	assert_int_equal(load(&c, ""), 0);
	assert_false(c.pcrypt.retire);
	assert_int_equal(load(&c, "[esp]\npcrypt = cpus 0-31\n"
				  "pcrypt_algs = rfc4106(gcm(aes))  authencesn(hmac(sha256),cbc(aes))\n"), 0);
	assert_true(c.pcrypt.cpus == 0xffffffffULL);
	assert_int_equal(vta_pcrypt_algs(&c.pcrypt, algs), 2);
	assert_string_equal(algs[1], "authencesn(hmac(sha256),cbc(aes))");
	expect_error("[esp]\npcrypt = yes\n", "t.conf:2", "[esp] pcrypt = yes",
		     "must be no or \"cpus LIST\"", NULL);
	expect_error("[esp]\npcrypt = cpus\n", "must be no or", NULL);
	expect_error("[esp]\npcrypt = cpus 2-1\n", "backwards", NULL);
	expect_error("[esp]\npcrypt = cpus 64\n", "CPU 64 above 63", NULL);
	expect_error("[esp]\npcrypt_algs = cbc(aes\n", "[esp] pcrypt_algs",
		     "'cbc(aes' is not a crypto algorithm name", NULL);
	expect_error("[esp]\npcrypt_algs = gcm(aes))\n", "not a crypto algorithm name", NULL);
	expect_error("[esp]\npcrypt_algs = a;b\n", "'a;b' is not a crypto", NULL);
	expect_error("[esp]\npcrypt_algs = ()\n", "'()' is not a crypto", NULL);
	expect_error("[esp]\npcrypt_algs = a(,)\n", "'a(,)' is not a crypto", NULL);
	expect_error("[esp]\npcrypt_algs = a(b,)\n", "'a(b,)' is not a crypto", NULL);
	expect_error("[esp]\npcrypt_algs = a(b)(c)\n", "'a(b)(c)' is not a crypto", NULL);
	expect_error("[esp]\npcrypt_algs = a,b\n", "'a,b' is not a crypto", NULL);
	expect_error("[esp]\npcrypt_algs = \n", "no algorithm listed", NULL);
	expect_error("[esp]\npcrypt_algs = authenc(hmac(sha512),cbc(aes))authenc(hmac(sha1),cbc(aes))x\n",
		     "longer than 55 characters", NULL);
	expect_error("[esp]\npcrypt_algs = a b c d e f g h i\n", "more than 8 algorithms", NULL);
	/* the flag form names the flag */
	vta_conf_defaults(&c);
	assert_int_not_equal(vta_conf_set_flag(&c, "pcrypt", "cpus x", e, sizeof(e)), 0);
	assert_non_null(strstr(e, "--pcrypt"));
	assert_int_equal(vta_conf_set_flag(&c, "pcrypt-algs", "rfc4106(gcm(aes))", e,
					   sizeof(e)), 0);
	assert_int_equal(c.pcrypt.n_algs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_liveness_keys),
		cmocka_unit_test(test_full_valid),
		cmocka_unit_test(test_value_alone_means_fixed),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_first_error_line),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_list_flags_accumulate),
		cmocka_unit_test(test_spread_key),
		cmocka_unit_test(test_tunnel_spread),
		cmocka_unit_test(test_pcrypt_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
