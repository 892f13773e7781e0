// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "log.h"
#include "lan.skel.h"
#include "tunnel.skel.h"
#include "wan.skel.h"
#include "xdp_lan.skel.h"

struct vta_loader {
	struct vta_lan *lan;
	struct vta_tunnel *tunnel;
	struct vta_wan *wan;
	struct vta_xdp_lan *xdp_lan;
	struct vta_maps maps;
};

static const char *const prog_names[VTA_PROG_MAX] = {
	[VTA_PROG_LAN] = "vta_lan_in",
	[VTA_PROG_TUNNEL] = "vta_tun_in",
	[VTA_PROG_WAN] = "vta_wan_in",
	[VTA_PROG_XDP_LAN] = "vta_xdp_lan",
	[VTA_PROG_TUN_OUT] = "vta_tun_out",
};

#define VTA_COUNTER_NAME(id, kind, name, help) [VTA_##id] = name,
#define VTA_COUNTER_HELP(id, kind, name, help) [VTA_##id] = help,
static const char *const counter_names[VTA_COUNTER_MAX] = {
	VTA_COUNTERS(VTA_COUNTER_NAME)
};
static const char *const counter_helps[VTA_COUNTER_MAX] = {
	VTA_COUNTERS(VTA_COUNTER_HELP)
};

const char *vta_counter_name(enum vta_counter c)
{
	return (unsigned)c < VTA_COUNTER_MAX ? counter_names[c] : "?";
}

const char *vta_counter_help(enum vta_counter c)
{
	return (unsigned)c < VTA_COUNTER_MAX ? counter_helps[c] : "?";
}

const char *vta_prog_name(enum vta_prog p)
{
	return (unsigned)p < VTA_PROG_MAX ? prog_names[p] : "?";
}

#define VTA__MAP_STR(var) VTA_MAP_NAME(var),
static const char *const map_names[] = { VTA_MAPS(VTA__MAP_STR) };

#define N_MAPS (sizeof(map_names) / sizeof(map_names[0]))

int *vta_maps_slot(struct vta_maps *m, unsigned int i)
{
#define VTA__MAP_SLOT(var) &m->var,
	int *slots[] = { VTA_MAPS(VTA__MAP_SLOT) };

	return i < N_MAPS ? slots[i] : NULL;
}

const char *vta_map_name(unsigned int i)
{
	return i < N_MAPS ? map_names[i] : NULL;
}

int vta_bpffs_prepare(const char *pin_root)
{
	struct statfs st;
	char path[PATH_MAX], *p;

	if (statfs("/sys/fs/bpf", &st) || st.f_type != BPF_FS_MAGIC) {
		mkdir("/sys/fs/bpf", 0700);
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			int err = -errno;

			pr_warn("mount bpffs on /sys/fs/bpf: %s\n", strerror(errno));
			return err;
		}
	}
	if (!pin_root)
		return 0;
	/* mkdir -p */
	snprintf(path, sizeof(path), "%s", pin_root);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		int err = -errno;

		pr_warn("create pin directory %s: %s\n", path, strerror(errno));
		return err;
	}
	return 0;
}

int vta_pin_root_check(const char *pin_root, bool owner, char *why,
		       size_t len)
{
	struct statfs fs;
	struct stat st;

	if (lstat(pin_root, &st)) {
		int err = -errno;

		snprintf(why, len, "%s: %s", pin_root, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s: not a directory%s", pin_root,
			 S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
		return -ENOTDIR;
	}
	/* Everything under a pin root is removed by detach and reused by
	 * run: never a directory of another file system, such as /etc. */
	if (statfs(pin_root, &fs) || fs.f_type != BPF_FS_MAGIC) {
		snprintf(why, len, "%s: not on a BPF file system, bpffs: not a pin root",
			 pin_root);
		return -EXDEV;
	}
	if (!owner)
		return 0;
	/* Whoever may write there can plant maps the daemon would reuse. */
	if (st.st_uid != geteuid()) {
		snprintf(why, len, "%s: owned by uid %u, not by this user (uid %u): refusing to reuse it",
			 pin_root, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (st.st_mode & 022) {
		snprintf(why, len, "%s: mode %04o lets group or others write into it: refusing to reuse it (chmod 700)",
			 pin_root, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int vta_pin_root_lock(const char *pin_root)
{
	int fd = open(pin_root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static struct bpf_object *obj_of(const struct vta_loader *l, enum vta_prog p)
{
	switch (p) {
	case VTA_PROG_LAN: return l->lan ? l->lan->obj : NULL;
	case VTA_PROG_TUNNEL: return l->tunnel ? l->tunnel->obj : NULL;
	case VTA_PROG_WAN: return l->wan ? l->wan->obj : NULL;
	case VTA_PROG_XDP_LAN: return l->xdp_lan ? l->xdp_lan->obj : NULL;
	default: return NULL;
	}
}

/* Point the object's maps at fds we already hold (the first object's). */
static int reuse_maps(struct bpf_object *obj, struct vta_maps *m)
{
	size_t i;
	int err;

	for (i = 0; i < N_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, map_names[i]);

		if (!map)
			continue;
		err = bpf_map__reuse_fd(map, *vta_maps_slot(m, i));
		if (err) {
			pr_warn("reuse map %s: %s\n", map_names[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int set_pin_paths(struct bpf_object *obj, const char *pin_root)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	bpf_object__for_each_map(map, obj) {
		if (!bpf_map__is_pinned(map) && bpf_map__pin_path(map) == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_root, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			pr_warn("pin path %s for map %s: %s\n", path,
				bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	return 0;
}

unsigned int vta_loader_fib4_blocks;

int vta_loader_open(struct vta_loader **out, const char *pin_root)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_root);
	struct vta_loader *l;
	struct bpf_object *first;
	size_t i;
	int err;

	*out = NULL;
	if (pin_root) {
		err = vta_bpffs_prepare(pin_root);
		if (err)
			return err;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->maps = VTA_MAPS_NONE;

	l->lan = vta_lan__open_opts(&opts);
	l->tunnel = vta_tunnel__open_opts(&opts);
	l->wan = vta_wan__open_opts(&opts);
	l->xdp_lan = vta_xdp_lan__open_opts(&opts);
	if (!l->lan || !l->tunnel || !l->wan || !l->xdp_lan) {
		err = -errno ?: -EINVAL;
		pr_warn("open BPF objects: %s\n", strerror(-err));
		goto fail;
	}
	/* Without a pin root nothing may be pinned or reused by name. */
	for (i = 0; i < VTA_PROG_MAX; i++) {
		struct bpf_object *obj = obj_of(l, i);
		struct bpf_map *map;

		if (!obj)	/* a second program of an object */
			continue;
		map = bpf_object__find_map_by_name(obj, VTA_MAP_NAME(fib4_l2));
		if (vta_loader_fib4_blocks && map)
			bpf_map__set_max_entries(map, vta_loader_fib4_blocks);
		if (pin_root) {
			err = set_pin_paths(obj, pin_root);
			if (err)
				goto fail;
			continue;
		}
		bpf_object__for_each_map(map, obj)
			bpf_map__set_pin_path(map, NULL);
	}

	err = vta_lan__load(l->lan);
	if (err) {
		pr_warn("load %s: %s (run with -v for the verifier log)\n",
			prog_names[VTA_PROG_LAN], strerror(-err));
		goto fail;
	}
	first = l->lan->obj;
	for (i = 0; i < N_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(first, map_names[i]);

		*vta_maps_slot(&l->maps, i) = map ? bpf_map__fd(map) : -1;
	}
	for (i = VTA_PROG_LAN + 1; i < VTA_PROG_MAX; i++) {
		if (!obj_of(l, i))
			continue;
		err = reuse_maps(obj_of(l, i), &l->maps);
		if (err)
			goto fail;
	}
	/* i: the program being loaded, for the message */
	i = VTA_PROG_TUNNEL;
	err = vta_tunnel__load(l->tunnel);
	if (!err) {
		i = VTA_PROG_WAN;
		err = vta_wan__load(l->wan);
	}
	if (!err) {
		i = VTA_PROG_XDP_LAN;
		err = vta_xdp_lan__load(l->xdp_lan);
	}
	if (err) {
		pr_warn("load %s: %s (run with -v for the verifier log)\n",
			prog_names[i], strerror(-err));
		goto fail;
	}
	*out = l;
	return 0;
fail:
	vta_loader_close(l);
	return err;
}

struct bpf_object *vta_loader_xdp_obj(const struct vta_loader *l)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "vta_xdp_lan");
	struct vta_maps maps = l->maps;
	struct bpf_object *obj;
	struct bpf_map *map;
	const void *elf;
	size_t sz;
	int err;

	elf = vta_xdp_lan__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj) {
		err = -errno;
		pr_warn("open a second vta_xdp_lan object: %s\n", strerror(-err));
		errno = -err;
		return NULL;
	}
	/* The maps are the loader's, by fd: never pinned or reused by name
	 * again (the pins, if any, are the same maps). */
	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
	err = reuse_maps(obj, &maps);
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

static void map_desc(char *buf, size_t len, __u32 type, __u32 key,
		     __u32 value, __u32 max, __u32 flags)
{
	snprintf(buf, len, "type %u, key %u bytes, value %u bytes, %u entries, flags 0x%x",
		 type, key, value, max, flags);
}

int vta_pins_incompatible(const char *pin_root, const char *action)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "vta_lan");
	struct bpf_object *obj;
	const void *elf;
	size_t sz, i;
	int n = 0;

	elf = vta_lan__elf_bytes(&sz);
	obj = bpf_object__open_mem(elf, sz, &opts);
	if (!obj)
		return -errno;
	for (i = 0; i < N_MAPS; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, map_names[i]);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		char path[PATH_MAX], why[128], a[128], b[128];
		int fd, err;

		if (!map)
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_root, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* missing (created at load) or not a map */
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (err)
			continue;
		/* what libbpf's map_is_reuse_compat() compares */
		if (info.type != bpf_map__type(map))
			snprintf(why, sizeof(why), "map type %u, this one %u",
				 info.type, bpf_map__type(map));
		else if (info.key_size != bpf_map__key_size(map))
			snprintf(why, sizeof(why), "key %u bytes, this one %u",
				 info.key_size, bpf_map__key_size(map));
		else if (info.value_size != bpf_map__value_size(map))
			snprintf(why, sizeof(why), "value %u bytes, this one %u",
				 info.value_size, bpf_map__value_size(map));
		else if (info.max_entries != bpf_map__max_entries(map))
			snprintf(why, sizeof(why), "%u entries, this one %u",
				 info.max_entries, bpf_map__max_entries(map));
		else if (info.map_flags != bpf_map__map_flags(map))
			snprintf(why, sizeof(why), "flags 0x%x, this one 0x%x",
				 info.map_flags, bpf_map__map_flags(map));
		else
			continue;
		map_desc(a, sizeof(a), info.type, info.key_size,
			 info.value_size, info.max_entries, info.map_flags);
		map_desc(b, sizeof(b), bpf_map__type(map), bpf_map__key_size(map),
			 bpf_map__value_size(map), bpf_map__max_entries(map),
			 bpf_map__map_flags(map));
		pr_warn("pinned map %s from another vtiaccel version (%s)%s%s\n",
			path, why, action ? ": " : "", action ?: "");
		pr_debug("  pinned: %s\n  this:   %s\n", a, b);
		n++;
	}
	bpf_object__close(obj);
	return n;
}

int vta_pins_map_ids(const char *pin_root, __u32 *ids, int max)
{
	char path[PATH_MAX];
	int i, n = 0;

	for (i = 0; i < (int)N_MAPS && i < max; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		ids[i] = 0;
		snprintf(path, sizeof(path), "%s/%s", pin_root, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.id) {
			ids[i] = info.id;
			n++;
		}
		close(fd);
	}
	return n;
}

void vta_loader_close(struct vta_loader *l)
{
	if (!l)
		return;
	vta_xdp_lan__destroy(l->xdp_lan);
	vta_wan__destroy(l->wan);
	vta_tunnel__destroy(l->tunnel);
	vta_lan__destroy(l->lan);
	free(l);
}

int vta_loader_prog_fd(const struct vta_loader *l, enum vta_prog p)
{
	switch (p) {
	case VTA_PROG_LAN: return bpf_program__fd(l->lan->progs.vta_lan_in);
	case VTA_PROG_TUNNEL: return bpf_program__fd(l->tunnel->progs.vta_tun_in);
	case VTA_PROG_WAN: return bpf_program__fd(l->wan->progs.vta_wan_in);
	case VTA_PROG_XDP_LAN: return bpf_program__fd(l->xdp_lan->progs.vta_xdp_lan);
	case VTA_PROG_TUN_OUT: return bpf_program__fd(l->tunnel->progs.vta_tun_out);
	default: return -EINVAL;
	}
}

void vta_loader_maps(const struct vta_loader *l, struct vta_maps *m)
{
	*m = l->maps;
}

/* Maps that pins of an older vtiaccel may lack, the rest still readable:
 * health, the programs' ifindex array (read by the programs only), and
 * the forward counters (whose programs counted forwards in vta_stats). */
static bool slot_is_optional(struct vta_maps *m, size_t i)
{
	return vta_maps_slot(m, i) == &m->health ||
	       vta_maps_slot(m, i) == &m->ifidx ||
	       vta_maps_slot(m, i) == &m->fwd_stats;
}

int vta_maps_open_pinned(struct vta_maps *m, const char *pin_root)
{
	char path[PATH_MAX];
	size_t i;

	*m = VTA_MAPS_NONE;
	for (i = 0; i < N_MAPS; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_root, map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0 && errno == ENOENT && slot_is_optional(m, i))
			continue;
		if (fd < 0) {
			int err = -errno;

			vta_maps_close(m);
			pr_debug("open pinned map %s: %s\n", path, strerror(-err));
			return err;
		}
		*vta_maps_slot(m, i) = fd;
	}
	return 0;
}

void vta_maps_close(struct vta_maps *m)
{
	size_t i;

	for (i = 0; i < N_MAPS; i++) {
		int *fd = vta_maps_slot(m, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

/* Our tc hook on one direction of ifindex (egress: the MSS clamp's). */
#define VTA_TC_HOOK(name, ifindex, egress)                   \
	LIBBPF_OPTS(bpf_tc_hook, name, .ifindex = (ifindex), \
		    .attach_point = (egress) ? BPF_TC_EGRESS : BPF_TC_INGRESS)

int vta_tc_hook_attach(int ifindex, bool egress, int prog_fd, bool *created)
{
	VTA_TC_HOOK(hook, ifindex, egress);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
		    .handle = VTA_TC_HANDLE, .priority = VTA_TC_PRIO,
		    .flags = BPF_TC_F_REPLACE);
	int err;

	*created = false;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	*created = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err && *created) {
		/* a clsact we just created holds nothing else */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		*created = false;
	}
	return err;
}

int vta_tc_hook_detach(int ifindex, bool egress)
{
	VTA_TC_HOOK(hook, ifindex, egress);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VTA_TC_HANDLE,
		    .priority = VTA_TC_PRIO);

	return bpf_tc_detach(&hook, &opts);
}

__u32 vta_tc_hook_query(int ifindex, bool egress)
{
	VTA_TC_HOOK(hook, ifindex, egress);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = VTA_TC_HANDLE,
		    .priority = VTA_TC_PRIO);

	if (bpf_tc_query(&hook, &opts))
		return 0;
	return opts.prog_id;
}

int vta_tc_detach(int ifindex, bool destroy_qdisc)
{
	VTA_TC_HOOK(hook, ifindex, false);
	int err = vta_tc_hook_detach(ifindex, false), err2;

	if (destroy_qdisc) {
		/* clsact is one qdisc for both directions. */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err2 = bpf_tc_hook_destroy(&hook);
		if (!err)
			err = err2;
	}
	return err;
}

static void tcx_pin_path(const char *pin_root, int ifindex, bool egress,
			 char *buf, size_t len)
{
	snprintf(buf, len, "%s/links/tcx-%d-%s", pin_root, ifindex,
		 egress ? "egress" : "ingress");
}

bool vta_tcx_supported(void)
{
	__u32 ids[1], cnt = 1, flags = 0;

	/* lo is ifindex 1 in every namespace; EINVAL: no such attach type */
	return !bpf_prog_query(1, VTA_TCX_INGRESS, 0, &flags, ids, &cnt) ||
	       errno != EINVAL;
}

int vta_tcx_attach(const char *pin_root, int ifindex, bool egress,
		   int prog_fd)
{
	char path[PATH_MAX];
	int link, err;

	tcx_pin_path(pin_root, ifindex, egress, path, sizeof(path));
	link = bpf_obj_get(path);
	if (link >= 0) {
		/* a previous daemon's: swap the program in, no gap */
		err = bpf_link_update(link, prog_fd, NULL);
		if (!err) {
			close(link);
			return 0;
		}
		err = -errno;
		/* ENOLINK: its device is gone (the ifindex now names
		 * another): a new link; anything else is an error */
		close(link);
		if (err != -ENOLINK)
			return err;
		unlink(path);
	}
	link = bpf_link_create(prog_fd, ifindex,
			       egress ? VTA_TCX_EGRESS : VTA_TCX_INGRESS, NULL);
	if (link < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/links", pin_root);
	mkdir(path, 0700);
	tcx_pin_path(pin_root, ifindex, egress, path, sizeof(path));
	err = bpf_obj_pin(link, path) ? -errno : 0;
	/* the pin holds it; without one, closing detaches */
	close(link);
	return err;
}

int vta_tcx_detach(const char *pin_root, int ifindex, bool egress)
{
	char path[PATH_MAX];
	int link, err = 0;

	tcx_pin_path(pin_root, ifindex, egress, path, sizeof(path));
	link = bpf_obj_get(path);
	if (link < 0)
		return -errno;
	if (bpf_link_detach(link) && errno != ENOLINK)
		err = -errno;
	close(link);
	if (unlink(path) && !err)
		err = -errno;
	return err;
}

int vta_tcx_unpin_all(const char *pin_root, bool only_dead, int *count)
{
	char dir[PATH_MAX], path[PATH_MAX + 300], name[IF_NAMESIZE];
	struct dirent *de;
	int ifindex, link, err = 0;
	DIR *d;

	*count = 0;
	snprintf(dir, sizeof(dir), "%s/links", pin_root);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, "tcx-%d-", &ifindex) != 1)
			continue;
		if (only_dead && if_indextoname(ifindex, name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		link = bpf_obj_get(path);
		if (link >= 0) {
			bpf_link_detach(link);
			close(link);
		}
		if (unlink(path))
			err = err ?: -errno;
		else
			(*count)++;
	}
	closedir(d);
	rmdir(dir);	/* only when empty */
	return err;
}

__u32 vta_tcx_query(int ifindex, bool egress)
{
	__u32 ids[16], cnt = 16, flags = 0, i;

	if (bpf_prog_query(ifindex, egress ? VTA_TCX_EGRESS : VTA_TCX_INGRESS,
			   0, &flags, ids, &cnt))
		return 0;
	for (i = 0; i < cnt && i < 16; i++)
		if (vta_prog_ours(ids[i]))
			return ids[i];
	return 0;
}

__u32 vta_hook_query(int ifindex, bool egress, bool *tcx)
{
	__u32 id = vta_tcx_query(ifindex, egress);

	*tcx = id;
	return id ? id : vta_tc_hook_query(ifindex, egress);
}

#define VTA_RESYNC_NAME(id, name) [VTA_RESYNC_##id] = name,
static const char *const resync_names[VTA_RESYNC_MAX] = {
	VTA_RESYNC_CAUSES(VTA_RESYNC_NAME)
};

const char *vta_resync_cause_name(enum vta_resync_cause c)
{
	return (unsigned)c < VTA_RESYNC_MAX ? resync_names[c] : "?";
}

int vta_health_get(const struct vta_maps *m, struct vta_health *h)
{
	__u32 key = 0;

	if (m->health < 0)
		return -ENOENT;
	return bpf_map_lookup_elem(m->health, &key, h) ? -errno : 0;
}

int vta_health_set(const struct vta_maps *m, const struct vta_health *h)
{
	__u32 key = 0;

	if (m->health < 0)
		return -ENOENT;
	return bpf_map_update_elem(m->health, &key, h, BPF_ANY) ? -errno : 0;
}

int vta_config_get(const struct vta_maps *m, struct vta_config *cfg)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(m->config, &key, cfg) ? -errno : 0;
}

int vta_config_set(const struct vta_maps *m, const struct vta_config *cfg)
{
	__u32 key = 0;

	return bpf_map_update_elem(m->config, &key, cfg, BPF_ANY) ? -errno : 0;
}

/* Every CPU's value of key in the per-CPU map fd (calloc'd, *ncpu of
 * size bytes), or NULL with -errno in *err. */
static void *percpu_read(int fd, __u32 key, size_t size, int *ncpu, int *err)
{
	void *v;

	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu <= 0) {
		*err = *ncpu ?: -EINVAL;
		return NULL;
	}
	v = calloc(*ncpu, size);
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	if (bpf_map_lookup_elem(fd, &key, v)) {
		*err = -errno;
		free(v);
		return NULL;
	}
	return v;
}

static void add_val(struct vta_counter_val *to, const struct vta_counter_val *v)
{
	to->packets += v->packets;
	to->bytes += v->bytes;
}

int vta_fwd_stats_read(const struct vta_maps *m, struct vta_fwd_stats *out)
{
	struct vta_fwd_stats *percpu;
	int ncpu, cpu, err;
	__u32 i;

	memset(out, 0, sizeof(*out));
	if (m->fwd_stats < 0)	/* pins of a vtiaccel without it */
		return 0;
	percpu = percpu_read(m->fwd_stats, 0, sizeof(*percpu), &ncpu, &err);
	if (!percpu)
		return err;
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < VTA_STATS_SLOTS; i++) {
			const struct vta_fwd_count *c = &percpu[cpu].s[i];
			struct vta_fwd_count *o = &out->s[i];

			add_val(&o->fwd[0], &c->fwd[0]);
			add_val(&o->fwd[1], &c->fwd[1]);
			add_val(&o->tx, &c->tx);
		}
	free(percpu);
	return 0;
}

int vta_stats_read_with(const struct vta_maps *m, __u32 slot,
			const struct vta_fwd_stats *fwd, struct vta_stats *out)
{
	struct vta_stats *percpu;
	int ncpu, i, c, err;

	percpu = percpu_read(m->stats, slot, sizeof(*percpu), &ncpu, &err);
	if (!percpu)
		return err;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < ncpu; i++)
		for (c = 0; c < VTA_COUNTER_MAX; c++)
			add_val(&out->c[c], &percpu[i].c[c]);
	free(percpu);
	if (slot < VTA_STATS_SLOTS) {
		add_val(&out->c[VTA_FWD_TO_TUNNEL], &fwd->s[slot].fwd[0]);
		add_val(&out->c[VTA_FWD_TO_LAN], &fwd->s[slot].fwd[1]);
		add_val(&out->c[VTA_TX], &fwd->s[slot].tx);
	}
	return 0;
}

int vta_stats_read(const struct vta_maps *m, __u32 slot, struct vta_stats *out)
{
	struct vta_fwd_stats *fwd = malloc(sizeof(*fwd));
	int err;

	if (!fwd)
		return -ENOMEM;
	err = vta_fwd_stats_read(m, fwd);
	if (!err)
		err = vta_stats_read_with(m, slot, fwd, out);
	free(fwd);
	return err;
}

bool vta_prog_ours(__u32 id)
{
	char name[64];
	int p;

	vta_prog_name_by_id(id, name, sizeof(name));
	for (p = 0; p < VTA_PROG_MAX; p++)
		if (!strcmp(name, vta_prog_name(p)))
			return true;
	return false;
}

void vta_prog_name_by_id(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	int fd;

	buf[0] = '\0';
	if (!id)
		return;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "%s", info.name);
	close(fd);
}
