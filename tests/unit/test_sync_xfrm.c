// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * XFRM interfaces (kind "xfrm", if_id only): their ESP peer and mark come
 * from the inbound SA with that if_id, follow SAs as they come and go,
 * honour the configuration overrides, and a mark-less SA gives no peer
 * entry (user/sync_link.c, xfrm_peer()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sync_fx.h"

enum { XFRM1 = 7, XFRM2 = 8 };

#define LOCAL	"10.16.1.254"
#define PEER1	"203.0.113.10"
#define PEER2	"203.0.113.20"

static char buf[NLB_BUFSZ];

/* ip link add xfrmN type xfrm dev eth0 if_id ID */
static struct nlmsghdr *xfrm_link(int ifindex, const char *name, uint32_t if_id)
{
	return nlb_xfrm(buf, ifindex, name, 1438, ETH0, if_id);
}

/* An ESP SA with an if_id (mask 0: no mark). */
static struct nlmsghdr *sa(int type, const char *src, const char *dst,
			   unsigned int spi, unsigned int mark,
			   unsigned int mask, bool natt, uint32_t if_id)
{
	struct nlmsghdr *nlh = nlb_sa(buf, type, src, dst, spi, mark, mask,
				      natt, "cbc(aes)", "hmac(sha1)", 96);

	if (type != XFRM_MSG_DELSA)
		mnl_attr_put_u32(nlh, XFRMA_IF_ID, if_id);
	return nlh;
}

static int setup(void **state)
{
	struct sfx *f = calloc(1, sizeof(*f));
	static const struct nlb_nh lo[] = { { ETH0, NULL, 1 } };

	vta_conf_defaults(&f->conf);
	f->conf.wan.n = 1;
	strcpy(f->conf.wan.pat[0], "eth0");
	f->conf.tunnel.n = 1;
	strcpy(f->conf.tunnel.pat[0], "xfrm*");
	/* xfrm2 sits behind a 1:1 NAT: its ESP arrives for 192.168.0.5,
	 * and the operator picked the mark */
	f->conf.n_peers = 1;
	strcpy(f->conf.peers[0].tunnel, "xfrm2");
	f->conf.peers[0].family = AF_INET;
	inet_pton(AF_INET, "192.168.0.5", &f->conf.peers[0].local);
	f->conf.peers[0].has_mark = true;
	f->conf.peers[0].mark = 0x200;
	f->conf.peers[0].mask = 0xf00;
	*state = f;
	sfx_start(f, NULL, NULL);
	vta_sync_set_xfrm(f->s, true);
	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, ETH0, "eth0", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
	sfx_msg(f, xfrm_link(XFRM1, "xfrm1", 1));
	sfx_msg(f, xfrm_link(XFRM2, "xfrm2", 2));
	/* the local address, as the local table has it */
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, LOCAL, 32, 255, RTN_LOCAL, 0, 0,
			     lo, 1));
	return 0;
}

static void key(struct vta_peer_key *k, const char *local, const char *peer)
{
	memset(k, 0, sizeof(*k));
	k->family = VTA_AF_INET;
	inet_pton(AF_INET, local, k->local);
	inet_pton(AF_INET, peer, k->peer);
}

static void test_marked_sa_gives_peer(void **state)
{
	struct sfx *f = *state;
	struct vta_peer_key k;
	struct vta_peer p;
	struct vta_iface v;

	assert_int_equal(vta_mem_count_peers(f->mem), 0);
	/* outbound first: no peer from it */
	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, LOCAL, PEER1, 0x1001, 0, 0, true, 1));
	assert_int_equal(vta_mem_count_peers(f->mem), 0);
	/* inbound, marked 0x64/0xff */
	sfx_xmsg(f,
		 sa(XFRM_MSG_NEWSA, PEER1, LOCAL, 0x1002, 0x64, 0xff, true, 1));
	key(&k, LOCAL, PEER1);
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), 0);
	assert_int_equal(p.mark, 0x64);
	assert_int_equal(p.mask, 0xff);
	assert_int_equal(p.tunnel_ifindex, XFRM1);
	assert_int_equal(p.flags, VTA_PEER_F_NATT);
	/* the mark must not survive decapsulation */
	assert_int_equal(vta_mem_iface(f->mem, XFRM1, &v), 0);
	assert_int_equal(v.mark, 0x64);
	assert_int_equal(v.mark_mask, 0xff);
	assert_true(v.flags & VTA_IF_F_CLEAR_MARK);
	assert_true(v.flags & VTA_IF_F_SA_UP);

	/* a rekey adds a second inbound SA: still one entry */
	sfx_xmsg(f,
		 sa(XFRM_MSG_NEWSA, PEER1, LOCAL, 0x1003, 0x64, 0xff, true, 1));
	assert_int_equal(vta_mem_count_peers(f->mem), 1);
	sfx_xmsg(f, sa(XFRM_MSG_DELSA, PEER1, LOCAL, 0x1002, 0, 0, true, 1));
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), 0);
	/* the last inbound SA goes: so does the peer */
	sfx_xmsg(f, sa(XFRM_MSG_DELSA, PEER1, LOCAL, 0x1003, 0, 0, true, 1));
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), -ENOENT);
	assert_int_equal(vta_mem_iface(f->mem, XFRM1, &v), 0);
	assert_false(v.flags & VTA_IF_F_CLEAR_MARK);
}

static void test_unmarked_sa_gives_none(void **state)
{
	struct sfx *f = *state;
	struct vta_iface v;

	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, LOCAL, PEER1, 0x1001, 0, 0, false, 1));
	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, PEER1, LOCAL, 0x1002, 0, 0, false, 1));
	/* the kernel finds it by if_id: nothing to mark, no entry that
	 * would count packets as marked without changing them */
	assert_int_equal(vta_mem_count_peers(f->mem), 0);
	assert_int_equal(vta_mem_iface(f->mem, XFRM1, &v), 0);
	assert_int_equal(v.mark_mask, 0);
	assert_false(v.flags & VTA_IF_F_CLEAR_MARK);
	assert_true(v.flags & VTA_IF_F_SA_UP);
}

static void test_other_if_id_ignored(void **state)
{
	struct sfx *f = *state;
	struct vta_peer_key k;
	struct vta_peer p;

	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, PEER1, LOCAL, 0x1002, 0x64, 0xff, false,
		       9));
	assert_int_equal(vta_mem_count_peers(f->mem), 0);
	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, PEER1, LOCAL, 0x1004, 0x64, 0xff, false,
		       1));
	key(&k, LOCAL, PEER1);
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), 0);
	assert_int_equal(p.flags, VTA_PEER_F_ESP);	/* no UDP encap */
}

static void test_override_nat(void **state)
{
	struct sfx *f = *state;
	struct vta_peer_key k;
	struct vta_peer p;

	/* unmarked SA, but the operator configured a mark and the NAT'ed
	 * local address */
	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, PEER2, LOCAL, 0x2002, 0, 0, true, 2));
	key(&k, "192.168.0.5", PEER2);
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), 0);
	assert_int_equal(p.mark, 0x200);
	assert_int_equal(p.mask, 0xf00);
	assert_int_equal(p.tunnel_ifindex, XFRM2);
	key(&k, LOCAL, PEER2);
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), -ENOENT);
}

/* The address the SA is for appears after the SA: the SA turns inbound
 * then (and the same state follows from either order, as verify needs). */
static void test_local_address_later(void **state)
{
	struct sfx *f = *state;
	static const struct nlb_nh lo[] = { { ETH0, NULL, 1 } };
	struct vta_peer_key k;
	struct vta_peer p;

	sfx_xmsg(f, sa(XFRM_MSG_NEWSA, PEER1, "10.16.1.253", 0x3002, 0x64, 0xff,
		       false, 1));
	assert_int_equal(vta_mem_count_peers(f->mem), 0);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.16.1.253", 32, 255,
			     RTN_LOCAL, 0, 0, lo, 1));
	key(&k, "10.16.1.253", PEER1);
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), 0);
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "10.16.1.253", 32, 255,
			     RTN_LOCAL, 0, 0, lo, 1));
	assert_int_equal(vta_mem_count_peers(f->mem), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, sfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_marked_sa_gives_peer),
		T(test_unmarked_sa_gives_none),
		T(test_other_if_id_ignored),
		T(test_override_nat),
		T(test_local_address_later),
	};

	return cmocka_run_group_tests_name("sync_xfrm", tests, NULL, NULL);
}
