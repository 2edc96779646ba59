/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * D-Bus connections with a bound. GLib's sync connects (g_bus_get_sync(),
 * g_dbus_connection_new_for_address_sync()) wait for the peer's handshake
 * for as long as it takes: a dbus-daemon that hangs, or any process that
 * accepts on the socket and never answers, would hang `hermes` and every
 * front door with it. Here the async connect runs on a private main context
 * until it completes, the caller cancels, or the time is up.
 */

#include "config.h"

#include "hermes-dbus-connect.h"
#include "hermes-error.h"

typedef struct {
	GDBusConnection *connection;
	GError *error;
	GCancellable *cancellable;
	gboolean done;
	gboolean timed_out;
} HermesDbusConnectWait;

static void
hermes_dbus_connect_done_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	HermesDbusConnectWait *wait = data;
	wait->connection = g_dbus_connection_new_for_address_finish(res, &wait->error);
	wait->done = TRUE;
}

static gboolean
hermes_dbus_connect_timeout_cb(gpointer data)
{
	HermesDbusConnectWait *wait = data;
	wait->timed_out = TRUE;
	g_cancellable_cancel(wait->cancellable);
	return G_SOURCE_REMOVE;
}

static void
hermes_dbus_connect_cancelled_cb(GCancellable *outer, gpointer data)
{
	g_cancellable_cancel(data);
}

/**
 * hermes_dbus_connect:
 * @address: a D-Bus address
 * @flags: as for g_dbus_connection_new_for_address()
 * @timeout_ms: how long the peer may take, e.g. %HERMES_DBUS_CONNECT_TIMEOUT_MS
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError: %HERMES_ERROR_TIMED_OUT when the
 *   peer did not complete the handshake in time
 *
 * g_dbus_connection_new_for_address_sync() that never waits longer than
 * @timeout_ms. Safe on any thread; the connection's signals are delivered
 * in the thread-default main context of whoever subscribes, as usual.
 *
 * Returns: (transfer full): the connection, or %NULL
 */
GDBusConnection *
hermes_dbus_connect(const gchar *address,
		    GDBusConnectionFlags flags,
		    guint timeout_ms,
		    GCancellable *cancellable,
		    GError **error)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GCancellable) own = g_cancellable_new();
	HermesDbusConnectWait wait = {.cancellable = own};
	GSource *timer;
	gulong handler = 0;

	g_return_val_if_fail(address != NULL, NULL);
	g_main_context_push_thread_default(context);
	if (cancellable != NULL)
		handler = g_cancellable_connect(
			cancellable, G_CALLBACK(hermes_dbus_connect_cancelled_cb), own, NULL);
	timer = g_timeout_source_new(timeout_ms);
	g_source_set_callback(timer, hermes_dbus_connect_timeout_cb, &wait, NULL);
	g_source_attach(timer, context);
	g_dbus_connection_new_for_address(
		address, flags, NULL, own, hermes_dbus_connect_done_cb, &wait);
	/* the handshake runs in a GIO worker, which gives up once cancelled */
	while (!wait.done)
		g_main_context_iteration(context, TRUE);
	g_source_destroy(timer);
	g_source_unref(timer);
	if (handler != 0)
		g_cancellable_disconnect(cancellable, handler);
	g_main_context_pop_thread_default(context);
	if (wait.connection != NULL)
		return wait.connection;
	if (wait.timed_out) {
		g_clear_error(&wait.error);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_TIMED_OUT,
			    "%s did not answer within %u ms (a D-Bus daemon that hangs?)",
			    address,
			    timeout_ms);
		return NULL;
	}
	g_propagate_error(error, wait.error);
	return NULL;
}

/**
 * hermes_dbus_connect_bus:
 * @bus_type: %G_BUS_TYPE_SESSION or %G_BUS_TYPE_SYSTEM
 * @timeout_ms: how long the bus may take
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * A new connection to the message bus g_bus_get_sync() would use, with a
 * bound. Unlike g_bus_get_sync() it is not shared, and it does not end the
 * process when the bus goes away (set exit-on-close for that).
 *
 * Returns: (transfer full): the connection, or %NULL
 */
GDBusConnection *
hermes_dbus_connect_bus(GBusType bus_type,
			guint timeout_ms,
			GCancellable *cancellable,
			GError **error)
{
	g_autofree gchar *address = g_dbus_address_get_for_bus_sync(bus_type, cancellable, error);
	if (address == NULL)
		return NULL;
	return hermes_dbus_connect(address,
				   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
					   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
				   timeout_ms,
				   cancellable,
				   error);
}
