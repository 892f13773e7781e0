/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * liveness.h - is a tunnel carrying traffic?  Active ICMP echo probes
 * through each managed tunnel (traffic the fast path forwards from it is
 * counted, but only answers decide: vta_live_sm_rx()) and a decision
 * with hysteresis that holds a dead tunnel's members out of the map ECMP
 * groups (vta_sync_set_held()) long before IKE DPD or the BGP hold timer
 * notice (docs/guide.md, "Tunnel liveness").
 *
 * Two layers: a state machine with no I/O and an explicit clock (unit
 * tested with a fake one), and the daemon's prober around it: raw ICMP
 * sockets bound to each tunnel, a timerfd, an rtnetlink socket for the
 * tunnels' addresses and the fast path's stats map, all in the daemon's
 * epoll loop.  What the prober knows is published in a hash map pinned as
 * PIN_ROOT/vta_live (ifindex -> struct vta_live_pub) for `status`,
 * `routes`, `lookup` and `stats`.
 */
#ifndef VTA_LIVENESS_H
#define VTA_LIVENESS_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/types.h>

struct vta_conf;
struct vta_sync;

/* ---------------------------------------------------------------- */
/* State machine                                                      */

enum vta_live_state {
	VTA_LIVE_UP = 0, /* alive (also: assumed at start) */
	VTA_LIVE_DOWN = 1, /* held down: out of the ECMP groups */
	VTA_LIVE_NONE = 2, /* not probed: no target, probe = off */
};

struct vta_live_params {
	uint64_t deadline_ns; /* unanswered this long: a miss */
	uint32_t misses; /* consecutive misses: UP -> DOWN */
	uint32_t rise; /* consecutive answers: DOWN -> UP */
};

#define VTA_LIVE_RING 128 /* probes in flight per tunnel */

struct vta_live_sm {
	enum vta_live_state state;
	bool armed; /* answered (or carried traffic) once: misses count */
	uint32_t misses, oks; /* consecutive */
	uint64_t since_ns; /* last transition (or start) */
	uint64_t last_rx_ns; /* last passive evidence */
	uint64_t last_ok_sent_ns; /* newest answered probe's send time */
	uint64_t last_good_ns; /* last answer received */
	uint64_t sent, answered, late, lost, rx_events;
	uint32_t transitions;
	uint32_t rtt_us, srtt_us; /* last and smoothed (RFC 6298) */
	struct {
		uint16_t seq;
		bool pending;
		uint64_t sent_ns;
	} ring[VTA_LIVE_RING];
};

/* Each returns the transition it caused: +1 back up, -1 held down, 0. */
void vta_live_sm_init(struct vta_live_sm *m, uint64_t now);
int vta_live_sm_sent(struct vta_live_sm *m, const struct vta_live_params *p,
		     uint16_t seq, uint64_t now);
int vta_live_sm_reply(struct vta_live_sm *m, const struct vta_live_params *p,
		      uint16_t seq, uint64_t now);
/* Decapsulated traffic arrived since the last call: counted, and it
 * arms the machine, but only probes decide (liveness.c). */
int vta_live_sm_rx(struct vta_live_sm *m, const struct vta_live_params *p,
		   uint64_t now);
/* Expire probes past the deadline. */
int vta_live_sm_tick(struct vta_live_sm *m, const struct vta_live_params *p,
		     uint64_t now);

/* ---------------------------------------------------------------- */
/* Published state (pinned map VTA_MAP_LIVE)                          */

#define VTA_MAP_LIVE "vta_live"
#define VTA_LIVE_MAX 64

struct vta_live_pub {
	__u32 state; /* enum vta_live_state */
	__u32 transitions;
	__u64 since_ns; /* CLOCK_MONOTONIC of the last transition */
	__u64 sent, answered, late, lost, rx_events;
	__u32 rtt_us, srtt_us;
	__u32 misses; /* consecutive, now */
	__u32 family; /* of target, 0 = none */
	__u8 target[16];
	char name[IF_NAMESIZE];
	char reason[128]; /* why in this state */
};

/* Open the pinned map under root (read-only use); -errno when absent. */
int vta_live_open(const char *root);
/* Look up one tunnel: 0 or -ENOENT. */
int vta_live_get(int fd, __u32 ifindex, struct vta_live_pub *out);
const char *vta_live_state_name(__u32 state);
/* CLI: the pinned map of vta_cli_pin_root() (-errno when absent), one
 * tunnel's state as a "liveness" object, the Prometheus metrics. */
int vta_live_cli_fd(void);
/* verify: hold in s what the daemon under root holds down (its model
 * is the daemon's); returns how many. */
int vta_live_apply_held(struct vta_sync *s, const char *root);
void vta_live_print(__u32 ifindex);
void vta_live_prometheus(void);

/* ---------------------------------------------------------------- */
/* Daemon prober                                                      */

struct vta_live;

/* NULL with *err 0 when [liveness] enable = no. */
struct vta_live *vta_live_new(const struct vta_conf *c, struct vta_sync *s,
			      int *err);
/* The fast path's interface and stats maps: passive evidence.  m must
 * outlive l. */
struct vta_maps;
void vta_live_set_maps(struct vta_live *l, const struct vta_maps *m);
/* Start probing: add the timer and sockets to the daemon's epoll. */
int vta_live_start(struct vta_live *l, int ep);
/* A managed tunnel appeared / went away (sync hooks). */
void vta_live_link(struct vta_live *l, int ifindex, const char *name,
		   bool present);
/* An epoll event: true when fd was ours (and has been handled). */
bool vta_live_handle(struct vta_live *l, int fd);
void vta_live_free(struct vta_live *l);

#endif
