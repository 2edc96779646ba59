/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend: one unit per gateway, `hermes-gateway.service` for
 * `default` and `hermes-gateway-<profile>.service` otherwise, driven over
 * D-Bus (org.freedesktop.systemd1) with GIO. Two scopes:
 *   user    (default) the caller's user manager; units in
 *           $XDG_CONFIG_HOME/systemd/user (~/.config/systemd/user)
 *   system  HERMES_SYSTEMD_SCOPE=system, as root; units in /etc/systemd/system
 * This file is the object and its interface; the nouns live beside it:
 * hermes-systemd-probe.c, -calls.c, -unit.c, -events.c, -control.c and
 * -register.c (render is the plan, register carries out exactly that plan).
 */

#include "config.h"

#include "hermes-platform.h"
#include "hermes-systemd-linger.h"
#include "hermes-systemd-manager-private.h"

enum {
	PROP_0,
	PROP_LAST_INSTALL,
	PROP_LAST
};

static void
hermes_systemd_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesSystemdManager,
			      hermes_systemd_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_systemd_manager_iface_init))

static HermesGatewayStatus *
hermes_systemd_manager_get_status(HermesServiceManager *manager,
				  const gchar *profile,
				  GCancellable *cancellable,
				  GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	hermes_systemd_manager_watch_unit(self, profile);
	return hermes_systemd_manager_status_of(self, profile, cancellable, error);
}

static GStrv
hermes_systemd_manager_list_gateways(HermesServiceManager *manager,
				     GCancellable *cancellable,
				     GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *entry;

	dir = g_dir_open(self->unit_dir, 0, &error_local);
	if (dir == NULL) {
		/* no unit directory yet: nothing is registered */
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_new0(gchar *, 1);
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot list units: ");
		hermes_error_convert(error);
		return NULL;
	}
	hermes_systemd_manager_watch_unit_dir(self);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *profile = hermes_systemd_profile_from_unit(entry);
		g_autofree gchar *path = g_build_filename(self->unit_dir, entry, NULL);
		if (profile == NULL || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
			continue;
		hermes_systemd_manager_watch_unit(self, profile);
		g_strv_builder_add(builder, profile);
	}
	return g_strv_builder_end(builder);
}
static GPtrArray *
hermes_systemd_manager_render(HermesServiceManager *manager,
			      HermesGatewaySpec *spec,
			      GError **error)
{
	return hermes_systemd_manager_plan(
		HERMES_SYSTEMD_MANAGER(manager), spec, HERMES_REGISTER_FLAG_NONE, error);
}

/*****************************************************************************/
/* the manager itself */

static gchar *
hermes_systemd_manager_linger_line(HermesSystemdManager *self)
{
	const gchar *linger = hermes_systemd_manager_linger(self);
	g_autofree gchar *fix = NULL;
	if (linger == NULL)
		return NULL;
	if (g_strcmp0(linger, "yes") == 0)
		return g_strdup_printf("linger is on for %s (%s)", self->user, self->linger_source);
	fix = hermes_systemd_linger_fix(self->user);
	return g_strdup_printf("linger is off for %s (%s): its gateways stop when it logs out "
			       "and do not start at boot; fix: %s",
			       self->user,
			       self->linger_source,
			       fix);
}

static gboolean
hermes_systemd_manager_supervisor_status(HermesServiceManager *manager,
					 gboolean *running,
					 gint64 *pid,
					 gchar **detail,
					 GCancellable *cancellable,
					 GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesSystemdEndpoints) endpoints =
		hermes_systemd_endpoints_new(self->ctx, self->scope, self->uid);
	g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);
	g_autofree gchar *linger = hermes_systemd_manager_linger_line(self);
	g_autofree gchar *version = NULL;

	*pid = -1;
	if (!hermes_systemd_manager_ensure_bus(self, cancellable, &error_local)) {
		*running = FALSE;
		*detail = g_strdup(error_local->message);
		return TRUE;
	}
	*running = TRUE;
	*pid = hermes_systemd_bus_get_manager_pid(self->bus);
	version = hermes_systemd_bus_get_version(self->bus, NULL);
	*detail = g_strdup_printf("systemd %s, %s via %s; units in %s%s%s",
				  version != NULL ? version : "?",
				  who,
				  self->bus->description,
				  self->unit_dir,
				  linger != NULL ? "; " : "",
				  linger != NULL ? linger : "");
	return TRUE;
}

static gboolean
hermes_systemd_manager_setup(HermesServiceManager *manager, HermesContext *ctx, GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;

	if (!hermes_systemd_scope_from_env(ctx, &self->scope, error))
		return FALSE;
	self->ctx = g_object_ref(ctx);
	self->uid = hermes_platform_get_euid();
	endpoints = hermes_systemd_endpoints_new(ctx, self->scope, self->uid);
	self->user = g_strdup(endpoints->user);
	self->root = hermes_profile_get_root(ctx);
	self->unit_dir = hermes_systemd_unit_dir(ctx, self->scope);
	self->context = g_main_context_ref_thread_default();
	/* the manager is reached on first use: render works without one */
	return TRUE;
}

static const gchar *
hermes_systemd_manager_get_name(HermesServiceManager *manager)
{
	return "systemd";
}

static const gchar *
hermes_systemd_manager_get_mode(HermesServiceManager *manager)
{
	return hermes_systemd_scope_to_string(HERMES_SYSTEMD_MANAGER(manager)->scope);
}

static gboolean
hermes_systemd_manager_supports_registration(HermesServiceManager *manager)
{
	/* units can be added and removed at run time: profile create and delete use it */
	return TRUE;
}

static gboolean
hermes_systemd_manager_install(HermesServiceManager *manager,
			       HermesGatewaySpec *spec,
			       HermesRegisterFlags flags,
			       GCancellable *cancellable,
			       GError **error)
{
	/* a unit is the whole installation on systemd */
	return hermes_systemd_manager_register_gateway(manager, spec, flags, cancellable, error);
}

static void
hermes_systemd_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->setup = hermes_systemd_manager_setup;
	iface->get_name = hermes_systemd_manager_get_name;
	iface->get_mode = hermes_systemd_manager_get_mode;
	iface->start = hermes_systemd_manager_start;
	iface->stop = hermes_systemd_manager_stop;
	iface->restart = hermes_systemd_manager_restart;
	iface->get_status = hermes_systemd_manager_get_status;
	iface->list_gateways = hermes_systemd_manager_list_gateways;
	iface->register_gateway = hermes_systemd_manager_register_gateway;
	iface->unregister_gateway = hermes_systemd_manager_unregister_gateway;
	iface->supports_registration = hermes_systemd_manager_supports_registration;
	iface->install = hermes_systemd_manager_install;
	iface->uninstall = hermes_systemd_manager_unregister_gateway;
	iface->render = hermes_systemd_manager_render;
	iface->supervisor_status = hermes_systemd_manager_supervisor_status;
	iface->get_log_source = hermes_systemd_manager_get_log_source;
	iface->doctor = hermes_systemd_manager_doctor;
}

static void
hermes_systemd_manager_get_property(GObject *object,
				    guint prop_id,
				    GValue *value,
				    GParamSpec *pspec)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(object);
	switch (prop_id) {
	case PROP_LAST_INSTALL:
		g_value_set_string(value, self->last_install);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
hermes_systemd_manager_finalize(GObject *object)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(object);
	g_clear_object(&self->registrations);
	/* subscriptions first: they need the connection */
	g_hash_table_unref(self->watches);
	g_clear_pointer(&self->bus, hermes_systemd_bus_free);
	g_clear_object(&self->ctx);
	g_clear_pointer(&self->context, g_main_context_unref);
	g_free(self->user);
	g_free(self->root);
	g_free(self->unit_dir);
	g_free(self->linger);
	g_free(self->linger_source);
	g_free(self->last_install);
	G_OBJECT_CLASS(hermes_systemd_manager_parent_class)->finalize(object);
}

static void
hermes_systemd_manager_class_init(HermesSystemdManagerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->get_property = hermes_systemd_manager_get_property;
	object_class->finalize = hermes_systemd_manager_finalize;

	/**
	 * HermesSystemdManager:last-install:
	 *
	 * What the last install or registration did to the unit file:
	 * `created`, `updated` (a different unit was replaced in place) or
	 * `unchanged` (an identical unit: nothing written, no reload).
	 */
	g_object_class_install_property(
		object_class,
		PROP_LAST_INSTALL,
		g_param_spec_string("last-install",
				    NULL,
				    NULL,
				    NULL,
				    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
hermes_systemd_manager_init(HermesSystemdManager *self)
{
	self->watches =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, hermes_systemd_watch_free);
}
