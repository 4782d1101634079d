/*
 * lease.h - one controller per cluster.
 *
 * The lease is an flock(2) on a small file named after the cluster (its
 * configuration's real path). The holder writes who it is into the file;
 * a second vmbal finds the lock taken, reads who holds it, and observes.
 * The kernel drops the lock when its holder exits, however it exits, so
 * a lease is never stale.
 */
#ifndef VMBAL_LEASE_H
#define VMBAL_LEASE_H

#include <stdbool.h>
#include <stddef.h>

struct lease;

/*
 * Tries to take the lease of the cluster whose configuration is at path
 * (NULL: the built-in demo). Returns the lease, held or not, or NULL with
 * a message in err when the lease file cannot be made at all. Caller
 * frees with lease_free, which releases it.
 */
struct lease *lease_new(const char *path, char *err, size_t errlen);
void lease_free(struct lease *l);
bool lease_held(const struct lease *l);
/* Tries again to take a lease not held; true when it now is. */
bool lease_retry(struct lease *l);
/* Who holds it ("pid 4242 root@node1 since 2026-11-22 21:40:03"), read
 * afresh from the file; "" when it is held here. */
const char *lease_holder(struct lease *l);
/* The lease file's path. */
const char *lease_path(const struct lease *l);
/* The directory lease files live in: $VMBAL_LEASE_DIR, else /run/vmbal
 * as root, else $XDG_RUNTIME_DIR/vmbal, else /tmp/vmbal-UID. */
void lease_dir(char *out, size_t outlen);
/* A run's own file in the lease directory: PREFIX + the configuration's
 * name (file's base name without .yaml/.yml; "demo" for --demo) +
 * SUFFIX, e.g. the control socket and a simulation's history. */
void lease_run_path(const char *file, bool demo, const char *prefix,
    const char *suffix, char *out, size_t outlen);

#endif
