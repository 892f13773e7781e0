// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <string.h>
#include "conf.h"
#include "vtiaccel.h"

void vta_conf_defaults(struct vta_conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->pin_root, VTA_PIN_ROOT);
	c->tunnel.n = 2;
	strcpy(c->tunnel.pat[0], "vti*");
	strcpy(c->tunnel.pat[1], "xfrm*");
	c->table = 254;
	c->mss_mode = VTA_MSS_SA;
	c->clamp_in = true;
	c->xdp = true;
	c->lease_ms = 3000;
	c->renew_ms = 1000;
	c->nl_rcvbuf = 32 << 20;
}
