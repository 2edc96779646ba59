/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * windows backend. This file holds the descriptor and the probe; service registration and control arrive with the Windows issue.
 * Until then the interface reports "not supported" for the operations.
 */

#include "config.h"

#include "hermes-backend.h"

#define HERMES_TYPE_WINDOWS_MANAGER (hermes_windows_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesWindowsManager, hermes_windows_manager, HERMES, WINDOWS_MANAGER, GObject)

struct _HermesWindowsManager {
	GObject parent_instance;
};

static void
hermes_windows_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesWindowsManager,
			      hermes_windows_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_windows_manager_iface_init))

static const gchar *
hermes_windows_manager_get_name(HermesServiceManager *manager)
{
	return "windows";
}

static void
hermes_windows_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->get_name = hermes_windows_manager_get_name;
}

static void
hermes_windows_manager_class_init(HermesWindowsManagerClass *klass)
{
}

static void
hermes_windows_manager_init(HermesWindowsManager *self)
{
}

/* the Service Control Manager exists on every Windows host */
static guint
hermes_windows_probe(HermesContext *ctx, gchar **reason)
{
	const gchar *os = hermes_context_get_os(ctx);
	if (g_strcmp0(os, "windows") != 0) {
		*reason = g_strdup_printf("not Windows (this host is %s)", os);
		return HERMES_BACKEND_SCORE_NONE;
	}
	*reason = g_strdup("Windows host: the Service Control Manager is available");
	return HERMES_BACKEND_SCORE_HOST;
}

HERMES_BACKEND_DEFINE("windows",
		      PACKAGE_VERSION,
		      hermes_windows_manager_get_type,
		      hermes_windows_probe)
