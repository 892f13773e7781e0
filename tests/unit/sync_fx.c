// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The sync unit tests' fixture (sync_fx.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sync_fx.h"

void sfx_conf(struct sfx *f)
{
	vta_conf_defaults(&f->conf);
	f->conf.lan.n = 1;
	strcpy(f->conf.lan.pat[0], "eth1");
	f->conf.wan.n = 1;
	strcpy(f->conf.wan.pat[0], "eth0");
	f->conf.tunnel.n = 1;
	strcpy(f->conf.tunnel.pat[0], "vti*");
}

void sfx_start(struct sfx *f, const struct vta_sync_out *out,
	       const struct vta_sync_hooks *hooks)
{
	struct vta_sync_out mem_out;

	if (!f->mem)
		f->mem = vta_mem_new();
	assert_non_null(f->mem);
	if (!out) {
		vta_sync_out_mem(&mem_out, f->mem);
		out = &mem_out;
	}
	f->s = vta_sync_new(&f->conf, out, hooks);
	assert_non_null(f->s);
}

void sfx_msg(struct sfx *f, const struct nlmsghdr *nlh)
{
	assert_int_equal(vta_sync_rtnl_msg(f->s, nlh), 0);
}

void sfx_xmsg(struct sfx *f, const struct nlmsghdr *nlh)
{
	assert_int_equal(vta_sync_xfrm_msg(f->s, nlh), 0);
}

void sfx_links(struct sfx *f, unsigned int which)
{
	static char buf[NLB_BUFSZ];

	if (which & SFX_ETH) {
		sfx_msg(f, nlb_link(buf, RTM_NEWLINK, ETH0, "eth0",
				    ARPHRD_ETHER, NLB_UP, 1500, NULL));
		sfx_msg(f, nlb_link(buf, RTM_NEWLINK, ETH1, "eth1",
				    ARPHRD_ETHER, NLB_UP, 1500, NULL));
	}
	if (which & SFX_VTI) {
		sfx_msg(f, nlb_vti(buf, VTI1, "vti1", 1436, "10.16.1.254",
				   "203.0.113.10", 100, 100));
		sfx_msg(f, nlb_vti(buf, VTI2, "vti2", 1436, "10.16.1.254",
				   "203.0.113.20", 200, 200));
	}
}

struct sfx *sfx_new(unsigned int links)
{
	struct sfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	sfx_conf(f);
	sfx_start(f, NULL, NULL);
	sfx_links(f, links);
	return f;
}

void sfx_stop(struct sfx *f)
{
	vta_sync_free(f->s);
	vta_mem_free(f->mem);
	f->s = NULL;
	f->mem = NULL;
}

int sfx_teardown(void **state)
{
	sfx_stop(*state);
	free(*state);
	return 0;
}

union vta_addr sfx_addr(const char *s)
{
	union vta_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(nlb_family(s), s, a.b);
	return a;
}

int sfx_fib(struct sfx *f, const char *dst, int len, struct vta_route *r)
{
	union vta_addr a = sfx_addr(dst);

	return vta_mem_fib(f->mem, nlb_family(dst), len, &a, r);
}
