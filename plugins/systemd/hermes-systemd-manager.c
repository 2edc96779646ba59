/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * systemd backend. This file holds the descriptor and the probe; unit files, D-Bus control and status arrive with the systemd issue.
 * Until then the interface reports "not supported" for the operations.
 */

#include "config.h"

#include "hermes-backend.h"

#define HERMES_TYPE_SYSTEMD_MANAGER (hermes_systemd_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesSystemdManager, hermes_systemd_manager, HERMES, SYSTEMD_MANAGER, GObject)

struct _HermesSystemdManager {
	GObject parent_instance;
};

static void
hermes_systemd_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesSystemdManager,
			      hermes_systemd_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_systemd_manager_iface_init))

static const gchar *
hermes_systemd_manager_get_name(HermesServiceManager *manager)
{
	return "systemd";
}

static void
hermes_systemd_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->get_name = hermes_systemd_manager_get_name;
}

static void
hermes_systemd_manager_class_init(HermesSystemdManagerClass *klass)
{
}

static void
hermes_systemd_manager_init(HermesSystemdManager *self)
{
}

/* the same test as sd_booted(): systemd is PID 1 when this directory exists */
static guint
hermes_systemd_probe(HermesContext *ctx, gchar **reason)
{
	g_autofree gchar *dir = hermes_context_build_path(ctx, "/run/systemd/system");
	if (g_strcmp0(hermes_context_get_os(ctx), "linux") != 0) {
		*reason =
			g_strdup_printf("not Linux (this host is %s)", hermes_context_get_os(ctx));
		return HERMES_BACKEND_SCORE_NONE;
	}
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		*reason = g_strdup_printf("%s does not exist: systemd is not PID 1", dir);
		return HERMES_BACKEND_SCORE_NONE;
	}
	*reason = g_strdup_printf("%s exists: systemd is PID 1", dir);
	return HERMES_BACKEND_SCORE_HOST;
}

HERMES_BACKEND_DEFINE("systemd",
		      PACKAGE_VERSION,
		      hermes_systemd_manager_get_type,
		      hermes_systemd_probe)
