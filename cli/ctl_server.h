/*
 * ctl_server.h - the control socket: a Unix stream socket per instance
 * that `vmbal ctl` talks to, one JSON object per line each way.
 *
 * The front end (headless or the console) owns the server: it polls the
 * server's fds with its own, calls ctl_server_serve() after each wait
 * and forwards every event with ctl_server_event(). Nothing here blocks:
 * every socket is non-blocking and each client's output is buffered
 * (bounded). Only root, the user vmbal runs as and members of group
 * vmbal are served (SO_PEERCRED); the socket is mode 0660, group vmbal
 * when that group exists.
 */
#ifndef VMBAL_CTL_SERVER_H
#define VMBAL_CTL_SERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "../engine/config.h"
#include "../engine/event.h"
#include "run.h"

struct controller;
struct ctl_server;

#define CTL_SERVER_CLIENTS 16	/* served at once; more are turned away */
#define CTL_SERVER_FDS (1 + CTL_SERVER_CLIENTS)

/*
 * The socket's path for cfg: its control_socket, else (a scenario that
 * names none, the demo) <lease directory>/<name>.sock, name the
 * scenario file's base name without .yaml/.yml, "demo" for the demo
 * (whose cfg may be NULL).
 */
void ctl_server_path(const struct config *cfg, bool demo, char *out,
    size_t outlen);

/*
 * Listens on path: a stale socket file (no one listening) is replaced.
 * NULL with the reason in err when it cannot, among them another vmbal
 * serving path already; the caller says so and runs on without it.
 */
struct ctl_server *ctl_server_new(const char *path, char *err, size_t errlen);
/* Closes every client and removes the socket file (if still its own). */
void ctl_server_free(struct ctl_server *s);
const char *ctl_server_sockpath(const struct ctl_server *s);

/* Fills up to max pollfds (CTL_SERVER_FDS is enough); how many. */
size_t ctl_server_pollfds(const struct ctl_server *s, struct pollfd *out,
    size_t max);
/*
 * Accepts, reads and answers what is waiting, without blocking; engine
 * commands go to ctl through controller_command() at time now (reload
 * through r->reload). Returns how many requests were answered (the
 * console redraws when > 0). s may be NULL (returns 0).
 */
int ctl_server_serve(struct ctl_server *s, struct controller *ctl,
    const struct run *r, double now);
/* Every event, for the clients that asked for `events`. s may be NULL. */
void ctl_server_event(struct ctl_server *s, const struct event *ev);

#endif
