/*
 * fuzz_meta.c - libFuzzer target for the move record's parser
 * (actions/lv_metadata.c): whatever another program put into a domain's
 * metadata in vmbal's namespace, any bytes give either a record or none,
 * never a crash, a leak or undefined behaviour; a record parsed, built
 * again and parsed again is the same record.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../actions/lv_metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lv_meta m, again;
	char *xml = malloc(size + 1), *back;

	if (xml == NULL)
		return 0;
	memcpy(xml, data, size);
	xml[size] = '\0';
	if (lv_meta_parse(xml, "a", &m) == 0) {
		back = lv_meta_xml("a", &m);
		if (back == NULL || lv_meta_parse(back, "a", &again) != 0 ||
		    again.state != m.state || strcmp(again.by, m.by) != 0 ||
		    strcmp(again.from, m.from) != 0 ||
		    strcmp(again.to, m.to) != 0)
			abort();
		free(back);
	} else if (m.state != META_NONE)
		abort();
	free(xml);
	return 0;
}
