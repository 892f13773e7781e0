// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * oracle_run - run many packets through the pinned tc programs of a live
 * `vtiaccel run` with BPF_PROG_TEST_RUN, in one process (the fast-path
 * side of tests/net/dp/test_oracle.py; `bpftool prog run` per packet is
 * far too slow for thousands of cases).
 *
 *   oracle_run PIN_ROOT < CASES > RESULTS
 *
 * Run inside the daemon's network namespace: the context's ifindex is
 * resolved there.  CASES, one per line: "lan|tun IFINDEX HEXFRAME".
 * RESULTS, one line per case, in order:
 *   "RETVAL OUT_IFINDEX HEXOUT"
 * RETVAL is the program's return value (TC_ACT_*), OUT_IFINDEX the
 * interface whose TX counter the run incremented (the fast path's egress,
 * read from vta_fwd_stats through the slot vta_ifslot gives it; 0 if
 * none),
 * HEXOUT the packet as the program left it ("-" if empty).
 *
 * BPF_PROG_TEST_RUN does not perform the redirect: the egress interface
 * is only visible through the counters, so nothing else may send packets
 * through the same programs while this runs (the oracle's namespace has
 * no traffic).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vtiaccel.h"

#define MAX_FRAME 4096

static int ncpus;
static struct vta_fwd_stats *percpu;

struct slotmap {
	__u32 slot, ifindex;
	__u64 tx;
};

static struct slotmap slots[VTA_IFACES_MAX];
static int n_slots;

static int open_pin(const char *root, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fprintf(stderr, "oracle_run: open %s: %s\n", path,
			strerror(errno));
		exit(2);
	}
	return fd;
}

/* TX of a slot: vta_fwd_stats, summed over the CPUs. */
static __u64 tx_of(int stats_fd, __u32 slot)
{
	__u32 key = 0;
	__u64 sum = 0;
	int c;

	if (slot >= VTA_STATS_SLOTS ||
	    bpf_map_lookup_elem(stats_fd, &key, percpu))
		return 0;
	for (c = 0; c < ncpus; c++)
		sum += percpu[c].s[slot].tx.packets;
	return sum;
}

/* Managed interfaces and their slots, read once: the oracle starts this
 * after the daemon has written every interface. */
static void load_slots(int ifslot_fd, int stats_fd)
{
	__u32 key, next, slot;
	int more;

	n_slots = 0;
	more = !bpf_map_get_next_key(ifslot_fd, NULL, &next);
	while (more && n_slots < VTA_IFACES_MAX) {
		key = next;
		if (!bpf_map_lookup_elem(ifslot_fd, &key, &slot)) {
			slots[n_slots].ifindex = key;
			slots[n_slots].slot = slot;
			slots[n_slots].tx = tx_of(stats_fd, slot);
			n_slots++;
		}
		more = !bpf_map_get_next_key(ifslot_fd, &key, &next);
	}
}

static int unhex(const char *s, __u8 *out, int max)
{
	int n = 0;
	unsigned int b;

	while (s[0] && s[1] && n < max) {
		if (sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = b;
		s += 2;
	}
	return n;
}

int main(int argc, char **argv)
{
	static char line[2 * MAX_FRAME + 64];
	static __u8 in[MAX_FRAME], out[MAX_FRAME + 256];
	int lan_fd, tun_fd, stats_fd, ifslot_fd;
	char prog[8], hex[2 * MAX_FRAME + 1];
	unsigned int ifindex;
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: oracle_run PIN_ROOT < CASES\n");
		return 2;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return 2;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return 2;
	lan_fd = open_pin(argv[1], "progs/vta_lan_in");
	tun_fd = open_pin(argv[1], "progs/vta_tun_in");
	stats_fd = open_pin(argv[1], VTA_MAP_NAME(fwd_stats));
	ifslot_fd = open_pin(argv[1], VTA_MAP_NAME(ifslot));
	load_slots(ifslot_fd, stats_fd);

	while (fgets(line, sizeof(line), stdin)) {
		struct __sk_buff ctx = {};
		LIBBPF_OPTS(bpf_test_run_opts, o);
		__u32 out_if = 0;
		int len, err, fd;

		if (sscanf(line, "%7s %u %8192s", prog, &ifindex, hex) != 3 ||
		    (len = unhex(hex, in, MAX_FRAME)) < 14) {
			fprintf(stderr, "oracle_run: bad case line: %s", line);
			return 2;
		}
		ctx.ifindex = ifindex;
		o.data_in = in;
		o.data_size_in = len;
		o.data_out = out;
		o.data_size_out = sizeof(out);
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
		o.repeat = 1;
		fd = strcmp(prog, "tun") ? lan_fd : tun_fd;
		err = bpf_prog_test_run_opts(fd, &o);
		if (err) {
			fprintf(stderr, "oracle_run: BPF_PROG_TEST_RUN: %s\n",
				strerror(errno));
			return 2;
		}
		for (i = 0; i < n_slots; i++) {
			__u64 tx = tx_of(stats_fd, slots[i].slot);

			if (tx != slots[i].tx) {
				out_if = slots[i].ifindex;
				slots[i].tx = tx;
			}
		}
		printf("%u %u ", o.retval, out_if);
		if (!o.data_size_out)
			putchar('-');
		for (i = 0; i < (int)o.data_size_out; i++)
			printf("%02x", out[i]);
		putchar('\n');
	}
	return 0;
}
