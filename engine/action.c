/*
 * action.c - names of the action interface's values, as the contract
 * spells them.
 */
#include "action.h"

const char *
mig_status_name(enum mig_status st)
{
	static const char *const names[] = { "started", "done", "failed",
		"aborted" };

	return names[st];
}
