/*
 * ctl_server.c - the control socket (see ctl_server.h): listening,
 * accepting, who the peer is (SO_PEERCRED), reading lines and writing
 * replies and events, never blocking the front end's loop.
 *
 * A client's input is cut into lines (at most CTL_LINE_MAX bytes each);
 * its output is a buffer written as the socket takes it. A client that
 * asked for `events` and falls more than CTL_OUT_MAX behind is dropped,
 * with one last error line, after CTL_DROP_S at most.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/monotime.h"
#include "ctl_request.h"
#include "ctl_server.h"
#include "jsonout.h"

#define CTL_LINE_MAX (64 * 1024)	/* a request line, at most */
#define CTL_OUT_MAX (1024 * 1024)	/* output a client may fall behind */
#define CTL_DROP_S 5.0		/* a dropped client's last line waits this long */
#define CTL_GROUP "vmbal"

struct ctl_client {
	int fd;			/* -1: a free slot */
	char who[80];		/* "ctl:NAME", as journaled */
	char *in;		/* CTL_LINE_MAX bytes */
	size_t nin;
	char *out;
	size_t nout, capout;
	bool events;		/* asked for the event stream */
	bool closing;		/* closed once out is written */
	double drop_at;		/* closing: closed by then anyway; 0 none */
};

struct ctl_server {
	int fd;
	char path[sizeof ((struct sockaddr_un *)0)->sun_path];
	dev_t dev;		/* the socket file made, to remove only it */
	ino_t ino;
	struct ctl_client cl[CTL_SERVER_CLIENTS];
};

void
ctl_server_path(const struct config *cfg, bool demo, char *out,
    size_t outlen)
{
	const char *file = cfg != NULL && cfg->file != NULL ? cfg->file :
	    "vmbal";

	if (cfg != NULL && cfg->control_socket != NULL && cfg->control_socket[0] != '\0') {
		snprintf(out, outlen, "%s", cfg->control_socket);
		return;
	}
	lease_run_path(file, demo, "", ".sock", out, outlen);
}

const char *
ctl_server_sockpath(const struct ctl_server *s)
{
	return s->path;
}

/* Is someone listening on path? Only a refused connection says no. */
static bool
ctl_server_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return true;	/* cannot tell: leave it be */
	live = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0 ||
	    (errno != ECONNREFUSED && errno != ENOENT);
	close(fd);
	return live;
}

/* Binds fd to path, replacing a stale socket file; 0 or -1 with err. */
static int
ctl_server_bind(int fd, const struct sockaddr_un *sa, char *err,
    size_t errlen)
{
	struct stat st;

	if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) == 0)
		return 0;
	if (errno != EADDRINUSE) {
		snprintf(err, errlen, "%s: cannot bind: %s", sa->sun_path,
		    strerror(errno));
		return -1;
	}
	if (lstat(sa->sun_path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket: "
		    "not replaced, not served", sa->sun_path);
		return -1;
	}
	if (ctl_server_live(sa)) {
		snprintf(err, errlen, "%s: another vmbal serves this socket: "
		    "this one does not", sa->sun_path);
		return -1;
	}
	if (unlink(sa->sun_path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "%s: cannot remove the stale socket: %s",
		    sa->sun_path, strerror(errno));
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)sa, sizeof *sa) != 0) {
		snprintf(err, errlen, "%s: cannot bind: %s", sa->sun_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Its directory, when missing (one level, 0755: the socket's own mode
 * says who may connect). */
static void
ctl_server_mkdir(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	char *slash;

	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return;
	*slash = '\0';
	(void)mkdir(dir, 0755);
}

struct ctl_server *
ctl_server_new(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct ctl_server *s;
	struct group gr, *grp = NULL;
	char gbuf[8192];
	struct stat st;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (path == NULL || path[0] == '\0' ||
	    strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "%s: not a usable socket path (at most "
		    "%zu bytes)", path != NULL ? path : "", sizeof sa.sun_path - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path));
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < CTL_SERVER_CLIENTS; i++)
		s->cl[i].fd = -1;
	snprintf(s->path, sizeof s->path, "%s", path);
	ctl_server_mkdir(path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(s);
		return NULL;
	}
	if (ctl_server_bind(s->fd, &sa, err, errlen) != 0) {
		close(s->fd);
		free(s);
		return NULL;
	}
	/* before listen(): no one connects while the mode is the umask's */
	(void)getgrnam_r(CTL_GROUP, &gr, gbuf, sizeof gbuf, &grp);
	if (chmod(path, 0660) != 0 ||
	    (grp != NULL && chown(path, (uid_t)-1, grp->gr_gid) != 0) ||
	    lstat(path, &st) != 0 || listen(s->fd, 16) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(s->fd);
		unlink(path);
		free(s);
		return NULL;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return s;
}

static int ctl_server_flush(struct ctl_client *c);

static void
ctl_server_drop(struct ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

void
ctl_server_free(struct ctl_server *s)
{
	struct stat st;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < CTL_SERVER_CLIENTS; i++) {
		if (s->cl[i].fd >= 0)
			(void)ctl_server_flush(&s->cl[i]);	/* the end event */
		ctl_server_drop(&s->cl[i]);
	}
	/* only the file made here: another vmbal may have replaced it */
	if (lstat(s->path, &st) == 0 && st.st_dev == s->dev &&
	    st.st_ino == s->ino)
		unlink(s->path);
	close(s->fd);
	free(s);
}

size_t
ctl_server_pollfds(const struct ctl_server *s, struct pollfd *out, size_t max)
{
	size_t i, n = 0;

	if (s == NULL || max == 0)
		return 0;
	out[n].fd = s->fd;
	out[n].events = POLLIN;
	out[n++].revents = 0;
	for (i = 0; i < CTL_SERVER_CLIENTS && n < max; i++) {
		if (s->cl[i].fd < 0)
			continue;
		out[n].fd = s->cl[i].fd;
		out[n].events = (short)((s->cl[i].closing ? 0 : POLLIN) |
		    (s->cl[i].nout > 0 ? POLLOUT : 0));
		out[n++].revents = 0;
	}
	return n;
}

/* Appends line and its newline to c's output; force: past the bound
 * (a last line). -1, nothing appended, when it does not fit. */
static int
ctl_server_put(struct ctl_client *c, const char *line, bool force)
{
	size_t len = strlen(line), cap;
	char *n;

	if (!force && c->nout + len + 1 > CTL_OUT_MAX)
		return -1;
	if (c->nout + len + 1 > c->capout) {
		cap = c->capout > 0 ? c->capout : 4096;
		while (cap < c->nout + len + 1)
			cap *= 2;
		n = realloc(c->out, cap);
		if (n == NULL)
			return -1;
		c->out = n;
		c->capout = cap;
	}
	memcpy(c->out + c->nout, line, len);
	c->out[c->nout + len] = '\n';
	c->nout += len + 1;
	return 0;
}

/* The last line of a client closed on us: it gets it if it reads. */
static void
ctl_server_last(struct ctl_client *c, const char *msg)
{
	json_t *o = ctl_request_error(msg);
	char *line = o != NULL ? json_dumps(o, CTL_JSON_FLAGS) : NULL;

	if (line != NULL)
		(void)ctl_server_put(c, line, true);
	free(line);
	json_decref(o);
	c->closing = true;
	c->drop_at = monotime_now() + CTL_DROP_S;
}

static int
ctl_server_reply(struct ctl_client *c, json_t *reply)
{
	char *line = reply != NULL ? json_dumps(reply, CTL_JSON_FLAGS) : NULL;
	int rc = -1;

	if (line != NULL && ctl_server_put(c, line, false) == 0)
		rc = 0;
	free(line);
	if (rc != 0)
		ctl_server_last(c, "the reply could not be buffered");
	return rc;
}

/*
 * May this peer be served? root, the user vmbal runs as, or a member of
 * group vmbal (its primary group or a supplementary one). who is set
 * either way; why says why not.
 */
static bool
ctl_server_allowed(int fd, char *who, size_t wholen, char *why,
    size_t whylen)
{
	struct ucred cr;
	socklen_t len = sizeof cr;
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char pbuf[4096], gbuf[8192];
	gid_t groups[256];
	int ng = 256, i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) {
		snprintf(who, wholen, "ctl:?");
		snprintf(why, whylen, "permission denied: the peer's "
		    "credentials cannot be read: %s", strerror(errno));
		return false;
	}
	(void)getpwuid_r(cr.uid, &pw, pbuf, sizeof pbuf, &pwp);
	if (pwp != NULL)
		snprintf(who, wholen, "ctl:%s", pwp->pw_name);
	else
		snprintf(who, wholen, "ctl:uid %lu", (unsigned long)cr.uid);
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	(void)getgrnam_r(CTL_GROUP, &gr, gbuf, sizeof gbuf, &grp);
	if (grp != NULL && pwp != NULL) {
		if (pwp->pw_gid == grp->gr_gid)
			return true;
		if (getgrouplist(pwp->pw_name, pwp->pw_gid, groups, &ng) >= 0)
			for (i = 0; i < ng; i++)
				if (groups[i] == grp->gr_gid)
					return true;
	}
	snprintf(why, whylen, "permission denied: %s (uid %lu) is neither "
	    "root nor in group %s%s", who + 4, (unsigned long)cr.uid,
	    CTL_GROUP, grp == NULL ? " (there is no such group here)" : "");
	return false;
}

/* A refused or surplus client: one line, written at once, and closed. */
static void
ctl_server_turn_away(int fd, const char *msg)
{
	json_t *o = ctl_request_error(msg);
	char *line = o != NULL ? json_dumps(o, CTL_JSON_FLAGS) : NULL;

	if (line != NULL) {
		size_t n = strlen(line);

		line[n] = '\n';	/* json_dumps leaves room: overwrite NUL */
		(void)!send(fd, line, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	free(line);
	json_decref(o);
	close(fd);
}

static void
ctl_server_accept(struct ctl_server *s)
{
	char who[80], why[300];
	size_t i, tries;
	int fd;

	for (tries = 0; tries < 32; tries++) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN, or nothing to do about it */
		if (!ctl_server_allowed(fd, who, sizeof who, why, sizeof why)) {
			ctl_server_turn_away(fd, why);
			continue;
		}
		for (i = 0; i < CTL_SERVER_CLIENTS && s->cl[i].fd >= 0; i++)
			;
		if (i == CTL_SERVER_CLIENTS ||
		    (s->cl[i].in = malloc(CTL_LINE_MAX)) == NULL) {
			ctl_server_turn_away(fd, "too many clients at once: "
			    "try again later");
			continue;
		}
		s->cl[i].fd = fd;
		snprintf(s->cl[i].who, sizeof s->cl[i].who, "%s", who);
	}
}

/* Writes what the socket takes; -1 when the client is gone. */
static int
ctl_server_flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->nout > 0) {
		n = send(c->fd, c->out, c->nout, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1;
		memmove(c->out, c->out + n, c->nout - (size_t)n);
		c->nout -= (size_t)n;
	}
	return 0;
}

/* Answers each whole line in c's input; how many. */
static int
ctl_server_lines(struct ctl_client *c, struct controller *ctl,
    const struct run *r, double now, bool eof)
{
	char *nl;
	size_t len;
	json_t *reply;
	int n = 0;

	while (!c->closing && c->nin > 0) {
		nl = memchr(c->in, '\n', c->nin);
		if (nl == NULL && !eof)
			break;
		len = nl != NULL ? (size_t)(nl - c->in) : c->nin;
		if (len > 0 && c->in[len - 1] == '\r')
			len--;
		if (len > 0) {
			reply = ctl_request_answer(c->in, len, c->who, ctl, r,
			    now, &c->events);
			ctl_server_reply(c, reply);
			json_decref(reply);
			n++;
		}
		len = nl != NULL ? (size_t)(nl - c->in) + 1 : c->nin;
		memmove(c->in, c->in + len, c->nin - len);
		c->nin -= len;
	}
	return n;
}

/* Reads and answers what c sent; -1 when it is to be closed now. */
static int
ctl_server_read(struct ctl_client *c, struct controller *ctl,
    const struct run *r, double now, int *answered)
{
	ssize_t n;

	while (!c->closing) {
		if (c->nin == CTL_LINE_MAX) {
			ctl_server_last(c, "request line too long (the limit "
			    "is 65536 bytes)");
			return 0;
		}
		n = recv(c->fd, c->in + c->nin, CTL_LINE_MAX - c->nin,
		    MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1;
		if (n == 0) {
			/* done writing: its last requests are still answered,
			 * unless it only listened to events */
			if (c->events)
				return -1;
			*answered += ctl_server_lines(c, ctl, r, now, true);
			c->closing = true;
			return 0;
		}
		c->nin += (size_t)n;
		*answered += ctl_server_lines(c, ctl, r, now, false);
	}
	return 0;
}

int
ctl_server_serve(struct ctl_server *s, struct controller *ctl,
    const struct run *r, double now)
{
	int answered = 0;
	size_t i;

	if (s == NULL)
		return 0;
	ctl_server_accept(s);
	for (i = 0; i < CTL_SERVER_CLIENTS; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0)
			continue;
		if (ctl_server_read(c, ctl, r, now, &answered) != 0 ||
		    ctl_server_flush(c) != 0 ||
		    (c->closing && (c->nout == 0 ||
		    (c->drop_at > 0 && monotime_now() > c->drop_at))))
			ctl_server_drop(c);
	}
	return answered;
}

void
ctl_server_event(struct ctl_server *s, const struct event *ev)
{
	char *line = NULL;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < CTL_SERVER_CLIENTS; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0 || !c->events || c->closing)
			continue;
		if (line == NULL) {
			line = jsonout_event(ev);
			if (line == NULL)
				return;
		}
		if (ctl_server_put(c, line, false) != 0)
			ctl_server_last(c, "dropped: more than 1 MiB of events "
			    "behind");
	}
	free(line);
}
