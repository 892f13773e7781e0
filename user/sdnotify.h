/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* sdnotify.h - sd_notify(3) without libsystemd. */
#ifndef VTA_SDNOTIFY_H
#define VTA_SDNOTIFY_H

/*
 * Send state ("READY=1", "STOPPING=1", "STATUS=...") to $NOTIFY_SOCKET.
 * Returns 1 when sent, 0 when not running under systemd (no
 * NOTIFY_SOCKET), -errno on failure.
 */
int vta_sd_notify(const char *state);

#endif
