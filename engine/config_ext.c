/*
 * config_ext.c - refusing host URIs that run a command (see config_ext.h).
 *
 * A libvirt URI is driver[+transport]://[user@][host][:port]/path[?query];
 * the transport and the query's parameter names are compared without
 * regard to case, and a parameter's name is percent-decoded first, as
 * libvirt decodes it (so "%63ommand" is command too).
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "config_ext.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Is the query parameter name s[0..len) "command" once decoded? */
static bool
param_is_command(const char *s, size_t len)
{
	static const char want[] = "command";
	size_t i, k = 0;
	int c;

	for (i = 0; i < len; i++, k++) {
		c = (unsigned char)s[i];
		if (c == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (k >= sizeof want - 1 || tolower(c) != want[k])
			return false;
	}
	return k == sizeof want - 1;
}

bool
config_uri_runs_command(const char *uri)
{
	const char *colon = strchr(uri, ':'), *plus, *p, *end;

	if (colon == NULL)
		return false;	/* not a URI libvirt opens by transport */
	plus = memchr(uri, '+', (size_t)(colon - uri));
	if (plus != NULL && colon - plus - 1 == 3 &&
	    strncasecmp(plus + 1, "ext", 3) == 0)
		return true;
	if ((p = strchr(colon, '?')) == NULL)
		return false;
	/* parameters are separated by '&' or ';'; a fragment ends them */
	for (p++;; p = end + 1) {
		end = p + strcspn(p, "&;#");
		if (param_is_command(p, strcspn(p, "=&;#")))
			return true;
		if (*end != '&' && *end != ';')
			return false;
	}
}

int
config_check_ext(const struct config *c, bool root_owned, struct diag *d)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		const struct host_conf *h = &c->hosts[i];

		if (h->uri == NULL || !config_uri_runs_command(h->uri))
			continue;
		if (!c->allow_ext) {
			diag_set(d, c->file, h->pos.line, h->pos.col,
			    "hosts[%zu].uri: this URI makes libvirt run a local command (the ext transport or command=): refused unless the configuration is owned by root and says allow_ext: true",
			    i);
			return -1;
		}
		if (!root_owned) {
			diag_set(d, c->file, h->pos.line, h->pos.col,
			    "hosts[%zu].uri: this URI makes libvirt run a local command (the ext transport or command=): allow_ext: true is only believed in a configuration owned by root",
			    i);
			return -1;
		}
	}
	return 0;
}
