/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* the unit of the default profile; others are hermes-gateway-<profile>.service */
#define HERMES_SYSTEMD_UNIT_PREFIX "hermes-gateway"
#define HERMES_SYSTEMD_UNIT_SUFFIX ".service"

typedef enum {
	HERMES_SYSTEMD_SCOPE_USER,
	HERMES_SYSTEMD_SCOPE_SYSTEM,
} HermesSystemdScope;

typedef struct {
	HermesSystemdScope scope;
	const gchar *hermes_home; /* HERMES_HOME for the unit unless the spec sets it, or NULL */
	const gchar *group;	  /* system scope: the run-as user's primary group, or NULL */
} HermesSystemdRenderOptions;

const gchar *
hermes_systemd_scope_to_string(HermesSystemdScope scope);
gchar *
hermes_systemd_unit_name(const gchar *profile);
gchar *
hermes_systemd_profile_from_unit(const gchar *unit);
gchar *
hermes_systemd_escape_env_value(const gchar *text);
gchar *
hermes_systemd_quote_word(const gchar *word);
gchar *
hermes_systemd_escape_specifiers(const gchar *text);
gchar *
hermes_systemd_format_msec(guint64 msec);
gboolean
hermes_systemd_render_check_spec(const HermesSystemdRenderOptions *opts,
				 HermesGatewaySpec *spec,
				 GError **error);
gchar *
hermes_systemd_render_unit(const HermesSystemdRenderOptions *opts,
			   HermesGatewaySpec *spec,
			   GError **error);

G_END_DECLS
