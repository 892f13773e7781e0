/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * attach.h - the daemon's hooks on managed interfaces: vta_lan_in,
 * vta_tun_in, vta_wan_in on tc ingress (clsact, our handle/priority) and
 * vta_xdp_lan on LAN interfaces through libxdp (native mode only).
 * Remembers what it created so that shutdown removes exactly that.
 */
#ifndef VTA_ATTACH_H
#define VTA_ATTACH_H

#include <stdbool.h>
#include "vtiaccel.h"

struct vta_loader;
struct vta_attach;

struct vta_attach *vta_attach_new(struct vta_loader *l, bool xdp);
/* Attach the program(s) of role to ifindex; 0 or -errno (logged). */
int vta_attach_iface(struct vta_attach *a, int ifindex, const char *name,
		     enum vta_role role);
/* Forget ifindex; detach unless the kernel already deleted it (gone). */
void vta_attach_remove(struct vta_attach *a, int ifindex, bool gone);
/* Detach everything (shutdown) and free. */
void vta_attach_free(struct vta_attach *a);

#endif
