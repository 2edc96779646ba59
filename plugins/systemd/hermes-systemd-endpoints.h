/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"
#include "hermes-systemd-render.h"

G_BEGIN_DECLS

/* where the manager of one scope can be reached, and what had to be derived */
typedef struct {
	HermesSystemdScope scope;
	guint32 uid;
	gchar *user;	     /* the account name of @uid */
	gchar *runtime_dir;  /* user scope: the user's runtime directory, or NULL */
	gchar *bus_address;  /* a D-Bus address to try, or NULL */
	gchar *private_path; /* the manager's private socket, or NULL */
	GPtrArray *notes;    /* what was derived or ignored, and why */
} HermesSystemdEndpoints;

gboolean
hermes_systemd_scope_from_env(HermesContext *ctx, HermesSystemdScope *scope, GError **error);
HermesSystemdEndpoints *
hermes_systemd_endpoints_new(HermesContext *ctx, HermesSystemdScope scope, guint32 uid);
void
hermes_systemd_endpoints_free(HermesSystemdEndpoints *self);
gchar *
hermes_systemd_join(GPtrArray *lines);
gchar *
hermes_systemd_endpoints_describe(const HermesSystemdEndpoints *self);

gchar *
hermes_systemd_unix_address(const gchar *path);
gchar *
hermes_systemd_env_address(HermesContext *ctx,
			   const gchar *name,
			   gint64 owner,
			   gboolean trust_other,
			   GPtrArray *notes);
gboolean
hermes_systemd_is_socket(const gchar *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesSystemdEndpoints, hermes_systemd_endpoints_free)

G_END_DECLS
