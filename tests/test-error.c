/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "hermes-enum-types.h"
#include "hermes-error.h"
#include "hermes-test.h"

/* the D-Bus error names are API: clients match on them */
static const struct {
	HermesError code;
	const gchar *name;
} hermes_test_error_names[] = {
	{HERMES_ERROR_FAILED, "Failed"},
	{HERMES_ERROR_NOT_FOUND, "NotFound"},
	{HERMES_ERROR_NOT_REGISTERED, "NotRegistered"},
	{HERMES_ERROR_ALREADY_EXISTS, "AlreadyExists"},
	{HERMES_ERROR_INVALID_ARGUMENT, "InvalidArgument"},
	{HERMES_ERROR_PERMISSION_DENIED, "PermissionDenied"},
	{HERMES_ERROR_SUPERVISOR_UNAVAILABLE, "SupervisorUnavailable"},
	{HERMES_ERROR_COMMAND_FAILED, "CommandFailed"},
	{HERMES_ERROR_TIMED_OUT, "TimedOut"},
	{HERMES_ERROR_ABI_MISMATCH, "AbiMismatch"},
	{HERMES_ERROR_NOT_SUPPORTED, "NotSupported"},
	{HERMES_ERROR_BUSY, "Busy"},
	{HERMES_ERROR_INVALID_DATA, "InvalidData"},
	{HERMES_ERROR_CANCELLED, "Cancelled"},
	{HERMES_ERROR_CONFIGURATION, "Configuration"},
};

static int
test_teardown(void **state)
{
	hermes_test_check_logs();
	return 0;
}

static void
test_error_names_cover_every_code(void **state)
{
	g_autoptr(GEnumClass) klass = g_type_class_ref(HERMES_TYPE_ERROR);

	/* a new code needs a D-Bus name here and in hermes-error.c */
	assert_int_equal(G_N_ELEMENTS(hermes_test_error_names), HERMES_ERROR_LAST);
	assert_int_equal(klass->n_values, HERMES_ERROR_LAST);
	for (guint i = 0; i < G_N_ELEMENTS(hermes_test_error_names); i++)
		assert_int_equal(hermes_test_error_names[i].code, i);
	for (guint i = 0; i < klass->n_values; i++)
		assert_int_equal(klass->values[i].value, i);
}

static void
test_error_to_string(void **state)
{
	for (guint i = 0; i < G_N_ELEMENTS(hermes_test_error_names); i++) {
		assert_string_equal(hermes_error_to_string(hermes_test_error_names[i].code),
				    hermes_test_error_names[i].name);
	}
	assert_string_equal(hermes_error_to_string(HERMES_ERROR_LAST), "Unknown");
	assert_string_equal(hermes_error_to_string((HermesError)-1), "Unknown");
	assert_string_equal(hermes_error_to_string((HermesError)1000), "Unknown");
}

static void
test_error_dbus_encode(void **state)
{
	for (gint code = 0; code < HERMES_ERROR_LAST; code++) {
		g_autoptr(GError) error = g_error_new(HERMES_ERROR, code, "code %d", code);
		g_autofree gchar *name = g_dbus_error_encode_gerror(error);
		g_autofree gchar *expected = g_strdup_printf("ai.hermes.ServiceManager1.Error.%s",
							     hermes_test_error_names[code].name);
		assert_string_equal(name, expected);
	}
}

static void
test_error_dbus_round_trip(void **state)
{
	for (gint code = 0; code < HERMES_ERROR_LAST; code++) {
		g_autoptr(GError) error = g_error_new(HERMES_ERROR, code, "boom %d", code);
		g_autofree gchar *name = g_dbus_error_encode_gerror(error);
		g_autoptr(GError) remote = g_dbus_error_new_for_dbus_error(name, error->message);
		g_autofree gchar *remote_name = NULL;

		/* a client on the other side of the bus gets the same domain and code */
		hermes_assert_error(remote, HERMES_ERROR, code);
		assert_true(g_dbus_error_is_remote_error(remote));
		remote_name = g_dbus_error_get_remote_error(remote);
		assert_string_equal(remote_name, name);
		assert_true(g_dbus_error_strip_remote_error(remote));
		assert_string_equal(remote->message, error->message);
	}
}

static void
test_error_dbus_unknown_name(void **state)
{
	g_autoptr(GError) error =
		g_dbus_error_new_for_dbus_error("ai.hermes.ServiceManager1.Error.NoSuchCode", "x");

	/* a name we do not know must not be mistaken for one of ours */
	assert_false(error->domain == HERMES_ERROR);
}

typedef struct {
	const gchar *what;
	GQuark domain;
	gint code;
	HermesError expected;
} HermesConvertCase;

static void
test_error_convert(void **state)
{
	const HermesConvertCase cases[] = {
		{"io not-found", G_IO_ERROR, G_IO_ERROR_NOT_FOUND, HERMES_ERROR_NOT_FOUND},
		{"io exists", G_IO_ERROR, G_IO_ERROR_EXISTS, HERMES_ERROR_ALREADY_EXISTS},
		{"io permission",
		 G_IO_ERROR,
		 G_IO_ERROR_PERMISSION_DENIED,
		 HERMES_ERROR_PERMISSION_DENIED},
		{"io timed-out", G_IO_ERROR, G_IO_ERROR_TIMED_OUT, HERMES_ERROR_TIMED_OUT},
		{"io cancelled", G_IO_ERROR, G_IO_ERROR_CANCELLED, HERMES_ERROR_CANCELLED},
		{"io not-supported",
		 G_IO_ERROR,
		 G_IO_ERROR_NOT_SUPPORTED,
		 HERMES_ERROR_NOT_SUPPORTED},
		{"io invalid-argument",
		 G_IO_ERROR,
		 G_IO_ERROR_INVALID_ARGUMENT,
		 HERMES_ERROR_INVALID_ARGUMENT},
		{"io busy", G_IO_ERROR, G_IO_ERROR_BUSY, HERMES_ERROR_BUSY},
		{"io failed", G_IO_ERROR, G_IO_ERROR_FAILED, HERMES_ERROR_FAILED},
		{"file noent", G_FILE_ERROR, G_FILE_ERROR_NOENT, HERMES_ERROR_NOT_FOUND},
		{"file exist", G_FILE_ERROR, G_FILE_ERROR_EXIST, HERMES_ERROR_ALREADY_EXISTS},
		{"file acces", G_FILE_ERROR, G_FILE_ERROR_ACCES, HERMES_ERROR_PERMISSION_DENIED},
		{"spawn noent",
		 G_SPAWN_ERROR,
		 G_SPAWN_ERROR_NOENT,
		 HERMES_ERROR_SUPERVISOR_UNAVAILABLE},
		{"spawn acces", G_SPAWN_ERROR, G_SPAWN_ERROR_ACCES, HERMES_ERROR_PERMISSION_DENIED},
		{"spawn failed", G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, HERMES_ERROR_COMMAND_FAILED},
		{"dbus service-unknown",
		 G_DBUS_ERROR,
		 G_DBUS_ERROR_SERVICE_UNKNOWN,
		 HERMES_ERROR_SUPERVISOR_UNAVAILABLE},
		{"dbus access-denied",
		 G_DBUS_ERROR,
		 G_DBUS_ERROR_ACCESS_DENIED,
		 HERMES_ERROR_PERMISSION_DENIED},
		{"dbus no-reply", G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY, HERMES_ERROR_TIMED_OUT},
		{"json parse",
		 JSON_PARSER_ERROR,
		 JSON_PARSER_ERROR_PARSE,
		 HERMES_ERROR_INVALID_DATA},
		{"json trailing-comma",
		 JSON_PARSER_ERROR,
		 JSON_PARSER_ERROR_TRAILING_COMMA,
		 HERMES_ERROR_INVALID_DATA},
		{"unknown domain",
		 g_quark_from_static_string("hermes-test-foreign-error"),
		 42,
		 HERMES_ERROR_FAILED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error =
			g_error_new(cases[i].domain, cases[i].code, "message of %s", cases[i].what);
		g_autofree gchar *message = g_strdup(error->message);
		GError *before = error;

		hermes_error_convert(&error);
		if (error->domain != HERMES_ERROR || error->code != (gint)cases[i].expected) {
			fail_msg("%s: expected %s, got %s %d",
				 cases[i].what,
				 hermes_error_to_string(cases[i].expected),
				 g_quark_to_string(error->domain),
				 error->code);
		}
		/* rewritten in place, and the user still reads the original message */
		assert_ptr_equal(error, before);
		assert_string_equal(error->message, message);
	}
}

static void
test_error_convert_keeps_hermes_error(void **state)
{
	g_autoptr(GError) error = g_error_new_literal(HERMES_ERROR, HERMES_ERROR_BUSY, "locked");

	hermes_error_convert(&error);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_BUSY);
	assert_string_equal(error->message, "locked");
}

static void
test_error_convert_null(void **state)
{
	GError *error = NULL;

	hermes_error_convert(NULL);
	hermes_error_convert(&error);
	assert_null(error);
}

static void
test_error_set_errno(void **state)
{
	const struct {
		gint errsv;
		HermesError expected;
	} cases[] = {
		{ENOENT, HERMES_ERROR_NOT_FOUND},
		{EEXIST, HERMES_ERROR_ALREADY_EXISTS},
		{EACCES, HERMES_ERROR_PERMISSION_DENIED},
		{ETIMEDOUT, HERMES_ERROR_TIMED_OUT},
		{EIO, HERMES_ERROR_FAILED},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *expected =
			g_strdup_printf("cannot open /x/%u: %s", i, g_strerror(cases[i].errsv));

		hermes_error_set_errno(&error, cases[i].errsv, "cannot open /x/%u", i);
		hermes_assert_error(error, HERMES_ERROR, cases[i].expected);
		assert_string_equal(error->message, expected);
	}
}

static void
test_error_set_errno_null(void **state)
{
	/* callers may ignore errors */
	hermes_error_set_errno(NULL, ENOENT, "ignored %s", "context");
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_error_names_cover_every_code, test_teardown),
		cmocka_unit_test_teardown(test_error_to_string, test_teardown),
		cmocka_unit_test_teardown(test_error_dbus_encode, test_teardown),
		cmocka_unit_test_teardown(test_error_dbus_round_trip, test_teardown),
		cmocka_unit_test_teardown(test_error_dbus_unknown_name, test_teardown),
		cmocka_unit_test_teardown(test_error_convert, test_teardown),
		cmocka_unit_test_teardown(test_error_convert_keeps_hermes_error, test_teardown),
		cmocka_unit_test_teardown(test_error_convert_null, test_teardown),
		cmocka_unit_test_teardown(test_error_set_errno, test_teardown),
		cmocka_unit_test_teardown(test_error_set_errno_null, test_teardown),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
