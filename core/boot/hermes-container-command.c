/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What the container was started to do: its command line, read from
 * /proc below the context's root, with the init prefix stripped.
 */

#include "config.h"

#include "hermes-platform-private.h"
#include "hermes-reconciler-private.h"

static gboolean
hermes_reconcile_basename_is(const gchar *arg, const gchar *name)
{
	const gchar *slash = strrchr(arg, '/');
	return g_strcmp0(slash != NULL ? slash + 1 : arg, name) == 0;
}

/*
 * Upstream's prefix stripping, plus s6-overlay v3's rc.init: the
 * container's own command starts after the first element ending in
 * `main-wrapper.sh`; else after `…/rc.init top` (s6-overlay v3 runs the
 * command as `rc.init top CMD…`); else after a leading `…/init`. Then a
 * leading `…entrypoint-dispatch.sh` and a leading `hermes` are dropped.
 */
static const gchar *const *
hermes_container_command_strip(const gchar *const *argv)
{
	guint n = g_strv_length((gchar **)argv);
	guint start = 0;
	gboolean found = FALSE;

	for (guint i = 0; i < n && !found; i++) {
		if (g_str_has_suffix(argv[i], "main-wrapper.sh")) {
			start = i + 1;
			found = TRUE;
		}
	}
	for (guint i = 0; i + 1 < n && !found; i++) {
		if (hermes_reconcile_basename_is(argv[i], "rc.init") &&
		    g_strcmp0(argv[i + 1], "top") == 0) {
			start = i + 2;
			found = TRUE;
		}
	}
	if (!found && n > 0 && hermes_reconcile_basename_is(argv[0], "init"))
		start = 1;
	if (start < n && g_str_has_suffix(argv[start], "entrypoint-dispatch.sh"))
		start++;
	if (start < n && hermes_reconcile_basename_is(argv[start], "hermes"))
		start++;
	return argv + start;
}

/**
 * hermes_container_command_classify:
 * @argv: (array zero-terminated=1): a container's command line, as in `/proc/<pid>/cmdline`
 *
 * Strips the init prefix (`/init`, `…main-wrapper.sh`, s6-overlay v3's
 * `rc.init top`, `…entrypoint-dispatch.sh`, `hermes`) and classifies what
 * is left. `gateway run -p dashboard` is not a dashboard container.
 *
 * Returns: the kind of container
 */
HermesContainerCommand
hermes_container_command_classify(const gchar *const *argv)
{
	const gchar *const *cmd;
	g_return_val_if_fail(argv != NULL, HERMES_CONTAINER_COMMAND_OTHER);
	cmd = hermes_container_command_strip(argv);
	if (cmd[0] == NULL)
		return HERMES_CONTAINER_COMMAND_OTHER;
	if (g_strcmp0(cmd[0], "dashboard") == 0)
		return HERMES_CONTAINER_COMMAND_DASHBOARD;
	if (g_strcmp0(cmd[0], "gateway") != 0 || g_strcmp0(cmd[1], "run") != 0)
		return HERMES_CONTAINER_COMMAND_OTHER;
	for (guint i = 2; cmd[i] != NULL; i++) {
		if (g_strcmp0(cmd[i], "--no-supervise") == 0)
			return HERMES_CONTAINER_COMMAND_OTHER;
	}
	return HERMES_CONTAINER_COMMAND_GATEWAY_RUN;
}

/* NUL-separated, decoded as UTF-8 with replacement; NULL if unreadable */
static GStrv
hermes_container_command_read_cmdline(const gchar *path)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	gsize len = 0;

	contents = hermes_platform_read_proc(path, &len);
	if (contents == NULL || len == 0)
		return NULL;
	for (gsize off = 0; off < len;) {
		gsize n = strnlen(contents + off, len - off);
		g_autofree gchar *arg = g_utf8_make_valid(contents + off, (gssize)n);
		g_strv_builder_add(builder, arg);
		off += n + 1;
	}
	return g_strv_builder_end(builder);
}

static gboolean
hermes_container_command_has_prefix(const gchar *const *argv)
{
	for (guint i = 0; argv[i] != NULL; i++) {
		if (g_str_has_suffix(argv[i], "main-wrapper.sh"))
			return TRUE;
		if (hermes_reconcile_basename_is(argv[i], "rc.init") &&
		    g_strcmp0(argv[i + 1], "top") == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * hermes_container_command_read:
 * @ctx: a #HermesContext
 *
 * The container's command line: `/proc/1/cmdline` (s6-overlay v2, tini).
 * When PID 1 is `s6-svscan` (s6-overlay v3), the command runs in the
 * process `rc.init top CMD…`, found by scanning `/proc/<pid>/cmdline` for
 * an init prefix. Read below the context's root.
 *
 * Returns: (transfer full): the command line, empty if unknown
 */
GStrv
hermes_container_command_read(HermesContext *ctx)
{
	g_autofree gchar *pid1_path = NULL;
	g_autofree gchar *proc_path = NULL;
	g_auto(GStrv) pid1 = NULL;
	g_autoptr(GDir) proc = NULL;
	const gchar *entry;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	pid1_path = hermes_context_build_path(ctx, "/proc/1/cmdline");
	pid1 = hermes_container_command_read_cmdline(pid1_path);
	if (pid1 == NULL)
		return g_new0(gchar *, 1);
	if (hermes_container_command_has_prefix((const gchar *const *)pid1) || pid1[0] == NULL ||
	    !hermes_reconcile_basename_is(pid1[0], "s6-svscan"))
		return g_steal_pointer(&pid1);
	proc_path = hermes_context_build_path(ctx, "/proc");
	proc = g_dir_open(proc_path, 0, NULL);
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_auto(GStrv) argv = NULL;
		gboolean digits = entry[0] != '\0';
		for (const gchar *c = entry; *c != '\0'; c++)
			digits = digits && g_ascii_isdigit(*c);
		if (!digits || g_strcmp0(entry, "1") == 0)
			continue;
		path = g_build_filename(proc_path, entry, "cmdline", NULL);
		argv = hermes_container_command_read_cmdline(path);
		if (argv != NULL && hermes_container_command_has_prefix((const gchar *const *)argv))
			return g_steal_pointer(&argv);
	}
	return g_steal_pointer(&pid1);
}
