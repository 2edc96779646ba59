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
 * render is the plan, register/install carry out exactly that plan
 * (hermes-launchd-register.c); where a job is, in hermes-launchd-places.c;
 * the launchctl protocol is in hermes-launchd-control.c, the plist in
 * hermes-launchd-render.c. Every path goes through the HermesContext.
 * This file is the object, its interface and the probe.
 *
 * Knobs (all read from the context's environment):
 *   HERMES_LAUNCHD_SCOPE        user (default) or system
 *   HERMES_LAUNCHD_AGENTS_DIR   where plists go, instead of the default above
 *   HERMES_LAUNCHD_DOMAIN       gui/<uid>, user/<uid> or system, instead of asking launchctl
 *   HERMES_LAUNCHCTL            the launchctl to run, instead of /bin/launchctl
 */

#include "config.h"

#include "hermes-launchd-manager-private.h"
#include "hermes-platform.h"

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
	iface->get_log_source = hermes_launchd_manager_get_log_source;
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
