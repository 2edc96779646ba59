/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * .gateway-planned-stop.json, the marker a gateway reads on SIGTERM. The
 * input is the file; it is consumed as the gateway it names would (pid
 * 4242, start time 1000, or unknown). A marker that is consumed is gone.
 * A marker is fresh for 60 s only, so `@NOW@` in the input stands for the
 * time of the run: the checked-in seeds reach the fresh paths every day.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "hermes-fuzz.h"

static GBytes *
hermes_fuzz_marker_now(const guint8 *data, gsize size)
{
	g_autoptr(GByteArray) out = g_byte_array_sized_new(size);
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	gsize i = 0;

	while (i < size) {
		if (size - i >= 5 && memcmp(data + i, "@NOW@", 5) == 0) {
			g_byte_array_append(out, (const guint8 *)now, strlen(now));
			i += 5;
		} else {
			g_byte_array_append(out, data + i, 1);
			i++;
		}
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GBytes) marker = NULL;

	hermes_fuzz_init();
	marker = hermes_fuzz_marker_now(data, size);
	data = g_bytes_get_data(marker, &size);
	path = hermes_fuzz_write_file(HERMES_PLANNED_STOP_FILE, data, size);
	if (hermes_planned_stop_consume(hermes_fuzz_home(), 4242, 1000))
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_free(g_steal_pointer(&path));
	path = hermes_fuzz_write_file(HERMES_PLANNED_STOP_FILE, data, size);
	if (hermes_planned_stop_consume(hermes_fuzz_home(), 4242, -1))
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	return 0;
}
