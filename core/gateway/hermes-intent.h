/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HermesIntent:
 * @HERMES_INTENT_NONE: nothing recorded: the gateway is not meant to run
 * @HERMES_INTENT_RUN: the gateway is meant to run (and is started at boot)
 * @HERMES_INTENT_STAY_DOWN: a recorded state that does not start the gateway
 *   (`stopped`, `starting`, `startup_failed`, …)
 *
 * Whether a gateway is meant to run, by the one rule of
 * hermes_intent_from_state().
 */
typedef enum {
	HERMES_INTENT_NONE,
	HERMES_INTENT_RUN,
	HERMES_INTENT_STAY_DOWN,
} HermesIntent;

/**
 * HermesIntentSource:
 * @HERMES_INTENT_SOURCE_NONE: nothing was recorded
 * @HERMES_INTENT_SOURCE_DESIRED: the operator's `desired_state`
 * @HERMES_INTENT_SOURCE_RUNTIME: the gateway's own `gateway_state`
 *
 * Which member of `gateway_state.json` the intent was read from.
 */
typedef enum {
	HERMES_INTENT_SOURCE_NONE,
	HERMES_INTENT_SOURCE_DESIRED,
	HERMES_INTENT_SOURCE_RUNTIME,
} HermesIntentSource;

HermesIntent
hermes_intent_from_state(JsonObject *state, const gchar **prior, HermesIntentSource *source);
gchar *
hermes_intent_read_prior(const gchar *home, GError **error);
const gchar *
hermes_intent_to_string(HermesIntent intent);

G_END_DECLS
