/*
 * fence_agent.c - one fence agent's runs (see fence_agent.h).
 *
 * Each run: posix_spawnp with its stdin and stderr on pipes, stdout on
 * /dev/null, every other descriptor closed (closefrom in the child), a
 * process group of its own (so a timeout kills whatever the agent
 * started); the options are written whole (they are short: a pipe holds
 * them) and stdin closed; stderr is read with poll until it closes or the
 * run's deadline passes, then the agent is waited for, by its PID only.
 * SIGPIPE from an agent that exits without reading is blocked for the
 * write (the write then fails with EPIPE, which is not an error: the
 * exit status says what happened).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fence_agent.h"
#include "../lib/monotime.h"

extern char **environ;

#define FENCE_STDERR_KEEP 512	/* the tail of its stderr kept for err */

/* One line of options: key=value with no newline in either. */
static int
fence_opts(char *buf, size_t len, const char *action, char *const *keys,
    char *const *values, size_t n)
{
	size_t i, off;
	int w;

	w = snprintf(buf, len, "action=%s\n", action);
	if (w < 0 || (size_t)w >= len)
		return -1;
	off = (size_t)w;
	for (i = 0; i < n; i++) {
		if (strchr(keys[i], '\n') != NULL ||
		    strchr(values[i], '\n') != NULL || strchr(keys[i], '=') != NULL)
			return -1;
		w = snprintf(buf + off, len - off, "%s=%s\n", keys[i], values[i]);
		if (w < 0 || (size_t)w >= len - off)
			return -1;
		off += (size_t)w;
	}
	return (int)off;
}

/* The last non-empty line of s (trimmed), in place. */
static const char *
fence_last_line(char *s)
{
	size_t n = strlen(s);
	char *p;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' '))
		s[--n] = '\0';
	p = strrchr(s, '\n');
	return p != NULL ? p + 1 : s;
}

/* Writes all of buf to fd, SIGPIPE blocked for this thread meanwhile. */
static int
fence_write_all(int fd, const char *buf, size_t len)
{
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };
	size_t off = 0;
	int rc = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	/* a SIGPIPE raised meanwhile is taken here, not delivered later */
	if (rc != 0 && !sigismember(&old, SIGPIPE))
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/*
 * One run: its exit status (>= 0), -1 not started (err says why), -2
 * killed at the deadline. tail receives the end of its stderr.
 */
static int
fence_run_once(const char *agent, const char *opts, size_t optlen,
    double timeout_s, char *tail, size_t taillen, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int in[2] = { -1, -1 }, ep[2] = { -1, -1 }, rc, status = 0;
	char *argv[2];
	double deadline = monotime_now() + timeout_s;
	size_t have = 0;
	bool killed = false;
	pid_t pid;

	tail[0] = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	{
		sigset_t none, all;

		sigemptyset(&none);
		sigfillset(&all);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setsigdefault(&at, &all);
	}
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	argv[0] = (char *)agent;
	argv[1] = NULL;
	rc = posix_spawnp(&pid, agent, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(in[0]);
	close(ep[1]);
	in[0] = ep[1] = -1;
	if (rc != 0) {
		snprintf(err, errlen, "fence agent %s: %s", agent,
		    rc == ENOENT ? "not found" : strerror(rc));
		goto fail;
	}
	(void)fence_write_all(in[1], opts, optlen);	/* it may not read */
	close(in[1]);
	in[1] = -1;
	for (;;) {
		struct pollfd p = { .fd = ep[0], .events = POLLIN };
		double left = deadline - monotime_now();
		char buf[256];
		ssize_t r;

		if (left <= 0) {
			kill(-pid, SIGKILL);
			killed = true;
			break;
		}
		rc = poll(&p, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			continue;	/* the deadline, at the next turn */
		r = read(ep[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;	/* closed: it (and what it started) is done */
		/* keep the last taillen - 1 bytes (a read is shorter) */
		if (have + (size_t)r > taillen - 1) {
			size_t drop = have + (size_t)r - (taillen - 1);

			drop = drop < have ? drop : have;
			memmove(tail, tail + drop, have - drop);
			have -= drop;
		}
		if ((size_t)r > taillen - 1 - have)
			r = (ssize_t)(taillen - 1 - have);
		memcpy(tail + have, buf, (size_t)r);
		have += (size_t)r;
		tail[have] = '\0';
	}
	close(ep[0]);
	ep[0] = -1;
	/* stderr closed but it may still run (it closed fd 2): wait up to the
	 * deadline, then kill */
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		struct timespec pause = { 0, 20000000L };

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
		if (!killed && monotime_now() >= deadline) {
			kill(-pid, SIGKILL);
			killed = true;
		}
		nanosleep(&pause, NULL);
	}
	if (killed)
		return -2;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	snprintf(err, errlen, "killed by signal %d", WTERMSIG(status));
	return 128 + WTERMSIG(status);
fail:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	return -1;
}

int
fence_agent_run(const char *agent, char *const *keys, char *const *values,
    size_t nargs, double timeout_s, char *err, size_t errlen)
{
	static const char *const actions[] = { "off", "status" };
	char opts[4096], tail[FENCE_STDERR_KEEP];
	size_t a;

	if (agent == NULL || agent[0] == '\0') {
		snprintf(err, errlen, "no fence agent");
		return -1;
	}
	for (a = 0; a < 2; a++) {
		int n = fence_opts(opts, sizeof opts, actions[a], keys, values,
		    nargs), rc;
		const char *line;

		if (n < 0) {
			snprintf(err, errlen, "fence agent %s: bad or too long "
			    "arguments (no newline in a key or value, no '=' in "
			    "a key)", agent);
			return -1;
		}
		err[0] = '\0';
		rc = fence_run_once(agent, opts, (size_t)n, timeout_s, tail,
		    sizeof tail, err, errlen);
		if (rc == -1)
			return -1;
		line = fence_last_line(tail);
		if (rc == -2) {
			snprintf(err, errlen, "fence agent %s: action=%s timed "
			    "out after %.0f s (killed)%s%s", agent, actions[a],
			    timeout_s, line[0] != '\0' ? ": " : "", line);
			return -1;
		}
		if (a == 0 && rc != 0) {
			snprintf(err, errlen, "fence agent %s: action=off "
			    "failed (exit %d)%s%s", agent, rc,
			    line[0] != '\0' ? ": " : "", line);
			return -1;
		}
		if (a == 1 && rc != 2) {
			snprintf(err, errlen, "fence agent %s: action=status "
			    "%s (exit %d)%s%s", agent, rc == 0 ?
			    "says the host is on" : "failed", rc,
			    line[0] != '\0' ? ": " : "", line);
			return -1;
		}
	}
	err[0] = '\0';
	return 0;
}
