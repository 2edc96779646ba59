/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The embedded tree: hermes-svc's own s6-svscan on $HERMES_HOME/run/service.
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
#include "hermes-s6-trust.h"

static gchar *
hermes_s6_manager_pidfile(HermesS6Manager *self)
{
	return g_build_filename(self->root, "run", "s6-svscan.pid", NULL);
}

static gint64
hermes_s6_manager_read_pid(HermesS6Manager *self)
{
	g_autofree gchar *path = hermes_s6_manager_pidfile(self);
	g_autofree gchar *text = hermes_safe_file_read(self->root, path, 64, NULL, NULL);
	gint64 pid;
	if (text == NULL)
		return -1;
	pid = g_ascii_strtoll(text, NULL, 10);
	return pid > 0 && hermes_platform_process_alive(pid) ? pid : -1;
}

static gboolean
hermes_s6_manager_need_embedded(HermesS6Manager *self, GError **error)
{
	if (g_strcmp0(self->mode, "embedded") == 0)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "s6-svscan on %s is not hermes-svc's to run (mode: %s)",
		    self->scandir,
		    self->mode);
	return FALSE;
}

/* every slot's s6-log starts with the scanner */
static gboolean
hermes_s6_manager_trust_logs(HermesS6Manager *self, GCancellable *cancellable, GError **error)
{
	g_auto(GStrv) names = NULL;
	if (hermes_platform_get_euid() != 0)
		return TRUE;
	names = hermes_s6_manager_list_gateways(HERMES_SERVICE_MANAGER(self), cancellable, error);
	if (names == NULL)
		return FALSE;
	for (guint i = 0; names[i] != NULL; i++) {
		if (!hermes_s6_manager_trust_log_of(self, names[i], error))
			return FALSE;
	}
	return TRUE;
}

/* the s6-svscan we just started, whose start failed: told to exit, bounded (one
 * that never listened cannot be told; the caller's error names its log) */
static void
hermes_s6_svscan_abandon(HermesS6Manager *self, gint64 pid)
{
	if (hermes_s6_scanner_is_running(self->scandir) &&
	    hermes_s6_control_scanner(self->scandir, "t", NULL))
		hermes_platform_wait_exit(pid, HERMES_S6_STOP_TIMEOUT_MS, NULL);
}

/* s6-svscan on the scan directory, detached; returns once it reads its control FIFO */
static gboolean
hermes_s6_manager_spawn_scanner(HermesS6Manager *self, GError **error)
{
	g_autofree gchar *svscan = g_build_filename(self->bin_dir, "s6-svscan", NULL);
	g_autofree gchar *max = g_strdup_printf("%d", HERMES_S6_SVSCAN_MAX);
	g_autofree gchar *logs = g_build_filename(self->root, "logs", NULL);
	g_autofree gchar *log_path = g_build_filename(logs, "s6-svscan.log", NULL);
	g_autofree gchar *pidfile = hermes_s6_manager_pidfile(self);
	g_autofree gchar *pid_text = NULL;
	g_auto(GStrv) envp = NULL;
	gint64 pid = -1;
	gint64 deadline;

	if (g_mkdir_with_parents(logs, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", logs);
		return FALSE;
	}
	envp = hermes_context_get_environ(self->ctx);
	/* the slots' scripts expand $HERMES_HOME at run time: give them the root explicitly */
	envp = g_environ_setenv(envp, "HERMES_HOME", self->root, TRUE);
	if (!hermes_platform_spawn_detached(
		    (const gchar *[]){svscan, "-c", max, self->scandir, NULL},
		    (const gchar *const *)envp,
		    log_path,
		    &pid,
		    error)) {
		g_prefix_error(error, "cannot start the embedded s6 tree: ");
		return FALSE;
	}
	/* ready when it reads its control FIFO; give up if it died (e.g. another one holds the lock) */
	deadline = g_get_monotonic_time() + HERMES_S6_SCAN_TIMEOUT_MS * 1000;
	while (!hermes_s6_scanner_is_running(self->scandir)) {
		if (!hermes_platform_process_alive(pid)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_COMMAND_FAILED,
				    "s6-svscan exited at once; see %s",
				    log_path);
			hermes_safe_file_unlink(self->root, pidfile, NULL);
			return FALSE;
		}
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "s6-svscan did not start within %d s; see %s",
				    HERMES_S6_SCAN_TIMEOUT_MS / 1000,
				    log_path);
			hermes_s6_svscan_abandon(self, pid);
			return FALSE;
		}
		g_usleep(5000);
	}
	/*
	 * Recorded once it runs: `supervisor stop` and `status` find the tree by
	 * this file. A tree that cannot be recorded (a full disk) is stopped
	 * again, so a failed start leaves nothing running that nothing names.
	 */
	pid_text = g_strdup_printf("%" G_GINT64_FORMAT "\n", pid);
	if (!hermes_safe_file_replace(self->root, pidfile, pid_text, -1, 0644, error)) {
		hermes_s6_svscan_abandon(self, pid);
		g_prefix_error(error, "the embedded s6 tree was stopped again: ");
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_s6_manager_supervisor_start(HermesServiceManager *manager,
				   GCancellable *cancellable,
				   GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	gboolean ok;
	gint lock;

	if (!hermes_s6_manager_need_embedded(self, error) ||
	    !hermes_s6_manager_need_bin_dir(self, error))
		return FALSE;
	if (hermes_s6_scanner_is_running(self->scandir))
		return TRUE;
	/* root's s6-svscan runs every run script of the tree as root, and their s6-logs */
	if (!hermes_s6_trust_tree(self->scandir, NULL, TRUE, error) ||
	    !hermes_s6_manager_trust_logs(self, cancellable, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_scandir(self, error))
		return FALSE;
	/* two commands starting the tree at once: the second finds the first's running */
	lock = hermes_s6_scandir_lock(self->scandir, HERMES_S6_LOCK_TIMEOUT_MS, error);
	if (lock < 0)
		return FALSE;
	ok = hermes_s6_scanner_is_running(self->scandir) ||
	     hermes_s6_manager_spawn_scanner(self, error);
	close(lock);
	return ok;
}

static guint
hermes_s6_count_supervisors(const gchar *scandir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	guint n = 0;
	if (proc == NULL)
		return 0;
	while ((entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *cwd_link = NULL;
		g_autofree gchar *cwd = NULL;
		g_autofree gchar *comm_path = NULL;
		g_autofree gchar *comm = NULL;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		comm_path = g_strdup_printf("/proc/%s/comm", entry);
		comm = hermes_platform_read_proc(comm_path, NULL);
		if (comm == NULL)
			continue;
		g_strstrip(comm);
		if (g_strcmp0(comm, "s6-supervise") != 0)
			continue;
		cwd_link = g_strdup_printf("/proc/%s/cwd", entry);
		cwd = g_file_read_link(cwd_link, NULL);
		/* s6-supervise runs in the scan directory (or a slot's log/ below it) */
		if (cwd != NULL && g_str_has_prefix(cwd, scandir))
			n++;
	}
	return n;
}

gboolean
hermes_s6_manager_supervisor_stop(HermesServiceManager *manager,
				  GCancellable *cancellable,
				  GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *pidfile = hermes_s6_manager_pidfile(self);
	g_auto(GStrv) names = NULL;
	gint64 pid;
	gint64 deadline;

	if (!hermes_s6_manager_need_embedded(self, error))
		return FALSE;
	if (!hermes_s6_scanner_is_running(self->scandir)) {
		hermes_safe_file_unlink(self->root, pidfile, NULL);
		return TRUE;
	}
	/* every gateway stops as an operator stop first, so none thinks it crashed */
	names = hermes_s6_manager_list_gateways(manager, cancellable, error);
	if (names == NULL)
		return FALSE;
	for (guint i = 0; names[i] != NULL; i++) {
		g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, names[i]);
		if (hermes_s6_manager_current_pid(self, slot_dir) > 0 &&
		    !hermes_s6_manager_bring_down(self, names[i], slot_dir, cancellable, error))
			return FALSE;
	}
	g_hash_table_remove_all(self->watches);
	pid = hermes_s6_manager_read_pid(self);
	if (!hermes_s6_control_scanner(self->scandir, "t", error))
		return FALSE;
	if (pid > 0) {
		if (!hermes_platform_wait_exit(pid, HERMES_S6_STOP_TIMEOUT_MS, error))
			return FALSE;
	}
	/* loggers drain after the scanner; nothing of the tree may stay behind */
	deadline = g_get_monotonic_time() + HERMES_S6_STOP_TIMEOUT_MS * 1000;
	while (hermes_s6_scanner_is_running(self->scandir) ||
	       hermes_s6_count_supervisors(self->scandir) > 0) {
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "the embedded s6 tree on %s did not stop",
				    self->scandir);
			return FALSE;
		}
		g_usleep(10000);
	}
	hermes_safe_file_unlink(self->root, pidfile, NULL);
	return TRUE;
}

gboolean
hermes_s6_manager_supervisor_status(HermesServiceManager *manager,
				    gboolean *running,
				    gint64 *pid,
				    gchar **detail,
				    GCancellable *cancellable,
				    GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	*running = hermes_s6_scanner_is_running(self->scandir);
	*pid = g_strcmp0(self->mode, "embedded") == 0 ? hermes_s6_manager_read_pid(self) : -1;
	*detail = g_strdup_printf("s6-svscan (%s) on %s", self->mode, self->scandir);
	return TRUE;
}
