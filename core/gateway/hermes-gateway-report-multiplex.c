/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The report of a named profile hermes-agent's multiplexer serves: its own
 * gateway is down on purpose (the boot reconciler registered it so, and
 * gateway control refuses to start it), so being down is no problem and
 * the reason says who serves it instead. Its health is the default
 * gateway's. Applied once to a set of rows, so config.yaml is read once
 * per `hermes status`, not once per row; a named gateway that runs anyway
 * (`--force`) is reported as any other.
 */

#include "config.h"

#include "hermes-gateway-report-private.h"
#include "hermes-multiplex.h"
#include "hermes-profile.h"

/* the multiplexer's own state: its row, else asked of the backend */
static HermesGatewayStatus *
hermes_gateway_report_server_status(GPtrArray *rows,
				    HermesServiceManager *manager,
				    GCancellable *cancellable)
{
	for (guint i = 0; i < rows->len; i++) {
		HermesGatewayReport *row = g_ptr_array_index(rows, i);
		if (g_strcmp0(row->profile, HERMES_PROFILE_DEFAULT) == 0)
			return row->status != NULL ? hermes_gateway_status_ref(row->status) : NULL;
	}
	return hermes_service_manager_get_status(
		manager, HERMES_PROFILE_DEFAULT, cancellable, NULL);
}

/* down or without a slot, it is what the multiplexer meant: not-up and no-slot go */
static void
hermes_gateway_report_serve(HermesGatewayReport *self,
			    const HermesMultiplex *multiplex,
			    HermesGatewayStatus *server)
{
	HermesGatewayState state = self->status != NULL
					   ? hermes_gateway_status_get_state(self->status)
					   : HERMES_GATEWAY_STATE_UNKNOWN;
	self->multiplexed = TRUE;
	self->server_state = server != NULL ? hermes_gateway_status_get_state(server)
					    : HERMES_GATEWAY_STATE_UNKNOWN;
	self->server_ready =
		server != NULL ? hermes_gateway_status_get_ready(server) : HERMES_TRISTATE_UNKNOWN;
	if (self->status != NULL && state != HERMES_GATEWAY_STATE_DOWN)
		return;
	for (guint i = self->problems->len; i > 0; i--) {
		HermesGatewayProblemCode code =
			hermes_gateway_problem_get_code(g_ptr_array_index(self->problems, i - 1));
		if (code == HERMES_GATEWAY_PROBLEM_NOT_UP || code == HERMES_GATEWAY_PROBLEM_NO_SLOT)
			g_ptr_array_remove_index(self->problems, i - 1);
	}
	self->reason = HERMES_GATEWAY_REASON_MULTIPLEXED;
	g_free(self->reason_text);
	self->reason_text =
		g_strdup_printf("served by the default profile's gateway (multiplexing is on: %s)",
				hermes_multiplex_get_reason(multiplex));
}

/**
 * hermes_gateway_report_apply_multiplex:
 * @rows: (element-type HermesGatewayReport): reports built by @manager
 * @manager: the backend, set up with its context
 * @cancellable: (nullable): a #GCancellable
 *
 * Marks the rows of named profiles the multiplexer serves (see the top of
 * the file). Nothing happens while multiplexing is off.
 */
void
hermes_gateway_report_apply_multiplex(GPtrArray *rows,
				      HermesServiceManager *manager,
				      GCancellable *cancellable)
{
	g_autoptr(HermesMultiplex) multiplex =
		hermes_multiplex_new(hermes_service_manager_get_context(manager));
	g_autoptr(HermesGatewayStatus) server = NULL;
	gboolean asked = FALSE;

	for (guint i = 0; hermes_multiplex_get_enabled(multiplex) && i < rows->len; i++) {
		HermesGatewayReport *row = g_ptr_array_index(rows, i);
		if (!hermes_multiplex_serves(multiplex, row->profile))
			continue;
		if (!asked)
			server = hermes_gateway_report_server_status(rows, manager, cancellable);
		asked = TRUE;
		hermes_gateway_report_serve(row, multiplex, server);
	}
}

/**
 * hermes_gateway_report_served_health:
 * @self: a #HermesGatewayReport
 * @why: (out) (optional) (transfer full) (nullable): what is wrong, one line
 *
 * The health of a named profile the multiplexer serves while its own
 * gateway is not up: the default gateway's, up and not unready.
 *
 * Returns: whether that gateway is healthy
 */
gboolean
hermes_gateway_report_served_health(const HermesGatewayReport *self, gchar **why)
{
	if (self->server_state == HERMES_GATEWAY_STATE_UP &&
	    self->server_ready != HERMES_TRISTATE_NO)
		return TRUE;
	if (why != NULL)
		*why = g_strdup_printf(
			"gateway '%s' is served by the default profile's gateway, which is %s",
			self->profile,
			self->server_state == HERMES_GATEWAY_STATE_UP
				? "up but not ready"
				: hermes_gateway_state_to_string(self->server_state));
	return FALSE;
}
