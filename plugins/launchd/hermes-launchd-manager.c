/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd backend: one job per gateway, labelled ai.hermes.gateway
 * (default profile) or ai.hermes.gateway-<profile>, with its plist in
 *   agent   <passwd home>/Library/LaunchAgents, domain gui/<uid> in an
 *           Aqua session, else user/<uid>              (the default)
 *   daemon  /Library/LaunchDaemons, domain system     (HERMES_LAUNCHD_SCOPE=system, root)
 * render is the plan, register/install carry out exactly that plan; the
 * launchctl protocol is in hermes-launchd-control.c, the plist in
 * hermes-launchd-render.c. Every path goes through the HermesContext.
 *
 * Knobs (all read from the context's environment):
 *   HERMES_LAUNCHD_SCOPE        user (default) or system
 *   HERMES_LAUNCHD_AGENTS_DIR   where plists go, instead of the default above
 *   HERMES_LAUNCHD_DOMAIN       gui/<uid>, user/<uid> or system, instead of asking launchctl
 *   HERMES_LAUNCHCTL            the launchctl to run, instead of /bin/launchctl
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "hermes-launchd-control.h"
#include "hermes-launchd-render.h"
#include "hermes-platform.h"

#define HERMES_TYPE_LAUNCHD_MANAGER (hermes_launchd_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesLaunchdManager, hermes_launchd_manager, HERMES, LAUNCHD_MANAGER, GObject)

struct _HermesLaunchdManager {
	GObject parent_instance;
	HermesContext *ctx;
	HermesLaunchdSpawner *spawner;
	gboolean system_scope;
	gchar *agents_dir;
	gchar *root;	  /* the profile root */
	gchar *user_name; /* the calling user, from passwd */
	gchar *domain;	  /* resolved on first use */
	guint32 uid;
};

static void
hermes_launchd_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesLaunchdManager,
			      hermes_launchd_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_launchd_manager_iface_init))

/*****************************************************************************/
/* where things are */

static const gchar *
hermes_launchd_manager_env(HermesLaunchdManager *self, const gchar *name)
{
	const gchar *value = hermes_context_getenv(self->ctx, name);
	return value != NULL && value[0] != '\0' ? value : NULL;
}

static gboolean
hermes_launchd_manager_setup(HermesServiceManager *manager, HermesContext *ctx, GError **error)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(manager);
	g_autoptr(HermesUser) pw = NULL;
	g_autoptr(GError) error_user = NULL;
	g_auto(GStrv) envp = hermes_context_get_environ(ctx);
	const gchar *scope;
	const gchar *dir;
	const gchar *domain;

	self->ctx = g_object_ref(ctx);
	scope = hermes_launchd_manager_env(self, "HERMES_LAUNCHD_SCOPE");
	if (scope != NULL && g_strcmp0(scope, "user") != 0 && g_strcmp0(scope, "system") != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "invalid HERMES_LAUNCHD_SCOPE '%s': use user or system",
			    scope);
		return FALSE;
	}
	/* the context's scope (--system); the variable stays as the documented override */
	self->system_scope = g_strcmp0(scope, "system") == 0 ||
			     hermes_context_get_scope(ctx) == HERMES_SCOPE_SYSTEM;
	domain = hermes_launchd_manager_env(self, "HERMES_LAUNCHD_DOMAIN");
	if (domain != NULL) {
		if (!hermes_launchd_domain_validate(domain, error)) {
			g_prefix_error(error, "HERMES_LAUNCHD_DOMAIN: ");
			return FALSE;
		}
		self->domain = g_strdup(domain);
	} else if (self->system_scope) {
		self->domain = g_strdup("system");
	}
	self->spawner = hermes_launchd_spawner_new(
		hermes_launchd_manager_env(self, "HERMES_LAUNCHCTL"), (const gchar *const *)envp);
	self->uid = hermes_platform_get_euid();
	self->root = hermes_profile_get_root(ctx);
	/* the account's home from passwd, never $HOME: sudo and launchd keep another one */
	pw = hermes_platform_lookup_user(g_get_user_name(), &error_user);
	if (pw != NULL)
		self->user_name = g_strdup(pw->name);
	dir = hermes_launchd_manager_env(self, "HERMES_LAUNCHD_AGENTS_DIR");
	if (dir != NULL) {
		if (!g_path_is_absolute(dir)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "HERMES_LAUNCHD_AGENTS_DIR must be an absolute path, not '%s'",
				    dir);
			return FALSE;
		}
		self->agents_dir = g_strdup(dir);
	} else if (self->system_scope) {
		self->agents_dir = hermes_context_build_path(ctx, "/Library/LaunchDaemons");
	} else if (pw != NULL) {
		g_autofree gchar *agents =
			g_build_filename(pw->home, "Library", "LaunchAgents", NULL);
		self->agents_dir = hermes_context_build_path(ctx, agents);
	} else {
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_user),
					   "cannot find the LaunchAgents directory: ");
		return FALSE;
	}
	return TRUE;
}

static const gchar *
hermes_launchd_manager_get_name(HermesServiceManager *manager)
{
	return "launchd";
}

static const gchar *
hermes_launchd_manager_get_mode(HermesServiceManager *manager)
{
	return HERMES_LAUNCHD_MANAGER(manager)->system_scope ? "daemon" : "agent";
}

static gboolean
hermes_launchd_manager_supports_registration(HermesServiceManager *manager)
{
	return TRUE;
}

/*
 * The domain: configured, or asked of launchctl once. A plan can be
 * rendered where there is no launchctl (Linux): it then shows gui/<uid>,
 * the domain of a user logged in at the Mac, without remembering it.
 */
static gchar *
hermes_launchd_manager_domain(HermesLaunchdManager *self, gboolean for_render, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	if (self->domain == NULL) {
		self->domain =
			hermes_launchd_domain_resolve(self->spawner, self->uid, &error_local);
		if (self->domain == NULL) {
			if (!for_render) {
				g_propagate_error(error, g_steal_pointer(&error_local));
				return NULL;
			}
			g_debug("rendering for gui/%u: %s", (guint)self->uid, error_local->message);
			return g_strdup_printf("gui/%u", (guint)self->uid);
		}
	}
	return g_strdup(self->domain);
}

static gchar *
hermes_launchd_manager_plist_path(HermesLaunchdManager *self, const gchar *profile)
{
	g_autofree gchar *name = hermes_launchd_plist_name(profile);
	return g_build_filename(self->agents_dir, name, NULL);
}

static gchar *
hermes_launchd_manager_home(HermesLaunchdManager *self, const gchar *profile)
{
	return hermes_profile_home_in_root(self->root, profile);
}

/* the plist as launchd reads it, or NULL (missing or unreadable) */
static GVariant *
hermes_launchd_manager_read_plist(const gchar *path, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize length = 0;
	/* LaunchAgents is the user's: no link, FIFO or huge file is a plist */
	text = hermes_safe_file_read(NULL, path, HERMES_SAFE_MAX_TEXT, &length, error);
	if (text == NULL)
		return NULL;
	return hermes_launchd_plist_parse(text, (gssize)length, error);
}

static gchar *
hermes_launchd_manager_pinned_home(GVariant *plist)
{
	g_autoptr(GVariant) env = NULL;
	const gchar *home = NULL;
	if (plist == NULL || !g_variant_is_of_type(plist, G_VARIANT_TYPE("a{sv}")))
		return NULL;
	env = g_variant_lookup_value(plist, "EnvironmentVariables", G_VARIANT_TYPE("a{sv}"));
	if (env == NULL || !g_variant_lookup(env, "HERMES_HOME", "&s", &home))
		return NULL;
	return g_strdup(home);
}

static guint
hermes_launchd_manager_exit_timeout_ms(GVariant *plist)
{
	gint64 seconds = 0;
	if (plist != NULL && g_variant_is_of_type(plist, G_VARIANT_TYPE("a{sv}")) &&
	    g_variant_lookup(plist, "ExitTimeOut", "x", &seconds) && seconds > 0 &&
	    seconds < 24 * 3600)
		return (guint)seconds * 1000;
	return 90000;
}

/* a plist of ours names a profile's home; one that names another root is not ours */
static gboolean
hermes_launchd_manager_plist_is_ours(HermesLaunchdManager *self,
				     const gchar *profile,
				     GVariant *plist,
				     gchar **pinned)
{
	g_autofree gchar *home = hermes_launchd_manager_home(self, profile);
	g_autofree gchar *found = hermes_launchd_manager_pinned_home(plist);
	gboolean ours = found != NULL && g_strcmp0(found, home) == 0;
	if (pinned != NULL)
		*pinned = g_steal_pointer(&found);
	return ours;
}

static HermesLaunchdJob *
hermes_launchd_manager_job(HermesLaunchdManager *self,
			   const gchar *profile,
			   GVariant *plist,
			   gboolean for_render,
			   GError **error)
{
	g_autofree gchar *domain = hermes_launchd_manager_domain(self, for_render, error);
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autofree gchar *home = hermes_launchd_manager_home(self, profile);
	HermesLaunchdJob *job;
	if (domain == NULL)
		return NULL;
	job = hermes_launchd_job_new(self->spawner, domain, profile, path, home);
	job->stop_timeout_ms = hermes_launchd_manager_exit_timeout_ms(plist);
	return job;
}

/* the registered job of @profile: its plist exists and pins this profile's home */
static HermesLaunchdJob *
hermes_launchd_manager_registered_job(HermesLaunchdManager *self,
				      const gchar *profile,
				      GError **error)
{
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autofree gchar *pinned = NULL;
	g_autoptr(GVariant) plist = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_REGISTERED,
			    "gateway '%s' is not registered with launchd (no %s)",
			    profile,
			    path);
		return NULL;
	}
	plist = hermes_launchd_manager_read_plist(path, &error_local);
	if (plist == NULL) {
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot read %s: ", path);
		return NULL;
	}
	if (!hermes_launchd_manager_plist_is_ours(self, profile, plist, &pinned)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_REGISTERED,
			    "gateway '%s' is not registered with launchd: %s belongs to another "
			    "hermes home (HERMES_HOME=%s)",
			    profile,
			    path,
			    pinned != NULL ? pinned : "none");
		return NULL;
	}
	return hermes_launchd_manager_job(self, profile, plist, FALSE, error);
}

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

/*****************************************************************************/
/* registration: render is the plan, register executes exactly that plan */

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

static GPtrArray *
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

static gboolean
hermes_launchd_manager_mkdir(const gchar *path, guint mode, GError **error)
{
	if (g_file_test(path, G_FILE_TEST_IS_DIR))
		return TRUE;
	if (g_mkdir_with_parents(path, (gint)mode) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", path);
		return FALSE;
	}
	return TRUE;
}

/* the directories and the plist; the launchctl steps are the job's */
static gboolean
hermes_launchd_manager_write(GPtrArray *steps, GError **error)
{
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		switch (hermes_render_step_get_kind(step)) {
		case HERMES_RENDER_STEP_DIRECTORY:
			if (!hermes_launchd_manager_mkdir(hermes_render_step_get_path(step),
							  hermes_render_step_get_mode(step),
							  error))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_FILE:
			if (!hermes_file_write_atomic(hermes_render_step_get_path(step),
						      hermes_render_step_get_contents(step),
						      -1,
						      hermes_render_step_get_mode(step),
						      error))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_COMMAND:
		default:
			break;
		}
	}
	return TRUE;
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

static gboolean
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
	}
	job = hermes_launchd_manager_job(self, profile, existing, FALSE, error);
	if (job == NULL)
		return FALSE;
	if ((flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0 &&
	    !hermes_launchd_job_query(job, &loaded, &info, error))
		return FALSE;
	if (!hermes_launchd_manager_write(steps, error))
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

static gboolean
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

static GPtrArray *
hermes_launchd_manager_render(HermesServiceManager *manager,
			      HermesGatewaySpec *spec,
			      GError **error)
{
	return hermes_launchd_manager_plan(
		HERMES_LAUNCHD_MANAGER(manager), spec, HERMES_REGISTER_FLAG_NONE, error);
}

/*****************************************************************************/
/* control and status */

static gboolean
hermes_launchd_manager_start(HermesServiceManager *manager,
			     const gchar *profile,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(HermesLaunchdJob) job = hermes_launchd_manager_registered_job(
		HERMES_LAUNCHD_MANAGER(manager), profile, error);
	return job != NULL && hermes_launchd_job_start(job, error);
}

static gboolean
hermes_launchd_manager_stop(HermesServiceManager *manager,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error)
{
	g_autoptr(HermesLaunchdJob) job = hermes_launchd_manager_registered_job(
		HERMES_LAUNCHD_MANAGER(manager), profile, error);
	return job != NULL && hermes_launchd_job_unload(job, error);
}

static gboolean
hermes_launchd_manager_restart(HermesServiceManager *manager,
			       const gchar *profile,
			       GCancellable *cancellable,
			       GError **error)
{
	g_autoptr(HermesLaunchdJob) job = hermes_launchd_manager_registered_job(
		HERMES_LAUNCHD_MANAGER(manager), profile, error);
	return job != NULL && hermes_launchd_job_restart(job, error);
}

static HermesGatewayStatus *
hermes_launchd_manager_get_status(HermesServiceManager *manager,
				  const gchar *profile,
				  GCancellable *cancellable,
				  GError **error)
{
	g_autoptr(HermesLaunchdJob) job = hermes_launchd_manager_registered_job(
		HERMES_LAUNCHD_MANAGER(manager), profile, error);
	if (job == NULL)
		return NULL;
	return hermes_launchd_job_status(job, error);
}

static GStrv
hermes_launchd_manager_list_gateways(HermesServiceManager *manager,
				     GCancellable *cancellable,
				     GError **error)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(manager);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *entry;

	dir = g_dir_open(self->agents_dir, 0, &error_local);
	if (dir == NULL) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_new0(gchar *, 1);
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot list plists: ");
		hermes_error_convert(error);
		return NULL;
	}
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *profile = hermes_launchd_profile_from_plist_name(entry);
		g_autofree gchar *path = NULL;
		g_autoptr(GVariant) plist = NULL;
		if (profile == NULL)
			continue;
		path = g_build_filename(self->agents_dir, entry, NULL);
		plist = hermes_launchd_manager_read_plist(path, NULL);
		/* another hermes home's gateways share the directory, not the profiles */
		if (plist != NULL &&
		    hermes_launchd_manager_plist_is_ours(self, profile, plist, NULL))
			g_strv_builder_add(builder, profile);
	}
	return g_strv_builder_end(builder);
}

static gboolean
hermes_launchd_manager_supervisor_status(HermesServiceManager *manager,
					 gboolean *running,
					 gint64 *pid,
					 gchar **detail,
					 GCancellable *cancellable,
					 GError **error)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(manager);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *domain = hermes_launchd_manager_domain(self, FALSE, &error_local);
	if (domain == NULL) {
		*running = FALSE;
		*detail = g_strdup_printf("launchd unreachable (%s)", error_local->message);
		return TRUE;
	}
	/* launchd is PID 1 wherever launchctl answers */
	*running = TRUE;
	*pid = 1;
	*detail = g_strdup_printf("launchd, domain %s, plists in %s", domain, self->agents_dir);
	return TRUE;
}

static void
hermes_launchd_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->setup = hermes_launchd_manager_setup;
	iface->get_name = hermes_launchd_manager_get_name;
	iface->get_mode = hermes_launchd_manager_get_mode;
	iface->start = hermes_launchd_manager_start;
	iface->stop = hermes_launchd_manager_stop;
	iface->restart = hermes_launchd_manager_restart;
	iface->get_status = hermes_launchd_manager_get_status;
	iface->list_gateways = hermes_launchd_manager_list_gateways;
	iface->register_gateway = hermes_launchd_manager_register_gateway;
	iface->unregister_gateway = hermes_launchd_manager_unregister_gateway;
	iface->supports_registration = hermes_launchd_manager_supports_registration;
	/* a plist in LaunchAgents is the whole installation */
	iface->install = hermes_launchd_manager_register_gateway;
	iface->uninstall = hermes_launchd_manager_unregister_gateway;
	iface->render = hermes_launchd_manager_render;
	iface->supervisor_status = hermes_launchd_manager_supervisor_status;
}

static void
hermes_launchd_manager_finalize(GObject *object)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(object);
	g_clear_object(&self->ctx);
	g_clear_object(&self->spawner);
	g_free(self->agents_dir);
	g_free(self->root);
	g_free(self->user_name);
	g_free(self->domain);
	G_OBJECT_CLASS(hermes_launchd_manager_parent_class)->finalize(object);
}

static void
hermes_launchd_manager_class_init(HermesLaunchdManagerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_launchd_manager_finalize;
}

static void
hermes_launchd_manager_init(HermesLaunchdManager *self)
{
}

/*****************************************************************************/
/* detection */

/* launchd is the service manager of every macOS host, and of nothing else */
static guint
hermes_launchd_probe(HermesContext *ctx, gchar **reason)
{
	const gchar *os = hermes_context_get_os(ctx);
	if (g_strcmp0(os, "darwin") != 0) {
		*reason = g_strdup_printf("not macOS (this host is %s)", os);
		return HERMES_BACKEND_SCORE_NONE;
	}
	*reason = g_strdup("macOS host: launchd is PID 1");
	return HERMES_BACKEND_SCORE_HOST;
}

HERMES_BACKEND_DEFINE("launchd",
		      PACKAGE_VERSION,
		      hermes_launchd_manager_get_type,
		      hermes_launchd_probe)
