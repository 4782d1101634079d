/*
 * sim_dnat.h - the DNAT interface for a simulated cluster: it keeps the
 * rules it was given instead of programming netfilter, so the demo shows
 * traffic following the VMs without root.
 */
#ifndef VMBAL_SIM_DNAT_H
#define VMBAL_SIM_DNAT_H

#include "../engine/dnat.h"

int sim_dnat_init(struct dnat *d);	/* 0, or -1 on ENOMEM */
/* The rules in force changed outside vmbal (iptables -F by hand): the
 * next apply, even of the same state, has to write (*changed true). */
void sim_dnat_drift(struct dnat *d);

#endif
