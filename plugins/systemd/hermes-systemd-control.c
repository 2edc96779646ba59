/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * start, stop and restart: subscribe to JobRemoved, queue the job, wait
 * for exactly that job, then check what the unit became. Stop and restart
 * write the planned-stop marker first.
 */

#include "config.h"

#include "hermes-systemd-job.h"
#include "hermes-systemd-manager-private.h"

/* how long start waits for the job (Type=notify: until READY=1) */
#define HERMES_SYSTEMD_START_TIMEOUT_MS 30000
/* stop waits for the unit's own TimeoutStopSec plus this */
#define HERMES_SYSTEMD_STOP_MARGIN_MS  10000
#define HERMES_SYSTEMD_STOP_DEFAULT_MS 90000
/* a command without readiness must still run after this long to count as started */
#define HERMES_SYSTEMD_SETTLE_MS 300

static gchar *
hermes_systemd_manager_profile_home(HermesSystemdManager *self, const gchar *profile)
{
	return hermes_profile_home_in_root(self->root, profile);
}

static gboolean
hermes_systemd_manager_settle_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* a command without readiness counts as started only if it is still there a moment later */
static void
hermes_systemd_manager_settle(void)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GSource) source = g_timeout_source_new(HERMES_SYSTEMD_SETTLE_MS);
	gboolean done = FALSE;
	g_source_set_callback(source, hermes_systemd_manager_settle_cb, &done, NULL);
	g_source_attach(source, context);
	while (!done)
		g_main_context_iteration(context, TRUE);
}

static gboolean
hermes_systemd_manager_check_up(HermesSystemdManager *self,
				const gchar *verb,
				const gchar *unit,
				const gchar *job_result,
				gint64 old_pid,
				GCancellable *cancellable,
				GError **error)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autofree gchar *why = NULL;
	gboolean restarted = FALSE;

	if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
		return FALSE;
	/* `done` is not proof of health without readiness: the process may die at once,
	 * and a quick restart must not pass for the process that was started */
	if (g_strcmp0(facts.active_state, "active") == 0 && g_strcmp0(facts.type, "notify") != 0) {
		guint32 pid = facts.main_pid;
		guint32 restarts = facts.n_restarts;
		hermes_systemd_manager_settle();
		if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
			return FALSE;
		/* a first read without a main pid yet (seen under valgrind and load) is no
		 * pid to have been replaced: then only systemd's own count says restarted */
		restarted = (pid != 0 && facts.main_pid != pid) || facts.n_restarts != restarts;
	}
	if (!restarted && g_strcmp0(facts.active_state, "active") == 0 &&
	    (old_pid <= 0 || (gint64)facts.main_pid != old_pid))
		return TRUE;
	why = hermes_systemd_unit_facts_explain(&facts);
	if (restarted && why == NULL)
		why = g_strdup(
			"the started process ended within a moment and systemd restarted it");
	g_set_error(error,
		    HERMES_ERROR,
		    g_strcmp0(job_result, "timeout") == 0 ? HERMES_ERROR_TIMED_OUT
							  : HERMES_ERROR_COMMAND_FAILED,
		    "%s of %s failed: job %s, the unit is %s/%s (result %s)%s%s",
		    verb,
		    unit,
		    job_result,
		    facts.active_state != NULL ? facts.active_state : "?",
		    facts.sub_state != NULL ? facts.sub_state : "?",
		    facts.result != NULL ? facts.result : "?",
		    why != NULL ? ": " : "",
		    why != NULL ? why : "");
	return FALSE;
}

/* the start limit is the circuit breaker for crash loops; an operator's start is a fresh chance */
static void
hermes_systemd_manager_fresh_chance(HermesSystemdManager *self,
				    const gchar *unit,
				    const HermesSystemdUnitFacts *facts)
{
	if (g_strcmp0(facts->active_state, "failed") == 0 ||
	    g_strcmp0(facts->active_state, "inactive") == 0)
		hermes_systemd_manager_reset_failed(self, unit);
}

/* the unit exists, systemd has it loaded and up to date */
static gboolean
hermes_systemd_manager_prepare(HermesSystemdManager *self,
			       const gchar *profile,
			       HermesSystemdUnitFacts *facts,
			       GCancellable *cancellable,
			       GError **error)
{
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);

	if (!hermes_systemd_manager_need_unit(self, profile, path, error))
		return FALSE;
	if (!hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return FALSE;
	if (!hermes_systemd_manager_read(self, unit, facts, cancellable, error))
		return FALSE;
	/* the file changed behind systemd's back (an edit, a reconcile with NO_RESCAN) */
	if (facts->need_daemon_reload || g_strcmp0(facts->load_state, "not-found") == 0) {
		if (!hermes_systemd_manager_reload(self, cancellable, error))
			return FALSE;
		if (!hermes_systemd_manager_read(self, unit, facts, cancellable, error))
			return FALSE;
	}
	return hermes_systemd_manager_check_loaded(self, path, facts, error);
}

gboolean
hermes_systemd_manager_bring_up(HermesSystemdManager *self,
				const gchar *profile,
				GCancellable *cancellable,
				GError **error)
{
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_autofree gchar *job_result = NULL;
	g_auto(HermesSystemdUnitFacts) facts = {NULL};

	if (!hermes_systemd_manager_prepare(self, profile, &facts, cancellable, error))
		return FALSE;
	hermes_systemd_manager_fresh_chance(self, unit, &facts);
	if (!hermes_systemd_bus_run_job(self->bus,
					"StartUnit",
					unit,
					HERMES_SYSTEMD_START_TIMEOUT_MS,
					&job_result,
					cancellable,
					error))
		return FALSE;
	return hermes_systemd_manager_check_up(
		self, "start", unit, job_result, 0, cancellable, error);
}

gboolean
hermes_systemd_manager_start(HermesServiceManager *manager,
			     const gchar *profile,
			     GCancellable *cancellable,
			     GError **error)
{
	return hermes_systemd_manager_bring_up(
		HERMES_SYSTEMD_MANAGER(manager), profile, cancellable, error);
}

static guint
hermes_systemd_stop_timeout_ms(const HermesSystemdUnitFacts *facts)
{
	/* 0 or infinity: no limit of its own, so ours */
	if (facts->timeout_stop_us == 0 || facts->timeout_stop_us > (guint64)G_MAXUINT32 * 1000)
		return HERMES_SYSTEMD_STOP_DEFAULT_MS + HERMES_SYSTEMD_STOP_MARGIN_MS;
	return (guint)(facts->timeout_stop_us / 1000) + HERMES_SYSTEMD_STOP_MARGIN_MS;
}

/* tells the gateway it is an operator stop, in its own home (upstream #103772) */
static void
hermes_systemd_manager_mark_planned(HermesSystemdManager *self,
				    const gchar *profile,
				    const HermesSystemdUnitFacts *facts)
{
	g_autofree gchar *home = NULL;
	g_autoptr(GError) error_local = NULL;
	if (facts->main_pid == 0)
		return;
	home = hermes_systemd_manager_profile_home(self, profile);
	/* without the marker the gateway takes SIGTERM for a crash and persists running */
	if (!hermes_planned_stop_write(home, facts->main_pid, &error_local))
		g_debug("no planned-stop marker for %s: %s", profile, error_local->message);
}

gboolean
hermes_systemd_manager_bring_down(HermesSystemdManager *self,
				  const gchar *profile,
				  const HermesSystemdUnitFacts *before,
				  GCancellable *cancellable,
				  GError **error)
{
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_autofree gchar *job_result = NULL;
	g_auto(HermesSystemdUnitFacts) facts = {NULL};

	hermes_systemd_manager_mark_planned(self, profile, before);
	if (!hermes_systemd_bus_run_job(self->bus,
					"StopUnit",
					unit,
					hermes_systemd_stop_timeout_ms(before),
					&job_result,
					cancellable,
					error))
		return FALSE;
	if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
		return FALSE;
	/* failed counts as stopped: it is down, and the reason stays visible */
	if ((g_strcmp0(facts.active_state, "inactive") == 0 ||
	     g_strcmp0(facts.active_state, "failed") == 0) &&
	    facts.main_pid == 0)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    g_strcmp0(job_result, "timeout") == 0 ? HERMES_ERROR_TIMED_OUT
							  : HERMES_ERROR_COMMAND_FAILED,
		    "stop of %s failed: job %s, the unit is %s/%s",
		    unit,
		    job_result,
		    facts.active_state != NULL ? facts.active_state : "?",
		    facts.sub_state != NULL ? facts.sub_state : "?");
	return FALSE;
}

gboolean
hermes_systemd_manager_stop(HermesServiceManager *manager,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	if (!hermes_systemd_manager_prepare(self, profile, &facts, cancellable, error))
		return FALSE;
	return hermes_systemd_manager_bring_down(self, profile, &facts, cancellable, error);
}

/*
 * RestartUnit converges to up through a fresh process and starts a stopped
 * unit. A running gateway is told first that its end is an operator stop,
 * so it persists stopped rather than taking SIGTERM for a crash.
 */
gboolean
hermes_systemd_manager_restart(HermesServiceManager *manager,
			       const gchar *profile,
			       GCancellable *cancellable,
			       GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_autofree gchar *job_result = NULL;
	g_auto(HermesSystemdUnitFacts) facts = {NULL};

	if (!hermes_systemd_manager_prepare(self, profile, &facts, cancellable, error))
		return FALSE;
	hermes_systemd_manager_mark_planned(self, profile, &facts);
	hermes_systemd_manager_fresh_chance(self, unit, &facts);
	if (!hermes_systemd_bus_run_job(self->bus,
					"RestartUnit",
					unit,
					hermes_systemd_stop_timeout_ms(&facts) +
						HERMES_SYSTEMD_START_TIMEOUT_MS,
					&job_result,
					cancellable,
					error))
		return FALSE;
	return hermes_systemd_manager_check_up(
		self, "restart", unit, job_result, facts.main_pid, cancellable, error);
}
