/*
 * lv_domxml.h - the saved definitions of running domains (issue 18,
 * docs/recovery.md): DOMAIN_DIR/HOST/VM.xml, the persistent XML a VM had
 * on HOST when the probe last saw it there, so that it can be defined
 * and started elsewhere once HOST is dead and fenced.
 *
 * Files are written whole or not at all (a temporary file in the same
 * directory, fsync, rename), mode 0600 (the XML may hold passwords);
 * directories made are 0700. Nothing is printed: errors come back as
 * text.
 */
#ifndef VMBAL_LV_DOMXML_H
#define VMBAL_LV_DOMXML_H

#include <stddef.h>
#include <stdint.h>
#include <libvirt/libvirt.h>

/* The largest definition read back (a domain's XML is a few KiB). */
#define LV_DOMXML_MAX (4u << 20)

/* A cheap fingerprint of a definition (FNV-1a, 64 bits). */
uint64_t lv_domxml_hash(const char *xml);

/* dom's persistent definition (VIR_DOMAIN_XML_INACTIVE | SECURE); the
 * caller frees it. NULL with libvirt's words in err. */
char *lv_domxml_fetch(virDomainPtr dom, char *err, size_t errlen);

/* Is name usable as a file name under the directory (no '/', not "." or
 * "..", not empty, not starting with '.')? */
int lv_domxml_name_ok(const char *name);

/* Writes xml as DIR/HOST/VM.xml atomically; 0, or -1 with err. */
int lv_domxml_save(const char *dir, const char *host, const char *vm,
    const char *xml, char *err, size_t errlen);

/* Reads DIR/HOST/VM.xml (at most LV_DOMXML_MAX bytes); the caller frees
 * it. NULL with err. */
char *lv_domxml_read(const char *dir, const char *host, const char *vm,
    char *err, size_t errlen);

#endif
