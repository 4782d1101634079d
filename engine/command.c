/*
 * command.c - the one table of operator commands (see command.h): what
 * each is called, what it takes, its console keys, help and dialog title.
 */
#include <string.h>

#include "command.h"

const struct cmd_entry cmd_table[CMD_NVERBS] = {
	[CMD_STATUS] = { .verb = CMD_STATUS, .name = "status", .args = "",
		.help = "role, mode, paused, spread, state, hosts, flights and the offer" },
	[CMD_PLAN] = { .verb = CMD_PLAN, .name = "plan", .args = "",
		.help = "the plan in hand: its moves, in order, with their state" },
	[CMD_CONFIRM] = { .verb = CMD_CONFIRM, .name = "confirm",
		.args = "[all|N]", .keys = "Enter y / Y",
		.help = "confirm the selected suggestion (or the N-th) / every suggested move",
		.title = "Carry out these migrations, in order?", .changes = true },
	[CMD_DISMISS] = { .verb = CMD_DISMISS, .name = "dismiss", .args = "",
		.keys = "n",
		.help = "dismiss the suggestion: it is not offered again as it is",
		.changes = true },
	[CMD_MODE] = { .verb = CMD_MODE, .name = "mode",
		.args = "manual|auto|observe", .keys = "a",
		.help = "switch between manual and AUTO mode",
		.title = "Switch to AUTO mode?", .changes = true },
	[CMD_PAUSE] = { .verb = CMD_PAUSE, .name = "pause", .args = "",
		.keys = "p",
		.help = "pause the engine: probes go on; no planning, no new migration",
		.changes = true },
	[CMD_RESUME] = { .verb = CMD_RESUME, .name = "resume", .args = "",
		.keys = "p", .help = "resume a paused engine", .changes = true },
	[CMD_MAINTENANCE] = { .verb = CMD_MAINTENANCE, .name = "maintenance",
		.args = "HOST on|off", .keys = "e",
		.help = "host into maintenance (evacuated) / out of it (Hosts pane)",
		.title = "Put this host into maintenance and evacuate it?",
		.changes = true },
	[CMD_DRAIN] = { .verb = CMD_DRAIN, .name = "drain",
		.args = "SERVICE ADDRESS:PORT on|off", .keys = "d",
		.help = "drain a backend: no new connections / restore it (Services pane)",
		.title = "Drain this backend?", .changes = true },
	[CMD_MIGRATE] = { .verb = CMD_MIGRATE, .name = "migrate",
		.args = "VM HOST", .keys = "m",
		.help = "migrate a VM (and its affinity group) to a host (VMs pane)",
		.title = "Confirm this migration?", .changes = true },
	[CMD_ABORT] = { .verb = CMD_ABORT, .name = "abort", .args = "VM",
		.keys = "x",
		.help = "abort a migration in flight: the VM stays where it was",
		.title = "Abort this migration?", .changes = true },
	[CMD_FENCE] = { .verb = CMD_FENCE, .name = "fence",
		.args = "HOST --confirmed-off",
		.help = "a person's word that a down host is off: its VMs may run elsewhere",
		.title = "Is this host off (its VMs stopped)? Its VMs will run elsewhere.",
		.changes = true },
	[CMD_RELOAD] = { .verb = CMD_RELOAD, .name = "reload", .args = "",
		.keys = "R",
		.help = "re-read the configuration (a bad one is refused, the old kept)",
		.title = "Reload the configuration?", .changes = true },
	[CMD_EVENTS] = { .verb = CMD_EVENTS, .name = "events", .args = "",
		.help = "the event stream, live, as --headless writes it" },
	[CMD_HELP] = { .verb = CMD_HELP, .name = "help", .args = "",
		.keys = "F1 ?", .help = "this list" },
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < CMD_NVERBS; i++)
		if (cmd_table[i].name != NULL &&
		    strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}
