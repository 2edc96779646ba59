/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * s6 backend. This file holds the descriptor and the probe; slot
 * registration, control and status arrive with the s6 issue, and until
 * then the interface reports "not supported" for them.
 */

#include "config.h"

#include "hermes-backend.h"

#define HERMES_TYPE_S6_MANAGER (hermes_s6_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesS6Manager, hermes_s6_manager, HERMES, S6_MANAGER, GObject)

struct _HermesS6Manager {
	GObject parent_instance;
};

static void
hermes_s6_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesS6Manager,
			      hermes_s6_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_s6_manager_iface_init))

static const gchar *
hermes_s6_manager_get_name(HermesServiceManager *manager)
{
	return "s6";
}

static void
hermes_s6_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->get_name = hermes_s6_manager_get_name;
}

static void
hermes_s6_manager_class_init(HermesS6ManagerClass *klass)
{
}

static void
hermes_s6_manager_init(HermesS6Manager *self)
{
}

/* /proc/1/comm, never /proc/1/exe: the latter is unreadable to non-root
 * users and silently resolved to nothing upstream */
static gboolean
hermes_s6_probe_overlay(HermesContext *ctx)
{
	g_autofree gchar *comm_path = hermes_context_build_path(ctx, "/proc/1/comm");
	g_autofree gchar *basedir = hermes_context_build_path(ctx, "/run/s6/basedir");
	g_autofree gchar *comm = NULL;
	if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
		return FALSE;
	g_strstrip(comm);
	return g_strcmp0(comm, "s6-svscan") == 0 && g_file_test(basedir, G_FILE_TEST_IS_DIR);
}

/* where s6-svscan lives: $HERMES_S6_BIN_DIR, /command (s6-overlay), then $PATH */
static gchar *
hermes_s6_probe_find_svscan(HermesContext *ctx)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) dirs = NULL;
	const gchar *bin_dir = hermes_context_getenv(ctx, "HERMES_S6_BIN_DIR");
	const gchar *path = hermes_context_getenv(ctx, "PATH");

	if (bin_dir != NULL && bin_dir[0] != '\0')
		g_strv_builder_add(builder, bin_dir);
	g_strv_builder_add(builder, "/command");
	if (path != NULL) {
		g_auto(GStrv) parts = g_strsplit(path, ":", -1);
		g_strv_builder_addv(builder, (const gchar **)parts);
	}
	dirs = g_strv_builder_end(builder);
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autofree gchar *rel = NULL;
		g_autofree gchar *full = NULL;
		if (dirs[i][0] != '/')
			continue;
		rel = g_build_filename(dirs[i], "s6-svscan", NULL);
		full = hermes_context_build_path(ctx, rel);
		if (g_file_test(full, G_FILE_TEST_IS_EXECUTABLE) &&
		    !g_file_test(full, G_FILE_TEST_IS_DIR))
			return g_steal_pointer(&rel);
	}
	return NULL;
}

static guint
hermes_s6_probe(HermesContext *ctx, gchar **reason)
{
	g_autofree gchar *svscan = NULL;
	if (hermes_s6_probe_overlay(ctx)) {
		*reason = g_strdup(
			"/proc/1/comm is s6-svscan and /run/s6/basedir exists (s6-overlay)");
		return HERMES_BACKEND_SCORE_ACTIVE;
	}
	svscan = hermes_s6_probe_find_svscan(ctx);
	if (svscan != NULL) {
		*reason = g_strdup_printf(
			"no s6-overlay here; %s is installed, so hermes-svc can run "
			"an embedded s6 tree",
			svscan);
		return HERMES_BACKEND_SCORE_FALLBACK;
	}
	*reason = g_strdup("s6 is not running as PID 1 and s6-svscan is not installed");
	return HERMES_BACKEND_SCORE_NONE;
}

HERMES_BACKEND_DEFINE("s6", PACKAGE_VERSION, hermes_s6_manager_get_type, hermes_s6_probe)
