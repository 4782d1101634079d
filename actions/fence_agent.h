/*
 * fence_agent.h - runs a fence agent the way Debian's fence-agents are
 * driven by cluster managers (issue 18, docs/recovery.md): options on
 * stdin as key=value lines, first action=off, then action=status, whose
 * exit status says the state (0 on, 2 off, 1 an error).
 *
 * fence_agent_run blocks (up to twice the timeout): call it from a thread
 * of its own, never from the engine's.
 */
#ifndef VMBAL_FENCE_AGENT_H
#define VMBAL_FENCE_AGENT_H

#include <stddef.h>

#define FENCE_AGENT_TIMEOUT_S 60.0	/* each run of the agent */

/*
 * Runs agent (a name looked up on PATH, or a path) with action=off and
 * the nargs key=value pairs on its stdin, then the same with
 * action=status. 0 when the status run exits 2 (off); else -1 with why
 * in err: the agent not found, its exit status and the last line of its
 * stderr, its status run saying it is on, or a timeout (the agent and
 * its process group are killed). The agent runs without a shell, with
 * stdin, stdout and stderr only (every other descriptor closed), in a
 * process group of its own.
 */
int fence_agent_run(const char *agent, char *const *keys,
    char *const *values, size_t nargs, double timeout_s, char *err,
    size_t errlen);

#endif
