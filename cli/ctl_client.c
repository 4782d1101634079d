/*
 * ctl_client.c - `vmbal ctl [-c CONFIG | -S SOCKET] [--human] COMMAND
 * [ARGS]` (see ctl_client.h): the arguments checked here (a usage error
 * never reaches the socket), one request line sent, the reply printed.
 *
 * confirm resolves `all` or `N` against the offer a status request just
 * showed and sends exactly those moves: the engine refuses them if the
 * offer changed in between. events copies the stream until interrupted.
 * help is the command table, answered without a running vmbal.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../engine/command.h"
#include "../engine/config.h"
#include "ctl_client.h"
#include "ctl_server.h"
#include "ctl_status.h"

#define CTL_REPLY_MAX (16 * 1024 * 1024)	/* a reply line, at most */
#define CTL_TIMEOUT_S 30	/* waiting for a reply */

struct ctl_conn {
	int fd;
	char *buf;
	size_t n, cap;
};

struct ctl_opts {
	const char *config, *sock, *scenario;
	bool demo, human;
};

static volatile sig_atomic_t ctl_client_stop;

static void
ctl_client_on_signal(int sig)
{
	(void)sig;
	ctl_client_stop = 1;
}

static int
ctl_client_usage(const char *fmt, const char *arg)
{
	fputs("vmbal: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nUsage: vmbal ctl [-c CONFIG | -S SOCKET | --demo | --scenario FILE]"
	    " [--human] COMMAND [ARGS]\nTry 'vmbal ctl help'.\n", stderr);
	return 2;
}

static void
ctl_client_help_text(void)
{
	size_t i;

	printf("vmbal ctl [-c CONFIG | -S SOCKET | --demo | --scenario FILE] "
	    "[--human] COMMAND [ARGS]\n\n");
	for (i = 0; i < CMD_NVERBS; i++)
		printf("  %-12s %-28s %s\n", cmd_table[i].name,
		    cmd_table[i].args, cmd_table[i].help);
	printf("\nExit status: 0 done, 1 refused or failed, 2 usage.\n");
}

/* The socket to talk to, as the running vmbal chose it. */
static int
ctl_client_path(const struct ctl_opts *o, char *out, size_t outlen)
{
	const char *file = o->config;
	struct config *cfg;
	struct diag d;
	char msg[1024];

	if (o->sock != NULL) {
		snprintf(out, outlen, "%s", o->sock);
		return 0;
	}
	if (o->demo) {
		ctl_server_path(NULL, true, out, outlen);
		return 0;
	}
	if (o->scenario != NULL)
		file = o->scenario;
	/* as vmbal finds its configuration (cli/main.c) */
	if (file == NULL && getenv("VMBAL_CONFIG") != NULL &&
	    getenv("VMBAL_CONFIG")[0] != '\0')
		file = getenv("VMBAL_CONFIG");
	if (file == NULL)
		file = "/etc/vmbal/vmbal.yaml";
	cfg = config_new_from_file(file, o->scenario != NULL ?
	    CONFIG_SCENARIO : CONFIG_CLUSTER, &d);
	if (cfg == NULL) {
		diag_format(&d, msg, sizeof msg);
		fprintf(stderr, "vmbal: %s\n", msg);
		return -1;
	}
	ctl_server_path(cfg, false, out, outlen);
	config_free(cfg);
	return 0;
}

static int
ctl_client_connect(struct ctl_conn *c, const char *path)
{
	struct sockaddr_un sa;
	struct timeval tv = { CTL_TIMEOUT_S, 0 };

	memset(c, 0, sizeof *c);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "vmbal: %s: too long for a socket's path\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path));
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "vmbal: cannot connect to %s: %s%s\n", path,
		    strerror(errno), errno == ENOENT || errno == ECONNREFUSED ?
		    " (is vmbal running?)" : "");
		if (c->fd >= 0)
			close(c->fd);
		return -1;
	}
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return 0;
}

/* 0 sent; 1 the server closed first (its line may say why); -1 said. */
static int
ctl_client_send(struct ctl_conn *c, json_t *req)
{
	char *line = json_dumps(req, JSON_COMPACT);
	size_t len, off = 0;
	ssize_t n;

	if (line == NULL) {
		fprintf(stderr, "vmbal: out of memory\n");
		return -1;
	}
	len = strlen(line);
	line[len++] = '\n';	/* over the NUL: json_dumps's buffer holds it */
	while (off < len) {
		n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			/* turned away (not served): the reason is waiting to
			 * be read, so only other errors are said here */
			int e = errno;

			free(line);
			if (e == EPIPE || e == ECONNRESET)
				return 1;
			fprintf(stderr, "vmbal: cannot send the request: %s\n",
			    strerror(e));
			return -1;
		}
		off += (size_t)n;
	}
	free(line);
	return 0;
}

/*
 * The next line from the server (NUL-terminated, without its newline),
 * valid until the next call; NULL at the end of the stream or on error
 * (*err says which: 0 end, else errno).
 */
static char *
ctl_client_line(struct ctl_conn *c, int *err)
{
	static char *line;
	char *nl, *p;
	ssize_t n;
	size_t len;

	free(line);
	line = NULL;
	*err = 0;
	for (;;) {
		nl = c->n > 0 ? memchr(c->buf, '\n', c->n) : NULL;
		if (nl != NULL) {
			len = (size_t)(nl - c->buf);
			line = malloc(len + 1);
			if (line == NULL) {
				*err = ENOMEM;
				return NULL;
			}
			memcpy(line, c->buf, len);
			line[len] = '\0';
			memmove(c->buf, nl + 1, c->n - len - 1);
			c->n -= len + 1;
			return line;
		}
		if (c->n == c->cap) {
			if (c->cap >= CTL_REPLY_MAX) {
				*err = EMSGSIZE;
				return NULL;
			}
			p = realloc(c->buf, c->cap > 0 ? c->cap * 2 : 65536);
			if (p == NULL) {
				*err = ENOMEM;
				return NULL;
			}
			c->buf = p;
			c->cap = c->cap > 0 ? c->cap * 2 : 65536;
		}
		n = recv(c->fd, c->buf + c->n, c->cap - c->n, 0);
		if (n == 0)
			return NULL;
		if (n < 0) {
			*err = errno == EAGAIN || errno == EWOULDBLOCK ?
			    ETIMEDOUT : errno;
			return NULL;
		}
		c->n += (size_t)n;
	}
}

/* The reply to one request (new reference), or NULL (said on stderr). */
static json_t *
ctl_client_ask(struct ctl_conn *c, json_t *req, char **raw)
{
	json_error_t jerr;
	json_t *reply;
	char *line;
	int err;

	if (ctl_client_send(c, req) < 0)
		return NULL;
	line = ctl_client_line(c, &err);	/* also after a refusal */
	if (line == NULL) {
		fprintf(stderr, "vmbal: no reply from vmbal: %s\n", err == 0 ?
		    "it closed the connection" : strerror(err));
		return NULL;
	}
	reply = json_loads(line, 0, &jerr);
	if (!json_is_object(reply)) {
		fprintf(stderr, "vmbal: the reply is not a JSON object: %.200s\n",
		    line);
		json_decref(reply);
		return NULL;
	}
	if (raw != NULL)
		*raw = line;
	return reply;
}

static const char *
ctl_client_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "?";
}

static void
ctl_client_human_moves(json_t *moves)
{
	json_t *m;
	size_t i;

	json_array_foreach(moves, i, m)
		printf("  %2lld. %s %s -> %s  %s  spread after %.1f%%  %s\n",
		    (long long)json_integer_value(json_object_get(m, "n")),
		    ctl_client_str(m, "vm"), ctl_client_str(m, "from"),
		    ctl_client_str(m, "to"), ctl_client_str(m, "state"),
		    json_number_value(json_object_get(m, "spread_after")),
		    ctl_client_str(m, "reason"));
}

static void
ctl_client_human_status(json_t *r)
{
	json_t *h, *offer = json_object_get(r, "offer");
	size_t i;

	printf("%s, %s mode%s; spread %.1f%% (threshold %.1f%%): %s\n",
	    ctl_client_str(r, "role"), ctl_client_str(r, "mode"),
	    json_is_true(json_object_get(r, "paused")) ? ", paused" : "",
	    json_number_value(json_object_get(r, "spread")),
	    json_number_value(json_object_get(r, "threshold")),
	    ctl_client_str(r, "state"));
	printf("hosts:\n");
	json_array_foreach(json_object_get(r, "hosts"), i, h)
		printf("  %-16s %-12s %6.1f%%  %lld VMs\n", ctl_client_str(h,
		    "name"), ctl_client_str(h, "state"),
		    json_number_value(json_object_get(h, "cpu_pct")),
		    (long long)json_integer_value(json_object_get(h, "vms")));
	if (json_array_size(json_object_get(r, "flights")) > 0)
		printf("migrating:\n");
	json_array_foreach(json_object_get(r, "flights"), i, h)
		printf("  %s %s -> %s, %.0f s\n", ctl_client_str(h, "vm"),
		    ctl_client_str(h, "from"), ctl_client_str(h, "to"),
		    json_number_value(json_object_get(h, "elapsed_s")));
	if (json_is_object(offer)) {
		printf("plan (from a spread of %.1f%%):\n",
		    json_number_value(json_object_get(offer, "spread_before")));
		ctl_client_human_moves(json_object_get(offer, "moves"));
	} else
		printf("no plan in hand\n");
}

/* Prints an ok reply as --human asks. */
static void
ctl_client_human(const char *cmd, json_t *reply)
{
	json_t *result = json_object_get(reply, "result"), *m;
	const char *msg = json_string_value(json_object_get(reply, "message"));
	size_t i;

	if (strcmp(cmd, "status") == 0)
		ctl_client_human_status(result);
	else if (strcmp(cmd, "plan") == 0) {
		if (json_array_size(json_object_get(result, "moves")) == 0)
			printf("no plan in hand\n");
		ctl_client_human_moves(json_object_get(result, "moves"));
	} else if (strcmp(cmd, "confirm") == 0)
		json_array_foreach(json_object_get(result, "moves"), i, m)
			printf("confirmed: %s %s -> %s\n", ctl_client_str(m,
			    "vm"), ctl_client_str(m, "from"),
			    ctl_client_str(m, "to"));
	if (msg != NULL && strcmp(cmd, "confirm") != 0)
		printf("%s\n", msg);
}

/* Prints the reply; the exit status it gives. */
static int
ctl_client_print(const struct ctl_opts *o, const char *cmd, json_t *reply,
    const char *raw)
{
	bool ok = json_is_true(json_object_get(reply, "ok"));

	if (!o->human)
		printf("%s\n", raw);
	else if (ok)
		ctl_client_human(cmd, reply);
	if (!ok)
		fprintf(stderr, "vmbal: %s\n", ctl_client_str(reply, "error"));
	return ok ? 0 : 1;
}

/* confirm all|N: the moves as status shows them; NULL (said) when none. */
static json_t *
ctl_client_pick(struct ctl_conn *c, const char *which)
{
	json_t *req = json_pack("{s:s}", "cmd", "status");
	json_t *st = ctl_client_ask(c, req, NULL), *moves, *m, *out;
	long n = strcmp(which, "all") == 0 ? 0 : strtol(which, NULL, 10);
	size_t i;

	json_decref(req);
	if (st == NULL)
		return NULL;
	if (!json_is_true(json_object_get(st, "ok"))) {
		fprintf(stderr, "vmbal: %s\n", ctl_client_str(st, "error"));
		json_decref(st);
		return NULL;
	}
	moves = json_object_get(json_object_get(json_object_get(st, "result"),
	    "offer"), "moves");
	out = json_array();
	json_array_foreach(moves, i, m) {
		bool offered = strcmp(ctl_client_str(m, "state"), "offered") == 0;

		if (n > 0 && (long)i + 1 != n)
			continue;
		if (n > 0 && !offered) {
			fprintf(stderr, "vmbal: move %ld (%s %s -> %s) is %s, not "
			    "offered\n", n, ctl_client_str(m, "vm"),
			    ctl_client_str(m, "from"), ctl_client_str(m, "to"),
			    ctl_client_str(m, "state"));
			break;
		}
		if (offered)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s}",
			    "vm", ctl_client_str(m, "vm"), "from",
			    ctl_client_str(m, "from"), "to",
			    ctl_client_str(m, "to")));
	}
	if (json_array_size(out) == 0) {
		if (n <= 0 || (size_t)n > json_array_size(moves))
			fprintf(stderr, n > 0 ? "vmbal: no move %ld in the plan "
			    "in hand\n" : "vmbal: no suggestion waits for "
			    "confirmation\n", n);
		json_decref(out);
		out = NULL;
	}
	json_decref(st);
	return out;
}

static bool
ctl_client_onoff(const char *s, bool *on)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "off") == 0) {
		*on = strcmp(s, "on") == 0;
		return true;
	}
	return false;
}

/* The request for cmd and its arguments; NULL (with *rc 2) on a usage
 * error. */
static json_t *
ctl_client_request(const struct cmd_entry *ce, int argc, char **argv,
    int *rc)
{
	int want = ce->verb == CMD_MAINTENANCE || ce->verb == CMD_MIGRATE ||
	    ce->verb == CMD_FENCE ? 2 :
	    ce->verb == CMD_DRAIN ? 3 : ce->verb == CMD_MODE ||
	    ce->verb == CMD_ABORT ? 1 : 0;
	bool on = false;
	char *end;

	*rc = 2;
	if (ce->verb == CMD_CONFIRM) {
		if (argc > 1 || (argc == 1 && strcmp(argv[0], "all") != 0 &&
		    (strtol(argv[0], &end, 10) < 1 || *end != '\0' ||
		    argv[0][0] == '\0'))) {
			ctl_client_usage("confirm takes all or N (a move's "
			    "number, from 1, as status shows it)%s", "");
			return NULL;
		}
		return json_pack("{s:s}", "cmd", "confirm");
	}
	if (argc != want) {
		fprintf(stderr, "vmbal: %s takes %s%s\nTry 'vmbal ctl help'.\n",
		    ce->name, want == 0 ? "no arguments" : "", ce->args);
		return NULL;
	}
	switch (ce->verb) {
	case CMD_MODE:
		if (strcmp(argv[0], "manual") != 0 && strcmp(argv[0], "auto") != 0
		    && strcmp(argv[0], "observe") != 0) {
			ctl_client_usage("mode takes manual, auto or observe, "
			    "not %s", argv[0]);
			return NULL;
		}
		return json_pack("{s:s, s:s}", "cmd", "mode", "mode", argv[0]);
	case CMD_MAINTENANCE:
		if (!ctl_client_onoff(argv[1], &on)) {
			ctl_client_usage("maintenance HOST on|off: not %s", argv[1]);
			return NULL;
		}
		return json_pack("{s:s, s:s, s:b}", "cmd", "maintenance", "host",
		    argv[0], "on", on);
	case CMD_DRAIN:
		if (strchr(argv[1], ':') == NULL) {
			ctl_client_usage("drain SERVICE ADDRESS:PORT on|off: %s is "
			    "not ADDRESS:PORT", argv[1]);
			return NULL;
		}
		if (!ctl_client_onoff(argv[2], &on)) {
			ctl_client_usage("drain SERVICE ADDRESS:PORT on|off: not %s",
			    argv[2]);
			return NULL;
		}
		return json_pack("{s:s, s:s, s:s, s:b}", "cmd", "drain",
		    "service", argv[0], "backend", argv[1], "on", on);
	case CMD_MIGRATE:
		return json_pack("{s:s, s:s, s:s}", "cmd", "migrate", "vm",
		    argv[0], "host", argv[1]);
	case CMD_ABORT:
		return json_pack("{s:s, s:s}", "cmd", "abort", "vm", argv[0]);
	case CMD_FENCE:
		if (strcmp(argv[1], "--confirmed-off") != 0) {
			ctl_client_usage("fence HOST --confirmed-off: not %s "
			    "(vmbal only takes a person's word that it is off)",
			    argv[1]);
			return NULL;
		}
		return json_pack("{s:s, s:s, s:b}", "cmd", "fence", "host",
		    argv[0], "confirmed_off", 1);
	default:
		return json_pack("{s:s}", "cmd", ce->name);
	}
}

/* events: the stream copied to stdout until interrupted or closed. */
static int
ctl_client_events(struct ctl_conn *c)
{
	struct timeval none = { 0, 0 };
	struct sigaction sa;
	char *line;
	int err, rc = 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ctl_client_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
	while (!ctl_client_stop && (line = ctl_client_line(c, &err)) != NULL) {
		if (strncmp(line, "{\"ok\":false", 11) == 0) {
			json_t *o = json_loads(line, 0, NULL);

			fprintf(stderr, "vmbal: %s\n", ctl_client_str(o, "error"));
			json_decref(o);
			rc = 1;
		}
		if (printf("%s\n", line) < 0 || fflush(stdout) != 0)
			break;	/* stdout closed: done */
	}
	return rc;
}

static int
ctl_client_run(const struct ctl_opts *o, const struct cmd_entry *ce,
    int argc, char **argv)
{
	struct ctl_conn c;
	char path[512], *raw = NULL;
	json_t *req, *reply, *moves;
	int rc;

	req = ctl_client_request(ce, argc, argv, &rc);
	if (req == NULL)
		return rc;
	if (ctl_client_path(o, path, sizeof path) != 0 ||
	    ctl_client_connect(&c, path) != 0) {
		json_decref(req);
		return 1;
	}
	rc = 1;
	if (ce->verb == CMD_CONFIRM) {
		moves = ctl_client_pick(&c, argc == 1 ? argv[0] : "all");
		if (moves == NULL)
			goto out;
		json_object_set_new(req, "moves", moves);
	}
	reply = ctl_client_ask(&c, req, &raw);
	if (reply != NULL) {
		rc = ctl_client_print(o, ce->name, reply, raw);
		json_decref(reply);
		if (rc == 0 && ce->verb == CMD_EVENTS)
			rc = ctl_client_events(&c);
	}
out:
	json_decref(req);
	close(c.fd);
	free(c.buf);
	return rc;
}

int
ctl_client_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 'S' },
		{ "demo", no_argument, NULL, 'd' },
		{ "scenario", required_argument, NULL, 's' },
		{ "human", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_opts o = { 0 };
	const struct cmd_entry *ce;
	json_t *help;
	char *s;
	int ch;

	opterr = 0;
	optind = 1;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "+c:S:h", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o.config = optarg; break;
		case 'S': o.sock = optarg; break;
		case 'd': o.demo = true; break;
		case 's': o.scenario = optarg; break;
		case 'H': o.human = true; break;
		case 'h': ctl_client_help_text(); return 0;
		default:
			return ctl_client_usage("ctl: unknown option or missing "
			    "argument: %s", argv[optind - 1]);
		}
	if ((o.config != NULL) + (o.sock != NULL) + o.demo +
	    (o.scenario != NULL) > 1)
		return ctl_client_usage("ctl: give one of -c, -S, --demo and "
		    "--scenario%s", "");
	if (optind >= argc)
		return ctl_client_usage("ctl: which command?%s", "");
	ce = cmd_find(argv[optind]);
	if (ce == NULL)
		return ctl_client_usage("ctl: unknown command: %s", argv[optind]);
	if (ce->verb != CMD_HELP)
		return ctl_client_run(&o, ce, argc - optind - 1,
		    argv + optind + 1);
	if (optind + 1 < argc)
		return ctl_client_usage("ctl: help takes no arguments%s", "");
	if (o.human) {
		ctl_client_help_text();
		return 0;
	}
	help = json_pack("{s:b, s:o}", "ok", 1, "result", ctl_status_help());
	s = help != NULL ? json_dumps(help, JSON_COMPACT) : NULL;
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(help);
	return s != NULL ? 0 : 1;
}
