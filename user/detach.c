// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `vtiaccel detach`: undo what `vtiaccel run` left behind (after a crash,
 * or to uninstall) and nothing else: tc filters with our handle and
 * priority whose program is one of ours, vta_xdp_lan in the libxdp
 * dispatcher, and the pin directory.  Clsact qdiscs stay: we cannot
 * know whether another tool shares them (an empty clsact costs nothing).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "print.h"

static bool ours_by_id(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	bool ours = false;
	int fd, p;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (p = 0; p < VTA_PROG_MAX; p++)
			if (!strcmp(info.name, vta_prog_name(p)))
				ours = true;
	close(fd);
	return ours;
}

static int detach_xdp(__u32 ifindex, const char *name, bool *done)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int err = 0;

	*done = false;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp))
		return 0;	/* nothing attached */
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), vta_prog_name(VTA_PROG_XDP_LAN))) {
			err = xdp_multiprog__detach(mp);
			*done = !err;
		}
	} else {
		while ((p = xdp_multiprog__next_prog(p, mp))) {
			if (strcmp(xdp_program__name(p), vta_prog_name(VTA_PROG_XDP_LAN)))
				continue;
			err = xdp_program__detach(p, ifindex,
						  xdp_multiprog__attach_mode(mp), 0);
			*done = !err;
			break;
		}
	}
	xdp_multiprog__close(mp);
	if (err)
		vta_print_error("detach XDP from %s: %s", name, strerror(-err));
	return err;
}

/* rm -r of the pin directory: bpffs holds only pins and directories. */
static int remove_tree(const char *path, int *count)
{
	struct dirent *de;
	char sub[PATH_MAX];
	struct stat st;
	DIR *d;
	int err = 0;

	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (lstat(sub, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			err = remove_tree(sub, count) ?: err;
		} else if (unlink(sub)) {
			err = -errno;
		} else {
			(*count)++;
		}
	}
	closedir(d);
	if (rmdir(path) && !err)
		err = -errno;
	return err;
}

int cmd_detach(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pin-root", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct if_nameindex *ifs, *i;
	const char *root;
	int opt, err, ret = 0, pins = 0;
	bool done;

	while ((opt = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
		switch (opt) {
		case 'P':
			vta_g.pin_root = optarg;
			break;
		case 'j':
			vta_print_init(true, false);
			break;
		case 'h':
			return vta_cmd_usage("detach", false);
		default:
			return vta_cmd_usage("detach", true);
		}
	}
	if (optind < argc) {
		vta_print_error("detach: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	root = vta_cli_pin_root();
	/*
	 * Every interface of the namespace, not only those in vta_ifaces:
	 * after a crash the map may be gone or behind (a VTI re-created
	 * while no daemon ran).
	 */
	ifs = if_nameindex();
	if (!ifs)
		return vta_print_error("list interfaces: %s", strerror(errno));
	open_json_object(NULL);
	open_json_array("tc");
	for (i = ifs; i->if_index; i++) {
		__u32 id = vta_tc_query(i->if_index);

		if (!id || !ours_by_id(id))
			continue;
		err = vta_tc_detach(i->if_index, false);
		if (err) {
			pr_warn("detach tc ingress from %s: %s\n", i->if_name,
				strerror(-err));
			ret = 1;
			continue;
		}
		print_string(PRINT_ANY, NULL, "detached tc ingress from %s\n",
			     i->if_name);
	}
	close_json_array();
	open_json_array("xdp");
	for (i = ifs; i->if_index; i++) {
		if (detach_xdp(i->if_index, i->if_name, &done))
			ret = 1;
		else if (done)
			print_string(PRINT_ANY, NULL, "detached XDP from %s\n",
				     i->if_name);
	}
	close_json_array();
	if_freenameindex(ifs);
	err = remove_tree(root, &pins);
	if (err) {
		pr_warn("remove pins under %s: %s\n", root, strerror(-err));
		ret = 1;
	}
	print_uint(PRINT_ANY, "pins_removed", "removed %" PRIu64 " pins", pins);
	print_string(PRINT_ANY, "pin_root", " under %s\n", root);
	print_bool(PRINT_JSON, "ok", NULL, ret == 0);
	close_json_object();
	return ret;
}
