// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpf tier: BPF_PROG_TEST_RUN fixtures for every vtiaccel program on the
 * running kernel.  Exit 0 all passed, 1 some failed, 77 BPF unavailable
 * (skip, reason printed).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fx.h"
#include "log.h"

static void group(const char *name, void (*fn)(void))
{
	int p = E.pass, f = E.fail, s = E.skip;

	fn();
	printf("bpf: %-6s %d passed, %d failed", name, E.pass - p, E.fail - f);
	if (E.skip - s)
		printf(", %d skipped", E.skip - s);
	putchar('\n');
}

void run_table(const struct fx *t, int n)
{
	int i;

	for (i = 0; i < n; i++)
		run_fx(&t[i]);
}

/* Can this kernel/process load a trivial tc program at all? */
static bool bpf_usable(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", insns,
			       2, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int main(int argc, char **argv)
{
	int err, i, opt;

	while ((opt = getopt(argc, argv, "v")) != -1)
		if (opt == 'v')
			E.verbose = true;
	/* -v: libbpf's messages, the verifier log included */
	if (E.verbose)
		vta_log_level = VTA_LOG_DEBUG;
	vta_log_setup_libbpf();
	if (geteuid() != 0) {
		printf("bpf: skipped: needs root to load BPF programs\n");
		return 77;
	}
	err = vta_loader_open(&E.l, NULL);
	if (err && !bpf_usable()) {
		printf("bpf: skipped: this kernel does not load tc BPF programs: %s\n",
		       strerror(-err));
		return 77;
	}
	if (err) {
		/* BPF works, ours were refused: that is our bug. */
		printf("FAIL load the vtiaccel programs: %s (-v for the verifier log)\n",
		       strerror(-err));
		printf("bpf: 0 passed, 1 failed\n");
		return 1;
	}
	vta_loader_maps(E.l, &E.m);
	for (i = 0; i < VTA_PROG_MAX; i++)
		E.prog_fd[i] = vta_loader_prog_fd(E.l, i);
	E.ncpu = libbpf_num_possible_cpus();

	group("lan", fixtures_lan);
	group("tun", fixtures_tun);
	group("mss", fixtures_mss);
	group("ecmp", fixtures_ecmp);
	group("fid", fixtures_fid);
	group("wan", fixtures_wan);
	group("xdp", fixtures_xdp);
	group("out", fixtures_out);
	group("fib4", fixtures_fib4);
	group("xlated", fixtures_xlated);
	group("spread", fixtures_spread);

	vta_loader_close(E.l);
	for (i = 0; i < VTA_PROG_MAX; i++)
		printf("bpf: %-12s %d passed, %d failed, %d skipped\n",
		       vta_prog_name(i), E.prog_pass[i], E.prog_fail[i],
		       E.prog_skip[i]);
	if (E.skip) {
		printf("bpf: %d skipped: %s\n", E.skip, E.skip_reason);
		printf("bpf: %d passed, %d failed, %d skipped\n", E.pass,
		       E.fail, E.skip);
	} else {
		printf("bpf: %d passed, %d failed\n", E.pass, E.fail);
	}
	return E.fail ? 1 : 0;
}
