/*
 * config_ext.h - host URIs that make libvirt run a local command.
 *
 * libvirt's ext transport (qemu+ext:///system?command=/path) runs the
 * command it names, as the user running vmbal, as soon as the connection
 * is opened: even in observe mode, even under --dry-run. The command=
 * parameter does the same for the ssh transports. A configuration may
 * use them only when it is root-owned (only root could have written it)
 * and says so with the top-level key allow_ext: true.
 */
#ifndef VMBAL_CONFIG_EXT_H
#define VMBAL_CONFIG_EXT_H

#include <stdbool.h>

#include "config.h"

/* Does this libvirt URI run a local command (ext transport, command=)? */
bool config_uri_runs_command(const char *uri);

/*
 * 0 when no host's URI runs a command, or when c->allow_ext is true and
 * root_owned; otherwise -1 with the host's position and why in d.
 */
int config_check_ext(const struct config *c, bool root_owned, struct diag *d);

#endif
