// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The programs as the verifier left them: no map lookup through the
 * generic helper.  The verifier inlines an array lookup and calls a hash
 * or trie lookup directly, but only at a call site that sees one map;
 * where clang sank two lookups of different maps into one call (a
 * selected map pointer), the site is "poisoned" and every lookup there
 * goes through bpf_map_lookup_elem() and the map's ops: an indirect
 * call per packet (bpf/maps.h, vta_iface_get() and vta_fib4_lookup()).
 * Read from the translated instructions (BPF_OBJ_GET_INFO_BY_FD): a
 * helper call's imm is the helper's address minus __bpf_call_base's,
 * both from /proc/kallsyms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "fx.h"

/* A program's check that cannot run here: counted skipped, with why. */
static void skip(int prog, const char *name, const char *why)
{
	printf("SKIP %s: %s\n", name, why);
	E.skip++;
	E.prog_skip[prog]++;
	if (!E.skip_reason)
		E.skip_reason = why;
}

/* Addresses of the two symbols, 0 when kallsyms hides them. */
static void kallsyms(unsigned long long *base, unsigned long long *lookup)
{
	char line[512], name[256], type;
	unsigned long long a;
	FILE *f = fopen("/proc/kallsyms", "r");

	*base = *lookup = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3)
			continue;
		if (!strcmp(name, "__bpf_call_base"))
			*base = a;
		else if (!strcmp(name, "bpf_map_lookup_elem"))
			*lookup = a;
	}
	fclose(f);
}

/* Generic map lookups in prog's translated code, -1 if unreadable, -2
 * without the JIT. */
static int generic_lookups(int fd, long long imm_lookup)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, i;
	struct bpf_insn *insns;
	int count = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.xlated_prog_len)
		return -1;
	/* without the JIT the verifier leaves every lookup generic */
	if (!info.jited_prog_len)
		return -2;
	n = info.xlated_prog_len / sizeof(*insns);
	insns = calloc(n, sizeof(*insns));
	if (!insns)
		return -1;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = n * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		free(insns);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) &&
		    insns[i].src_reg == 0 && insns[i].imm == imm_lookup)
			count++;
	free(insns);
	return count;
}

void fixtures_xlated(void)
{
	unsigned long long base, lookup;
	char name[96];
	int i, n;

	kallsyms(&base, &lookup);
	for (i = 0; i < VTA_PROG_MAX; i++) {
		E.cur = i;
		snprintf(name, sizeof(name),
			 "%s: every map lookup inlined or called directly",
			 vta_prog_name(i));
		if (E.prog_fd[i] < 0)
			continue;
		if (!base || !lookup) {
			/* kptr_restrict hides the addresses (and the
			 * helpers' in the dump) */
			skip(i, name,
			     "/proc/kallsyms shows no address of "
			     "__bpf_call_base or bpf_map_lookup_elem");
			continue;
		}
		n = generic_lookups(E.prog_fd[i], (long long)(lookup - base));
		if (n == -2) {
			skip(i, name,
			     "the BPF JIT is off: the verifier inlines no map "
			     "lookup");
			continue;
		}
		if (n < 0)
			result(name, false,
			       "cannot read the translated program");
		else
			result(name, n == 0,
			       "%d call(s) of the generic "
			       "bpf_map_lookup_elem(): a call site sees two "
			       "maps (bpftool prog dump xlated name %s)",
			       n, vta_prog_name(i));
	}
}
