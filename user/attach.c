// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <net/if.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "loader.h"
#include "log.h"

struct hook {
	int ifindex;
	char name[IFNAMSIZ];
	enum vta_role role;
	bool tc;		/* our filter is on it */
	bool qdisc_created;	/* clsact was created by us: destroy it */
	struct xdp_program *xdp;
};

struct vta_attach {
	struct vta_loader *l;
	bool want_xdp;
	struct hook *h;
	int n, cap;
};

struct vta_attach *vta_attach_new(struct vta_loader *l, bool xdp)
{
	struct vta_attach *a = calloc(1, sizeof(*a));

	if (a) {
		a->l = l;
		a->want_xdp = xdp;
	}
	return a;
}

static struct hook *hook_get(struct vta_attach *a, int ifindex)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->h[i].ifindex == ifindex)
			return &a->h[i];
	return NULL;
}

static void xdp_attach(struct vta_attach *a, struct hook *h)
{
	int fd = vta_loader_prog_fd(a->l, VTA_PROG_XDP_LAN);
	struct xdp_program *p;
	int err;

	p = xdp_program__from_fd(fd);
	err = libxdp_get_error(p);
	if (err) {
		pr_warn("XDP on %s: %s: running without XDP\n", h->name,
			strerror(-err));
		return;
	}
	/* Native only: generic XDP costs more than it saves (DESIGN.md). */
	err = xdp_program__attach(p, h->ifindex, XDP_MODE_NATIVE, 0);
	if (err) {
		pr_warn("attach XDP (native) on %s: %s: running without XDP\n",
			h->name, strerror(-err));
		xdp_program__close(p);
		return;
	}
	h->xdp = p;
}

int vta_attach_iface(struct vta_attach *a, int ifindex, const char *name,
		     enum vta_role role)
{
	enum vta_prog prog;
	struct hook *h;
	int err;

	switch (role) {
	case VTA_ROLE_LAN: prog = VTA_PROG_LAN; break;
	case VTA_ROLE_WAN: prog = VTA_PROG_WAN; break;
	case VTA_ROLE_TUNNEL: prog = VTA_PROG_TUNNEL; break;
	default: return -EINVAL;
	}
	h = hook_get(a, ifindex);
	if (!h) {
		if (a->n == a->cap) {
			int cap = a->cap ? a->cap * 2 : 8;
			struct hook *nh = realloc(a->h, cap * sizeof(*nh));

			if (!nh)
				return -ENOMEM;
			a->h = nh;
			a->cap = cap;
		}
		h = &a->h[a->n++];
		memset(h, 0, sizeof(*h));
		h->ifindex = ifindex;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->role = role;
	if (!h->tc) {
		bool created;

		err = vta_tc_attach(ifindex, vta_loader_prog_fd(a->l, prog), &created);
		if (err) {
			pr_warn("attach tc ingress on %s: %s\n", name, strerror(-err));
			return err;
		}
		h->tc = true;
		h->qdisc_created = created;
	}
	if (role == VTA_ROLE_LAN && a->want_xdp && !h->xdp)
		xdp_attach(a, h);
	pr_info("attached %s to %s%s\n", vta_prog_name(prog), name,
		h->xdp ? " (+XDP native)" : "");
	return 0;
}

static void hook_detach(struct hook *h)
{
	int err;

	if (h->xdp) {
		err = xdp_program__detach(h->xdp, h->ifindex, XDP_MODE_NATIVE, 0);
		if (err)
			pr_warn("detach XDP from %s: %s\n", h->name, strerror(-err));
		xdp_program__close(h->xdp);
		h->xdp = NULL;
	}
	if (h->tc) {
		err = vta_tc_detach(h->ifindex, h->qdisc_created);
		if (err && err != -ENOENT && err != -ENODEV)
			pr_warn("detach tc ingress from %s: %s\n", h->name,
				strerror(-err));
		h->tc = false;
	}
}

void vta_attach_remove(struct vta_attach *a, int ifindex, bool gone)
{
	struct hook *h = hook_get(a, ifindex);

	if (!h)
		return;
	if (gone) {
		/* the kernel took filters and qdisc with the device */
		if (h->xdp)
			xdp_program__close(h->xdp);
	} else {
		hook_detach(h);
	}
	*h = a->h[--a->n];
}

void vta_attach_free(struct vta_attach *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		hook_detach(&a->h[i]);
	free(a->h);
	free(a);
}
