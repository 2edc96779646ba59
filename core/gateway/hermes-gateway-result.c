/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * How one start, stop or restart ended: what HermesGatewayControl hands
 * every front door, so the CLI, hermes-svcd and the others say the same
 * thing about the same outcome.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-gateway-result-private.h"

G_DEFINE_BOXED_TYPE(HermesGatewayResult,
		    hermes_gateway_result,
		    hermes_gateway_result_ref,
		    hermes_gateway_result_unref)

HermesGatewayResult *
hermes_gateway_result_new(HermesGatewayAction action, const gchar *profile)
{
	HermesGatewayResult *self = g_new0(HermesGatewayResult, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->action = action;
	self->profile = g_strdup(profile);
	self->outcome = HERMES_GATEWAY_OUTCOME_DONE;
	self->notes = g_ptr_array_new_null_terminated(0, g_free, TRUE);
	return self;
}

/* takes @error; its message becomes the result's */
void
hermes_gateway_result_fail(HermesGatewayResult *self, HermesGatewayOutcome outcome, GError *error)
{
	hermes_error_convert(&error);
	self->outcome = outcome;
	g_clear_error(&self->error);
	self->error = error;
	g_free(self->message);
	self->message = g_strdup(error->message);
}

/**
 * hermes_gateway_result_ref:
 * @self: a #HermesGatewayResult
 * Returns: (transfer full): @self
 */
HermesGatewayResult *
hermes_gateway_result_ref(HermesGatewayResult *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_gateway_result_unref:
 * @self: (transfer full): a #HermesGatewayResult
 */
void
hermes_gateway_result_unref(HermesGatewayResult *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->profile);
	g_free(self->message);
	g_clear_error(&self->error);
	g_ptr_array_unref(self->notes);
	g_free(self);
}

/**
 * hermes_gateway_result_get_action:
 * @self: a #HermesGatewayResult
 * Returns: what was asked
 */
HermesGatewayAction
hermes_gateway_result_get_action(const HermesGatewayResult *self)
{
	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_ACTION_START);
	return self->action;
}

/**
 * hermes_gateway_result_get_profile:
 * @self: a #HermesGatewayResult
 * Returns: the profile, normalised (as given when it was invalid)
 */
const gchar *
hermes_gateway_result_get_profile(const HermesGatewayResult *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->profile;
}

/**
 * hermes_gateway_result_get_outcome:
 * @self: a #HermesGatewayResult
 * Returns: how it ended
 */
HermesGatewayOutcome
hermes_gateway_result_get_outcome(const HermesGatewayResult *self)
{
	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED);
	return self->outcome;
}

/**
 * hermes_gateway_result_get_message:
 * @self: a #HermesGatewayResult
 * Returns: one line for a person: `Started gateway 'demo' (backend s6)`, or
 *   what went wrong, naming the action, the profile, the backend and the code
 */
const gchar *
hermes_gateway_result_get_message(const HermesGatewayResult *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->message;
}

/**
 * hermes_gateway_result_get_registered:
 * @self: a #HermesGatewayResult
 * Returns: whether a missing slot was registered on the way
 */
gboolean
hermes_gateway_result_get_registered(const HermesGatewayResult *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->registered;
}

/**
 * hermes_gateway_result_get_notes:
 * @self: a #HermesGatewayResult
 *
 * Things a person may want to know besides the outcome: a slot that was
 * registered, an intent that could not be put back.
 *
 * Returns: (transfer none) (array zero-terminated=1): the notes, in order
 */
const gchar *const *
hermes_gateway_result_get_notes(const HermesGatewayResult *self)
{
	static const gchar *const none[] = {NULL};
	g_return_val_if_fail(self != NULL, NULL);
	/* an empty array has no storage yet */
	if (self->notes->pdata == NULL)
		return none;
	return (const gchar *const *)self->notes->pdata;
}

/**
 * hermes_gateway_result_propagate_error:
 * @self: a #HermesGatewayResult
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the outcome is %HERMES_GATEWAY_OUTCOME_DONE, else
 *   %FALSE with a copy of the #HERMES_ERROR it ended with
 */
gboolean
hermes_gateway_result_propagate_error(const HermesGatewayResult *self, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (self->error == NULL)
		return TRUE;
	g_propagate_error(error, g_error_copy(self->error));
	return FALSE;
}
