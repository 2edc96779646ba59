/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Waiting for s6, driven by its events (a FIFO in the slot's event/
 * fifodir) and re-checked every 50 ms during a bounded wait.
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

static void
hermes_s6_waiter_cb(const gchar *events, gsize n, gpointer user_data)
{
	HermesS6Waiter *waiter = user_data;
	g_string_append_len(waiter->seen, events, (gssize)n);
}

void
hermes_s6_waiter_free(HermesS6Waiter *waiter)
{
	if (waiter == NULL)
		return;
	hermes_s6_watch_free(waiter->watch);
	hermes_s6_watch_free(waiter->log_watch);
	g_main_context_unref(waiter->context);
	g_string_free(waiter->seen, TRUE);
	g_free(waiter->scandir);
	g_free(waiter->slot_dir);
	g_free(waiter);
}

/* subscribe first, act second: no event can slip between the two */
HermesS6Waiter *
hermes_s6_waiter_new(const gchar *scandir, const gchar *slot_dir, gboolean with_log, GError **error)
{
	g_autoptr(HermesS6Waiter) waiter = g_new0(HermesS6Waiter, 1);
	g_autofree gchar *event_dir = g_build_filename(slot_dir, "event", NULL);
	waiter->context = g_main_context_new();
	waiter->seen = g_string_new(NULL);
	waiter->scandir = g_strdup(scandir);
	waiter->slot_dir = g_strdup(slot_dir);
	waiter->watch =
		hermes_s6_watch_new(event_dir, waiter->context, hermes_s6_waiter_cb, waiter, error);
	if (waiter->watch == NULL)
		return NULL;
	if (with_log) {
		g_autofree gchar *log_events = g_build_filename(slot_dir, "log", "event", NULL);
		/* the logger is optional; without its fifodir there is nothing to wait for */
		waiter->log_watch = hermes_s6_watch_new(
			log_events, waiter->context, hermes_s6_waiter_cb, waiter, NULL);
	}
	return g_steal_pointer(&waiter);
}

gboolean
hermes_s6_waiter_done(HermesS6Waiter *waiter, HermesS6WaitFor what, gint64 old_pid)
{
	g_auto(HermesS6SlotRead) read = {0};
	HermesS6ReadFlags flags = HERMES_S6_READ_FACTS;

	if (what == HERMES_S6_WAIT_SUPERVISED)
		flags |= HERMES_S6_READ_LOCK;
	if (!hermes_s6_manager_read(waiter->scandir, waiter->slot_dir, flags, &read, NULL))
		return FALSE;
	return hermes_s6_wait_reached(what,
				      read.have_status ? &read.st : NULL,
				      &read.facts,
				      waiter->seen->str,
				      read.lock == HERMES_S6_LOCK_HELD,
				      old_pid);
}

gboolean
hermes_s6_waiter_timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
hermes_s6_waiter_tick_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

/* an 'O' (finish said: down for good) counts only after this start's 'u': a
 * restart's previous gateway, stopped on purpose, may announce its own 'O'
 * just after the stop's wait returned and this waiter subscribed */
static gboolean
hermes_s6_waiter_saw_final_exit(HermesS6Waiter *waiter)
{
	const gchar *up = strchr(waiter->seen->str, 'u');
	return up != NULL && strchr(up, 'O') != NULL;
}

gboolean
hermes_s6_waiter_wait(HermesS6Waiter *waiter,
		      HermesS6WaitFor what,
		      gint64 old_pid,
		      guint timeout_ms,
		      const gchar *goal,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autoptr(GSource) timeout = g_timeout_source_new(timeout_ms);
	gboolean timed_out = FALSE;

	g_autoptr(GSource) recheck = g_timeout_source_new(50);
	g_source_set_callback(timeout, hermes_s6_waiter_timeout_cb, &timed_out, NULL);
	g_source_attach(timeout, waiter->context);
	/* s6 records some changes (what it wants, after a command that lands between a
	 * crash and the respawn) without an event: during a bounded wait, also look again
	 * every 50 ms. Nothing of this runs when nobody waits. */
	g_source_set_callback(recheck, hermes_s6_waiter_tick_cb, NULL, NULL);
	g_source_attach(recheck, waiter->context);
	while (!hermes_s6_waiter_done(waiter, what, old_pid)) {
		if (what == HERMES_S6_WAIT_READY && hermes_s6_waiter_saw_final_exit(waiter)) {
			g_autofree gchar *name = g_path_get_basename(waiter->slot_dir);
			g_source_destroy(timeout);
			g_source_destroy(recheck);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_COMMAND_FAILED,
				    "%s exited for good before it was ready (see its finish reason "
				    "in status)",
				    name);
			return FALSE;
		}
		if (timed_out) {
			g_autofree gchar *name = g_path_get_basename(waiter->slot_dir);
			g_source_destroy(timeout);
			g_source_destroy(recheck);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "%s did not %s within %u s",
				    name,
				    goal,
				    timeout_ms / 1000);
			return FALSE;
		}
		if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
			g_source_destroy(timeout);
			g_source_destroy(recheck);
			hermes_error_convert(error);
			return FALSE;
		}
		g_main_context_iteration(waiter->context, TRUE);
	}
	g_source_destroy(timeout);
	g_source_destroy(recheck);
	return TRUE;
}
