/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What `schtasks /Query /XML` prints for a task of ours, or for anything
 * someone registered under its name: UTF-16 or UTF-8 bytes, any size. A
 * parse either fails with one error or gives fields within their ranges.
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-windows-task-xml.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_auto(HermesWindowsTask) task = {0};
	g_autoptr(GError) error = NULL;
	gboolean ok;

	hermes_fuzz_init();
	ok = hermes_windows_task_xml_parse(data, size, &task, &error);
	g_assert_true(ok == (error == NULL));
	if (!ok) {
		g_assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA));
		g_assert_null(task.command);
		return 0;
	}
	g_assert_true(task.priority >= -1 && task.priority <= 10);
	g_assert_true(task.restart_count >= -1 && task.restart_count <= 999);
	g_assert_true(task.logon_delay_s >= -1 && task.execution_limit_s >= -1 &&
		      task.restart_interval_s >= -1);
	g_assert_true(task.exec_count > 0 || task.command == NULL);
	if (task.command != NULL)
		g_assert_true(g_utf8_validate(task.command, -1, NULL));
	return 0;
}
