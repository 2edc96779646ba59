/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * D-Bus connects with a bound: a real dbus-daemon (GTestDBus) is reached, a
 * peer that accepts and never answers (a hung daemon) costs the bound and no
 * more, a socket nobody listens on fails at once, and the caller's
 * cancellable is honoured.
 */

#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hermes-dbus-connect.h"
#include "hermes-error.h"
#include "hermes-test.h"

/* a socket that accepts connections (the kernel's backlog) and never speaks */
static gint
stuck_listener(const gchar *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0 && strlen(path) < sizeof(addr.sun_path));
	memcpy(addr.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static void
test_dbus_connect_real_bus(void **state)
{
	g_autoptr(GTestDBus) bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(GError) error = NULL;

	g_test_dbus_up(bus);
	connection = hermes_dbus_connect(g_test_dbus_get_bus_address(bus),
					 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
						 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
					 HERMES_DBUS_CONNECT_TIMEOUT_MS,
					 NULL,
					 &error);
	hermes_assert_no_error(error);
	assert_non_null(g_dbus_connection_get_unique_name(connection));
	g_dbus_connection_close_sync(connection, NULL, NULL);
	g_clear_object(&connection);
	g_test_dbus_down(bus);
}

static void
test_dbus_connect_stuck_peer_is_bounded(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(tmp, "bus", NULL);
	g_autofree gchar *address = g_strdup_printf("unix:path=%s", path);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) connection = NULL;
	gint fd = stuck_listener(path);
	gint64 t0 = g_get_monotonic_time();
	gint64 took_ms;

	connection = hermes_dbus_connect(
		address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, 300, NULL, &error);
	took_ms = (g_get_monotonic_time() - t0) / 1000;
	assert_null(connection);
	g_assert_error(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
	hermes_assert_str_contains(error->message, "did not answer within 300 ms");
	/* the bound, not GLib's 25 s method timeout nor forever; generous for valgrind */
	assert_true(took_ms >= 250 && took_ms < 10000);
	close(fd);
	/* nobody listens: refused at once, the error GIO gives */
	g_clear_error(&error);
	connection = hermes_dbus_connect(
		address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, 60000, NULL, &error);
	assert_null(connection);
	assert_non_null(error);
	assert_false(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT));
	hermes_test_rmtree(tmp);
}

static gboolean
cancel_cb(gpointer data)
{
	g_cancellable_cancel(data);
	return G_SOURCE_REMOVE;
}

static gpointer
cancel_later(gpointer data)
{
	g_usleep(200 * 1000);
	cancel_cb(data);
	return NULL;
}

/* the caller's cancellable ends the wait long before the bound */
static void
test_dbus_connect_cancelled(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(tmp, "bus", NULL);
	g_autofree gchar *address = g_strdup_printf("unix:path=%s", path);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) connection = NULL;
	gint fd = stuck_listener(path);
	GThread *canceller = g_thread_new("cancel", cancel_later, cancellable);

	connection = hermes_dbus_connect(
		address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, 60000, cancellable, &error);
	g_thread_join(canceller);
	assert_null(connection);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	close(fd);
	hermes_test_rmtree(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dbus_connect_real_bus),
		cmocka_unit_test(test_dbus_connect_stuck_peer_is_bounded),
		cmocka_unit_test(test_dbus_connect_cancelled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
