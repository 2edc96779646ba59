/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HermesGatewayProblemCode:
 * @HERMES_GATEWAY_PROBLEM_STATE_FILE: `gateway_state.json` cannot be read
 * @HERMES_GATEWAY_PROBLEM_STATUS_FAILED: the supervisor could not say how the gateway is
 * @HERMES_GATEWAY_PROBLEM_SUPERVISOR_GONE: the supervisor does not run
 * @HERMES_GATEWAY_PROBLEM_NO_SLOT: the profile has no slot with the supervisor
 * @HERMES_GATEWAY_PROBLEM_PARKED: the supervisor parked the gateway (see the reason)
 * @HERMES_GATEWAY_PROBLEM_FAILED: the supervisor gave up on the gateway (see the reason)
 * @HERMES_GATEWAY_PROBLEM_NOT_UP: meant to run (by the intent rule) but not up
 * @HERMES_GATEWAY_PROBLEM_STALE_RUNTIME: `gateway_state` says running, its pid is gone
 * @HERMES_GATEWAY_PROBLEM_PORT_COLLISION: another profile asked for the same port
 * @HERMES_GATEWAY_PROBLEM_OTHER: a code this build does not know (from a newer daemon)
 *
 * What is wrong with a gateway, as a #HermesGatewayReport lists it.
 */
typedef enum {
	HERMES_GATEWAY_PROBLEM_STATE_FILE,
	HERMES_GATEWAY_PROBLEM_STATUS_FAILED,
	HERMES_GATEWAY_PROBLEM_SUPERVISOR_GONE,
	HERMES_GATEWAY_PROBLEM_NO_SLOT,
	HERMES_GATEWAY_PROBLEM_PARKED,
	HERMES_GATEWAY_PROBLEM_FAILED,
	HERMES_GATEWAY_PROBLEM_NOT_UP,
	HERMES_GATEWAY_PROBLEM_STALE_RUNTIME,
	HERMES_GATEWAY_PROBLEM_PORT_COLLISION,
	HERMES_GATEWAY_PROBLEM_OTHER,
} HermesGatewayProblemCode;

#define HERMES_TYPE_GATEWAY_PROBLEM (hermes_gateway_problem_get_type())
typedef struct _HermesGatewayProblem HermesGatewayProblem;

GType
hermes_gateway_problem_get_type(void);
HermesGatewayProblem *
hermes_gateway_problem_new(HermesGatewayProblemCode code, const gchar *text, const gchar *fix);
HermesGatewayProblem *
hermes_gateway_problem_copy(const HermesGatewayProblem *self);
void
hermes_gateway_problem_free(HermesGatewayProblem *self);
HermesGatewayProblemCode
hermes_gateway_problem_get_code(const HermesGatewayProblem *self);
const gchar *
hermes_gateway_problem_get_text(const HermesGatewayProblem *self);
const gchar *
hermes_gateway_problem_get_fix(const HermesGatewayProblem *self);
const gchar *
hermes_gateway_problem_code_to_string(HermesGatewayProblemCode code);
HermesGatewayProblemCode
hermes_gateway_problem_code_from_string(const gchar *code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesGatewayProblem, hermes_gateway_problem_free)

G_END_DECLS
