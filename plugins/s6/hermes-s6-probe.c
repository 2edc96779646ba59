/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where s6 is on this machine, and the probe that scores it: cheap and
 * free of side effects, everything through the context.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-control.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager-private.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"

gboolean
hermes_s6_is_overlay(HermesContext *ctx)
{
	g_autofree gchar *comm_path = hermes_context_build_path(ctx, "/proc/1/comm");
	g_autofree gchar *basedir = hermes_context_build_path(ctx, "/run/s6/basedir");
	/* /proc/1/comm, never /proc/1/exe: that is unreadable to non-root users */
	g_autofree gchar *comm = hermes_platform_read_proc(comm_path, NULL);
	if (comm == NULL)
		return FALSE;
	g_strstrip(comm);
	return g_strcmp0(comm, "s6-svscan") == 0 && g_file_test(basedir, G_FILE_TEST_IS_DIR);
}

/* the directory holding s6-svscan: $HERMES_S6_BIN_DIR, /command (s6-overlay), then $PATH */
gchar *
hermes_s6_find_bin_dir(HermesContext *ctx)
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
			return g_strdup(dirs[i]);
	}
	return NULL;
}

const gchar *
hermes_s6_configured_scandir(HermesContext *ctx)
{
	const gchar *dir = hermes_context_getenv(ctx, "HERMES_S6_SCANDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = hermes_context_getenv(ctx, "S6_PROFILE_GATEWAY_SCANDIR");
	return dir != NULL && dir[0] != '\0' ? dir : NULL;
}

static guint
hermes_s6_probe(HermesContext *ctx, gchar **reason)
{
	g_autofree gchar *bin_dir = NULL;
	const gchar *scandir = hermes_s6_configured_scandir(ctx);

	if (hermes_s6_is_overlay(ctx)) {
		*reason = g_strdup(
			"/proc/1/comm is s6-svscan and /run/s6/basedir exists (s6-overlay)");
		return HERMES_BACKEND_SCORE_ACTIVE;
	}
	if (scandir != NULL) {
		g_autofree gchar *full = hermes_context_build_path(ctx, scandir);
		if (hermes_s6_scanner_is_running(full)) {
			*reason = g_strdup_printf("$HERMES_S6_SCANDIR %s has a running s6-svscan",
						  scandir);
			return HERMES_BACKEND_SCORE_ACTIVE - 10;
		}
	}
	bin_dir = hermes_s6_find_bin_dir(ctx);
	if (bin_dir != NULL) {
		*reason = g_strdup_printf(
			"no s6-overlay here; %s/s6-svscan is installed, so hermes-svc can run "
			"an embedded s6 tree",
			bin_dir);
		return HERMES_BACKEND_SCORE_FALLBACK;
	}
	*reason = g_strdup("s6 is not running as PID 1 and s6-svscan is not installed");
	return HERMES_BACKEND_SCORE_NONE;
}

HERMES_BACKEND_DEFINE("s6", PACKAGE_VERSION, hermes_s6_manager_get_type, hermes_s6_probe)
