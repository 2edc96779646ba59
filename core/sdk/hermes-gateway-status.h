/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HermesGatewayState:
 * @HERMES_GATEWAY_STATE_UNKNOWN: the backend cannot tell
 * @HERMES_GATEWAY_STATE_UP: the gateway process runs
 * @HERMES_GATEWAY_STATE_DOWN: no process, and none is wanted or one is pending restart
 * @HERMES_GATEWAY_STATE_STARTING: the process runs but is not ready yet
 * @HERMES_GATEWAY_STATE_STOPPING: a stop is in progress
 * @HERMES_GATEWAY_STATE_FAILED: the last run failed and the supervisor gave up
 * @HERMES_GATEWAY_STATE_PARKED: the circuit breaker or a fatal exit parked the slot
 *
 * One state model for every backend.
 */
typedef enum {
	HERMES_GATEWAY_STATE_UNKNOWN,
	HERMES_GATEWAY_STATE_UP,
	HERMES_GATEWAY_STATE_DOWN,
	HERMES_GATEWAY_STATE_STARTING,
	HERMES_GATEWAY_STATE_STOPPING,
	HERMES_GATEWAY_STATE_FAILED,
	HERMES_GATEWAY_STATE_PARKED,
} HermesGatewayState;

/**
 * HermesGatewayWanted:
 * @HERMES_GATEWAY_WANTED_UNKNOWN: the backend cannot tell
 * @HERMES_GATEWAY_WANTED_UP: the supervisor wants the gateway running
 * @HERMES_GATEWAY_WANTED_DOWN: the supervisor wants it stopped
 */
typedef enum {
	HERMES_GATEWAY_WANTED_UNKNOWN,
	HERMES_GATEWAY_WANTED_UP,
	HERMES_GATEWAY_WANTED_DOWN,
} HermesGatewayWanted;

/**
 * HermesTristate:
 * @HERMES_TRISTATE_UNKNOWN: not known
 * @HERMES_TRISTATE_NO: false
 * @HERMES_TRISTATE_YES: true
 */
typedef enum {
	HERMES_TRISTATE_UNKNOWN,
	HERMES_TRISTATE_NO,
	HERMES_TRISTATE_YES,
} HermesTristate;

/**
 * HermesGatewayReason:
 * @HERMES_GATEWAY_REASON_NONE: nothing to explain (or nothing known)
 * @HERMES_GATEWAY_REASON_UNKNOWN: down, failed or parked, and the backend cannot tell why
 * @HERMES_GATEWAY_REASON_STOPPED: stopped on purpose (an operator or the supervisor)
 * @HERMES_GATEWAY_REASON_EXITED: the process exited with a code
 * @HERMES_GATEWAY_REASON_KILLED: the process was killed by a signal
 * @HERMES_GATEWAY_REASON_FATAL_CONFIG: the process exited 78 (fatal configuration error)
 * @HERMES_GATEWAY_REASON_CRASH_LOOP: the circuit breaker tripped (too many deaths)
 * @HERMES_GATEWAY_REASON_MULTIPLEXED: not a backend's: a named profile whose gateway
 *   is down because hermes-agent's multiplexer, the default profile's gateway,
 *   serves it (set by #HermesGatewayReport)
 *
 * Why a gateway is down, parked or failed, the same for every backend.
 */
typedef enum {
	HERMES_GATEWAY_REASON_NONE,
	HERMES_GATEWAY_REASON_UNKNOWN,
	HERMES_GATEWAY_REASON_STOPPED,
	HERMES_GATEWAY_REASON_EXITED,
	HERMES_GATEWAY_REASON_KILLED,
	HERMES_GATEWAY_REASON_FATAL_CONFIG,
	HERMES_GATEWAY_REASON_CRASH_LOOP,
	HERMES_GATEWAY_REASON_MULTIPLEXED,
} HermesGatewayReason;

#define HERMES_TYPE_GATEWAY_STATUS (hermes_gateway_status_get_type())
typedef struct _HermesGatewayStatus HermesGatewayStatus;

GType
hermes_gateway_status_get_type(void);
HermesGatewayStatus *
hermes_gateway_status_new(const gchar *profile);
HermesGatewayStatus *
hermes_gateway_status_ref(HermesGatewayStatus *self);
void
hermes_gateway_status_unref(HermesGatewayStatus *self);

const gchar *
hermes_gateway_status_get_profile(const HermesGatewayStatus *self);
HermesGatewayState
hermes_gateway_status_get_state(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_state(HermesGatewayStatus *self, HermesGatewayState state);
HermesGatewayWanted
hermes_gateway_status_get_wanted(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_wanted(HermesGatewayStatus *self, HermesGatewayWanted wanted);
gint64
hermes_gateway_status_get_pid(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_pid(HermesGatewayStatus *self, gint64 pid);
gint64
hermes_gateway_status_get_since(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_since(HermesGatewayStatus *self, gint64 since_us);
HermesTristate
hermes_gateway_status_get_ready(const HermesGatewayStatus *self);
gint64
hermes_gateway_status_get_ready_since(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_ready(HermesGatewayStatus *self, HermesTristate ready, gint64 since_us);
gint
hermes_gateway_status_get_last_exit_code(const HermesGatewayStatus *self);
gint
hermes_gateway_status_get_last_signal(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_last_exit(HermesGatewayStatus *self, gint exit_code, gint signal_num);
gint
hermes_gateway_status_get_restarts(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_restarts(HermesGatewayStatus *self, gint restarts);
const gchar *
hermes_gateway_status_get_raw(const HermesGatewayStatus *self, const gchar *key);
void
hermes_gateway_status_set_raw(HermesGatewayStatus *self, const gchar *key, const gchar *value);
GStrv
hermes_gateway_status_get_raw_keys(const HermesGatewayStatus *self);
void
hermes_gateway_status_set_reason(HermesGatewayStatus *self,
				 HermesGatewayReason reason,
				 const gchar *text);
HermesGatewayReason
hermes_gateway_status_get_reason(const HermesGatewayStatus *self, gchar **text);
JsonNode *
hermes_gateway_status_to_json(const HermesGatewayStatus *self);

const gchar *
hermes_gateway_state_to_string(HermesGatewayState state);
const gchar *
hermes_gateway_wanted_to_string(HermesGatewayWanted wanted);
const gchar *
hermes_gateway_reason_to_string(HermesGatewayReason reason);
HermesGatewayReason
hermes_gateway_reason_from_string(const gchar *name);
HermesGatewayState
hermes_gateway_state_from_string(const gchar *name);
HermesGatewayWanted
hermes_gateway_wanted_from_string(const gchar *name);
HermesTristate
hermes_tristate_from_string(const gchar *name);
const gchar *
hermes_tristate_to_string(HermesTristate value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesGatewayStatus, hermes_gateway_status_unref)

G_END_DECLS
