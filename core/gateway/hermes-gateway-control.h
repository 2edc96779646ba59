/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "hermes-service-manager.h"

G_BEGIN_DECLS

/**
 * HermesGatewayAction:
 * @HERMES_GATEWAY_ACTION_START: start the gateway
 * @HERMES_GATEWAY_ACTION_STOP: stop it
 * @HERMES_GATEWAY_ACTION_RESTART: restart it (a stopped one is started)
 *
 * What a caller asks of hermes_gateway_control_run().
 */
typedef enum {
	HERMES_GATEWAY_ACTION_START,
	HERMES_GATEWAY_ACTION_STOP,
	HERMES_GATEWAY_ACTION_RESTART,
} HermesGatewayAction;

/**
 * HermesGatewayOutcome:
 * @HERMES_GATEWAY_OUTCOME_DONE: the supervisor took the command (and, with a
 *   timeout, the gateway reached the asked state)
 * @HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED: nothing was signalled: the name is
 *   invalid, the caller is inside a gateway, the multiplexer serves the
 *   profile, the slot could not be registered or the intent could not be
 *   recorded
 * @HERMES_GATEWAY_OUTCOME_REFUSED: the supervisor refused; the intent was put back
 * @HERMES_GATEWAY_OUTCOME_TIMED_OUT: the supervisor took the command, but the
 *   gateway did not reach the asked state within the timeout
 *
 * How a control action ended.
 */
typedef enum {
	HERMES_GATEWAY_OUTCOME_DONE,
	HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED,
	HERMES_GATEWAY_OUTCOME_REFUSED,
	HERMES_GATEWAY_OUTCOME_TIMED_OUT,
} HermesGatewayOutcome;

/**
 * HermesGatewayControlFlags:
 * @HERMES_GATEWAY_CONTROL_FLAG_NONE: no flags
 * @HERMES_GATEWAY_CONTROL_FLAG_AS_HOME_OWNER: write into the profile's home
 *   with the file-system identity of the home's owner (a root daemon acting
 *   for a user; Linux only, a no-op elsewhere and when not root)
 * @HERMES_GATEWAY_CONTROL_FLAG_FORCE: act on a named profile even when
 *   hermes-agent's multiplexer serves it (`--force`), which is otherwise
 *   refused with %HERMES_ERROR_CONFIGURATION
 * @HERMES_GATEWAY_CONTROL_FLAG_UNORDERED: act at once, without waiting for
 *   the home's lock (a cluster node fencing before its lease can end must
 *   not wait behind another node's commands on a shared home); the action
 *   is then not ordered against others on the home
 *
 * How a #HermesGatewayControl writes what it records, and what it allows.
 */
typedef enum /*< flags >*/ {
	HERMES_GATEWAY_CONTROL_FLAG_NONE = 0,
	HERMES_GATEWAY_CONTROL_FLAG_AS_HOME_OWNER = 1 << 0,
	HERMES_GATEWAY_CONTROL_FLAG_FORCE = 1 << 1,
	HERMES_GATEWAY_CONTROL_FLAG_UNORDERED = 1 << 2,
} HermesGatewayControlFlags;

#define HERMES_TYPE_GATEWAY_RESULT (hermes_gateway_result_get_type())
typedef struct _HermesGatewayResult HermesGatewayResult;

GType
hermes_gateway_result_get_type(void);
HermesGatewayResult *
hermes_gateway_result_ref(HermesGatewayResult *self);
void
hermes_gateway_result_unref(HermesGatewayResult *self);
HermesGatewayAction
hermes_gateway_result_get_action(const HermesGatewayResult *self);
const gchar *
hermes_gateway_result_get_profile(const HermesGatewayResult *self);
HermesGatewayOutcome
hermes_gateway_result_get_outcome(const HermesGatewayResult *self);
const gchar *
hermes_gateway_result_get_message(const HermesGatewayResult *self);
gboolean
hermes_gateway_result_get_registered(const HermesGatewayResult *self);
const gchar *const *
hermes_gateway_result_get_notes(const HermesGatewayResult *self);
gboolean
hermes_gateway_result_propagate_error(const HermesGatewayResult *self, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesGatewayResult, hermes_gateway_result_unref)

#define HERMES_TYPE_GATEWAY_CONTROL (hermes_gateway_control_get_type())
G_DECLARE_FINAL_TYPE(HermesGatewayControl, hermes_gateway_control, HERMES, GATEWAY_CONTROL, GObject)

HermesGatewayControl *
hermes_gateway_control_new(HermesServiceManager *manager);
HermesServiceManager *
hermes_gateway_control_get_manager(HermesGatewayControl *self);
void
hermes_gateway_control_set_flags(HermesGatewayControl *self, HermesGatewayControlFlags flags);
HermesGatewayResult *
hermes_gateway_control_run(HermesGatewayControl *self,
			   HermesGatewayAction action,
			   const gchar *profile,
			   guint timeout_ms,
			   GCancellable *cancellable);

typedef void (*HermesGatewayResultFunc)(HermesGatewayResult *result,
					guint done,
					guint total,
					gpointer user_data);
GPtrArray *
hermes_gateway_control_run_many(HermesGatewayControl *self,
				HermesGatewayAction action,
				const gchar *const *profiles,
				guint timeout_ms,
				GCancellable *cancellable,
				HermesGatewayResultFunc func,
				gpointer user_data);
gchar *
hermes_gateway_control_normalize_name(const gchar *name, GError **error);
const gchar *
hermes_gateway_action_to_string(HermesGatewayAction action);
const gchar *
hermes_gateway_outcome_to_string(HermesGatewayOutcome outcome);

G_END_DECLS
