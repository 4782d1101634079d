/*
 * fuzz_config.c - libFuzzer target for the configuration and scenario
 * loader: any bytes must give either a config or a positioned error,
 * never a crash, a leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum config_kind kind;
	struct config *c;
	struct diag d;
	char msg[1024];

	if (size == 0)
		return 0;
	/* the first byte picks the kind, so both schemas are explored */
	kind = (data[0] & 1) ? CONFIG_SCENARIO : CONFIG_CLUSTER;
	c = config_new_from_buffer("fuzz.yaml", (const char *)data + 1,
	    size - 1, kind, &d);
	if (c == NULL) {
		diag_format(&d, msg, sizeof msg);
		if (d.msg[0] == '\0' || d.line < 1 || d.col < 1)
			abort();	/* every error has a message and a place */
	}
	config_free(c);
	return 0;
}
