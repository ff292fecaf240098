// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fuzz_savefile - the `ip route save` reader on hostile bytes.
 *
 * Input: a save file. When it does not start with the save-file magic the
 * magic is prepended, so mutations spend their time on the messages rather
 * than on rediscovering the 4-byte header. Each input is loaded into a fresh
 * RIB through io_load_buf() (the path fm_mirror_open_file() takes) and freed.
 */
#include "io/io.h"
#include "rib/rib.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const uint32_t magic = IO_SAVEFILE_MAGIC;
	uint8_t *buf = NULL;
	struct rib rib;
	char err[256];

	if (len < 4 || memcmp(data, &magic, 4)) {
		buf = malloc(len + 4);
		if (!buf)
			return 0;
		memcpy(buf, &magic, 4);
		if (len)
			memcpy(buf + 4, data, len);
		data = buf;
		len += 4;
	}
	if (rib_init(&rib) == 0) {
		io_load_buf(&rib, data, len, err, sizeof(err));
		rib_fini(&rib);
	}
	free(buf);
	return 0;
}
