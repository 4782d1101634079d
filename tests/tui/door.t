#!/bin/sh
# door.t - one door into the engine: no console file calls the
# controller's command functions itself; every operator command from a
# key is a struct command handed to controller_command() (tui/actions.c),
# so the console and vmbal ctl go through the same entry point. The
# controller's view functions (controller_model, controller_moves,
# controller_predict, controller_evacuation...) stay. And the dialog
# knows nothing of commands: tui/dialog.c calls back, it reaches no
# controller and no command builder. Prints TAP.
cd "$(dirname "$0")/../.." || exit 1
echo "1..3"
bad=$(grep -nE '\bcontroller_(set_mode|pause|confirm_moves|dismiss|abort|migrate|maintenance|drain)[[:space:]]*\(' tui/*.c tui/*.h)
if [ -z "$bad" ]; then
	echo "ok 1 - no tui/ file calls the controller's command functions"
else
	echo "not ok 1 - a tui/ file calls a controller command function past controller_command"
	echo "$bad" | sed 's/^/# /'
fi
n=$(grep -lE '\bcontroller_command[[:space:]]*\(' tui/*.c)
if [ "$n" = "tui/actions.c" ]; then
	echo "ok 2 - controller_command is called from tui/actions.c alone"
else
	echo "not ok 2 - controller_command is called from: $n"
fi
bad=$(grep -nE '\b(controller_[a-z_]+|tui_cmd_[a-z_]+|cmd_table)\b' tui/dialog.c)
if [ -z "$bad" ]; then
	echo "ok 3 - tui/dialog.c knows no controller and no command: it calls back"
else
	echo "not ok 3 - tui/dialog.c reaches past its callback"
	echo "$bad" | sed 's/^/# /'
fi
