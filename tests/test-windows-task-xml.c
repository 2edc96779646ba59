/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The task definition the Windows backend reads back from schtasks (its
 * drift check). No Task Scheduler runs here: the inputs are the shapes
 * schtasks prints (UTF-16 with a BOM and CRLF, as `/Query /XML` does on
 * Windows; UTF-8 as a redirected file may be) and what a hostile task
 * registered under our name could hold.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-test.h"
#include "hermes-windows-task-xml.h"

static gchar *
corpus_file(const gchar *name, gsize *len)
{
	g_autofree gchar *path = g_build_filename(
		hermes_test_env("HERMES_TEST_SRCDIR"), "fuzz", "corpus", "task-xml", name, NULL);
	gchar *data = NULL;
	g_autoptr(GError) error = NULL;
	g_file_get_contents(path, &data, len, &error);
	hermes_assert_no_error(error);
	return data;
}

/* ours, as schtasks prints it on Windows: every field the drift check compares */
static void
test_task_xml_ours_utf16(void **state)
{
	gsize len = 0;
	g_autofree gchar *data = corpus_file("ours-utf16.xml", &len);
	g_auto(HermesWindowsTask) task = {0};
	g_autoptr(GError) error = NULL;

	assert_true(hermes_windows_task_xml_parse((const guint8 *)data, len, &task, &error));
	hermes_assert_no_error(error);
	assert_string_equal(task.version, "1.4");
	assert_string_equal(task.description, "hermes gateway coder");
	assert_true(task.logon_trigger && task.logon_enabled);
	assert_int_equal(task.logon_delay_s, 30);
	assert_string_equal(task.logon_user, "HOST\\ada");
	assert_string_equal(task.principal_user, "HOST\\ada");
	assert_string_equal(task.logon_type, "InteractiveToken");
	assert_string_equal(task.run_level, "LeastPrivilege");
	assert_string_equal(task.multiple_instances, "IgnoreNew");
	assert_int_equal(task.disallow_on_batteries, 0);
	assert_int_equal(task.start_when_available, 1);
	assert_int_equal(task.execution_limit_s, 0);
	assert_int_equal(task.priority, 7);
	assert_int_equal(task.restart_interval_s, 60);
	assert_int_equal(task.restart_count, 999);
	assert_int_equal(task.exec_count, 1);
	assert_string_equal(task.command, "C:\\Program Files\\hermes\\hermes.exe");
	assert_string_equal(task.arguments, "-p coder gateway run --task");
	assert_string_equal(task.working_directory, "C:\\Users\\ada\\.hermes");
}

/* the same definition in UTF-8 (and with a UTF-8 BOM) reads the same */
static void
test_task_xml_utf8(void **state)
{
	gsize len = 0;
	g_autofree gchar *data = corpus_file("ours-utf8.xml", &len);
	g_autofree gchar *bom = g_strconcat("\xEF\xBB\xBF", data, NULL);
	g_auto(HermesWindowsTask) plain = {0};
	g_auto(HermesWindowsTask) with_bom = {0};
	g_autoptr(GError) error = NULL;

	assert_true(hermes_windows_task_xml_parse((const guint8 *)data, len, &plain, &error));
	assert_true(hermes_windows_task_xml_parse((const guint8 *)bom, len + 3, &with_bom, &error));
	hermes_assert_no_error(error);
	assert_string_equal(plain.command, with_bom.command);
	assert_int_equal(plain.restart_count, 999);
	assert_int_equal(with_bom.logon_delay_s, 30);
}

/* a second Exec is counted (the drift check wants exactly one), the first one read */
static void
test_task_xml_two_execs(void **state)
{
	gsize len = 0;
	g_autofree gchar *data = corpus_file("two-execs.xml", &len);
	g_auto(HermesWindowsTask) task = {0};
	g_autoptr(GError) error = NULL;

	assert_true(hermes_windows_task_xml_parse((const guint8 *)data, len, &task, &error));
	assert_int_equal(task.exec_count, 2);
	assert_string_equal(task.command, "a.exe");
	assert_false(task.logon_trigger);
	assert_int_equal(task.priority, -1);
}

/* @len -1: @data is a string */
static void
assert_refused(const gchar *data, gssize len, const gchar *message_part)
{
	g_auto(HermesWindowsTask) task = {0};
	g_autoptr(GError) error = NULL;
	gsize n = len < 0 ? strlen(data) : (gsize)len;

	assert_false(hermes_windows_task_xml_parse((const guint8 *)data, n, &task, &error));
	g_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	hermes_assert_str_contains(error->message, message_part);
	assert_null(task.command);
	assert_null(task.version);
}

/* what a task registered under our name could hold: one error each, nothing half-read */
static void
test_task_xml_refusals(void **state)
{
	g_autofree gchar *deep = NULL;
	g_autofree gchar *huge = g_malloc0(HERMES_WINDOWS_TASK_XML_MAX_BYTES + 1);
	g_autofree gchar *long_text = NULL;
	GString *nested = g_string_new("<Task>");

	for (guint i = 0; i < 50000; i++)
		g_string_append(nested, "<a>");
	deep = g_string_free(nested, FALSE);
	assert_refused(deep, -1, "nested deeper than");
	memset(huge, ' ', HERMES_WINDOWS_TASK_XML_MAX_BYTES + 1);
	assert_refused(huge, HERMES_WINDOWS_TASK_XML_MAX_BYTES + 1, "larger than");
	assert_refused("<plist/>", -1, "not a task definition");
	assert_refused("<Task><Settings><Priority>11</Priority></Settings></Task>",
		       -1,
		       "Settings/Priority is not a number from 0 to 10");
	assert_refused("<Task><Settings><RestartOnFailure><Count>99999999999999999999</Count>"
		       "</RestartOnFailure></Settings></Task>",
		       -1,
		       "Count is not a number");
	assert_refused("<Task><Triggers><LogonTrigger><Delay>P1M</Delay></LogonTrigger>"
		       "</Triggers></Task>",
		       -1,
		       "not a duration");
	assert_refused("<Task><Settings><StartWhenAvailable>yes</StartWhenAvailable>"
		       "</Settings></Task>",
		       -1,
		       "neither true nor false");
	assert_refused("<Task><Actions>", -1, "task definition:");
	assert_refused("\xFF\xFE<\0T\0", 5, "odd number of bytes");
	assert_refused("<Task>\xC3\x28</Task>", -1, "neither UTF-16 nor valid UTF-8");
	long_text = g_strdup_printf("<Task><RegistrationInfo><Description>%0*d</Description>"
				    "</RegistrationInfo></Task>",
				    9000,
				    0);
	assert_refused(long_text, -1, "more than 8192 bytes of text");
}

/* durations: what Task Scheduler writes, and what no task of ours can mean */
static void
test_task_xml_durations(void **state)
{
	assert_int_equal(hermes_windows_duration_parse("PT0S"), 0);
	assert_int_equal(hermes_windows_duration_parse("PT30S"), 30);
	assert_int_equal(hermes_windows_duration_parse("PT1M"), 60);
	assert_int_equal(hermes_windows_duration_parse("PT1H30M"), 5400);
	assert_int_equal(hermes_windows_duration_parse("P3D"), 3 * 86400);
	assert_int_equal(hermes_windows_duration_parse("P1DT2H3M4S"), 93784);
	/* months and years have no fixed length; order, repeats and empties are malformed */
	assert_int_equal(hermes_windows_duration_parse("P1M"), -1);
	assert_int_equal(hermes_windows_duration_parse("P1Y"), -1);
	assert_int_equal(hermes_windows_duration_parse("PT1S2M"), -1);
	assert_int_equal(hermes_windows_duration_parse("PT1M1M"), -1);
	assert_int_equal(hermes_windows_duration_parse("P"), -1);
	assert_int_equal(hermes_windows_duration_parse("PT"), -1);
	assert_int_equal(hermes_windows_duration_parse("PTS"), -1);
	assert_int_equal(hermes_windows_duration_parse("PT1.5S"), -1);
	assert_int_equal(hermes_windows_duration_parse("30S"), -1);
	assert_int_equal(hermes_windows_duration_parse("P99999999999999999999D"), -1);
	assert_int_equal(hermes_windows_duration_parse("P106751991167301D"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_task_xml_ours_utf16),
		cmocka_unit_test(test_task_xml_utf8),
		cmocka_unit_test(test_task_xml_two_execs),
		cmocka_unit_test(test_task_xml_refusals),
		cmocka_unit_test(test_task_xml_durations),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
