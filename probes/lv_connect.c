/*
 * lv_connect.c - opening a libvirt connection without ever prompting
 * (see lv_connect.h).
 *
 * libvirt asks for credentials in two ways. The remote driver's ssh
 * transport runs the ssh program, which asks on /dev/tty for a password
 * or whether to trust an unknown host key: no_tty=1 makes libvirt pass
 * "-o BatchMode=yes", so ssh fails at once instead (in 0.1-0.2 s). The
 * other ways (SASL, and the libssh and libssh2 transports, whose password,
 * keyboard-interactive and unknown-host-key questions go through the
 * virConnectAuth callback: known_hosts_verify=normal, their default, asks
 * it) ask the callback given to virConnectOpenAuth; ours answers nothing
 * (returns -1), so libvirt fails with "authentication failed" instead of
 * reading the terminal as virConnectAuthPtrDefault does. A user's own
 * no_tty in the URI is kept as written.
 *
 * URIs are "DRIVER[+TRANSPORT]://[USER@]HOST[:PORT]/PATH[?QUERY][#FRAG]";
 * the rewriting touches only the query of an ssh-transport URI.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libvirt/virterror.h>

#include "lv_connect.h"

/* The parts of a URI this file needs, as offsets and lengths into it. */
struct lv_uri_parts {
	const char *transport;	/* after '+' in the scheme, or NULL */
	size_t transport_len;
	const char *user, *host, *port;	/* NULL when absent */
	size_t user_len, host_len, port_len;
	const char *query;	/* after '?', or NULL */
	size_t query_len;
	size_t end;		/* where the fragment (or the string) starts */
};

static bool
lv_uri_split(const char *uri, struct lv_uri_parts *p)
{
	const char *sep = strstr(uri, "://"), *plus, *auth, *auth_end, *at;
	const char *q, *h, *colon;

	memset(p, 0, sizeof *p);
	p->end = strcspn(uri, "#");
	if (sep == NULL || (size_t)(sep - uri) > p->end)
		return false;
	plus = memchr(uri, '+', (size_t)(sep - uri));
	if (plus != NULL) {
		p->transport = plus + 1;
		p->transport_len = (size_t)(sep - plus - 1);
	}
	auth = sep + 3;
	auth_end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(auth_end - auth));
	if (at != NULL) {
		p->user = auth;
		p->user_len = (size_t)(at - auth);
		h = at + 1;
	} else
		h = auth;
	if (*h == '[') {	/* [IPv6]:port */
		const char *rb = memchr(h, ']', (size_t)(auth_end - h));

		colon = rb != NULL && rb + 1 < auth_end && rb[1] == ':' ?
		    rb + 1 : NULL;
	} else
		colon = memchr(h, ':', (size_t)(auth_end - h));
	p->host = h;
	p->host_len = (size_t)((colon != NULL ? colon : auth_end) - h);
	if (colon != NULL) {
		p->port = colon + 1;
		p->port_len = (size_t)(auth_end - colon - 1);
	}
	q = memchr(auth_end, '?', (size_t)(uri + p->end - auth_end));
	if (q != NULL) {
		p->query = q + 1;
		p->query_len = (size_t)(uri + p->end - q - 1);
	}
	return true;
}

static bool
lv_transport_is(const struct lv_uri_parts *p, const char *name)
{
	return p->transport != NULL && p->transport_len == strlen(name) &&
	    strncasecmp(p->transport, name, p->transport_len) == 0;
}

static bool
lv_transport_ssh_family(const struct lv_uri_parts *p)
{
	return lv_transport_is(p, "ssh") || lv_transport_is(p, "libssh") ||
	    lv_transport_is(p, "libssh2");
}

/* The value of parameter key in the query (not decoded), or NULL. */
static const char *
lv_query_param(const struct lv_uri_parts *p, const char *key, size_t *len)
{
	const char *s = p->query, *end, *amp, *eq;
	size_t klen = strlen(key);

	if (s == NULL)
		return NULL;
	end = s + p->query_len;
	while (s < end) {
		amp = memchr(s, '&', (size_t)(end - s));
		if (amp == NULL)
			amp = end;
		eq = memchr(s, '=', (size_t)(amp - s));
		if ((size_t)((eq != NULL ? eq : amp) - s) == klen &&
		    strncmp(s, key, klen) == 0) {
			if (eq == NULL) {
				*len = 0;
				return amp;
			}
			*len = (size_t)(amp - eq - 1);
			return eq + 1;
		}
		s = amp + 1;
	}
	return NULL;
}

char *
lv_connect_uri(const char *uri)
{
	struct lv_uri_parts p;
	const char *sep;
	size_t n, vlen;
	char *out;

	if (!lv_uri_split(uri, &p) || !lv_transport_is(&p, "ssh") ||
	    lv_query_param(&p, "no_tty", &vlen) != NULL)
		return strdup(uri);
	if (p.query == NULL)
		sep = "?";
	else if (p.query_len == 0 || p.query[p.query_len - 1] == '&')
		sep = "";
	else
		sep = "&";
	n = strlen(uri) + strlen(sep) + sizeof "no_tty=1";
	out = malloc(n);
	if (out == NULL)
		return NULL;
	snprintf(out, n, "%.*s%sno_tty=1%s", (int)p.end, uri, sep, uri + p.end);
	return out;
}

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static bool
lv_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

const char *
lv_connect_hint(const char *uri, const char *msg, char *buf, size_t len)
{
	struct lv_uri_parts p;
	const char *kh;
	size_t khlen = 0;
	char port[24] = "";

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (msg == NULL || !lv_uri_split(uri, &p) || !lv_transport_ssh_family(&p))
		return buf;
	if (p.port != NULL && p.port_len > 0 && p.port_len < 16)
		snprintf(port, sizeof port, "-p %.*s ", (int)p.port_len, p.port);
	if (lv_contains(msg, "host key") || lv_contains(msg, "known_hosts") ||
	    lv_contains(msg, "known hosts")) {
		kh = lv_query_param(&p, "known_hosts", &khlen);
		snprintf(buf, len, "unknown host key: check it, then "
		    "ssh-keyscan %s%.*s >> %.*s", port, (int)p.host_len, p.host,
		    kh != NULL && khlen > 0 ? (int)khlen : 18,
		    kh != NULL && khlen > 0 ? kh : "~/.ssh/known_hosts");
	} else if (lv_contains(msg, "permission denied") ||
	    lv_contains(msg, "authentication") ||
	    lv_contains(msg, "auth credentials")) {
		snprintf(buf, len, "no key accepted: ssh-copy-id %s%.*s%s%.*s",
		    port, (int)p.user_len, p.user != NULL ? p.user : "",
		    p.user != NULL ? "@" : "", (int)p.host_len, p.host);
	}
	return buf;
}

/* Answers no credential: libvirt fails at once instead of prompting. */
static int
lv_connect_refuse(virConnectCredentialPtr cred, unsigned int ncred,
    void *opaque)
{
	(void)cred;
	(void)ncred;
	(void)opaque;
	return -1;
}

virConnectPtr
lv_connect_open(const char *uri, char *err, size_t errlen)
{
	int credtypes[] = {
		VIR_CRED_AUTHNAME, VIR_CRED_PASSPHRASE, VIR_CRED_ECHOPROMPT,
		VIR_CRED_NOECHOPROMPT, VIR_CRED_REALM, VIR_CRED_USERNAME,
	};
	virConnectAuth auth = {
		credtypes, sizeof credtypes / sizeof *credtypes,
		lv_connect_refuse, NULL
	};
	virConnectPtr conn;
	virErrorPtr e;
	char *real = lv_connect_uri(uri), hint[200];
	const char *msg;

	if (errlen > 0)
		err[0] = '\0';
	if (real == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	conn = virConnectOpenAuth(real, &auth, 0);
	free(real);
	if (conn == NULL) {
		e = virGetLastError();
		msg = e != NULL && e->message != NULL ? e->message :
		    "unknown error";
		lv_connect_hint(uri, msg, hint, sizeof hint);
		snprintf(err, errlen, "%s%s%s", msg, hint[0] != '\0' ? " -- " : "",
		    hint);
		for (char *c = err; *c != '\0'; c++)	/* ssh's lines, one line */
			if (*c == '\n' || *c == '\r')
				*c = ' ';
		return NULL;
	}
	if (virConnectSetKeepAlive(conn, LV_KEEPALIVE_INTERVAL_S,
	    LV_KEEPALIVE_COUNT) < 0)
		virResetLastError();	/* local drivers have no keepalive */
	return conn;
}
