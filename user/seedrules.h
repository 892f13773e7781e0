/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * seedrules.h - find the seed's iptables mangle rules that vtiaccel
 * replaces (TCPMSS in FORWARD, the ESP MARK in INPUT), read only, in the
 * caller's network namespace (user/seedrules.c has the limits).
 */
#ifndef VTA_SEEDRULES_H
#define VTA_SEEDRULES_H

#include <stdbool.h>

#define VTA_SEED_RULES_MAX 16

struct vta_seed_rule {
	char backend[8]; /* "nft" (iptables-nft) or "legacy" */
	char chain[16]; /* "FORWARD", "INPUT" (table mangle) */
	char target[32]; /* "TCPMSS", "MARK" */
};

struct vta_seed_rules {
	int n;
	struct vta_seed_rule v[VTA_SEED_RULES_MAX];
};

/* Fill r with what is installed; 0, or -errno when a backend could not
 * be read (r still holds what the other one found). */
int vta_seed_rules_scan(struct vta_seed_rules *r);

#endif
