/*
 * options.h - the command line of the contract, parsed with getopt_long.
 */
#ifndef VMBAL_OPTIONS_H
#define VMBAL_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../engine/config.h"

struct options {
	bool headless;
	const char *config;	/* -c, or NULL */
	bool demo;
	const char *scenario;
	bool mode_set;
	enum policy_mode mode;
	bool fast;
	double duration;	/* 0: run until stopped */
	long ticks;		/* 0: no limit */
	bool plan;
	bool dry_run;
	bool check_config;
	bool flush_rules;	/* --flush-rules: remove the rules, exit */
	bool ascii;
	double speed;		/* --speed; 0 when not given */
	const char *theme;	/* --theme, or NULL */
	bool version;
	bool help;
};

/* 0, or -1 with a message in err (a usage error: exit status 2). */
int options_parse(struct options *o, int argc, char **argv, char *err,
    size_t errlen);
void options_usage(FILE *out);

#endif
