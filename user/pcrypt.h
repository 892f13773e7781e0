/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pcrypt.h - `[esp] pcrypt`: the kernel's pcrypt template around the SAs'
 * AEADs (docs/esp-spread.md, "pcrypt").  An instance registers under the
 * AEAD's name with a higher priority, so every SA created afterwards
 * (strongSwan's next CHILD_SA or rekey) gets it: padata runs the SA's
 * decryptions and encryptions on the CPUs of /sys/kernel/pcrypt/
 * {pdecrypt,pencrypt}/parallel_cpumask and hands them back to ESP in
 * order.  It is kernel state with no lease: it works on whether or not
 * the daemon runs.
 */
#ifndef VTA_PCRYPT_H
#define VTA_PCRYPT_H

#include "conf.h"

/*
 * Daemon start.  pcrypt = cpus LIST: an instance for every AEAD of
 * pcrypt_algs (kept when there already is one; a retired one is made
 * anew when no SA holds it, else raised back above the plain AEAD) and
 * both parallel masks set to LIST: 0 or -errno, logged with the key, the
 * kernel feature that is missing and what to do.  pcrypt = no:
 * vta_pcrypt_retire(), its failures logged, not returned.  Unset:
 * nothing.
 */
int vta_pcrypt_setup(const struct vta_pcrypt_conf *pc);
/*
 * Take the pcrypt instances of pcrypt_algs out of use: deleted when no SA
 * holds them, else priority 0, so that SAs created afterwards get the
 * plain AEAD while the existing ones keep theirs (a later call deletes
 * them).  *kept counts those still held; 0 or -errno (logged).
 */
int vta_pcrypt_retire(const struct vta_pcrypt_conf *pc, int *kept);
/* CLI: the "pcrypt" member of `status` (null when no instance). */
void vta_pcrypt_status(void);

#endif
