/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchctl protocol of one gateway job, over the spawner seam:
 *
 *   start    kickstart <domain>/<label>; "not loaded" (3/113/125) means
 *            enable + bootstrap <domain> <plist>, then kickstart again
 *   stop     the planned-stop marker into the profile's own home, then
 *            bootout <domain>/<label>: unloaded, so KeepAlive cannot
 *            respawn it; wait for the process to exit
 *   restart  marker, then kickstart -k; a job that is not loaded is started
 *   status   print <domain>/<label> (list <label> when print fails)
 *
 * bootstrap exit 5 (EIO, usually "already loaded") is answered with one
 * bootout and one retry. A domain that still refuses the job is an error
 * that says "unsupervised" out loud: nothing is ever started outside
 * launchd in its place, and a start is only reported once launchd lists
 * the job. The deprecated load/unload verbs are never used.
 */

#include "config.h"

#include <json-glib/json-glib.h>

#include "hermes-launchd-control.h"
#include "hermes-launchd-render.h"
#include "hermes-pid-record.h"
#include "hermes-platform.h"

/* after the job's own ExitTimeOut, launchd sends SIGKILL: allow for that too */
#define HERMES_LAUNCHD_KILL_MARGIN_MS 10000

/**
 * hermes_launchd_job_new:
 * @spawner: runs launchctl
 * @domain: the launchd domain
 * @profile: a valid profile name
 * @plist: the plist's absolute path
 * @home: the profile's HERMES_HOME
 *
 * Returns: (transfer full): the job
 */
HermesLaunchdJob *
hermes_launchd_job_new(HermesLaunchdSpawner *spawner,
		       const gchar *domain,
		       const gchar *profile,
		       const gchar *plist,
		       const gchar *home)
{
	HermesLaunchdJob *job = g_new0(HermesLaunchdJob, 1);
	job->spawner = g_object_ref(spawner);
	job->domain = g_strdup(domain);
	job->profile = g_strdup(profile);
	job->label = hermes_launchd_label(profile);
	job->plist = g_strdup(plist);
	job->home = g_strdup(home);
	job->stop_timeout_ms = 90000;
	job->kill_margin_ms = HERMES_LAUNCHD_KILL_MARGIN_MS;
	return job;
}

/**
 * hermes_launchd_job_free:
 * @job: (nullable): a #HermesLaunchdJob
 */
void
hermes_launchd_job_free(HermesLaunchdJob *job)
{
	if (job == NULL)
		return;
	g_object_unref(job->spawner);
	g_free(job->domain);
	g_free(job->profile);
	g_free(job->label);
	g_free(job->plist);
	g_free(job->home);
	g_free(job);
}

/**
 * hermes_launchd_job_target:
 * @job: a #HermesLaunchdJob
 *
 * Returns: (transfer full): the service target, `<domain>/<label>`
 */
gchar *
hermes_launchd_job_target(HermesLaunchdJob *job)
{
	return g_strdup_printf("%s/%s", job->domain, job->label);
}

/**
 * hermes_launchd_exit_means_not_loaded:
 * @exit_code: a launchctl exit code
 *
 * Returns: %TRUE for 3 (no such process), 113 (could not find service) and
 *   125, which launchctl uses for a job that is not loaded in the domain
 */
gboolean
hermes_launchd_exit_means_not_loaded(gint exit_code)
{
	return exit_code == 3 || exit_code == 113 || exit_code == 125;
}

/**
 * hermes_launchd_domain_validate:
 * @domain: a launchd domain
 * @error: return location for a #GError
 *
 * Returns: %TRUE for `system`, `gui/<uid>` and `user/<uid>`
 */
gboolean
hermes_launchd_domain_validate(const gchar *domain, GError **error)
{
	const gchar *uid = NULL;
	if (g_strcmp0(domain, "system") == 0)
		return TRUE;
	if (g_str_has_prefix(domain, "gui/"))
		uid = domain + strlen("gui/");
	else if (g_str_has_prefix(domain, "user/"))
		uid = domain + strlen("user/");
	if (uid != NULL && uid[0] != '\0' && strspn(uid, "0123456789") == strlen(uid) &&
	    strlen(uid) <= 10)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_ARGUMENT,
		    "invalid launchd domain '%s': use system, gui/<uid> or user/<uid>",
		    domain != NULL ? domain : "");
	return FALSE;
}

/**
 * hermes_launchd_domain_resolve:
 * @spawner: runs launchctl
 * @uid: the user whose agent this is
 * @error: return location for a #GError
 *
 * `gui/<uid>` when `launchctl managername` says the caller is in an Aqua
 * (GUI login) session, else `user/<uid>`, which exists without a login
 * (ssh, a service account; upstream #72790).
 *
 * Returns: (transfer full) (nullable): the domain, %NULL if launchctl
 *   could not be run
 */
gchar *
hermes_launchd_domain_resolve(HermesLaunchdSpawner *spawner, guint32 uid, GError **error)
{
	g_autofree gchar *out = NULL;
	gint code = -1;
	if (!hermes_launchd_spawner_run(
		    spawner, (const gchar *[]){"managername", NULL}, &out, NULL, &code, error))
		return NULL;
	if (code == 0 && g_strcmp0(g_strstrip(out), "Aqua") == 0)
		return g_strdup_printf("gui/%u", (guint)uid);
	return g_strdup_printf("user/%u", (guint)uid);
}

/* launchctl's own words, for an error message */
static const gchar *
hermes_launchd_job_said(const gchar *err, const gchar *out)
{
	if (err != NULL && err[0] != '\0')
		return err;
	if (out != NULL && out[0] != '\0')
		return out;
	return "no output";
}

static gboolean
hermes_launchd_job_run(HermesLaunchdJob *job,
		       const gchar *const *args,
		       gchar **out,
		       gchar **err,
		       gint *exit_code,
		       GError **error)
{
	gchar *my_err = NULL;
	if (!hermes_launchd_spawner_run(job->spawner, args, out, &my_err, exit_code, error))
		return FALSE;
	if (err != NULL)
		*err = g_strstrip(my_err);
	else
		g_free(my_err);
	return TRUE;
}

static gboolean
hermes_launchd_job_failed(HermesLaunchdJob *job,
			  const gchar *const *args,
			  gint exit_code,
			  const gchar *out,
			  const gchar *err,
			  GError **error)
{
	g_autofree gchar *joined = g_strjoinv(" ", (gchar **)args);
	g_autofree gchar *said = g_strdup(hermes_launchd_job_said(err, out));
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_COMMAND_FAILED,
		    "launchctl %s failed (exit %d): %s",
		    joined,
		    exit_code,
		    g_strstrip(said));
	return FALSE;
}

/**
 * hermes_launchd_job_query:
 * @job: a #HermesLaunchdJob
 * @loaded: (out): whether launchd has the job in the domain
 * @info: (out caller-allocates): what launchd says about it; initialised here
 * @error: return location for a #GError
 *
 * `print <domain>/<label>`; when print fails for another reason than "not
 * loaded" or says something unreadable, `list <label>`.
 *
 * Returns: %TRUE if launchd answered either way
 */
gboolean
hermes_launchd_job_query(HermesLaunchdJob *job,
			 gboolean *loaded,
			 HermesLaunchdJobInfo *info,
			 GError **error)
{
	g_autofree gchar *target = hermes_launchd_job_target(job);
	const gchar *print_args[] = {"print", target, NULL};
	const gchar *list_args[] = {"list", job->label, NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *list_out = NULL;
	g_autofree gchar *list_err = NULL;
	gint code = -1;
	gint list_code = -1;

	hermes_launchd_job_info_init(info);
	*loaded = FALSE;
	if (!hermes_launchd_job_run(job, print_args, &out, &err, &code, error))
		return FALSE;
	if (hermes_launchd_exit_means_not_loaded(code))
		return TRUE;
	if (code == 0 && hermes_launchd_parse_print(out, info)) {
		*loaded = TRUE;
		return TRUE;
	}
	/* an older or newer launchctl: the legacy one-job dict still says PID and status */
	if (!hermes_launchd_job_run(job, list_args, &list_out, &list_err, &list_code, error))
		return FALSE;
	if (list_code == 0) {
		hermes_launchd_job_info_clear(info);
		hermes_launchd_parse_list(list_out, info);
		*loaded = TRUE;
		return TRUE;
	}
	/* print answered 0 with text nobody can read: loaded, state unknown */
	if (code == 0) {
		hermes_launchd_parse_print(out, info);
		*loaded = TRUE;
		return TRUE;
	}
	if (hermes_launchd_exit_means_not_loaded(list_code))
		return TRUE;
	return hermes_launchd_job_failed(job, print_args, code, out, err, error);
}

/**
 * hermes_launchd_job_set_enabled:
 * @job: a #HermesLaunchdJob
 * @enabled: %TRUE for `enable`, %FALSE for `disable`
 * @error: return location for a #GError
 *
 * The persistent override launchd keeps per domain. A disabled job is not
 * loaded at login, and launchd refuses to bootstrap it (often as the EIO
 * of upstream #95758), so every bootstrap enables first.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_launchd_job_set_enabled(HermesLaunchdJob *job, gboolean enabled, GError **error)
{
	g_autofree gchar *target = hermes_launchd_job_target(job);
	const gchar *args[] = {enabled ? "enable" : "disable", target, NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint code = -1;
	if (!hermes_launchd_job_run(job, args, &out, &err, &code, error))
		return FALSE;
	if (code != 0)
		return hermes_launchd_job_failed(job, args, code, out, err, error);
	return TRUE;
}

static gboolean
hermes_launchd_job_unload_full(HermesLaunchdJob *job, gboolean always, GError **error);

static gboolean
hermes_launchd_job_bootstrap_once(HermesLaunchdJob *job, gint *code, gchar **err, GError **error)
{
	const gchar *args[] = {"bootstrap", job->domain, job->plist, NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *said = NULL;
	g_clear_pointer(err, g_free);
	if (!hermes_launchd_job_run(job, args, &out, &said, code, error))
		return FALSE;
	*err = g_strdup(hermes_launchd_job_said(said, out));
	return TRUE;
}

/**
 * hermes_launchd_job_bootstrap:
 * @job: a #HermesLaunchdJob
 * @error: return location for a #GError
 *
 * Enables the job and loads its plist into the domain; RunAtLoad starts
 * it. Exit 5 gets one bootout (marker first, should anything run) and
 * one retry. If launchd still refuses (5 or 125) and does not list the
 * job, the error is %HERMES_ERROR_SUPERVISOR_UNAVAILABLE and says that
 * the gateway is unsupervised.
 *
 * Returns: %TRUE once launchd has the job
 */
gboolean
hermes_launchd_job_bootstrap(HermesLaunchdJob *job, GError **error)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autofree gchar *err = NULL;
	gboolean loaded = FALSE;
	gint code = -1;

	if (!hermes_launchd_job_set_enabled(job, TRUE, error))
		return FALSE;
	if (!hermes_launchd_job_bootstrap_once(job, &code, &err, error))
		return FALSE;
	if (code == 0)
		return TRUE;
	if (code == 5) {
		/* EIO usually means "already loaded" (upstream #42914): unload, try once more */
		g_debug("bootstrap of %s: exit 5 (%s); booting out and retrying once",
			job->label,
			err);
		if (!hermes_launchd_job_unload_full(job, TRUE, error))
			return FALSE;
		if (!hermes_launchd_job_bootstrap_once(job, &code, &err, error))
			return FALSE;
		if (code == 0)
			return TRUE;
	}
	if (code != 5 && code != 125) {
		const gchar *args[] = {"bootstrap", job->domain, job->plist, NULL};
		return hermes_launchd_job_failed(job, args, code, NULL, err, error);
	}
	/* a refusal over a job launchd does supervise is no refusal (upstream #114571) */
	if (!hermes_launchd_job_query(job, &loaded, &info, error))
		return FALSE;
	if (loaded)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		    "launchd refused to load %s into the %s domain (launchctl bootstrap exit %d: "
		    "%s): the gateway is UNSUPERVISED and was not started; nothing runs outside "
		    "launchd in its place. Check the domain with 'launchctl print %s' or choose "
		    "another with HERMES_LAUNCHD_DOMAIN",
		    job->label,
		    job->domain,
		    code,
		    err,
		    job->domain);
	return FALSE;
}

/* the marker tells the gateway its SIGTERM is an operator stop, not a crash */
static void
hermes_launchd_job_mark_planned_stop(HermesLaunchdJob *job, gint64 pid)
{
	g_autoptr(GError) error_local = NULL;
	if (pid <= 0)
		return;
	if (!hermes_planned_stop_write(job->home, pid, &error_local))
		g_debug("no planned-stop marker for %s: %s", job->profile, error_local->message);
}

static gboolean
hermes_launchd_job_unload_full(HermesLaunchdJob *job, gboolean always, GError **error)
{
	g_autofree gchar *target = hermes_launchd_job_target(job);
	const gchar *args[] = {"bootout", target, NULL};
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gboolean loaded = FALSE;
	gint64 pid;
	gint code = -1;

	if (!hermes_launchd_job_query(job, &loaded, &info, error))
		return FALSE;
	if (!loaded && !always)
		return TRUE;
	pid = info.pid;
	hermes_launchd_job_mark_planned_stop(job, pid);
	if (!hermes_launchd_job_run(job, args, &out, &err, &code, error))
		return FALSE;
	if (code == 5) {
		/* EIO from bootout too: believe only what print says afterwards */
		g_auto(HermesLaunchdJobInfo) again = {0};
		if (!hermes_launchd_job_query(job, &loaded, &again, error))
			return FALSE;
		if (loaded)
			return hermes_launchd_job_failed(job, args, code, out, err, error);
	} else if (code != 0 && !hermes_launchd_exit_means_not_loaded(code)) {
		return hermes_launchd_job_failed(job, args, code, out, err, error);
	}
	if (pid > 0 &&
	    !hermes_platform_wait_exit(pid, job->stop_timeout_ms + job->kill_margin_ms, error)) {
		g_prefix_error(error, "%s was booted out, but ", job->label);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_launchd_job_unload:
 * @job: a #HermesLaunchdJob
 * @error: return location for a #GError
 *
 * Stop: the planned-stop marker goes into the profile's home, then
 * `bootout <domain>/<label>` unloads the job so KeepAlive cannot respawn
 * it, then the gateway gets its stop timeout to exit. A job that is not
 * loaded is stopped already.
 *
 * Returns: %TRUE once the job is unloaded and its process gone
 */
gboolean
hermes_launchd_job_unload(HermesLaunchdJob *job, GError **error)
{
	return hermes_launchd_job_unload_full(job, FALSE, error);
}

/* a start counts once launchd lists the job: a return code alone proves nothing */
static gboolean
hermes_launchd_job_verify(HermesLaunchdJob *job, GError **error)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	gboolean loaded = FALSE;
	if (!hermes_launchd_job_query(job, &loaded, &info, error))
		return FALSE;
	if (loaded)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		    "launchctl reported success, but %s is not loaded in the %s domain: the "
		    "gateway is UNSUPERVISED",
		    job->label,
		    job->domain);
	return FALSE;
}

static gboolean
hermes_launchd_job_kickstart(HermesLaunchdJob *job,
			     gboolean kill,
			     gboolean *not_loaded,
			     GError **error)
{
	g_autofree gchar *target = hermes_launchd_job_target(job);
	const gchar *plain[] = {"kickstart", target, NULL};
	const gchar *killing[] = {"kickstart", "-k", target, NULL};
	const gchar *const *args = kill ? killing : plain;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint code = -1;

	*not_loaded = FALSE;
	if (!hermes_launchd_job_run(job, args, &out, &err, &code, error))
		return FALSE;
	if (code == 0)
		return TRUE;
	if (hermes_launchd_exit_means_not_loaded(code)) {
		*not_loaded = TRUE;
		return TRUE;
	}
	return hermes_launchd_job_failed(job, args, code, out, err, error);
}

/**
 * hermes_launchd_job_start:
 * @job: a #HermesLaunchdJob
 * @error: return location for a #GError
 *
 * `kickstart`; a job that is not loaded is enabled, bootstrapped and
 * kickstarted. Succeeds only once launchd lists the job.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_launchd_job_start(HermesLaunchdJob *job, GError **error)
{
	gboolean not_loaded = FALSE;
	if (!hermes_launchd_job_kickstart(job, FALSE, &not_loaded, error))
		return FALSE;
	if (not_loaded) {
		if (!hermes_launchd_job_bootstrap(job, error))
			return FALSE;
		if (!hermes_launchd_job_kickstart(job, FALSE, &not_loaded, error))
			return FALSE;
	}
	return hermes_launchd_job_verify(job, error);
}

/**
 * hermes_launchd_job_restart:
 * @job: a #HermesLaunchdJob
 * @error: return location for a #GError
 *
 * Converges to up through a fresh process: the marker, then `kickstart
 * -k`, which kills the running process and starts a new one. A job that is
 * not loaded is started.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_launchd_job_restart(HermesLaunchdJob *job, GError **error)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	gboolean loaded = FALSE;
	gboolean not_loaded = FALSE;

	if (!hermes_launchd_job_query(job, &loaded, &info, error))
		return FALSE;
	if (!loaded)
		return hermes_launchd_job_start(job, error);
	hermes_launchd_job_mark_planned_stop(job, info.pid);
	if (!hermes_launchd_job_kickstart(job, TRUE, &not_loaded, error))
		return FALSE;
	if (not_loaded)
		return hermes_launchd_job_start(job, error);
	return hermes_launchd_job_verify(job, error);
}

/* the gateway the home's pid record proves to be this home's, running, or 0:
 * the one live-pid rule of core (start time, boot id, command line, home) */
static gint64
hermes_launchd_job_recorded_pid(HermesLaunchdJob *job)
{
	g_autofree gchar *path = g_build_filename(job->home, "gateway.pid", NULL);
	g_autofree gchar *canonical = hermes_pid_canonical_home(NULL, job->home, NULL);
	g_autofree gchar *boot_id = hermes_pid_boot_id();
	g_autoptr(HermesPidRecord) record = hermes_pid_record_load(NULL, path, NULL);

	if (record == NULL || canonical == NULL)
		return 0;
	if (hermes_pid_record_judge(record, canonical, boot_id, NULL) != HERMES_PID_STATE_LIVE)
		return 0;
	return hermes_pid_record_get_pid(record);
}

static void
hermes_launchd_status_add_job(HermesGatewayStatus *status, HermesLaunchdJob *job)
{
	hermes_gateway_status_set_raw(status, "launchd.domain", job->domain);
	hermes_gateway_status_set_raw(status, "launchd.label", job->label);
	hermes_gateway_status_set_raw(status, "launchd.plist", job->plist);
}

/**
 * hermes_launchd_job_status:
 * @job: a #HermesLaunchdJob
 * @error: return location for a #GError
 *
 * launchd's view of the job. A job that is not loaded is down, and says
 * `launchd.supervised=false`; if a gateway of this profile runs anyway, it
 * runs unsupervised, and the status says so instead of calling it down.
 *
 * Returns: (transfer full) (nullable): the status
 */
HermesGatewayStatus *
hermes_launchd_job_status(HermesLaunchdJob *job, GError **error)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	HermesGatewayStatus *status;
	gboolean loaded = FALSE;
	gint64 pid;

	if (!hermes_launchd_job_query(job, &loaded, &info, error))
		return NULL;
	if (loaded) {
		status = hermes_launchd_job_info_to_status(job->profile, &info);
		hermes_gateway_status_set_raw(status, "launchd.supervised", "true");
		hermes_launchd_status_add_job(status, job);
		return status;
	}
	status = hermes_gateway_status_new(job->profile);
	hermes_launchd_status_add_job(status, job);
	hermes_gateway_status_set_raw(status, "launchd.supervised", "false");
	pid = hermes_launchd_job_recorded_pid(job);
	if (pid > 0) {
		g_autofree gchar *warning = g_strdup_printf(
			"UNSUPERVISED: gateway pid %" G_GINT64_FORMAT
			" runs, but %s is not loaded in the %s domain; launchd will not "
			"restart it",
			pid,
			job->label,
			job->domain);
		hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_UNKNOWN);
		hermes_gateway_status_set_pid(status, pid);
		hermes_gateway_status_set_raw(status, "launchd.warning", warning);
		return status;
	}
	hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_DOWN);
	hermes_gateway_status_set_wanted(status, HERMES_GATEWAY_WANTED_DOWN);
	hermes_gateway_status_set_ready(status, HERMES_TRISTATE_NO, 0);
	return status;
}
