/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* the label of the default profile; every other profile is `<base>-<profile>` */
#define HERMES_LAUNCHD_LABEL_BASE "ai.hermes.gateway"
/* StandardOutPath and StandardErrorPath, in the log directory */
#define HERMES_LAUNCHD_STDOUT_LOG "gateway.log"
#define HERMES_LAUNCHD_STDERR_LOG "gateway.error.log"

typedef struct {
	const gchar *home;	/* the profile's HERMES_HOME, absolute */
	const gchar *user_name; /* `UserName` (LaunchDaemons only), or NULL */
} HermesLaunchdRenderOptions;

gchar *
hermes_launchd_label(const gchar *profile);
gchar *
hermes_launchd_plist_name(const gchar *profile);
gchar *
hermes_launchd_profile_from_plist_name(const gchar *basename);
GStrv
hermes_launchd_render_argv(HermesGatewaySpec *spec);
gchar *
hermes_launchd_render_log_dir(const HermesLaunchdRenderOptions *opts, HermesGatewaySpec *spec);
gchar *
hermes_launchd_render_plist(const HermesLaunchdRenderOptions *opts,
			    HermesGatewaySpec *spec,
			    GError **error);

G_END_DECLS
