/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

#define HERMES_SYSTEMD_BUS_NAME	       "org.freedesktop.systemd1"
#define HERMES_SYSTEMD_MANAGER_PATH    "/org/freedesktop/systemd1"
#define HERMES_SYSTEMD_MANAGER_IFACE   "org.freedesktop.systemd1.Manager"
#define HERMES_SYSTEMD_UNIT_IFACE      "org.freedesktop.systemd1.Unit"
#define HERMES_SYSTEMD_SERVICE_IFACE   "org.freedesktop.systemd1.Service"
#define HERMES_SYSTEMD_CALL_TIMEOUT_MS 25000

void
hermes_systemd_error_convert(GError **error);
GVariant *
hermes_systemd_call_full(GDBusConnection *connection,
			 const gchar *dest,
			 const gchar *path,
			 const gchar *iface,
			 const gchar *method,
			 GVariant *args,
			 const gchar *reply_type,
			 gint timeout_ms,
			 GCancellable *cancellable,
			 GError **error);
gboolean
hermes_systemd_name_has_owner(GDBusConnection *connection,
			      const gchar *name,
			      GCancellable *cancellable,
			      GError **error);

G_END_DECLS
