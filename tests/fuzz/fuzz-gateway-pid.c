/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * gateway.pid, shared with hermes-agent: a JSON record or the bare
 * integer older versions wrote. The input is the file. A record that
 * is judged live names the process `--replace` then signals with
 * kill((pid_t)pid, …), so a live pid must be a pid_t: anything wider
 * is truncated (4294967295 becomes -1, every process we may signal).
 */

#include "config.h"

#include <stdlib.h>
#include <sys/types.h>

#include "hermes-fuzz.h"

static gint64
hermes_fuzz_record_pid(JsonObject *record)
{
	JsonNode *node = json_object_get_member(record, "pid");
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return -1;
	if (json_node_get_value_type(node) == G_TYPE_INT64)
		return json_node_get_int(node);
	if (json_node_get_value_type(node) == G_TYPE_DOUBLE) {
		gdouble pid = json_node_get_double(node);
		/* out of range is not a pid; the cast would be undefined */
		if (!(pid > -1.0 && pid < 9.2e18))
			return -1;
		return (gint64)pid;
	}
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *path = NULL;
	g_autoptr(JsonObject) record = NULL;
	g_autoptr(GError) error_local = NULL;

	hermes_fuzz_init();
	path = hermes_fuzz_write_file(HERMES_GATEWAY_PID_FILE, data, size);
	record = hermes_gateway_pid_load(hermes_fuzz_home(), &error_local);
	if (record == NULL) {
		g_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		return 0;
	}
	g_assert_no_error(error_local);
	if (hermes_gateway_pid_is_live(record, hermes_fuzz_home())) {
		gint64 pid = hermes_fuzz_record_pid(record);
		if (pid <= 0 || pid > G_MAXINT32) {
			g_printerr("gateway.pid with pid %" G_GINT64_FORMAT
				   " is judged live: --replace would kill((pid_t)%d)\n",
				   pid,
				   (gint)(pid_t)pid);
			abort();
		}
	}
	return 0;
}
