// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `vtiaccel detach`: undo what `vtiaccel run` left behind (after a crash,
 * or to uninstall) and nothing else: tc filters (ingress, and the MSS
 * clamp on egress) with our handle and priority whose program is one of
 * ours and uses the pin root's maps, vta_xdp_lan in the libxdp dispatcher
 * (the same test), and our pins in the pin directory.  The pin root must
 * be on bpffs and not locked by a live daemon.  Clsact qdiscs stay: we
 * cannot know whether another tool shares them (an empty clsact costs
 * nothing).
 *
 * `vtiaccel clamp IFNAME`: attach the pinned MSS clamp (vta_tun_out) to a
 * tunnel's tc egress, with no daemon needed: the updown script runs it on
 * a tunnel it has just created, before the link is up, as the seed's
 * script inserted its TCPMSS rule.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "cli.h"
#include "loader.h"
#include "cmd.h"
#include "log.h"
#include "print.h"
#include "spread.h"

/* Does program id use the map with id map_id? */
static bool uses_map(__u32 id, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64], i;
	bool found = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
			if (ids[i] == map_id)
				found = true;
	close(fd);
	return found;
}

static bool xdp_ours(const struct xdp_program *p, __u32 map_id)
{
	return p && !strcmp(xdp_program__name(p), vta_prog_name(VTA_PROG_XDP_LAN)) &&
	       (!map_id || uses_map(xdp_program__id(p), map_id));
}

int vta_xdp_detach_ours(__u32 ifindex, __u32 map_id, int *n)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	enum xdp_attach_mode mode;
	int err = 0;

	*n = 0;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp))
		return 0;	/* nothing attached */
	if (xdp_multiprog__is_legacy(mp)) {
		if (xdp_ours(xdp_multiprog__main_prog(mp), map_id)) {
			err = xdp_multiprog__detach(mp);
			*n += !err;
		}
		xdp_multiprog__close(mp);
		return err;
	}
	/* Removing one program rebuilds the dispatcher: look again after
	 * each removal, until none of ours is left (bounded). */
	mode = xdp_multiprog__attach_mode(mp);
	while (!err && *n < 16) {
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (xdp_ours(p, map_id))
				break;
		if (!p)
			break;
		err = xdp_program__detach(p, ifindex, mode, 0);
		*n += !err;
		xdp_multiprog__close(mp);
		p = NULL;
		mp = xdp_multiprog__get_from_ifindex(ifindex);
		if (!mp || libxdp_get_error(mp))
			return err;
	}
	xdp_multiprog__close(mp);
	return err;
}

/* rm -r of the pin directory (its contents only with keep_root): bpffs
 * holds only pins and directories. */
static int remove_tree_ex(const char *path, int *count, bool keep_root)
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
			err = remove_tree_ex(sub, count, false) ?: err;
		} else if (unlink(sub)) {
			err = -errno;
		} else {
			(*count)++;
		}
	}
	closedir(d);
	if (!keep_root && rmdir(path) && !err)
		err = -errno;
	return err;
}

/* Does program id use one of the maps map_ids (0 entries ignored)? */
static bool uses_any(__u32 id, const __u32 *map_ids, int n_ids)
{
	int j;

	for (j = 0; j < n_ids; j++)
		if (map_ids[j] && uses_map(id, map_ids[j]))
			return true;
	return false;
}

/*
 * Unlink the pins vtiaccel creates under a pin root (its maps, progs/ and
 * its programs) and the directories when that empties them; anything
 * else there is not ours and stays.  *left: entries left in the root.
 */
static int remove_our_pins(const char *root, int *count, int *left)
{
	char path[PATH_MAX + 64];
	struct dirent *de;
	unsigned int i;
	int p, err = 0;
	DIR *d;

	*count = vta_spread_unpin(root);
	*left = 0;
	for (p = 0; p < VTA_PROG_MAX; p++) {
		snprintf(path, sizeof(path), "%s/progs/%s", root, vta_prog_name(p));
		if (!unlink(path))
			(*count)++;
		else if (errno != ENOENT)
			err = err ?: -errno;
	}
	snprintf(path, sizeof(path), "%s/progs", root);
	rmdir(path);	/* only when empty */
	for (i = 0; vta_map_name(i); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, vta_map_name(i));
		if (!unlink(path))
			(*count)++;
		else if (errno != ENOENT)
			err = err ?: -errno;
	}
	if (!rmdir(root) || errno == ENOENT)
		return err;
	d = opendir(root);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			(*left)++;
	if (d)
		closedir(d);
	return err;
}

int vta_tc_detach_ours(int ifindex, bool egress, const __u32 *map_ids,
		       int n_ids, __u32 *id)
{
	int err;

	*id = vta_tc_hook_query(ifindex, egress);
	if (!*id || !vta_prog_ours(*id) ||
	    (map_ids && !uses_any(*id, map_ids, n_ids)))
		return 0;
	err = vta_tc_hook_detach(ifindex, egress);
	return err ? err : 1;
}

int vta_detach_stale(const __u32 *map_ids, int n_ids, int *n)
{
	struct if_nameindex *ifs, *i;
	int err, ret = 0, k, j, egress;
	__u32 id;

	*n = 0;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++) {
		for (egress = 0; egress < 2; egress++) {
			err = vta_tc_detach_ours(i->if_index, egress, map_ids,
						 n_ids, &id);
			if (err < 0) {
				pr_warn("detach the stale %s (id %u) from %s: %s\n",
					egress ? "MSS clamp" : "tc program", id,
					i->if_name, strerror(-err));
				ret = ret ?: err;
			} else if (err) {
				if (!egress)
					pr_info("%s: removed the stale tc ingress program (id %u)\n",
						i->if_name, id);
				(*n)++;
			}
		}
		for (j = 0; j < n_ids; j++) {
			if (!map_ids[j])
				continue;
			err = vta_xdp_detach_ours(i->if_index, map_ids[j], &k);
			if (err) {
				pr_warn("detach the stale vta_xdp_lan from %s: %s\n",
					i->if_name, strerror(-err));
				ret = ret ?: err;
			} else if (k) {
				pr_info("%s: removed the stale vta_xdp_lan\n",
					i->if_name);
				*n += k;
			}
		}
	}
	if_freenameindex(ifs);
	return ret;
}

/* detach's and clamp's options (detach_opts): -1 to go on, else the
 * exit status. */
static int parse_opts(const struct vta_cmd *c, int argc, char **argv)
{
	int opt;

	while ((opt = vta_cmd_getopt(c, argc, argv)) != -1) {
		switch (opt) {
		case 'P':
			vta_g.pin_root = optarg;
			break;
		case 'j':
			vta_print_init(true, false);
			break;
		case 'h':
			return vta_cmd_usage(c->name, false);
		default:
			return vta_cmd_usage(c->name, true);
		}
	}
	return -1;
}

int vta_pins_remove(const char *pin_root, bool keep_root, int *count)
{
	*count = 0;
	return remove_tree_ex(pin_root, count, keep_root);
}

int cmd_detach(int argc, char **argv)
{
	struct if_nameindex *ifs, *i;
	__u32 ids[16] = { 0 };
	const char *root;
	char why[PATH_MAX + 128];
	int opt, err, ret = 0, pins = 0, left = 0, n, n_ids = 0, lock_fd = -1;
	int egress;
	char first[256] = "";	/* the first failure, for "error" in JSON */

	opt = parse_opts(&vta_cmd_detach, argc, argv);
	if (opt >= 0)
		return opt;
	if (optind < argc) {
		vta_print_error("detach: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	root = vta_cli_pin_root();
	/*
	 * Only a pin root, and only one no daemon uses: detach removes what
	 * is pinned there and the hooks of its programs.  A missing root has
	 * nothing of ours (detach twice is fine).
	 */
	err = vta_pin_root_check(root, false, why, sizeof(why));
	if (err && err != -ENOENT)
		return vta_print_error("detach: refusing %s", why);
	if (!err) {
		lock_fd = vta_pin_root_lock(root);
		if (lock_fd == -EWOULDBLOCK)
			return vta_print_error("detach: refusing %s: a running `vtiaccel run` holds its lock (stop it: it detaches when it exits)",
					       root);
		if (lock_fd < 0)
			return vta_print_error("detach: lock %s: %s", root,
					       strerror(-lock_fd));
		n_ids = vta_pins_map_ids(root, ids, 16);
	}
	/*
	 * Every interface of the namespace, not only those in vta_ifslot:
	 * after a crash the map may be gone or behind (a VTI re-created
	 * while no daemon ran).  Ours are the programs that use this pin
	 * root's maps: another instance's (other pin root) stay.
	 */
	ifs = if_nameindex();
	if (!ifs) {
		err = errno;
		close(lock_fd);
		return vta_print_error("list interfaces: %s", strerror(err));
	}
	open_json_object(NULL);
	/*
	 * Ingress: the programs that use this root's maps.  Egress: the
	 * tunnels' MSS clamp, which outlives the daemon, whichever maps.
	 */
	for (egress = 0; egress < 2; egress++) {
		const char *dir = egress ? "egress" : "ingress";

		open_json_array(egress ? "tc_egress" : "tc");
		for (i = ifs; (egress || n_ids) && i->if_index; i++) {
			__u32 id;

			err = vta_tc_detach_ours(i->if_index, egress,
						 egress ? NULL : ids, 16, &id);
			if (!err)
				continue;
			if (err < 0) {
				pr_warn("detach tc %s from %s: %s\n", dir,
					i->if_name, strerror(-err));
				if (!ret)
					snprintf(first, sizeof(first),
						 "detach tc %s from %s: %s", dir,
						 i->if_name, strerror(-err));
				ret = 1;
				continue;
			}
			print_string(PRINT_ANY, NULL,
				     egress ? "detached tc egress from %s\n" :
					      "detached tc ingress from %s\n",
				     i->if_name);
		}
		close_json_array();
	}
	open_json_array("xdp");
	for (i = ifs; n_ids && i->if_index; i++) {
		int j, k = 0;

		err = 0;
		for (j = 0; !err && j < 16; j++) {
			if (!ids[j])
				continue;
			err = vta_xdp_detach_ours(i->if_index, ids[j], &n);
			k += n;
		}
		if (err) {
			pr_warn("detach XDP from %s: %s\n", i->if_name,
				strerror(-err));
			if (!ret)
				snprintf(first, sizeof(first), "detach XDP from %s: %s",
					 i->if_name, strerror(-err));
			ret = 1;
		} else if (k) {
			print_string(PRINT_ANY, NULL, "detached XDP from %s\n",
				     i->if_name);
		}
	}
	close_json_array();
	if_freenameindex(ifs);
	/* [esp] spread: vta_spread on WAN interfaces, by its pinned maps */
	n = 0;
	if (lock_fd >= 0) {
		err = vta_spread_detach_pinned(root, &n);
		if (err) {
			pr_warn("detach vta_spread: %s\n", strerror(-err));
			if (!ret)
				snprintf(first, sizeof(first), "detach vta_spread: %s",
					 strerror(-err));
			ret = 1;
		}
	}
	if (n)
		print_text("detached vta_spread (ESP spreading) from %d interfaces\n", n);
	print_uint(PRINT_JSON, "spread_detached", NULL, n);
	/* [forward] attach = tcx: the links pinned under the root */
	n = 0;
	if (lock_fd >= 0) {
		err = vta_tcx_unpin_all(root, false, &n);
		if (err) {
			pr_warn("detach the tcx links under %s: %s\n", root,
				strerror(-err));
			if (!ret)
				snprintf(first, sizeof(first),
					 "detach the tcx links under %s: %s",
					 root, strerror(-err));
			ret = 1;
		}
	}
	if (n)
		print_text("detached %d tcx links\n", n);
	print_uint(PRINT_JSON, "tcx_detached", NULL, n);
	if (lock_fd >= 0) {
		err = remove_our_pins(root, &pins, &left);
		if (err) {
			pr_warn("remove pins under %s: %s\n", root, strerror(-err));
			if (!ret)
				snprintf(first, sizeof(first), "remove pins under %s: %s",
					 root, strerror(-err));
			ret = 1;
		}
		if (left)
			pr_warn("%s: %d entries that are not vtiaccel's pins left in place\n",
				root, left);
		close(lock_fd);
	}
	print_uint(PRINT_ANY, "pins_removed", "removed %" PRIu64 " pins", pins);
	print_string(PRINT_ANY, "pin_root", " under %s\n", root);
	print_uint(PRINT_JSON, "entries_left", NULL, left);
	print_bool(PRINT_JSON, "ok", NULL, ret == 0);
	/* still the whole report, plus the error every command has */
	if (ret)
		print_string(PRINT_JSON, "error", NULL, first);
	close_json_object();
	return ret;
}

int cmd_clamp(int argc, char **argv)
{
	char path[PATH_MAX];
	const char *root, *name;
	unsigned int ifindex;
	bool created;
	int opt, fd, err;

	opt = parse_opts(&vta_cmd_clamp, argc, argv);
	if (opt >= 0)
		return opt;
	if (optind + 1 != argc) {
		vta_print_error("clamp: needs exactly one interface name, e.g. vtiaccel clamp vti1");
		return 2;
	}
	name = argv[optind];
	ifindex = if_nametoindex(name);
	if (!ifindex)
		return vta_print_error("clamp: interface '%s': %s", name,
				       strerror(errno));
	/* vtiaccel run with tcx may have been quicker than the updown hook:
	 * a filter under its link would clamp every packet a second time */
	if (vta_tcx_query(ifindex, true)) {
		open_json_object(NULL);
		print_string(PRINT_ANY, "interface",
			     "MSS clamp already on tcx egress of %s\n", name);
		print_string(PRINT_JSON, "hook", NULL, "tcx");
		print_bool(PRINT_JSON, "ok", NULL, true);
		close_json_object();
		return 0;
	}
	root = vta_cli_pin_root();
	snprintf(path, sizeof(path), "%s/progs/%s", root,
		 vta_prog_name(VTA_PROG_TUN_OUT));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return vta_print_error("clamp: pinned program %s: %s (has vtiaccel run ever started with this pin root?)",
				       path, strerror(errno));
	err = vta_tc_attach_egress(ifindex, fd, &created);
	close(fd);
	if (err)
		return vta_print_error("clamp: attach %s to tc egress of %s: %s",
				       path, name, strerror(-err));
	open_json_object(NULL);
	print_string(PRINT_ANY, "interface", "MSS clamp attached to tc egress of %s\n",
		     name);
	print_string(PRINT_JSON, "hook", NULL, "tc");
	print_bool(PRINT_JSON, "ok", NULL, true);
	close_json_object();
	return 0;
}

/* detach and clamp: the pin root, and -j accepted (not documented) */
static const struct vta_cmd_opt detach_opts[] = {
	{ 'P', "pin-root", false, "DIR", "pins to remove (also a global option)", VTA_OPT_DIR },
	VTA_OPT_JSON(NULL),
	{ 0 },
};

const struct vta_cmd vta_cmd_detach = {
	.name = "detach",
	.fn = cmd_detach,
	.args = "[--pin-root DIR]",
	.summary = "remove vtiaccel's tc filters, XDP program and pins",
	.desc = "Removes vtiaccel's tc filters (its own handle and priority only, "
		"the tunnels' egress MSS clamp included) "
		"from every interface, its XDP program from the libxdp dispatcher "
		"and the pinned maps and programs, of this pin root only: a program "
		"is removed when it uses the maps pinned there, so another "
		"instance's hooks stay. Refuses a directory that is not on bpffs and "
		"a pin root whose lock a running `vtiaccel run` holds (stop the "
		"daemon: it detaches when it exits). Other filters, programs, "
		"pins and qdiscs are left alone; an emptied clsact qdisc stays.",
	.opts = detach_opts,
	.needs_conf = true,
};

const struct vta_cmd vta_cmd_clamp = {
	.name = "clamp",
	.fn = cmd_clamp,
	.args = "IFNAME [--pin-root DIR]",
	.summary = "attach the pinned MSS clamp to a tunnel's tc egress (no daemon needed)",
	.desc = "Attaches the MSS clamp that vtiaccel run pinned (vta_tun_out under "
		"the pin root) to tc egress of IFNAME, replacing one already there; "
		"when the daemon already runs it there on a tcx link, it leaves it "
		"at that. "
		"It clamps every SYN leaving through IFNAME as the seed's TCPMSS "
		"rule did, whether or not a daemon runs; vtiaccel-updown runs it on "
		"the tunnel it creates before setting it up. The daemon attaches "
		"the same program to every tunnel and leaves it attached when it "
		"stops or dies; detach removes it.",
	.opts = detach_opts,
	.needs_conf = true,
};
