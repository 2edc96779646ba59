/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"
#include "hermes-systemd-render.h"
#include "hermes-systemd-status.h"

G_BEGIN_DECLS

#define HERMES_SYSTEMD_BUS_NAME	       "org.freedesktop.systemd1"
#define HERMES_SYSTEMD_MANAGER_PATH    "/org/freedesktop/systemd1"
#define HERMES_SYSTEMD_MANAGER_IFACE   "org.freedesktop.systemd1.Manager"
#define HERMES_SYSTEMD_UNIT_IFACE      "org.freedesktop.systemd1.Unit"
#define HERMES_SYSTEMD_SERVICE_IFACE   "org.freedesktop.systemd1.Service"
#define HERMES_SYSTEMD_CALL_TIMEOUT_MS 25000

/* where the manager of one scope can be reached, and what had to be derived */
typedef struct {
	HermesSystemdScope scope;
	guint32 uid;
	gchar *user;	     /* the account name of @uid */
	gchar *runtime_dir;  /* user scope: the user's runtime directory, or NULL */
	gchar *bus_address;  /* a D-Bus address to try, or NULL */
	gchar *private_path; /* the manager's private socket, or NULL */
	GPtrArray *notes;    /* what was derived or ignored, and why */
} HermesSystemdEndpoints;

HermesSystemdEndpoints *
hermes_systemd_endpoints_new(HermesContext *ctx, HermesSystemdScope scope, guint32 uid);
void
hermes_systemd_endpoints_free(HermesSystemdEndpoints *self);
gchar *
hermes_systemd_join(GPtrArray *lines);
gchar *
hermes_systemd_endpoints_describe(const HermesSystemdEndpoints *self);

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
void
hermes_systemd_error_convert(GError **error);
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
gboolean
hermes_systemd_bus_run_job(HermesSystemdBus *self,
			   const gchar *method,
			   const gchar *unit,
			   guint timeout_ms,
			   gchar **result,
			   GCancellable *cancellable,
			   GError **error);

const gchar *
hermes_systemd_linger_check(HermesContext *ctx, const gchar *user, guint32 uid, gchar **source);
gchar *
hermes_systemd_linger_fix(const gchar *user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesSystemdEndpoints, hermes_systemd_endpoints_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesSystemdBus, hermes_systemd_bus_free)

G_END_DECLS
