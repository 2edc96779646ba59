/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hermes-context.h"
#include "hermes-profile.h"

G_BEGIN_DECLS

/* per-profile runtime files shared with hermes-agent (upstream §2.12) */
#define HERMES_GATEWAY_PID_FILE		"gateway.pid"
#define HERMES_GATEWAY_LOCK_FILE	"gateway.lock"
#define HERMES_GATEWAY_TAKEOVER_FILE	".gateway-takeover.json"
#define HERMES_GATEWAY_CONF_FILE	"hermes-svc.conf"
#define HERMES_GATEWAY_KIND		"hermes-gateway"
#define HERMES_GATEWAY_TAKEOVER_TTL_SEC 60

/**
 * HermesRunRedirect:
 * @HERMES_RUN_REDIRECT_START_SUPERVISED: hand the gateway to the container's
 *   s6 supervisor and keep the container's main process alive
 * @HERMES_RUN_FOREGROUND_NOT_CONTAINER: run in the foreground: the backend
 *   is not s6 in container mode
 * @HERMES_RUN_FOREGROUND_SUPERVISED_CHILD: run in the foreground: this is
 *   the supervised gateway itself (`HERMES_S6_SUPERVISED_CHILD` is set)
 * @HERMES_RUN_FOREGROUND_OPTED_OUT: run in the foreground: `--no-supervise`
 *   or `HERMES_GATEWAY_NO_SUPERVISE` set to `1`, `true` or `yes`
 *
 * What `hermes gateway run` does first.
 */
typedef enum {
	HERMES_RUN_REDIRECT_START_SUPERVISED,
	HERMES_RUN_FOREGROUND_NOT_CONTAINER,
	HERMES_RUN_FOREGROUND_SUPERVISED_CHILD,
	HERMES_RUN_FOREGROUND_OPTED_OUT,
} HermesRunRedirect;

gboolean
hermes_gateway_no_supervise(const gchar *value, gchar **warning);
HermesRunRedirect
hermes_run_redirect_decide(const gchar *mode,
			   const gchar *s6_child,
			   const gchar *no_supervise_env,
			   gboolean no_supervise,
			   gchar **warning);
const gchar *
hermes_run_redirect_to_string(HermesRunRedirect decision);

JsonObject *
hermes_gateway_pid_load(const gchar *home, GError **error);
gboolean
hermes_gateway_pid_is_live(JsonObject *record, const gchar *home);

#define HERMES_TYPE_RUNNER (hermes_runner_get_type())
G_DECLARE_FINAL_TYPE(HermesRunner, hermes_runner, HERMES, RUNNER, GObject)

HermesRunner *
hermes_runner_new(HermesContext *ctx, HermesProfile *profile);
void
hermes_runner_set_replace(HermesRunner *self, gboolean replace);
void
hermes_runner_set_argv(HermesRunner *self, const gchar *const *argv);
gint
hermes_runner_run(HermesRunner *self, GError **error);
const gchar *
hermes_runner_get_exit_reason(HermesRunner *self);
const gchar *
hermes_runner_get_final_state(HermesRunner *self);
guint
hermes_runner_get_port(HermesRunner *self);

G_END_DECLS
