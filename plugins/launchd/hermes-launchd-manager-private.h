/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* shared by the files of the launchd backend's module; never installed */

#include "hermes-launchd-control.h"
#include "hermes-launchd-render.h"

G_BEGIN_DECLS

#define HERMES_TYPE_LAUNCHD_MANAGER (hermes_launchd_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesLaunchdManager, hermes_launchd_manager, HERMES, LAUNCHD_MANAGER, GObject)

struct _HermesLaunchdManager {
	GObject parent_instance;
	HermesContext *ctx;
	HermesLaunchdSpawner *spawner;
	gboolean system_scope;
	gchar *agents_dir;
	gchar *root;	  /* the profile root */
	gchar *user_name; /* the calling user, from passwd */
	gchar *domain;	  /* resolved on first use */
	guint32 uid;
};

/* hermes-launchd-places.c */
gchar *
hermes_launchd_manager_domain(HermesLaunchdManager *self, gboolean for_render, GError **error);
gchar *
hermes_launchd_manager_plist_path(HermesLaunchdManager *self, const gchar *profile);
gchar *
hermes_launchd_manager_home(HermesLaunchdManager *self, const gchar *profile);
GVariant *
hermes_launchd_manager_read_plist(const gchar *path, GError **error);
gboolean
hermes_launchd_manager_plist_is_ours(HermesLaunchdManager *self,
				     const gchar *profile,
				     GVariant *plist,
				     gchar **pinned);
HermesLaunchdJob *
hermes_launchd_manager_job(HermesLaunchdManager *self,
			   const gchar *profile,
			   GVariant *plist,
			   gboolean for_render,
			   GError **error);
HermesLaunchdJob *
hermes_launchd_manager_registered_job(HermesLaunchdManager *self,
				      const gchar *profile,
				      GError **error);

/* hermes-launchd-register.c */
GPtrArray *
hermes_launchd_manager_plan(HermesLaunchdManager *self,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GError **error);
gboolean
hermes_launchd_manager_register_gateway(HermesServiceManager *manager,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error);
gboolean
hermes_launchd_manager_unregister_gateway(HermesServiceManager *manager,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error);

/* hermes-launchd-logs.c */
HermesLogSource *
hermes_launchd_manager_get_log_source(HermesServiceManager *manager,
				      const gchar *profile,
				      GError **error);

G_END_DECLS
