/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The real hermes-svcd as a process: clean under valgrind with gateways
 * coming and going, one daemon per bus, usage errors, SIGTERM a clean
 * exit, and the session activation file in data/ starting it.
 * (The fixture: daemon-test.h.)
 */

#include "daemon-test.h"

#if defined(__SANITIZE_ADDRESS__)
#define HERMES_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HERMES_TEST_ASAN 1
#endif
#endif

/*
 * valgrind: no leak and no error after gateways came and went. An ASan build
 * cannot run under valgrind; there the daemon is built with LeakSanitizer,
 * which fails its exit (so this test) on a leak instead.
 */
static void
test_daemon_valgrind(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *one = hermes_status_service_gateway_path("one");
	g_autofree gchar *two = hermes_status_service_gateway_path("two");
	g_autofree gchar *valgrind = g_find_program_in_path("valgrind");
	gboolean use_valgrind = valgrind != NULL;
	guint from = 0;

#ifdef HERMES_TEST_ASAN
	use_valgrind = FALSE;
	print_message("# an ASan build: LeakSanitizer checks the daemon instead of valgrind\n");
#endif
	if (valgrind == NULL)
		print_message("# no valgrind: the daemon runs without it\n");
	HERMES_OK(f, "profile", "create", "one");
	daemon_start(f, use_valgrind);
	reply = call(f, one, GATEWAY_IFACE, "Start", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);
	wait_string(f, "one", "State", "up");
	HERMES_OK(f, "profile", "create", "two");
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_added,
				two,
				f->wait_ms,
				"InterfacesAdded for two");
	reply = call(f, two, GATEWAY_IFACE, "Restart", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);
	reply = call(f, one, GATEWAY_IFACE, "Stop", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);
	HERMES_OK(f, "profile", "delete", "one", "--yes");
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_removed,
				one,
				f->wait_ms,
				"InterfacesRemoved for one");
	HERMES_OK(f, "profile", "delete", "two", "--yes");
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_removed,
				two,
				f->wait_ms,
				"InterfacesRemoved for two");
	daemon_stop(f);
}

/* one daemon per bus; usage errors are usage errors */
static void
test_daemon_name_and_usage(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = 0;
	const gchar *second[] = {svcd_path(), "--session", NULL};
	const gchar *both[] = {svcd_path(), "--session", "--system", NULL};
	const gchar *version[] = {svcd_path(), "--version", NULL};

	daemon_start(f, FALSE);
	g_spawn_sync(NULL,
		     (gchar **)second,
		     f->envp,
		     G_SPAWN_DEFAULT,
		     NULL,
		     NULL,
		     &out,
		     &err,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	assert_int_equal(WEXITSTATUS(status), 69);
	hermes_assert_str_contains(err, "cannot own the name ai.hermes.ServiceManager1");
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	daemon_stop(f);

	g_spawn_sync(NULL,
		     (gchar **)both,
		     f->envp,
		     G_SPAWN_DEFAULT,
		     NULL,
		     NULL,
		     &out,
		     &err,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	assert_int_equal(WEXITSTATUS(status), 64);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	g_spawn_sync(NULL,
		     (gchar **)version,
		     f->envp,
		     G_SPAWN_DEFAULT,
		     NULL,
		     NULL,
		     &out,
		     &err,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out, "hermes-svcd " PACKAGE_VERSION "\n");
}

/* data/'s session activation file starts the daemon on the first call */
static void
test_daemon_activation(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) backend = NULL;
	guint32 pid = 0;
	gint64 deadline;

	assert_false(name_has_owner(f->client));
	reply = g_dbus_connection_call_sync(
		f->client,
		HERMES_STATUS_SERVICE_BUS_NAME,
		HERMES_STATUS_SERVICE_OBJECT_PATH,
		"org.freedesktop.DBus.Properties",
		"Get",
		g_variant_new("(ss)", HERMES_STATUS_SERVICE_INTERFACE, "Backend"),
		G_VARIANT_TYPE("(v)"),
		G_DBUS_CALL_FLAGS_NONE,
		VALGRIND_WAIT,
		NULL,
		&error);
	hermes_assert_no_error(error);
	g_variant_get(reply, "(v)", &backend);
	assert_string_equal(g_variant_get_string(backend, NULL), "s6");
	g_clear_pointer(&reply, g_variant_unref);

	reply = g_dbus_connection_call_sync(f->client,
					    "org.freedesktop.DBus",
					    "/org/freedesktop/DBus",
					    "org.freedesktop.DBus",
					    "GetConnectionUnixProcessID",
					    g_variant_new("(s)", HERMES_STATUS_SERVICE_BUS_NAME),
					    G_VARIANT_TYPE("(u)"),
					    G_DBUS_CALL_FLAGS_NONE,
					    -1,
					    NULL,
					    &error);
	hermes_assert_no_error(error);
	g_variant_get(reply, "(u)", &pid);
	assert_true(pid > 0);
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	while (name_has_owner(f->client)) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("the activated hermes-svcd did not go on SIGTERM");
		hermes_test_spin(10);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_daemon_valgrind),
		T(test_daemon_name_and_usage),
		T(test_daemon_activation),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
