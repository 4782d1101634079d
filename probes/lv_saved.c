/*
 * lv_saved.c - a host's saved definitions as a whole: listed (with each
 * VM's vCPUs and memory, read with libxml2) and pruned (see lv_saved.h).
 */
#include <dirent.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lv_domxml.h"
#include "lv_saved.h"

long
lv_saved_mib(const char *text, const char *unit)
{
	static const struct { const char *name; double per_mib; } units[] = {
		{ "b", 1048576.0 }, { "bytes", 1048576.0 },
		{ "KB", 1048576.0 / 1000 }, { "k", 1024 }, { "KiB", 1024 },
		{ "MB", 1048576.0 / 1e6 }, { "M", 1 }, { "MiB", 1 },
		{ "GB", 1048576.0 / 1e9 }, { "G", 1.0 / 1024 },
		{ "GiB", 1.0 / 1024 },
		{ "TB", 1048576.0 / 1e12 }, { "T", 1.0 / 1048576 },
		{ "TiB", 1.0 / 1048576 },
	};
	char *end;
	unsigned long long v;
	size_t i;

	if (text == NULL)
		return -1;
	while (*text == ' ' || *text == '\n' || *text == '\t')
		text++;
	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -1;
	while (*end == ' ' || *end == '\n' || *end == '\t')
		end++;
	if (*end != '\0')
		return -1;
	if (unit == NULL)
		unit = "KiB";
	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(units[i].name, unit) == 0) {
			double mib = (double)v / units[i].per_mib;

			return mib > 1e12 ? -1 : (long)(mib + 0.5);
		}
	return -1;
}

static xmlNodePtr
lv_saved_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n;

	for (n = parent->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* vm's vCPUs and memory from its definition; -1 when it is no domain. */
static int
lv_saved_parse(const char *xml, struct lv_saved_vm *vm)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml",
	    NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr root, n;
	xmlChar *text, *unit;
	int rc = -1;

	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name, "domain") != 0)
		goto out;
	vm->vcpus = 1;
	vm->mem_mib = 0;
	if ((n = lv_saved_child(root, "vcpu")) != NULL) {
		text = xmlNodeGetContent(n);
		if (text != NULL && atol((const char *)text) > 0)
			vm->vcpus = atol((const char *)text);
		xmlFree(text);
	}
	if ((n = lv_saved_child(root, "memory")) != NULL) {
		long mib;

		text = xmlNodeGetContent(n);
		unit = xmlGetProp(n, (const xmlChar *)"unit");
		mib = lv_saved_mib((const char *)text, (const char *)unit);
		vm->mem_mib = mib > 0 ? mib : 0;
		xmlFree(text);
		xmlFree(unit);
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

/* The VM a directory entry is the saved definition of, or NULL. */
static char *
lv_saved_entry(const char *file)
{
	size_t n = strlen(file);
	char *name;

	if (n <= 4 || strcmp(file + n - 4, ".xml") != 0 || file[0] == '.')
		return NULL;
	name = strndup(file, n - 4);
	if (name != NULL && !lv_domxml_name_ok(name)) {
		free(name);
		return NULL;
	}
	return name;
}

static int
lv_saved_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lv_saved_vm *)a)->name,
	    ((const struct lv_saved_vm *)b)->name);
}

/* DIR/HOST opened as *d (its path in path): 1; 0 when it does not exist;
 * -1 with err. */
static int
lv_saved_open(const char *dir, const char *host, char *path, size_t len,
    DIR **d, char *err, size_t errlen)
{
	if (!lv_domxml_name_ok(host)) {
		snprintf(err, errlen, "cannot name a directory after %s", host);
		return -1;
	}
	snprintf(path, len, "%s/%s", dir, host);
	if ((*d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 1;
}

void
lv_saved_clear(struct lv_saved *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->vms[i].name);
	free(s->vms);
	s->vms = NULL;
	s->n = 0;
}

int
lv_saved_list(const char *dir, const char *host, struct lv_saved *out,
    char *err, size_t errlen)
{
	char path[4096], why[512];
	struct dirent *e;
	size_t cap = 0;
	DIR *d;
	int rc;

	lv_saved_clear(out);
	err[0] = '\0';
	if ((rc = lv_saved_open(dir, host, path, sizeof path, &d, err,
	    errlen)) <= 0)
		return rc;
	while ((e = readdir(d)) != NULL) {
		struct lv_saved_vm vm = { 0 };
		char *xml;

		if ((vm.name = lv_saved_entry(e->d_name)) == NULL)
			continue;
		xml = lv_domxml_read(dir, host, vm.name, why, sizeof why);
		if (xml == NULL || lv_saved_parse(xml, &vm) != 0) {
			if (err[0] == '\0')
				snprintf(err, errlen, "%.300s: %s", vm.name,
				    xml == NULL ? why : "not a domain's "
				    "definition");
			free(xml);
			free(vm.name);
			continue;
		}
		free(xml);
		if (out->n == cap) {
			size_t ncap = cap == 0 ? 16 : cap * 2;
			struct lv_saved_vm *n = realloc(out->vms,
			    ncap * sizeof *n);

			if (n == NULL) {
				free(vm.name);
				closedir(d);
				lv_saved_clear(out);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			out->vms = n;
			cap = ncap;
		}
		out->vms[out->n++] = vm;
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->vms, out->n, sizeof *out->vms, lv_saved_cmp);
	return 0;
}

static int
lv_saved_kept(const char *name, const char *const *keep, size_t nkeep)
{
	size_t i;

	for (i = 0; i < nkeep; i++)
		if (strcmp(keep[i], name) == 0)
			return 1;
	return 0;
}

int
lv_saved_prune(const char *dir, const char *host, const char *const *keep,
    size_t nkeep, char *err, size_t errlen)
{
	char path[4096], file[4096 + 256];
	struct dirent *e;
	int removed = 0, rc = 0;
	DIR *d;

	if ((rc = lv_saved_open(dir, host, path, sizeof path, &d, err,
	    errlen)) <= 0)
		return rc;
	rc = 0;
	while ((e = readdir(d)) != NULL) {
		char *name = lv_saved_entry(e->d_name);

		if (name == NULL)
			continue;
		if (lv_saved_kept(name, keep, nkeep)) {
			free(name);
			continue;
		}
		free(name);
		snprintf(file, sizeof file, "%s/%s", path, e->d_name);
		if (unlink(file) == 0)
			removed++;
		else if (errno != ENOENT && rc == 0) {
			snprintf(err, errlen, "%s: %s", file, strerror(errno));
			rc = -1;
		}
	}
	closedir(d);
	return rc != 0 ? -1 : removed;
}
