/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-gateway-report.h"

G_BEGIN_DECLS

struct _HermesGatewayReport {
	gatomicrefcount refcount;
	gchar *profile;
	HermesGatewayStatus *status; /* NULL when the profile has no slot */
	GError *error;		     /* why the status could not be read */
	gchar *home;		     /* NULL when the profile has none on disk */
	gchar *desired;
	gchar *runtime;
	gint64 runtime_pid;
	gint64 port; /* -1: none */
	HermesIntent intent;
	HermesIntentSource intent_source;
	HermesGatewayReason reason;
	gchar *reason_text;
	GPtrArray *problems; /* HermesGatewayProblem */
	/* the default profile's gateway serves it (hermes-gateway-report-multiplex.c) */
	gboolean multiplexed;
	HermesGatewayState server_state;
	HermesTristate server_ready;
	/* the cluster node that owns it, when a door asked the cluster */
	gchar *node;
};

HermesGatewayReport *
hermes_gateway_report_alloc(const gchar *profile);
void
hermes_gateway_report_diagnose(HermesGatewayReport *self, const gchar *mode, GPtrArray *collisions);
HermesGatewayReport *
hermes_gateway_report_build(HermesServiceManager *manager,
			    const gchar *profile,
			    HermesGatewayStatus *known,
			    HermesPortTable *ports,
			    GCancellable *cancellable);
void
hermes_gateway_report_apply_multiplex(GPtrArray *rows,
				      HermesServiceManager *manager,
				      GCancellable *cancellable);
gboolean
hermes_gateway_report_served_health(const HermesGatewayReport *self, gchar **why);

G_END_DECLS
