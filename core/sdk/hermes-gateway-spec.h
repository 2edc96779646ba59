/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

#include "hermes-context.h"

G_BEGIN_DECLS

/* the exit-code contract every backend renders (upstream-compatible) */
#define HERMES_EXIT_RESTART_NOW	 75
#define HERMES_EXIT_FATAL_CONFIG 78

#define HERMES_TYPE_GATEWAY_SPEC (hermes_gateway_spec_get_type())
typedef struct _HermesGatewaySpec HermesGatewaySpec;

GType
hermes_gateway_spec_get_type(void);
HermesGatewaySpec *
hermes_gateway_spec_new(const gchar *profile, GError **error);
HermesGatewaySpec *
hermes_gateway_spec_new_default(HermesContext *ctx, const gchar *profile, GError **error);
HermesGatewaySpec *
hermes_gateway_spec_ref(HermesGatewaySpec *self);
void
hermes_gateway_spec_unref(HermesGatewaySpec *self);

const gchar *
hermes_gateway_spec_get_profile(const HermesGatewaySpec *self);
const gchar *const *
hermes_gateway_spec_get_argv(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_argv(HermesGatewaySpec *self, const gchar *const *argv);
gboolean
hermes_gateway_spec_set_env(HermesGatewaySpec *self,
			    const gchar *name,
			    const gchar *value,
			    GError **error);
const gchar *
hermes_gateway_spec_get_env(const HermesGatewaySpec *self, const gchar *name);
GStrv
hermes_gateway_spec_get_env_names(const HermesGatewaySpec *self);
const gchar *
hermes_gateway_spec_get_working_directory(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_working_directory(HermesGatewaySpec *self, const gchar *path);
const gchar *
hermes_gateway_spec_get_user(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_user(HermesGatewaySpec *self, const gchar *user);
const gchar *
hermes_gateway_spec_get_log_directory(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_log_directory(HermesGatewaySpec *self, const gchar *path);
gboolean
hermes_gateway_spec_is_no_restart_exit_code(const HermesGatewaySpec *self, gint code);
const gint *
hermes_gateway_spec_get_no_restart_exit_codes(const HermesGatewaySpec *self, gsize *n_codes);
void
hermes_gateway_spec_set_no_restart_exit_codes(HermesGatewaySpec *self,
					      const gint *codes,
					      gsize n_codes);
gint
hermes_gateway_spec_get_restart_now_exit_code(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_restart_now_exit_code(HermesGatewaySpec *self, gint code);
guint
hermes_gateway_spec_get_restart_delay_ms(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_restart_delay_ms(HermesGatewaySpec *self, guint delay_ms);
guint
hermes_gateway_spec_get_stop_timeout_ms(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_stop_timeout_ms(HermesGatewaySpec *self, guint timeout_ms);
void
hermes_gateway_spec_get_breaker(const HermesGatewaySpec *self, guint *max_deaths, guint *window_s);
gboolean
hermes_gateway_spec_set_breaker(HermesGatewaySpec *self,
				guint max_deaths,
				guint window_s,
				GError **error);

gboolean
hermes_gateway_spec_get_notify(const HermesGatewaySpec *self);
void
hermes_gateway_spec_set_notify(HermesGatewaySpec *self, gboolean notify);

gboolean
hermes_env_name_is_valid(const gchar *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesGatewaySpec, hermes_gateway_spec_unref)

G_END_DECLS
