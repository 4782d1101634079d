/*
 * demo.h - the built-in demo scenario, embedded from scenarios/demo.yaml.
 */
#ifndef VMBAL_DEMO_H
#define VMBAL_DEMO_H

#include <stddef.h>

#define DEMO_NAME "(built-in demo)"

const char *demo_yaml(void);
size_t demo_yaml_len(void);

#endif
