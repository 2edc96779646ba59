/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-gateway-control.h"

G_BEGIN_DECLS

/* filled in by HermesGatewayControl only; callers read it through the getters */
struct _HermesGatewayResult {
	gatomicrefcount refcount;
	HermesGatewayAction action;
	gchar *profile;
	HermesGatewayOutcome outcome;
	gchar *message;
	GError *error; /* NULL when done */
	gboolean registered;
	GPtrArray *notes; /* NULL-terminated */
};

HermesGatewayResult *
hermes_gateway_result_new(HermesGatewayAction action, const gchar *profile);
void
hermes_gateway_result_fail(HermesGatewayResult *self, HermesGatewayOutcome outcome, GError *error);

G_END_DECLS
