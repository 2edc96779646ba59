/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* how long a D-Bus peer may take to accept and authenticate a connection */
#define HERMES_DBUS_CONNECT_TIMEOUT_MS 5000

GDBusConnection *
hermes_dbus_connect(const gchar *address,
		    GDBusConnectionFlags flags,
		    guint timeout_ms,
		    GCancellable *cancellable,
		    GError **error);
GDBusConnection *
hermes_dbus_connect_bus(GBusType bus_type,
			guint timeout_ms,
			GCancellable *cancellable,
			GError **error);

G_END_DECLS
