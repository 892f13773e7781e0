// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * anchors - attach one of the minimal forwarders of bench/anchors.bpf.c
 * (bench/forward.sh's anchor columns) in the current network namespace.
 *
 *   anchors OBJ tc-neigh DEV OUT_DEV   tc ingress of DEV, redirect_neigh
 *                                      to OUT_DEV
 *   anchors OBJ tc-fib DEV             tc ingress of DEV
 *   anchors OBJ xdp-fib DEV            native XDP on DEV
 *   anchors OBJ xdp-pass DEV           native XDP on DEV
 *   anchors OBJ tcx-neigh DEV OUT_DEV  tc-neigh's program on tcx ingress
 *                                      of DEV (kernel 6.6+), through a
 *                                      link this process holds: it prints
 *                                      "attached" and waits for SIGTERM
 *   anchors OBJ detach DEV             both removed (clsact included)
 *
 * The filter and the XDP program stay attached after it exits (the
 * kernel holds them); detach removes them.  The tcx link goes with the
 * process.
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int usage(void)
{
	fprintf(stderr, "usage: anchors OBJ "
			"tc-neigh|tcx-neigh|tc-fib|xdp-fib|xdp-pass|detach "
			"DEV [OUT_DEV]\n");
	return 2;
}

static int load(const char *path, const char *prog, __u32 out,
		struct bpf_object **objp)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_map *m;
	int err;

	err = libbpf_get_error(obj);
	if (err) {
		fprintf(stderr, "anchors: open %s: %s\n", path, strerror(-err));
		return err;
	}
	bpf_object__for_each_map (m, obj) {
		size_t sz;
		const void *v = bpf_map__initial_value(m, &sz);
		char buf[64];

		/* out_ifindex is the only constant: first in .rodata */
		if (!strstr(bpf_map__name(m), ".rodata") || !v ||
		    sz < sizeof(out) || sz > sizeof(buf))
			continue;
		memcpy(buf, v, sz);
		memcpy(buf, &out, sizeof(out));
		bpf_map__set_initial_value(m, buf, sz);
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "anchors: load %s: %s\n", path, strerror(-err));
		bpf_object__close(obj);
		return err;
	}
	p = bpf_object__find_program_by_name(obj, prog);
	if (!p) {
		fprintf(stderr, "anchors: %s: no program %s\n", path, prog);
		bpf_object__close(obj);
		return -ENOENT;
	}
	*objp = obj;
	return bpf_program__fd(p);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1);
	struct bpf_object *obj = NULL;
	const char *mode;
	__u32 out = 0;
	int ifindex, fd, err;

	if (argc < 4)
		return usage();
	mode = argv[2];
	ifindex = if_nametoindex(argv[3]);
	if (!ifindex) {
		fprintf(stderr, "anchors: DEV %s: %s\n", argv[3],
			strerror(errno));
		return 1;
	}
	hook.ifindex = ifindex;
	if (!strcmp(mode, "detach")) {
		bpf_xdp_detach(ifindex, 0, NULL);
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		return 0;
	}
	if (!strcmp(mode, "tc-neigh") || !strcmp(mode, "tcx-neigh")) {
		if (argc < 5 || !(out = if_nametoindex(argv[4]))) {
			fprintf(stderr, "anchors: tc-neigh: OUT_DEV %s: %s\n",
				argc < 5 ? "missing" : argv[4],
				argc < 5 ? "needs one" : strerror(errno));
			return 2;
		}
		fd = load(argv[1], "anc_tc_neigh", out, &obj);
	} else if (!strcmp(mode, "tc-fib")) {
		fd = load(argv[1], "anc_tc_fib", 0, &obj);
	} else if (!strcmp(mode, "xdp-fib")) {
		fd = load(argv[1], "anc_xdp_fib", 0, &obj);
	} else if (!strcmp(mode, "xdp-pass")) {
		fd = load(argv[1], "anc_xdp_pass", 0, &obj);
	} else {
		return usage();
	}
	if (fd < 0)
		return 1;
	if (!strcmp(mode, "tcx-neigh")) {
		/* enum bpf_attach_type BPF_TCX_INGRESS (6.6 uapi; Debian 12's
		 * headers and libbpf 1.1 predate it: bpf_link_create() passes
		 * an attach type it does not know through) */
		const int tcx_ingress = 46;
		sigset_t set;
		int link, sig;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		link = bpf_link_create(fd, ifindex, tcx_ingress, NULL);
		if (link < 0) {
			fprintf(stderr, "anchors: tcx ingress of %s: %s\n",
				argv[3], strerror(errno));
			bpf_object__close(obj);
			return 1;
		}
		printf("attached\n");
		fflush(stdout);
		sigwait(&set, &sig);
		close(link);
		bpf_object__close(obj);
		return 0;
	}
	if (!strncmp(mode, "xdp", 3)) {
		err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL);
		if (err)
			fprintf(stderr, "anchors: native XDP on %s: %s\n",
				argv[3], strerror(-err));
	} else {
		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST) {
			fprintf(stderr, "anchors: clsact on %s: %s\n", argv[3],
				strerror(-err));
		} else {
			opts.prog_fd = fd;
			err = bpf_tc_attach(&hook, &opts);
			if (err)
				fprintf(stderr,
					"anchors: tc ingress of %s: %s\n",
					argv[3], strerror(-err));
		}
	}
	bpf_object__close(obj);
	return err ? 1 : 0;
}
