/*
 * lv_connect.h - the one way vmbal opens a libvirt connection: never a
 * prompt, always keepalive.
 */
#ifndef VMBAL_LV_CONNECT_H
#define VMBAL_LV_CONNECT_H

#include <stddef.h>
#include <libvirt/libvirt.h>

/* Keepalive of every connection: a probe each second, a host that misses
 * three is dead (noticed in about 4 s). */
#define LV_KEEPALIVE_INTERVAL_S 1
#define LV_KEEPALIVE_COUNT 3

/*
 * The URI vmbal really opens for uri: for the ssh transport
 * (DRIVER+ssh://), no_tty=1 is added when the query has no no_tty (ssh
 * then runs in BatchMode: it fails instead of asking for a password or a
 * host key). Other transports are copied unchanged. Caller frees; NULL
 * when out of memory.
 */
char *lv_connect_uri(const char *uri);

/*
 * What to do about a failed connection, from libvirt's message: for an
 * ssh host key check that failed, the ssh-keyscan line that fills the
 * known_hosts file the URI names (or ~/.ssh/known_hosts); for a refused
 * authentication, the ssh-copy-id line; "" when there is no hint.
 * Writes at most len bytes (always terminated) into buf and returns buf.
 */
const char *lv_connect_hint(const char *uri, const char *msg, char *buf,
    size_t len);

/*
 * Opens uri (rewritten by lv_connect_uri) with an authentication callback
 * that answers no credential, so nothing ever reads the terminal, and
 * turns keepalive on (local drivers have none: not an error). On failure
 * returns NULL with libvirt's message and the hint in err (at most errlen
 * bytes, terminated).
 */
virConnectPtr lv_connect_open(const char *uri, char *err, size_t errlen);

#endif
