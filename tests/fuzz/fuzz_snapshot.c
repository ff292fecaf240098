// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fuzz_snapshot - the snapshot reader on hostile bytes.
 *
 * Input: a snapshot. Without the "FMSNAP1\n" magic, the magic and version 1
 * are prepended (so raw message streams are useful inputs too). Each input is
 * loaded into a fresh RIB through io_load_buf() and freed.
 */
#include "io/io.h"
#include "rib/rib.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint32_t version = IO_SNAPSHOT_VERSION;
	const size_t hdr = IO_SNAPSHOT_MAGIC_LEN + sizeof(version);
	uint8_t *buf = NULL;
	struct rib rib;
	char err[256];

	if (len < IO_SNAPSHOT_MAGIC_LEN || memcmp(data, IO_SNAPSHOT_MAGIC, IO_SNAPSHOT_MAGIC_LEN)) {
		buf = malloc(len + hdr);
		if (!buf)
			return 0;
		memcpy(buf, IO_SNAPSHOT_MAGIC, IO_SNAPSHOT_MAGIC_LEN);
		memcpy(buf + IO_SNAPSHOT_MAGIC_LEN, &version, sizeof(version));
		if (len)
			memcpy(buf + hdr, data, len);
		data = buf;
		len += hdr;
	}
	if (rib_init(&rib) == 0) {
		io_load_buf(&rib, data, len, err, sizeof(err));
		rib_fini(&rib);
	}
	free(buf);
	return 0;
}
