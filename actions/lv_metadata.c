/*
 * lv_metadata.c - vmbal's move record in domain metadata (see
 * lv_metadata.h). libxml2 escapes what it writes and parses what it
 * reads: no network, no entities, no error printed.
 */
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lv_metadata.h"

void
lv_meta_init(void)
{
	xmlInitParser();
}

void
lv_meta_self(char *buf, size_t len)
{
	char host[LV_META_STR - 24];

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	snprintf(buf, len, "%s:%ld", host, (long)getpid());
}

double
lv_meta_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
meta_state_name(enum meta_state st)
{
	static const char *const names[] = { "none", "started", "done",
	    "failed" };

	return (unsigned)st < 4 ? names[st] : "none";
}

static enum meta_state
lv_meta_state(const char *s)
{
	if (strcmp(s, "started") == 0)
		return META_STARTED;
	if (strcmp(s, "done") == 0)
		return META_DONE;
	if (strcmp(s, "failed") == 0)
		return META_FAILED;
	return META_NONE;
}

char *
lv_meta_xml(const char *vm, const struct lv_meta *m)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr n = xmlNewNode(NULL, BAD_CAST "move");
	xmlBufferPtr buf = xmlBufferCreate();
	char at[40];
	char *out = NULL;

	if (doc == NULL || n == NULL || buf == NULL)
		goto end;
	xmlDocSetRootElement(doc, n);
	snprintf(at, sizeof at, "%.3f", m->at);
	if (xmlSetProp(n, BAD_CAST "vm", BAD_CAST vm) == NULL ||
	    xmlSetProp(n, BAD_CAST "from", BAD_CAST m->from) == NULL ||
	    xmlSetProp(n, BAD_CAST "to", BAD_CAST m->to) == NULL ||
	    xmlSetProp(n, BAD_CAST "state",
	    BAD_CAST meta_state_name(m->state)) == NULL ||
	    xmlSetProp(n, BAD_CAST "at", BAD_CAST at) == NULL ||
	    xmlSetProp(n, BAD_CAST "by", BAD_CAST m->by) == NULL)
		goto end;
	if (xmlNodeDump(buf, doc, n, 0, 0) < 0)
		goto end;
	out = strdup((const char *)xmlBufferContent(buf));
end:
	if (buf != NULL)
		xmlBufferFree(buf);
	if (doc != NULL)
		xmlFreeDoc(doc);	/* and n with it */
	else if (n != NULL)
		xmlFreeNode(n);
	return out;
}

/* attribute name of n copied into dst (len); false when absent or too
 * long. */
static bool
lv_meta_attr(xmlNodePtr n, const char *name, char *dst, size_t len)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	bool ok = v != NULL && strlen((const char *)v) < len;

	if (ok)
		snprintf(dst, len, "%s", (const char *)v);
	xmlFree(v);
	return ok;
}

int
lv_meta_parse(const char *xml, const char *vm, struct lv_meta *out)
{
	xmlDocPtr doc;
	xmlNodePtr n;
	char name[LV_META_STR * 4], state[16], at[40], *end;
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->state = META_NONE;
	if (xml == NULL)
		return -1;
	doc = xmlReadMemory(xml, (int)strlen(xml), "vmbal-move.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return -1;
	n = xmlDocGetRootElement(doc);
	if (n == NULL || n->type != XML_ELEMENT_NODE ||
	    strcmp((const char *)n->name, "move") != 0 ||
	    (n->ns != NULL && (n->ns->href == NULL ||
	    strcmp((const char *)n->ns->href, LV_META_NS) != 0)))
		goto end;
	if (!lv_meta_attr(n, "vm", name, sizeof name) ||
	    strcmp(name, vm) != 0 ||	/* a cloned definition's */
	    !lv_meta_attr(n, "from", out->from, sizeof out->from) ||
	    !lv_meta_attr(n, "to", out->to, sizeof out->to) ||
	    !lv_meta_attr(n, "by", out->by, sizeof out->by) ||
	    !lv_meta_attr(n, "state", state, sizeof state) ||
	    !lv_meta_attr(n, "at", at, sizeof at))
		goto end;
	out->state = lv_meta_state(state);
	out->at = strtod(at, &end);
	if (out->state == META_NONE || end == at || *end != '\0' ||
	    !isfinite(out->at) || out->at <= 0 || out->at > 1e11 ||
	    out->from[0] == '\0' ||
	    out->to[0] == '\0' || out->by[0] == '\0')
		goto end;
	rc = 0;
end:
	xmlFreeDoc(doc);
	if (rc != 0) {
		memset(out, 0, sizeof *out);
		out->state = META_NONE;
	}
	return rc;
}

int
lv_meta_write(virDomainPtr dom, const char *vm, const struct lv_meta *m,
    char *err, size_t errlen)
{
	unsigned int fl = VIR_DOMAIN_AFFECT_LIVE;
	char *xml = lv_meta_xml(vm, m);
	int rc;

	if (xml == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (virDomainIsPersistent(dom) == 1)
		fl |= VIR_DOMAIN_AFFECT_CONFIG;
	rc = virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml,
	    LV_META_KEY, LV_META_NS, fl);
	if (rc != 0) {
		virErrorPtr e = virGetLastError();

		snprintf(err, errlen, "%s", e != NULL && e->message != NULL ?
		    e->message : "unknown error");
	}
	virResetLastError();
	free(xml);
	return rc == 0 ? 0 : -1;
}

int
lv_meta_read(virDomainPtr dom, const char *vm, struct lv_meta *out)
{
	char *xml;
	virErrorPtr e;
	int rc;

	memset(out, 0, sizeof *out);
	out->state = META_NONE;
	xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT,
	    LV_META_NS, 0);
	if (xml == NULL) {
		e = virGetLastError();
		rc = e != NULL && e->code == VIR_ERR_NO_DOMAIN_METADATA ? 0 : -1;
		virResetLastError();
		return rc;
	}
	rc = lv_meta_parse(xml, vm, out) == 0 ? 1 : 0;
	free(xml);
	return rc;
}
