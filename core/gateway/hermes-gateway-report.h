/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hermes-gateway-problem.h"
#include "hermes-gateway-status.h"
#include "hermes-intent.h"
#include "hermes-port-table.h"
#include "hermes-service-manager.h"

G_BEGIN_DECLS

#define HERMES_TYPE_GATEWAY_REPORT (hermes_gateway_report_get_type())
typedef struct _HermesGatewayReport HermesGatewayReport;

GType
hermes_gateway_report_get_type(void);
HermesGatewayReport *
hermes_gateway_report_ref(HermesGatewayReport *self);
void
hermes_gateway_report_unref(HermesGatewayReport *self);

HermesGatewayReport *
hermes_gateway_report_new(HermesServiceManager *manager,
			  const gchar *profile,
			  HermesGatewayStatus *known,
			  GCancellable *cancellable);
HermesGatewayReport *
hermes_gateway_report_new_with_ports(HermesServiceManager *manager,
				     const gchar *profile,
				     HermesGatewayStatus *known,
				     HermesPortTable *ports,
				     GCancellable *cancellable);
GPtrArray *
hermes_gateway_report_collect(HermesServiceManager *manager,
			      const gchar *profile,
			      GCancellable *cancellable,
			      GError **error);
GPtrArray *
hermes_gateway_report_collect_with_ports(HermesServiceManager *manager,
					 HermesPortTable *ports,
					 GCancellable *cancellable,
					 GError **error);
HermesGatewayReport *
hermes_gateway_report_new_from_dbus(const gchar *profile, GVariant *properties);

const gchar *
hermes_gateway_report_get_profile(const HermesGatewayReport *self);
HermesGatewayStatus *
hermes_gateway_report_get_status(const HermesGatewayReport *self);
gboolean
hermes_gateway_report_get_registered(const HermesGatewayReport *self);
const gchar *
hermes_gateway_report_get_state(const HermesGatewayReport *self);
const gchar *
hermes_gateway_report_get_desired_state(const HermesGatewayReport *self);
const gchar *
hermes_gateway_report_get_runtime_state(const HermesGatewayReport *self);
gint64
hermes_gateway_report_get_port(const HermesGatewayReport *self);
HermesIntent
hermes_gateway_report_get_intent(const HermesGatewayReport *self, HermesIntentSource *source);
HermesGatewayReason
hermes_gateway_report_get_reason(const HermesGatewayReport *self, const gchar **text);
GPtrArray *
hermes_gateway_report_get_problems(const HermesGatewayReport *self);
GStrv
hermes_gateway_report_get_problem_texts(const HermesGatewayReport *self);
gboolean
hermes_gateway_report_propagate_error(const HermesGatewayReport *self, GError **error);
gboolean
hermes_gateway_report_is_healthy(const HermesGatewayReport *self, gchar **why);
void
hermes_gateway_report_set_node(HermesGatewayReport *self, const gchar *node);
const gchar *
hermes_gateway_report_get_node(const HermesGatewayReport *self);
JsonNode *
hermes_gateway_report_to_json(const HermesGatewayReport *self);
JsonNode *
hermes_gateway_report_list_to_json(const gchar *backend, const gchar *mode, GPtrArray *reports);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesGatewayReport, hermes_gateway_report_unref)

G_END_DECLS
