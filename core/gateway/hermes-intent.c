/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * "Is this gateway meant to run": one rule for boot reconcile, `status`,
 * `gateway health` and hermes-svcd. The operator's `desired_state` wins;
 * without it the gateway's own `gateway_state` counts, with `draining` and
 * `degraded` read as `running` (they were running when interrupted), as
 * upstream's container boot does. `starting` and `startup_failed` stay as
 * they are, so they never start into a crash loop.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-gateway-state.h"
#include "hermes-intent.h"
#include "hermes-state.h"

/**
 * hermes_intent_from_state:
 * @state: (nullable): the object of a `gateway_state.json`, or %NULL for none
 * @prior: (out) (optional) (transfer none) (nullable): the prior state the
 *   rule settled on (`running`, `stopped`, …), %NULL when nothing was recorded
 * @source: (out) (optional): which member it came from
 *
 * The intent rule.
 *
 * Returns: whether the gateway is meant to run
 */
HermesIntent
hermes_intent_from_state(JsonObject *state, const gchar **prior, HermesIntentSource *source)
{
	const gchar *desired =
		state != NULL ? hermes_json_get_string(state, "desired_state") : NULL;
	const gchar *runtime =
		state != NULL ? hermes_json_get_string(state, "gateway_state") : NULL;
	const gchar *value = NULL;
	HermesIntentSource from = HERMES_INTENT_SOURCE_NONE;

	if (desired != NULL) {
		value = desired;
		from = HERMES_INTENT_SOURCE_DESIRED;
	} else if (runtime != NULL) {
		from = HERMES_INTENT_SOURCE_RUNTIME;
		value = g_strcmp0(runtime, "draining") == 0 || g_strcmp0(runtime, "degraded") == 0
				? "running"
				: runtime;
	}
	if (prior != NULL)
		*prior = value;
	if (source != NULL)
		*source = from;
	if (value == NULL)
		return HERMES_INTENT_NONE;
	return g_strcmp0(value, "running") == 0 ? HERMES_INTENT_RUN : HERMES_INTENT_STAY_DOWN;
}

/**
 * hermes_intent_read_prior:
 * @home: a profile's `HERMES_HOME`
 * @error: return location for a #GError
 *
 * What the gateway should be after a restart of the machine or container,
 * by hermes_intent_from_state(); only `running` starts it.
 *
 * Returns: (transfer full) (nullable): the prior state, %NULL (no error) when
 * there is none; %NULL with %HERMES_ERROR_INVALID_DATA when the file is corrupt
 */
gchar *
hermes_intent_read_prior(const gchar *home, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) state = NULL;
	const gchar *prior = NULL;

	g_return_val_if_fail(home != NULL, NULL);
	state = hermes_gateway_state_load(home, &error_local);
	if (state == NULL) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return NULL;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	hermes_intent_from_state(state, &prior, NULL);
	return g_strdup(prior);
}

/**
 * hermes_intent_to_string:
 * @intent: a #HermesIntent
 *
 * Returns: `none`, `run` or `stay-down`
 */
const gchar *
hermes_intent_to_string(HermesIntent intent)
{
	switch (intent) {
	case HERMES_INTENT_RUN:
		return "run";
	case HERMES_INTENT_STAY_DOWN:
		return "stay-down";
	case HERMES_INTENT_NONE:
	default:
		return "none";
	}
}
