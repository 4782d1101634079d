/*
 * none_action.c - refuses every migration (see none_action.h).
 */
#include "none_action.h"

static int
none_migrate(void *impl, const char *vm, const char *from, const char *to,
    struct diag *d)
{
	(void)impl;
	diag_set(d, NULL, 0, 0,
	    "not migrating %s from %s to %s: libvirt migration jobs are not built yet",
	    vm, from, to);
	return -1;
}

static size_t
none_poll(void *impl, struct action_result *out, size_t max)
{
	(void)impl;
	(void)out;
	(void)max;
	return 0;
}

static int
none_abort(void *impl, const char *vm, struct diag *d)
{
	(void)impl;
	diag_set(d, NULL, 0, 0, "no migration of %s is running", vm);
	return -1;
}

static void
none_free(void *impl)
{
	(void)impl;
}

static const struct action_ops none_action_ops = {
	.name = "none",
	.migrate = none_migrate,
	.poll = none_poll,
	.abort = none_abort,
	.free = none_free,
};

void
none_action_init(struct action *a)
{
	a->ops = &none_action_ops;
	a->impl = NULL;
}
