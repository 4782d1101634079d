/*
 * lv_saved.h - the saved definitions of one host as a whole (issue 18,
 * docs/recovery.md): DOMAIN_DIR/HOST/ holds one VM.xml per domain that
 * was running on HOST when the probe last reached it, no more.
 *
 * The probe keeps the directory so: each file is written by lv_domxml.h
 * while its domain runs there, and lv_saved_prune removes those of the
 * domains no longer running there (shut off, migrated away, restarted
 * elsewhere and retired) once the host answers. So a vmbal started while
 * HOST is dead still knows which VMs it was running (lv_saved_list), and
 * a dead host's incident is picked up across a restart of vmbal.
 *
 * Nothing is printed: errors come back as text.
 */
#ifndef VMBAL_LV_SAVED_H
#define VMBAL_LV_SAVED_H

#include <stddef.h>

struct lv_saved_vm {
	char *name;		/* the file's name without ".xml" */
	long vcpus;		/* <vcpu>; 1 when absent */
	long mem_mib;		/* <memory> in MiB (its unit applied); 0
				 * when absent or unreadable */
};

struct lv_saved {
	struct lv_saved_vm *vms;	/* sorted by name */
	size_t n;
};

/*
 * The VMs saved under DIR/HOST into out (emptied first; the caller
 * clears it with lv_saved_clear). 0: out holds them (none when the
 * directory does not exist); a file that cannot be read or parsed is
 * left out and named in err, which is "" otherwise. -1 with err when
 * the directory cannot be read or memory runs out (out empty).
 */
int lv_saved_list(const char *dir, const char *host, struct lv_saved *out,
    char *err, size_t errlen);
void lv_saved_clear(struct lv_saved *s);

/*
 * Removes DIR/HOST/NAME.xml for every NAME not among the nkeep names of
 * keep (any order): the domains that no longer run on HOST (a save's
 * temporary file, ".NAME.XXXXXX", is left alone: it may be another
 * process's). The number of files removed, or -1 with err (the first
 * failure; the others are still tried). A missing directory is 0.
 */
int lv_saved_prune(const char *dir, const char *host,
    const char *const *keep, size_t nkeep, char *err, size_t errlen);

/* The memory of a <memory> element's text in unit (libvirt's units:
 * b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB; NULL is
 * KiB), in MiB; -1 when unreadable. */
long lv_saved_mib(const char *text, const char *unit);

#endif
