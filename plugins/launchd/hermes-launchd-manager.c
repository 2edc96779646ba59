/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * launchd backend. This file holds the descriptor and the probe; plists, launchctl control and status arrive with the launchd issue.
 * Until then the interface reports "not supported" for the operations.
 */

#include "config.h"

#include "hermes-backend.h"

#define HERMES_TYPE_LAUNCHD_MANAGER (hermes_launchd_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesLaunchdManager, hermes_launchd_manager, HERMES, LAUNCHD_MANAGER, GObject)

struct _HermesLaunchdManager {
	GObject parent_instance;
};

static void
hermes_launchd_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesLaunchdManager,
			      hermes_launchd_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_launchd_manager_iface_init))

static const gchar *
hermes_launchd_manager_get_name(HermesServiceManager *manager)
{
	return "launchd";
}

static void
hermes_launchd_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->get_name = hermes_launchd_manager_get_name;
}

static void
hermes_launchd_manager_class_init(HermesLaunchdManagerClass *klass)
{
}

static void
hermes_launchd_manager_init(HermesLaunchdManager *self)
{
}

/* launchd is the service manager of every macOS host, and of nothing else */
static guint
hermes_launchd_probe(HermesContext *ctx, gchar **reason)
{
	const gchar *os = hermes_context_get_os(ctx);
	if (g_strcmp0(os, "darwin") != 0) {
		*reason = g_strdup_printf("not macOS (this host is %s)", os);
		return HERMES_BACKEND_SCORE_NONE;
	}
	*reason = g_strdup("macOS host: launchd is PID 1");
	return HERMES_BACKEND_SCORE_HOST;
}

HERMES_BACKEND_DEFINE("launchd",
		      PACKAGE_VERSION,
		      hermes_launchd_manager_get_type,
		      hermes_launchd_probe)
