/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* the fd s6-supervise hands the gateway for readiness (notification-fd) */
#define HERMES_S6_NOTIFY_FD 3

typedef struct {
	const gchar *bin_dir;	/* absolute directory of the s6 programs */
	gboolean overlay;	/* s6-overlay: with-contenv, logs also to the container's stdout */
	const gchar *user_home; /* the run-as user's home from passwd, or NULL */
	const gchar *hermes_home; /* the root that registered the slot, or NULL */
	const gchar *user;	  /* the run-as user when the spec names none, or NULL */
} HermesS6RenderOptions;

gchar *
hermes_s6_slot_name(const gchar *profile);
gchar *
hermes_s6_render_run(const HermesS6RenderOptions *opts, HermesGatewaySpec *spec, GError **error);
gchar *
hermes_s6_render_finish(const HermesS6RenderOptions *opts, HermesGatewaySpec *spec);
gchar *
hermes_s6_render_log_run(const HermesS6RenderOptions *opts,
			 HermesGatewaySpec *spec,
			 GError **error);
gboolean
hermes_s6_render_check_spec(HermesGatewaySpec *spec, GError **error);

G_END_DECLS
