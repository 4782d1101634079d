/*
 * ctl_client.h - `vmbal ctl`: a command to a running vmbal through its
 * control socket (ctl_server.h), its reply printed as JSON or text.
 */
#ifndef VMBAL_CTL_CLIENT_H
#define VMBAL_CTL_CLIENT_H

/*
 * argv[0] is "vmbal", argv[1] "ctl". Returns the exit status: 0 done,
 * 1 refused or failed (the reason on stderr), 2 usage.
 */
int ctl_client_main(int argc, char **argv);

#endif
