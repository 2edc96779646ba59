/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Registration: render is the plan (the directories, the plist, then
 * launchctl enable/disable, bootstrap and kickstart as the flags ask),
 * register carries out exactly that plan, unregister unloads the job and
 * removes the plist.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "hermes-launchd-manager-private.h"

/* a LaunchDaemon must say whom it runs as; a LaunchAgent is always its user */
static gboolean
hermes_launchd_manager_run_as(HermesLaunchdManager *self,
			      HermesGatewaySpec *spec,
			      const gchar **user_name,
			      GError **error)
{
	const gchar *user = hermes_gateway_spec_get_user(spec);
	*user_name = NULL;
	if (self->system_scope) {
		if (user == NULL) {
			g_set_error_literal(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_ARGUMENT,
					    "a LaunchDaemon would run the gateway as root: set "
					    "HERMES_GATEWAY_USER to the account it should run as");
			return FALSE;
		}
		*user_name = user;
		return TRUE;
	}
	if (user != NULL && g_strcmp0(user, self->user_name) != 0) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_INVALID_ARGUMENT,
			"a LaunchAgent runs as the user who loads it (%s), not as '%s': use "
			"HERMES_LAUNCHD_SCOPE=system as root to run the gateway as another user",
			self->user_name != NULL ? self->user_name : "unknown",
			user);
		return FALSE;
	}
	return TRUE;
}

static void
hermes_launchd_manager_plan_command(GPtrArray *steps,
				    HermesLaunchdManager *self,
				    const gchar *const *args,
				    const gchar *why)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)hermes_launchd_spawner_get_program(self->spawner));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_ptr_array_add(steps,
			hermes_render_step_new_command((const gchar *const *)argv->pdata, why));
}

GPtrArray *
hermes_launchd_manager_plan(HermesLaunchdManager *self,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GError **error)
{
	g_autoptr(GPtrArray) steps =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_render_step_unref);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *home = hermes_launchd_manager_home(self, profile);
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autofree gchar *label = hermes_launchd_label(profile);
	g_autofree gchar *domain = hermes_launchd_manager_domain(self, TRUE, NULL);
	g_autofree gchar *target = g_strdup_printf("%s/%s", domain, label);
	g_autofree gchar *plist = NULL;
	g_autofree gchar *log_dir = NULL;
	HermesLaunchdRenderOptions opts = {home, NULL};

	if (!hermes_launchd_manager_run_as(self, spec, &opts.user_name, error))
		return NULL;
	plist = hermes_launchd_render_plist(&opts, spec, error);
	if (plist == NULL)
		return NULL;
	log_dir = hermes_launchd_render_log_dir(&opts, spec);
	g_ptr_array_add(steps, hermes_render_step_new_directory(self->agents_dir, 0755));
	g_ptr_array_add(steps, hermes_render_step_new_directory(log_dir, 0755));
	g_ptr_array_add(steps, hermes_render_step_new_file(path, 0644, plist));
	if (flags & (HERMES_REGISTER_FLAG_START | HERMES_REGISTER_FLAG_ENABLE))
		hermes_launchd_manager_plan_command(
			steps,
			self,
			(const gchar *[]){"enable", target, NULL},
			"load at login from now on; launchd refuses to bootstrap a disabled job");
	else
		hermes_launchd_manager_plan_command(
			steps,
			self,
			(const gchar *[]){"disable", target, NULL},
			"registered stopped: launchd would otherwise load the plist at the next "
			"login and start the gateway");
	/* NO_RESCAN (boot, batches): launchd loads the plist at the next login by itself */
	if ((flags & HERMES_REGISTER_FLAG_START) && (flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0) {
		hermes_launchd_manager_plan_command(
			steps,
			self,
			(const gchar *[]){"bootstrap", domain, path, NULL},
			"load the job; RunAtLoad starts it (exit 5: bootout and retry once)");
		hermes_launchd_manager_plan_command(
			steps,
			self,
			(const gchar *[]){"kickstart", target, NULL},
			"start it now; succeeds once launchd lists the job");
	}
	return g_steal_pointer(&steps);
}

/* the plist on disk already is what the plan would write */
static gboolean
hermes_launchd_manager_unchanged(GPtrArray *steps, const gchar *path)
{
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_FILE &&
		    g_strcmp0(hermes_render_step_get_path(step), path) == 0)
			return hermes_render_step_is_applied(step);
	}
	return FALSE;
}

/*
 * What launchd should do with the written plist. A job that is loaded
 * already (a reinstall over a running gateway) is reloaded so the new
 * definition takes effect, and stays up: it was wanted up. With NO_RESCAN
 * (the boot reconciler, batches) only the enable/disable override is set:
 * launchd loads enabled plists at the next login by itself.
 */
static gboolean
hermes_launchd_manager_apply(HermesLaunchdJob *job,
			     gboolean was_loaded,
			     HermesRegisterFlags flags,
			     GError **error)
{
	gboolean wanted = (flags & (HERMES_REGISTER_FLAG_START | HERMES_REGISTER_FLAG_ENABLE)) != 0;
	if ((flags & HERMES_REGISTER_FLAG_NO_RESCAN) != 0)
		return hermes_launchd_job_set_enabled(job, wanted, error);
	if (was_loaded) {
		if (!hermes_launchd_job_unload(job, error))
			return FALSE;
		return hermes_launchd_job_start(job, error);
	}
	if (flags & HERMES_REGISTER_FLAG_START)
		return hermes_launchd_job_start(job, error);
	return hermes_launchd_job_set_enabled(job, wanted, error);
}

gboolean
hermes_launchd_manager_register_gateway(HermesServiceManager *manager,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(manager);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autoptr(GPtrArray) steps = NULL;
	g_autoptr(HermesLaunchdJob) job = NULL;
	g_autoptr(GVariant) existing = NULL;
	g_autoptr(GError) error_local = NULL;
	g_auto(HermesLaunchdJobInfo) info = {0};
	gboolean existed = g_file_test(path, G_FILE_TEST_EXISTS);
	gboolean loaded = FALSE;

	steps = hermes_launchd_manager_plan(self, spec, flags, error);
	if (steps == NULL)
		return FALSE;
	if (existed) {
		g_autofree gchar *pinned = NULL;
		existing = hermes_launchd_manager_read_plist(path, NULL);
		/* an unreadable plist with our label is a broken registration of ours */
		if (existing != NULL &&
		    !hermes_launchd_manager_plist_is_ours(self, profile, existing, &pinned)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "%s belongs to another hermes home (HERMES_HOME=%s); not "
				    "overwriting it",
				    path,
				    pinned != NULL ? pinned : "none");
			return FALSE;
		}
		if ((flags & HERMES_REGISTER_FLAG_REPLACE) == 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "gateway '%s' is already registered at %s",
				    profile,
				    path);
			return FALSE;
		}
		/* a refresh (gateway start) must neither reload a running job nor disable it */
		if ((flags & (HERMES_REGISTER_FLAG_START | HERMES_REGISTER_FLAG_ENABLE)) == 0 &&
		    hermes_launchd_manager_unchanged(steps, path))
			return TRUE;
	}
	job = hermes_launchd_manager_job(self, profile, existing, FALSE, error);
	if (job == NULL)
		return FALSE;
	if ((flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0 &&
	    !hermes_launchd_job_query(job, &loaded, &info, error))
		return FALSE;
	if (!hermes_render_steps_apply(steps, NULL, error))
		return FALSE;
	if (!hermes_launchd_manager_apply(job, loaded, flags, &error_local)) {
		/* a new registration that launchd did not take leaves nothing behind */
		if (!existed)
			g_unlink(path);
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "cannot register gateway '%s': ",
					   profile);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_launchd_manager_unregister_gateway(HermesServiceManager *manager,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(manager);
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autoptr(HermesLaunchdJob) job = NULL;
	g_autoptr(GError) error_local = NULL;

	/* absent, or another home's: nothing of this profile is registered */
	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	job = hermes_launchd_manager_registered_job(self, profile, &error_local);
	if (job == NULL) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (!hermes_launchd_job_unload(job, error))
		return FALSE;
	if (g_unlink(path) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s", path);
		return FALSE;
	}
	return TRUE;
}
