/*
 * help.c - the F1 screen, written from the tables rather than by hand:
 * the console's own keys with the notes kept on their bindings (keys.c,
 * tmux `bind -N`; a pane's own, as Enter's detail, in its file), then every operator command that has a key, with the
 * keys and help line of cmd_table (engine/command.c), which `vmbal ctl
 * help` prints too.
 */
#include "tui.h"

void
tui_help(struct tui *t)
{
	const struct tui_binding *b;
	size_t n, i;
	int id;

	tui_dialog_clear(t);
	tui_dialog_line(t, "vmbal: keeps a libvirt cluster in balance. Keys:");
	tui_dialog_line(t, "%s", "");
	b = tui_global_keys(&n);
	for (i = 0; i < n; i++)
		if (b[i].cmds == 0 && b[i].keys != NULL)
			tui_dialog_line(t, "  %-17s %s", b[i].keys, b[i].help);
	for (id = 0; id < TUI_NPANES; id++)	/* a pane's own, with notes */
		for (b = tui_pane(id)->keys, i = 0; i < tui_pane(id)->nkeys; i++)
			if (b[i].cmds == 0 && b[i].keys != NULL)
				tui_dialog_line(t, "  %-17s %s", b[i].keys,
				    b[i].help);
	tui_dialog_line(t, "%s", "");
	for (i = 0; i < CMD_NVERBS; i++)
		if (cmd_table[i].keys != NULL)
			tui_dialog_line(t, "  %-17s %s", cmd_table[i].keys,
			    cmd_table[i].help);
	tui_dialog_line(t, "%s", "");
	tui_dialog_line(t, "Every confirmation names the VM and both hosts and defaults to No.");
	tui_dialog_line(t, "Observe mode is read-only. See vmbal(1). Esc or q closes this help.");
	t->dlg.kind = DLG_HELP;
	tui_dialog_own(t, &t->dlg.title, "Help");
}
