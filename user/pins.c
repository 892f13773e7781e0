// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pins.c - where the read commands find the daemon's pins when they are
 * not visible at the pin root: network namespaces (docs/guide.md,
 * "Network namespaces").
 *
 * `ip netns exec NS CMD` runs CMD in a new mount namespace with a fresh
 * sysfs on /sys, without the bpffs that was mounted on /sys/fs/bpf; a
 * daemon started that way mounts its own bpffs there, visible in its
 * mount namespace only, and every later `ip netns exec NS vtiaccel
 * status` gets another fresh /sys.  The daemon's pins are still reachable
 * through /proc/PID/root of the daemon (the kernel resolves that path in
 * the daemon's mount namespace), so a read command that finds no pins at
 * the pin root looks for a `vtiaccel` process in its own network
 * namespace whose root shows them, and uses those.  A daemon of another
 * network namespace is never used (its interfaces are not ours); it is
 * named in the hint instead.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cli.h"
#include "vtiaccel.h"

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool pins_at(const char *root)
{
	char path[PATH_MAX + 64];

	if (snprintf(path, sizeof(path), "%s/" VTA_MAP_NAME(config), root) >=
	    (int)sizeof(path))
		return false;
	return !access(path, F_OK);
}

/* A vtiaccel of root or of our own user: pins of anybody else's process
 * are not taken for the daemon's. */
static bool is_vtiaccel(const char *pid)
{
	char path[sizeof("/proc//comm") + NAME_MAX], comm[32] = "";
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s", pid);
	if (stat(path, &st) || (st.st_uid && st.st_uid != geteuid()))
		return false;
	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "vtiaccel");
}

/* The name under /run/netns of the network namespace of pid, or "". */
static void netns_name(const struct stat *ns, char *buf, size_t len)
{
	char path[sizeof("/run/netns/") + NAME_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	buf[0] = '\0';
	d = opendir("/run/netns");
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		if (!stat(path, &st) && same_ns(&st, ns)) {
			snprintf(buf, len, "%s", e->d_name);
			break;
		}
	}
	closedir(d);
}

int vta_pins_find(const char *root, char *out, size_t outlen, int *pid,
		  char *hint, size_t hintlen)
{
	struct stat self_net, net;
	char path[PATH_MAX + 64], other[NAME_MAX + 1] = "";
	struct dirent *e;
	struct statfs sf;
	int other_pid = 0;
	DIR *d;

	*pid = 0;
	hint[0] = '\0';
	snprintf(out, outlen, "%s", root);
	if (pins_at(root))
		return 0;
	if (stat("/proc/self/ns/net", &self_net) || !(d = opendir("/proc")))
		return -ENOENT;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    atoi(e->d_name) == getpid() || !is_vtiaccel(e->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
		if (stat(path, &net))
			continue;
		if (!same_ns(&net, &self_net)) {
			/* a candidate for the hint only: not our interfaces */
			snprintf(path, sizeof(path), "/proc/%s/root%s",
				 e->d_name, root);
			if (!other_pid && pins_at(path)) {
				other_pid = atoi(e->d_name);
				netns_name(&net, other, sizeof(other));
			}
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%s/root%s", e->d_name,
			 root);
		if (!pins_at(path))
			continue;
		snprintf(out, outlen, "%s", path);
		*pid = atoi(e->d_name);
		closedir(d);
		return 0;
	}
	closedir(d);
	if (other_pid && other[0])
		snprintf(hint, hintlen,
			 "the vtiaccel run with these pins (pid %d) is in "
			 "network namespace %s, not this one: ip netns exec %s "
			 "vtiaccel ...",
			 other_pid, other, other);
	else if (other_pid)
		snprintf(hint, hintlen,
			 "the vtiaccel run with these pins (pid %d) is in "
			 "another network namespace: nsenter --target %d --net "
			 "--mount vtiaccel ...",
			 other_pid, other_pid);
	else if (!strncmp(root, "/sys/fs/bpf/", 12) &&
		 (statfs("/sys/fs/bpf", &sf) || sf.f_type != BPF_FS_MAGIC))
		snprintf(hint, hintlen,
			 "no bpffs on /sys/fs/bpf in this mount namespace (ip "
			 "netns exec mounts a fresh /sys) and no vtiaccel run "
			 "of this network namespace: start it here (ip netns "
			 "exec NS vtiaccel run)");
	return -ENOENT;
}
