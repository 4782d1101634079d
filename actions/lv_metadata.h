/*
 * lv_metadata.h - vmbal's move record in a domain's libvirt metadata.
 *
 * One element in the vmbal namespace, which travels with the VM:
 *   <move vm="NAME" from="HOST" to="HOST" state="started|done|failed"
 *         at="UNIX-SECONDS.ms" by="HOSTNAME:PID"/>
 * written with virDomainSetMetadata (live, and config when the domain is
 * persistent) and read with virDomainGetMetadata. Any vmbal that sees
 * the VM knows when it last moved and whether a move is under way,
 * whoever made it (docs/architecture.md, "Move state on the VMs").
 * Built and parsed with libxml2; anything that is not such an element
 * (another program's XML, a bad attribute, another VM's name) is no
 * record.
 */
#ifndef VMBAL_LV_METADATA_H
#define VMBAL_LV_METADATA_H

#include <libvirt/libvirt.h>
#include <stddef.h>

#include "../engine/snapshot.h"

#define LV_META_NS "https://vmbal.org/xmlns/move/1"
#define LV_META_KEY "vmbal"	/* the namespace's prefix */
#define LV_META_STR 256		/* host names and "by", with the NUL */

struct lv_meta {
	enum meta_state state;	/* META_NONE: no record */
	double at;		/* wall clock, seconds since the epoch */
	char from[LV_META_STR], to[LV_META_STR], by[LV_META_STR];
};

/* Prepares libxml2; once, from the main thread, before any thread. */
void lv_meta_init(void);
/* This process as "by" names it: "HOSTNAME:PID". */
void lv_meta_self(char *buf, size_t len);
/* The wall clock, seconds since the epoch. */
double lv_meta_wall(void);
/* The element for this record (caller frees); NULL on ENOMEM. */
char *lv_meta_xml(const char *vm, const struct lv_meta *m);
/* Fills out from xml when it is a record of vm: 0, else -1 (out holds
 * META_NONE). */
int lv_meta_parse(const char *xml, const char *vm, struct lv_meta *out);
/* Writes the record on dom; 0, or -1 with libvirt's words in err. */
int lv_meta_write(virDomainPtr dom, const char *vm, const struct lv_meta *m,
    char *err, size_t errlen);
/* Reads dom's record: 1 found, 0 none (or not ours), -1 the call failed. */
int lv_meta_read(virDomainPtr dom, const char *vm, struct lv_meta *out);
const char *meta_state_name(enum meta_state st);

#endif
