/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Up and down: make sure a supervisor holds the slot (repairing one that was
 * killed), send the command, wait, and believe the kernel about what is gone.
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
#include "hermes-s6-lost.h"
#include "hermes-s6-manager-private.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"
#include "hermes-s6-trust.h"

/* the slot must be under a running s6-supervise before it can be told anything */
gboolean
hermes_s6_manager_ensure_supervised(HermesS6Manager *self,
				    const gchar *slot_dir,
				    gboolean rescan,
				    GCancellable *cancellable,
				    GError **error)
{
	g_autoptr(HermesS6Waiter) waiter = NULL;
	if (g_strcmp0(self->mode, "embedded") == 0 &&
	    !hermes_service_manager_supervisor_start(
		    HERMES_SERVICE_MANAGER(self), cancellable, error))
		return FALSE;
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, FALSE, error);
	if (waiter == NULL)
		return FALSE;
	if (hermes_s6_waiter_done(waiter, HERMES_S6_WAIT_SUPERVISED, 0))
		return TRUE;
	/* a registration has asked for the rescan already: each one rereads the whole directory */
	if (rescan && !hermes_s6_control_scanner(self->scandir, "a", error))
		return FALSE;
	return hermes_s6_waiter_wait(waiter,
				     HERMES_S6_WAIT_SUPERVISED,
				     0,
				     HERMES_S6_SCAN_TIMEOUT_MS,
				     "get picked up by s6-svscan",
				     cancellable,
				     error);
}

/* supervise/status as it is now; FALSE when there is none */
static gboolean
hermes_s6_manager_read_status(HermesS6Manager *self, const gchar *slot_dir, HermesS6Status *st)
{
	g_auto(HermesS6SlotRead) read = {0};
	if (!hermes_s6_manager_read(self->scandir, slot_dir, 0, &read, NULL) || !read.have_status)
		return FALSE;
	*st = read.st;
	return TRUE;
}

/* a stop under way: s6 took a 'd' and the gateway drains, or finish runs */
static gboolean
hermes_s6_manager_going_down(HermesS6Manager *self, const gchar *slot_dir)
{
	HermesS6Status st;
	return hermes_s6_manager_read_status(self, slot_dir, &st) &&
	       (st.finishing || (st.pid != 0 && !st.wantup));
}

gboolean
hermes_s6_manager_bring_up(HermesS6Manager *self,
			   const gchar *profile,
			   gboolean rescan,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autoptr(HermesS6Waiter) waiter = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!hermes_s6_manager_need_slot(self, profile, slot_dir, error))
		return FALSE;
	if (!hermes_s6_trust_tree(self->scandir, slot_dir, FALSE, error) ||
	    !hermes_s6_manager_trust_log_of(self, profile, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_supervised(self, slot_dir, rescan, cancellable, error))
		return FALSE;
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, FALSE, error);
	if (waiter == NULL)
		return FALSE;
	/* a 'u' sent while a stop is under way (one whose command was killed before
	 * its wait, or one running beside us) is lost: the gateway exits 0, finish
	 * ends the slot for good and s6 forgets it was wanted up. Let the stop end. */
	if (hermes_s6_manager_going_down(self, slot_dir)) {
		if (!hermes_s6_waiter_wait(waiter,
					   HERMES_S6_WAIT_DOWN,
					   0,
					   hermes_s6_stop_timeout_ms(self->scandir, slot_dir),
					   "finish the stop under way",
					   cancellable,
					   error))
			return FALSE;
		g_string_truncate(waiter->seen, 0);
	}
	if (!hermes_s6_control_slot(slot_dir, "u", error))
		return FALSE;
	/* like systemd's Type=notify: started means ready, where the gateway can say so */
	if (hermes_s6_waiter_wait(waiter,
				  HERMES_S6_WAIT_READY,
				  0,
				  HERMES_S6_START_TIMEOUT_MS,
				  "come up and report ready",
				  cancellable,
				  &error_local))
		return TRUE;
	/* the caller takes a failed start back: s6 must not keep restarting it meanwhile */
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_TIMED_OUT)) {
		g_autoptr(GError) error_down = NULL;
		if (hermes_s6_control_slot(slot_dir, "d", &error_down))
			g_prefix_error(&error_local,
				       "start abandoned, s6 was told to take it down: ");
		else
			g_prefix_error(&error_local,
				       "start timed out and s6 keeps trying (%s): ",
				       error_down->message);
	}
	g_propagate_error(error, g_steal_pointer(&error_local));
	return FALSE;
}

/*
 * A slot no s6-supervise holds: one was killed (the lock is free), or none
 * ever ran there (a slot registered while the tree was down, or published a
 * moment ago by a reconcile or a start racing this command). Get one before
 * telling it anything, else the command fails with "no s6-supervise".
 */
static gboolean
hermes_s6_manager_repair(HermesS6Manager *self,
			 const gchar *slot_dir,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr(GError) error_local = NULL;
	HermesS6LockState lock = hermes_s6_lock_state(self->scandir, slot_dir);
	if (lock != HERMES_S6_LOCK_FREE && lock != HERMES_S6_LOCK_ABSENT)
		return TRUE;
	if (hermes_s6_manager_ensure_supervised(self, slot_dir, TRUE, cancellable, &error_local))
		return TRUE;
	{
		g_autofree gchar *name = g_path_get_basename(slot_dir);
		g_autofree gchar *hint = hermes_s6_manager_repair_hint(self);
		if (lock == HERMES_S6_LOCK_FREE)
			g_set_error(error,
				    error_local->domain,
				    error_local->code,
				    "the s6-supervise of %s is gone and could not be brought back "
				    "(%s); %s",
				    name,
				    error_local->message,
				    hint);
		else
			g_set_error(
				error,
				error_local->domain,
				error_local->code,
				"no s6-supervise is running for %s and none could be started: %s",
				name,
				error_local->message);
	}
	return FALSE;
}

/* after a stop, the process s6 had must be gone: believe the kernel, not the status file */
static gboolean
hermes_s6_manager_verify_gone(const gchar *slot_dir, gint64 pid, GError **error)
{
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	if (pid <= 0 || hermes_platform_wait_exit(pid, HERMES_S6_GONE_TIMEOUT_MS, NULL))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_FAILED,
		    "%s is down in s6, but its gateway (pid %" G_GINT64_FORMAT
		    ") still runs; stop it with kill %" G_GINT64_FORMAT,
		    name,
		    pid,
		    pid);
	return FALSE;
}

/* TERM, the slot's drain time, KILL: what s6 would have done had it not lost @pid */
static gboolean
hermes_s6_manager_stop_lost(HermesS6Manager *self,
			    const gchar *profile,
			    const gchar *slot_dir,
			    gint64 pid)
{
	g_autofree gchar *home = hermes_s6_manager_profile_home(self, profile);
	guint drain_ms = hermes_s6_stop_timeout_ms(self->scandir, slot_dir);
	/* a --replace successor may be taking it over right now */
	if (hermes_platform_wait_exit(pid, 2000, NULL))
		return TRUE;
	/* an operator stop for the gateway too, not a crash */
	if (!hermes_planned_stop_write(home, pid, NULL))
		g_debug("no planned-stop marker for lost pid %" G_GINT64_FORMAT, pid);
	if (kill((pid_t)pid, SIGTERM) != 0)
		return errno == ESRCH;
	if (hermes_platform_wait_exit(pid, drain_ms, NULL))
		return TRUE;
	if (kill((pid_t)pid, SIGKILL) != 0)
		return errno == ESRCH;
	return hermes_platform_wait_exit(pid, HERMES_S6_GONE_TIMEOUT_MS, NULL);
}

/*
 * A killed s6-supervise leaves its gateway running; s6-svscan starts a new
 * supervisor and a second gateway. Every process started from the slot
 * carries HERMES_S6_SLOT, so once the slot is down any such process is one
 * s6 lost: it is stopped like s6 would have, or the stop fails naming it.
 * Looked for only when another supervisor ran the slot (hermes-s6-lost.c):
 * the look reads every process's environment.
 */
static gboolean
hermes_s6_manager_reap_lost(HermesS6Manager *self,
			    const gchar *profile,
			    const gchar *slot_dir,
			    GError **error)
{
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	gint64 supervisor = hermes_s6_supervisor_pid(self->scandir, slot_dir);
	g_autoptr(GArray) left = NULL;
	g_autoptr(GString) pids = g_string_new(NULL);

	if (!hermes_s6_lost_possible(self->scandir, slot_dir, supervisor))
		return TRUE;
	left = hermes_s6_slot_processes(slot_dir);
	for (guint i = 0; i < left->len; i++) {
		gint64 pid = g_array_index(left, gint64, i);
		if (!hermes_s6_manager_stop_lost(self, profile, slot_dir, pid))
			g_string_append_printf(pids, " %" G_GINT64_FORMAT, pid);
		else
			g_debug("%s: stopped pid %" G_GINT64_FORMAT " that s6 had lost", name, pid);
	}
	if (pids->len == 0) {
		/* nothing lost is left: the next stop need not look */
		hermes_s6_lost_forget(self->scandir, slot_dir, supervisor);
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_FAILED,
		    "%s is down in s6, but processes started from it still run unsupervised (an "
		    "s6-supervise of the slot was killed and lost them, and they survived "
		    "SIGKILL); pids:%s",
		    name,
		    pids->str);
	return FALSE;
}

/* down, after telling the gateway it is an operator stop (in its own home) */
gboolean
hermes_s6_manager_bring_down(HermesS6Manager *self,
			     const gchar *profile,
			     const gchar *slot_dir,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(HermesS6Waiter) waiter = NULL;
	gint64 pid;

	if (!hermes_s6_manager_repair(self, slot_dir, cancellable, error))
		return FALSE;
	pid = hermes_s6_manager_current_pid(self, slot_dir);
	if (pid > 0) {
		g_autofree gchar *home = hermes_s6_manager_profile_home(self, profile);
		g_autoptr(GError) error_marker = NULL;
		/* without the marker the gateway treats the stop as a crash and says so at boot */
		if (!hermes_planned_stop_write(home, pid, &error_marker))
			g_debug("no planned-stop marker for %s: %s",
				profile,
				error_marker->message);
	}
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, FALSE, error);
	if (waiter == NULL)
		return FALSE;
	if (!hermes_s6_control_slot(slot_dir, "d", error))
		return FALSE;
	if (!hermes_s6_waiter_wait(waiter,
				   HERMES_S6_WAIT_DOWN,
				   0,
				   hermes_s6_stop_timeout_ms(self->scandir, slot_dir),
				   "stop",
				   cancellable,
				   error))
		return FALSE;
	/* lost processes first: when the supervisor was killed a moment ago, its
	 * successor may not have written a status yet, so @pid can be the very
	 * gateway the old one lost, which s6's "down" never touched */
	if (!hermes_s6_manager_reap_lost(self, profile, slot_dir, error))
		return FALSE;
	return hermes_s6_manager_verify_gone(slot_dir, pid, error);
}
