/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* one problem of a HermesGatewayReport: a code, one line, and a command that fixes it */

#include "config.h"

#include "hermes-gateway-problem.h"

struct _HermesGatewayProblem {
	HermesGatewayProblemCode code;
	gchar *text;
	gchar *fix; /* NULL when no command fixes it */
};

G_DEFINE_BOXED_TYPE(HermesGatewayProblem,
		    hermes_gateway_problem,
		    hermes_gateway_problem_copy,
		    hermes_gateway_problem_free)

static const gchar *hermes_gateway_problem_codes[] = {"state-file",
						      "status-failed",
						      "supervisor-gone",
						      "no-slot",
						      "parked",
						      "failed",
						      "not-up",
						      "stale-runtime",
						      "port-collision",
						      "other"};

/**
 * hermes_gateway_problem_new:
 * @code: what kind of problem it is
 * @text: one line for a person
 * @fix: (nullable): a command that fixes it
 *
 * Returns: (transfer full): a new problem
 */
HermesGatewayProblem *
hermes_gateway_problem_new(HermesGatewayProblemCode code, const gchar *text, const gchar *fix)
{
	HermesGatewayProblem *self;
	g_return_val_if_fail(text != NULL, NULL);
	self = g_new0(HermesGatewayProblem, 1);
	self->code = code;
	/* error messages carry paths; D-Bus and JSON take only UTF-8 */
	self->text = g_utf8_make_valid(text, -1);
	self->fix = fix != NULL && fix[0] != '\0' ? g_utf8_make_valid(fix, -1) : NULL;
	return self;
}

/**
 * hermes_gateway_problem_copy:
 * @self: a #HermesGatewayProblem
 *
 * Returns: (transfer full): a copy of @self
 */
HermesGatewayProblem *
hermes_gateway_problem_copy(const HermesGatewayProblem *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return hermes_gateway_problem_new(self->code, self->text, self->fix);
}

/**
 * hermes_gateway_problem_free:
 * @self: (nullable): a #HermesGatewayProblem
 */
void
hermes_gateway_problem_free(HermesGatewayProblem *self)
{
	if (self == NULL)
		return;
	g_free(self->text);
	g_free(self->fix);
	g_free(self);
}

/**
 * hermes_gateway_problem_get_code:
 * @self: a #HermesGatewayProblem
 *
 * Returns: what kind of problem it is
 */
HermesGatewayProblemCode
hermes_gateway_problem_get_code(const HermesGatewayProblem *self)
{
	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_PROBLEM_OTHER);
	return self->code;
}

/**
 * hermes_gateway_problem_get_text:
 * @self: a #HermesGatewayProblem
 *
 * Returns: the problem as one line, e.g. `parked: 5 deaths within 60 s`
 */
const gchar *
hermes_gateway_problem_get_text(const HermesGatewayProblem *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->text;
}

/**
 * hermes_gateway_problem_get_fix:
 * @self: a #HermesGatewayProblem
 *
 * Returns: (nullable): a command that fixes it, e.g. `hermes -p demo gateway start`
 */
const gchar *
hermes_gateway_problem_get_fix(const HermesGatewayProblem *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->fix;
}

/**
 * hermes_gateway_problem_code_to_string:
 * @code: a #HermesGatewayProblemCode
 *
 * Returns: the code as JSON and D-Bus carry it, e.g. `no-slot`
 */
const gchar *
hermes_gateway_problem_code_to_string(HermesGatewayProblemCode code)
{
	if ((guint)code >= G_N_ELEMENTS(hermes_gateway_problem_codes))
		return "other";
	return hermes_gateway_problem_codes[code];
}

/**
 * hermes_gateway_problem_code_from_string:
 * @code: (nullable): a name from hermes_gateway_problem_code_to_string()
 *
 * Returns: the code, %HERMES_GATEWAY_PROBLEM_OTHER for one it does not know
 */
HermesGatewayProblemCode
hermes_gateway_problem_code_from_string(const gchar *code)
{
	for (guint i = 0; code != NULL && i < G_N_ELEMENTS(hermes_gateway_problem_codes); i++) {
		if (g_strcmp0(hermes_gateway_problem_codes[i], code) == 0)
			return i;
	}
	return HERMES_GATEWAY_PROBLEM_OTHER;
}
