/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"
#include "hermes-systemd-call.h"
#include "hermes-systemd-endpoints.h"
#include "hermes-systemd-status.h"

G_BEGIN_DECLS

/* a connection to the manager: a message bus (dest is its name) or peer-to-peer (dest NULL) */
typedef struct {
	GDBusConnection *connection;
	const gchar *dest;
	gchar *description;
} HermesSystemdBus;

HermesSystemdBus *
hermes_systemd_bus_connect(const HermesSystemdEndpoints *endpoints,
			   gboolean subscribe,
			   GCancellable *cancellable,
			   GError **error);
void
hermes_systemd_bus_free(HermesSystemdBus *self);
GVariant *
hermes_systemd_bus_call(HermesSystemdBus *self,
			const gchar *method,
			GVariant *args,
			const gchar *reply_type,
			GCancellable *cancellable,
			GError **error);
gchar *
hermes_systemd_bus_get_version(HermesSystemdBus *self, GError **error);
gint64
hermes_systemd_bus_get_manager_pid(HermesSystemdBus *self);
gchar *
hermes_systemd_bus_load_unit(HermesSystemdBus *self,
			     const gchar *unit,
			     GCancellable *cancellable,
			     GError **error);
gboolean
hermes_systemd_bus_read_unit(HermesSystemdBus *self,
			     const gchar *unit,
			     HermesSystemdUnitFacts *facts,
			     GCancellable *cancellable,
			     GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesSystemdBus, hermes_systemd_bus_free)

G_END_DECLS
