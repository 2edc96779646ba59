/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "hermes-dbus-names.h"
#include "hermes-gateway-control.h"
#include "hermes-gateway-report.h"
#include "hermes-service-manager.h"

G_BEGIN_DECLS

#define HERMES_TYPE_STATUS_SERVICE (hermes_status_service_get_type())
G_DECLARE_FINAL_TYPE(HermesStatusService, hermes_status_service, HERMES, STATUS_SERVICE, GObject)

HermesStatusService *
hermes_status_service_new(HermesServiceManager *manager);
HermesServiceManager *
hermes_status_service_get_manager(HermesStatusService *self);
gboolean
hermes_status_service_export(HermesStatusService *self,
			     GDBusConnection *connection,
			     GError **error);
void
hermes_status_service_unexport(HermesStatusService *self);
guint
hermes_status_service_get_n_gateways(HermesStatusService *self);
gboolean
hermes_status_service_check_caller(HermesStatusService *self,
				   guint32 uid,
				   const gchar *profile,
				   GError **error);
gchar *
hermes_status_service_gateway_path(const gchar *profile);
GPtrArray *
hermes_status_service_dup_reports(HermesStatusService *self);
void
hermes_status_service_set_owners(HermesStatusService *self, GHashTable *owners);
HermesGatewayReport *
hermes_status_service_lookup_report(HermesStatusService *self, const gchar *profile);
void
hermes_status_service_act_async(HermesStatusService *self,
				HermesGatewayAction verb,
				const gchar *profile,
				GAsyncReadyCallback callback,
				gpointer user_data);
gboolean
hermes_status_service_act_finish(HermesStatusService *self, GAsyncResult *result, GError **error);

G_END_DECLS
