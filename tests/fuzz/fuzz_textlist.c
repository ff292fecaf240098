// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fuzz_textlist - the text route-list reader on hostile bytes.
 *
 * Input: text (`ip route show` lines, bare prefixes). Loaded into a fresh RIB
 * through io_load_buf(), then every route is walked (exercising the synthetic
 * links and the export of what the parser built), then freed.
 */
#include "io/io.h"
#include "rib/rib.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int count_route(const struct fm_route *r, void *arg)
{
	size_t *n = arg;

	*n += r->nhops + 1u;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct fm_route_filter all = {.any_table = true};
	struct rib rib;
	char err[256];
	size_t n = 0;

	if (rib_init(&rib))
		return 0;
	if (io_load_buf(&rib, data, len, err, sizeof(err)) == 0)
		rib_route_foreach(&rib, &all, count_route, &n);
	rib_fini(&rib);
	return 0;
}
