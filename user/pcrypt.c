// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pcrypt.c - `[esp] pcrypt` (pcrypt.h, docs/esp-spread.md).
 *
 * The instances are made and taken away through the crypto user netlink
 * interface (NETLINK_CRYPTO, crypto/crypto_user_base.c), what crconf
 * does: CRYPTO_MSG_NEWALG with the driver name "pcrypt(ALG)" makes the
 * kernel instantiate the template; CRYPTO_MSG_DELALG deletes an instance
 * no one holds; CRYPTO_MSG_UPDATEALG sets its priority.  /proc/crypto is
 * the record of what exists: on 6.1 NEWALG answers ENOENT although it
 * registered the instance (whose driver name spells the children's
 * drivers, "pcrypt(authenc(hmac(sha1-generic),cbc(aes-generic)))", so the
 * kernel's lookup of the name it was given finds nothing afterwards).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/cryptouser.h>
#include <linux/netlink.h>
#include "log.h"
#include "pcrypt.h"
#include "print.h"
#include "spread.h"

#define CRYPTO_ALG_TYPE_AEAD 0x3 /* include/linux/crypto.h */
#define CRYPTO_ALG_TYPE_MASK 0xf
#define PCRYPT_SYSFS "/sys/kernel/pcrypt"
#define MAX_ENTRIES 1024 /* AEADs in /proc/crypto; ~20 seen */

/* One algorithm of /proc/crypto. */
struct alg {
	char name[CRYPTO_MAX_NAME * 2];
	char driver[CRYPTO_MAX_NAME * 2];
	long priority, refcnt;
};

static bool is_pcrypt(const struct alg *a)
{
	return !strncmp(a->driver, "pcrypt(", 7);
}

/* The AEADs of /proc/crypto into *out (free() it); how many, or -errno. */
static int scan(struct alg **out)
{
	FILE *f = fopen("/proc/crypto", "r");
	char line[256], *k, *v;
	struct alg cur = { .priority = -1 }, *a;
	bool aead = false;
	int n = 0, max = MAX_ENTRIES;

	*out = NULL;
	if (!f)
		return -errno;
	a = calloc(max, sizeof(*a));
	if (!a) {
		fclose(f);
		return -ENOMEM;
	}
	for (;;) {
		bool end = !fgets(line, sizeof(line), f);

		if (end || line[0] == '\n') {
			if (aead && cur.name[0] && n < max)
				a[n++] = cur;
			memset(&cur, 0, sizeof(cur));
			aead = false;
			if (end)
				break;
			continue;
		}
		k = line;
		v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = '\0';
		k[strcspn(k, " \t")] = '\0';
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		if (!strcmp(k, "name"))
			snprintf(cur.name, sizeof(cur.name), "%s", v);
		else if (!strcmp(k, "driver"))
			snprintf(cur.driver, sizeof(cur.driver), "%s", v);
		else if (!strcmp(k, "priority"))
			cur.priority = strtol(v, NULL, 10);
		else if (!strcmp(k, "refcnt"))
			cur.refcnt = strtol(v, NULL, 10);
		else if (!strcmp(k, "type"))
			aead = !strcmp(v, "aead");
	}
	fclose(f);
	*out = a;
	return n;
}

/* The pcrypt instance of name, and the highest priority of the AEAD's
 * other implementations (-1: none). */
static const struct alg *find(const struct alg *a, int n, const char *name,
			      long *plain)
{
	const struct alg *p = NULL;
	int i;

	*plain = -1;
	for (i = 0; i < n; i++) {
		if (strcmp(a[i].name, name))
			continue;
		if (is_pcrypt(&a[i]))
			p = &a[i];
		else if (a[i].priority > *plain)
			*plain = a[i].priority;
	}
	return p;
}

/* One crypto user request for driver (priority >= 0: with it); -errno. */
static int request(int type, const char *driver, long priority)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct crypto_user_alg *u;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq = time(NULL), portid;
	int err;
	ssize_t n;

	if (strlen(driver) >= sizeof(u->cru_driver_name))
		return -ENAMETOOLONG;
	nl = mnl_socket_open(NETLINK_CRYPTO);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));
	strcpy(u->cru_driver_name, driver);
	u->cru_type = CRYPTO_ALG_TYPE_AEAD;
	u->cru_mask = CRYPTO_ALG_TYPE_MASK;
	if (priority >= 0)
		mnl_attr_put_u32(nlh, CRYPTOCFGA_PRIORITY_VAL, priority);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		err = -errno;
		goto out;
	}
	err = mnl_cb_run(buf, n, seq, portid, NULL, NULL) < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return err;
}

/* What to do about a failed request, for the log. */
static const char *hint(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "it needs CAP_NET_ADMIN";
	case -EPROTONOSUPPORT:
		return "the kernel has no crypto user API (CONFIG_CRYPTO_USER; "
		       "modprobe crypto_user)";
	case -EBUSY:
		return "SAs still use it";
	case -ENAMETOOLONG:
		return "crypto_user takes driver names of 63 characters at "
		       "most";
	default:
		return "";
	}
}

/* "0-1,4" from a parallel_cpumask file ("13", "ff,00000001"); false when
 * it cannot be read. */
static bool read_mask(const char *which, char *buf, size_t len)
{
	char path[128], hex[4096], *p;
	uint64_t m = 0;
	FILE *f;

	snprintf(path, sizeof(path), PCRYPT_SYSFS "/%s/parallel_cpumask",
		 which);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(hex, sizeof(hex), f))
		hex[0] = '\0';
	fclose(f);
	/* 32-bit words, most significant first: the last 16 digits are the
	 * low 64 CPUs */
	for (p = hex; isxdigit((unsigned char)*p) || *p == ','; p++)
		if (*p != ',')
			m = m << 4 |
			    (isdigit((unsigned char)*p)
				     ? *p - '0'
				     : (tolower((unsigned char)*p) - 'a' + 10));
	vta_cpumask_str(m, buf, len);
	return true;
}

static int write_mask(const char *which, uint64_t m, const char *list)
{
	char path[128];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), PCRYPT_SYSFS "/%s/parallel_cpumask",
		 which);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	/* cpumask_parse(): 32-bit words, most significant first */
	if (m >> 32)
		fprintf(f, "%" PRIx32 ",%08" PRIx32 "\n", (uint32_t)(m >> 32),
			(uint32_t)m);
	else
		fprintf(f, "%" PRIx32 "\n", (uint32_t)m);
	if (fclose(f))
		err = -errno;
	if (err)
		pr_warn("[esp] pcrypt = cpus %s: %s: %s\n", list, path,
			strerror(-err));
	return err;
}

/*
 * The geniv wrappers ESP's outbound SAs use (echainiv(NAME), seqiv(NAME))
 * that are built on the plain AEAD: deleted where no SA holds them, so
 * that the next outbound SA builds its wrapper on the best NAME, pcrypt
 * (a fresh pcrypt registration drops them itself; a raised one does not).
 */
static void drop_plain_wrappers(const char *name)
{
	char want[2][CRYPTO_MAX_NAME * 2 + 16];
	struct alg *a;
	int i, n = scan(&a), err;

	snprintf(want[0], sizeof(want[0]), "echainiv(%s)", name);
	snprintf(want[1], sizeof(want[1]), "seqiv(%s)", name);
	for (i = 0; i < n; i++) {
		if ((strcmp(a[i].name, want[0]) &&
		     strcmp(a[i].name, want[1])) ||
		    strstr(a[i].driver, "pcrypt("))
			continue;
		err = request(CRYPTO_MSG_DELALG, a[i].driver, -1);
		if (err)
			pr_warn("pcrypt: %s: %s%s%s: outbound SAs keep the "
				"plain %s until it is gone\n",
				a[i].driver, strerror(-err),
				*hint(err) ? ": " : "", hint(err), name);
	}
	free(a);
}

/* Make (or raise back) the pcrypt instance of name; 0 or -errno. */
static int instantiate(const char *name, const char *list)
{
	char driver[CRYPTO_MAX_NAME * 2 + 16];
	const struct alg *p = NULL;
	struct alg *a;
	long plain, prio;
	int n, err = 0;

	n = scan(&a);
	if (n >= 0)
		p = find(a, n, name, &plain);
	if (p && p->priority <= plain) {
		/* retired earlier (priority 0): made anew when no SA holds
		 * it, its registration drops what SAs built on the plain
		 * AEAD meanwhile; else raised above the plain AEAD */
		snprintf(driver, sizeof(driver), "%s", p->driver);
		err = request(CRYPTO_MSG_DELALG, driver, -1);
		if (!err) {
			pr_info("pcrypt: %s (retired) deleted, to be made "
				"anew\n",
				driver);
			p = NULL;
		} else if (err == -EBUSY) {
			prio = plain + 100;
			err = request(CRYPTO_MSG_UPDATEALG, driver, prio);
			if (err)
				pr_warn("[esp] pcrypt = cpus %s: raising %s to "
					"priority %ld: %s%s%s\n",
					list, driver, prio, strerror(-err),
					*hint(err) ? ": " : "", hint(err));
			else
				pr_info("pcrypt: %s priority %ld (above %ld) "
					"again\n",
					driver, prio, plain);
			free(a);
			if (!err)
				drop_plain_wrappers(name);
			return err;
		} else {
			pr_warn("[esp] pcrypt = cpus %s: %s: %s%s%s\n", list,
				driver, strerror(-err), *hint(err) ? ": " : "",
				hint(err));
			free(a);
			return err;
		}
	}
	if (n >= 0 && !p) {
		free(a);
		snprintf(driver, sizeof(driver), "pcrypt(%s)", name);
		err = request(CRYPTO_MSG_NEWALG, driver, -1);
		n = scan(&a);
		if (n >= 0)
			p = find(a, n, name, &plain);
		if (p)
			pr_info("pcrypt: %s is %s, priority %ld\n", name,
				p->driver, p->priority);
		if (p && strlen(p->driver) >= CRYPTO_MAX_NAME)
			pr_warn("pcrypt: %s: a driver name of %zu characters: "
				"crypto_user cannot delete or retire it (%d at "
				"most)\n",
				p->driver, strlen(p->driver),
				CRYPTO_MAX_NAME - 1);
	}
	if (n < 0) {
		pr_warn("[esp] pcrypt = cpus %s: /proc/crypto: %s\n", list,
			strerror(-n));
		return n;
	}
	if (!p) {
		if (!err || err == -ENOENT)
			pr_warn("[esp] pcrypt = cpus %s: no pcrypt instance of "
				"%s: the kernel has no pcrypt "
				"(CONFIG_CRYPTO_PCRYPT; modprobe pcrypt) or no "
				"%s\n",
				list, name, name);
		else
			pr_warn("[esp] pcrypt = cpus %s: pcrypt(%s): %s%s%s\n",
				list, name, strerror(-err),
				*hint(err) ? ": " : "", hint(err));
		free(a);
		return err ? err : -ENOENT;
	}
	free(a);
	return 0;
}

int vta_pcrypt_setup(const struct vta_pcrypt_conf *pc)
{
	const char *algs[VTA_PCRYPT_MAX_ALGS];
	uint64_t online = vta_cpus_online(), m;
	char list[256];
	int i, n, err, kept;

	if (!pc->cpus) {
		/* pcrypt = no; unset: left as they are.  Not being able to
		 * take them out of use does not stop the daemon. */
		if (pc->retire)
			vta_pcrypt_retire(pc, &kept);
		return 0;
	}
	vta_cpumask_str(pc->cpus, list, sizeof(list));
	/*
	 * Measured on Debian's 6.1.0-57 (docs/esp-spread.md, "A kernel bug"):
	 * xfrm_input() holds the device an ESP packet arrived on while the
	 * decryption runs asynchronously, and drops the reference from
	 * skb->dev after the tunnel's receive callback has set it to the
	 * VTI (or XFRM interface): every packet pcrypt decrypts takes one
	 * reference from the tunnel device that was never given, and
	 * deleting the tunnel then waits forever.
	 */
	if (!pc->kernel_ok) {
		pr_warn("[esp] pcrypt = cpus %s: refused: on kernels with the "
			"async xfrm_input() device reference bug (Debian "
			"6.1.0-57 has it) each packet pcrypt decrypts on a VTI "
			"or XFRM interface drops a reference the tunnel device "
			"never had, and deleting the tunnel then hangs "
			"(\"unregister_netdevice: waiting for vti1\"); set "
			"[esp] pcrypt_kernel_ok = yes only on a kernel with "
			"the "
			"fix (docs/esp-spread.md)\n",
			list);
		return -EPERM;
	}
	m = pc->cpus & ~online;
	if (online && m) {
		pr_warn("[esp] pcrypt = cpus %s: CPU %d is not online "
			"(/sys/devices/system/cpu/online)\n",
			list, __builtin_ctzll(m));
		return -EINVAL;
	}
	n = vta_pcrypt_algs(pc, algs);
	for (i = 0; i < n; i++) {
		err = instantiate(algs[i], list);
		if (err)
			return err;
	}
	/* the template's module is loaded now, and with it its sysfs */
	err = write_mask("pdecrypt", pc->cpus, list);
	if (!err)
		err = write_mask("pencrypt", pc->cpus, list);
	if (!err)
		pr_info("pcrypt: SAs created from now on decrypt and encrypt "
			"on CPUs %s\n",
			list);
	return err;
}

int vta_pcrypt_retire(const struct vta_pcrypt_conf *pc, int *kept)
{
	const char *algs[VTA_PCRYPT_MAX_ALGS];
	const struct alg *p;
	struct alg *a;
	long plain;
	int i, n, na, err, ret = 0;

	*kept = 0;
	n = scan(&a);
	if (n < 0)
		return 0; /* no /proc/crypto: nothing of ours */
	na = vta_pcrypt_algs(pc, algs);
	for (i = 0; i < na; i++) {
		p = find(a, n, algs[i], &plain);
		if (!p)
			continue;
		err = request(CRYPTO_MSG_DELALG, p->driver, -1);
		if (!err) {
			pr_info("pcrypt: %s deleted\n", p->driver);
			continue;
		}
		if (err == -EBUSY) {
			++*kept;
			if (p->priority == 0)
				continue;
			err = request(CRYPTO_MSG_UPDATEALG, p->driver, 0);
			if (!err) {
				pr_info("pcrypt: %s is still used by SAs: "
					"priority 0, so new SAs get %s without "
					"it\n",
					p->driver, algs[i]);
				continue;
			}
		}
		pr_warn("[esp] pcrypt: taking %s out of use: %s%s%s\n",
			p->driver, strerror(-err), *hint(err) ? ": " : "",
			hint(err));
		ret = ret ? ret : err;
	}
	free(a);
	return ret;
}

void vta_pcrypt_status(void)
{
	char dec[256], enc[256];
	struct alg *a;
	int i, n = scan(&a), shown = 0;
	long plain;

	for (i = 0; i < n; i++) {
		if (!is_pcrypt(&a[i]))
			continue;
		if (!shown++) {
			open_json_object("pcrypt");
			print_text("pcrypt:");
			if (read_mask("pdecrypt", dec, sizeof(dec)))
				print_string(PRINT_ANY, "decrypt_cpus",
					     " decrypt cpus %s", dec);
			if (read_mask("pencrypt", enc, sizeof(enc)))
				print_string(PRINT_ANY, "encrypt_cpus",
					     ", encrypt cpus %s", enc);
			print_nl();
			open_json_array("instances");
		}
		find(a, n, a[i].name, &plain);
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "  %s:", a[i].name);
		print_string(PRINT_ANY, "driver", " %s", a[i].driver);
		print_int(PRINT_ANY, "priority", " priority %d",
			  (int)a[i].priority);
		print_int(PRINT_ANY, "plain_priority", " (plain %d)",
			  (int)plain);
		print_bool(PRINT_JSON, "new_sas", NULL, a[i].priority > plain);
		/* the registration holds one reference; every tfm (an SA's
		 * direction) and every template built on it one more */
		print_int(PRINT_ANY, "refcnt", ", refcnt %d", (int)a[i].refcnt);
		print_text(a[i].priority > plain
				   ? ", new SAs get it\n"
				   : ", retired: new SAs do not get it\n");
		close_json_object();
	}
	if (shown) {
		close_json_array();
		close_json_object();
	} else {
		print_null(PRINT_JSON, "pcrypt", NULL);
		print_text("pcrypt: none\n");
	}
	free(a);
}
