/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sync_fx.h - the fixture of the sync unit tests (test_sync*.c): a sync
 * model (user/sync*.c) writing to the in-memory map store, fed with
 * messages shaped as the kernel sends them (nlmsg_build.h).  The box:
 * eth0 (WAN), eth1 (LAN), tunnels vti* (vti1, vti2: VTIs from
 * 10.16.1.254 to 203.0.113.10 / .20 with keys 100 / 200).
 *
 * Include after <cmocka.h>.
 */
#ifndef VTA_SYNC_FX_H
#define VTA_SYNC_FX_H

#include "nlmsg_build.h"
#include "conf.h"
#include "netlink.h"
#include "sync.h"

/* ifindexes of the test box */
enum { ETH0 = 2, ETH1 = 3, VTI1 = 5, VTI2 = 6 };

struct sfx {
	struct vta_mem *mem;
	struct vta_sync *s;
	struct vta_conf conf;
};

/* What sfx_links() announces. */
#define SFX_ETH 1U /* eth0, eth1: Ethernet, up, MTU 1500 */
#define SFX_VTI 2U /* vti1, vti2 as VTIs, MTU 1436 */

/* f->conf: the defaults, LAN eth1, WAN eth0, tunnels vti*. */
void sfx_conf(struct sfx *f);
/* The model on f->conf, with a store f->mem (made unless there is one):
 * out NULL writes to the store; a given out may forward to it
 * (vta_sync_out_mem()). */
void sfx_start(struct sfx *f, const struct vta_sync_out *out,
	       const struct vta_sync_hooks *hooks);
void sfx_links(struct sfx *f, unsigned int which);
/* calloc + sfx_conf + sfx_start(NULL, NULL) + sfx_links(links). */
struct sfx *sfx_new(unsigned int links);
/* Free the model and the store. */
void sfx_stop(struct sfx *f);
/* cmocka teardown of a struct sfx * state (sfx_new()'s). */
int sfx_teardown(void **state);

/* The message must be taken (0). */
void sfx_msg(struct sfx *f, const struct nlmsghdr *nlh);
void sfx_xmsg(struct sfx *f, const struct nlmsghdr *nlh);

union vta_addr sfx_addr(const char *s);
/* The store's route for dst/len (vta_mem_fib()'s return). */
int sfx_fib(struct sfx *f, const char *dst, int len, struct vta_route *r);

#endif
