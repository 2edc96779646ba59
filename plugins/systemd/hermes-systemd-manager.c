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
 * Register renders the plan (hermes_systemd_manager_plan) and carries out
 * exactly that plan; render shows it without doing it.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-systemd-bus.h"
#include "hermes-systemd-render.h"
#include "hermes-systemd-status.h"

/* how long start waits for the job (Type=notify: until READY=1) */
#define HERMES_SYSTEMD_START_TIMEOUT_MS 30000
/* stop waits for the unit's own TimeoutStopSec plus this */
#define HERMES_SYSTEMD_STOP_MARGIN_MS  10000
#define HERMES_SYSTEMD_STOP_DEFAULT_MS 90000
/* a command without readiness must still run after this long to count as started */
#define HERMES_SYSTEMD_SETTLE_MS 300

#define HERMES_TYPE_SYSTEMD_MANAGER (hermes_systemd_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesSystemdManager, hermes_systemd_manager, HERMES, SYSTEMD_MANAGER, GObject)

struct _HermesSystemdManager {
	GObject parent_instance;
	HermesContext *ctx;
	HermesSystemdScope scope;
	guint32 uid;
	gchar *user;
	gchar *root;	 /* the profile root, HERMES_HOME of the units */
	gchar *unit_dir; /* where our unit files live */
	HermesSystemdBus *bus;
	gchar *linger; /* "yes"/"no", looked up once; user scope only */
	gchar *linger_source;
	GMainContext *context; /* where gateway-changed is emitted */
	GHashTable *watches;   /* profile -> HermesSystemdWatch */
	GFileMonitor *monitor; /* the unit directory, for units coming and going */
	gchar *last_install;   /* created, updated or unchanged */
};

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

/*****************************************************************************/
/* where things are */

static gboolean
hermes_systemd_scope_from_env(HermesContext *ctx, HermesSystemdScope *scope, GError **error)
{
	const gchar *value = hermes_context_getenv(ctx, "HERMES_SYSTEMD_SCOPE");
	/* the context's scope (--system); the variable stays as the documented override */
	if (hermes_context_get_scope(ctx) == HERMES_SCOPE_SYSTEM)
		value = "system";
	if (value == NULL || value[0] == '\0' || g_strcmp0(value, "user") == 0) {
		*scope = HERMES_SYSTEMD_SCOPE_USER;
		return TRUE;
	}
	if (g_strcmp0(value, "system") == 0) {
		*scope = HERMES_SYSTEMD_SCOPE_SYSTEM;
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_ARGUMENT,
		    "HERMES_SYSTEMD_SCOPE=%s: use 'user' or 'system'",
		    value);
	return FALSE;
}

static gchar *
hermes_systemd_unit_dir(HermesContext *ctx, HermesSystemdScope scope)
{
	const gchar *config = hermes_context_getenv(ctx, "XDG_CONFIG_HOME");
	if (scope == HERMES_SYSTEMD_SCOPE_SYSTEM)
		return hermes_context_build_path(ctx, "/etc/systemd/system");
	if (config != NULL && g_path_is_absolute(config))
		return g_build_filename(config, "systemd", "user", NULL);
	return g_build_filename(
		hermes_context_get_home_dir(ctx), ".config", "systemd", "user", NULL);
}

static gchar *
hermes_systemd_manager_unit_path(HermesSystemdManager *self, const gchar *profile)
{
	g_autofree gchar *name = hermes_systemd_unit_name(profile);
	return g_build_filename(self->unit_dir, name, NULL);
}

static gchar *
hermes_systemd_manager_profile_home(HermesSystemdManager *self, const gchar *profile)
{
	return hermes_profile_home_in_root(self->root, profile);
}

/* systemctl's spelling of what is done in-process, for render */
static HermesRenderStep *
hermes_systemd_manager_command(HermesSystemdManager *self,
			       const gchar *verb,
			       const gchar *unit,
			       const gchar *description)
{
	const gchar *argv[5] = {"systemctl", NULL, NULL, NULL, NULL};
	guint i = 1;
	if (self->scope == HERMES_SYSTEMD_SCOPE_USER)
		argv[i++] = "--user";
	argv[i++] = verb;
	argv[i] = unit;
	return hermes_render_step_new_command(argv, description);
}

static const gchar *
hermes_systemd_command_verb(HermesRenderStep *step)
{
	const gchar *const *argv = hermes_render_step_get_argv(step);
	return g_strcmp0(argv[1], "--user") == 0 ? argv[2] : argv[1];
}

static gboolean
hermes_systemd_manager_need_unit(HermesSystemdManager *self,
				 const gchar *profile,
				 const gchar *path,
				 GError **error)
{
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_REGISTERED,
		    "gateway '%s' is not registered with systemd (no %s)",
		    profile,
		    path);
	return FALSE;
}

static gboolean
hermes_systemd_manager_ensure_bus(HermesSystemdManager *self,
				  GCancellable *cancellable,
				  GError **error)
{
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	if (self->bus != NULL && !g_dbus_connection_is_closed(self->bus->connection))
		return TRUE;
	/* the manager went away (daemon-reexec, logout): subscriptions died with it */
	g_hash_table_remove_all(self->watches);
	g_clear_pointer(&self->bus, hermes_systemd_bus_free);
	endpoints = hermes_systemd_endpoints_new(self->ctx, self->scope, self->uid);
	self->bus = hermes_systemd_bus_connect(endpoints, TRUE, cancellable, error);
	return self->bus != NULL;
}

static const gchar *
hermes_systemd_manager_linger(HermesSystemdManager *self)
{
	if (self->scope != HERMES_SYSTEMD_SCOPE_USER)
		return NULL;
	if (self->linger == NULL)
		self->linger = g_strdup(hermes_systemd_linger_check(
			self->ctx, self->user, self->uid, &self->linger_source));
	return self->linger;
}

static gboolean
hermes_systemd_manager_read(HermesSystemdManager *self,
			    const gchar *unit,
			    HermesSystemdUnitFacts *facts,
			    GCancellable *cancellable,
			    GError **error)
{
	if (!hermes_systemd_bus_read_unit(self->bus, unit, facts, cancellable, error)) {
		g_prefix_error(error, "cannot read %s: ", unit);
		return FALSE;
	}
	return TRUE;
}

/* the unit file exists; systemd must also have loaded exactly that file */
static gboolean
hermes_systemd_manager_check_loaded(HermesSystemdManager *self,
				    const gchar *path,
				    const HermesSystemdUnitFacts *facts,
				    GError **error)
{
	if (g_strcmp0(facts->load_state, "loaded") == 0)
		return TRUE;
	if (g_strcmp0(facts->load_state, "not-found") == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "systemd does not see %s: %s is not on the unit search path of %s "
			    "(a different XDG_CONFIG_HOME?)",
			    path,
			    self->unit_dir,
			    self->bus->description);
		return FALSE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_DATA,
		    "systemd cannot load %s (load state %s)",
		    path,
		    facts->load_state != NULL ? facts->load_state : "unknown");
	return FALSE;
}

static gboolean
hermes_systemd_manager_reload(HermesSystemdManager *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GVariant) reply =
		hermes_systemd_bus_call(self->bus, "Reload", NULL, NULL, cancellable, error);
	if (reply == NULL) {
		g_prefix_error(error, "daemon-reload: ");
		return FALSE;
	}
	return TRUE;
}

static void
hermes_systemd_manager_reset_failed(HermesSystemdManager *self, const gchar *unit)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GVariant) reply = hermes_systemd_bus_call(
		self->bus, "ResetFailedUnit", g_variant_new("(s)", unit), NULL, NULL, &error_local);
	if (reply == NULL)
		g_debug("ResetFailedUnit %s: %s", unit, error_local->message);
}

/*****************************************************************************/
/* status */

static HermesGatewayStatus *
hermes_systemd_manager_status_of(HermesSystemdManager *self,
				 const gchar *profile,
				 GCancellable *cancellable,
				 GError **error)
{
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	HermesGatewayStatus *status;
	const gchar *linger;

	if (!hermes_systemd_manager_need_unit(self, profile, path, error))
		return NULL;
	if (!hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return NULL;
	if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
		return NULL;
	status = hermes_systemd_status_to_gateway(profile, &facts);
	hermes_gateway_status_set_raw(
		status, "systemd.scope", hermes_systemd_scope_to_string(self->scope));
	linger = hermes_systemd_manager_linger(self);
	if (linger != NULL)
		hermes_gateway_status_set_raw(status, "systemd.linger", linger);
	if (g_strcmp0(linger, "no") == 0) {
		g_autofree gchar *fix = hermes_systemd_linger_fix(self->user);
		hermes_gateway_status_set_raw(status, "systemd.linger_fix", fix);
	}
	if (g_strcmp0(facts.load_state, "loaded") != 0) {
		g_autoptr(GError) why = NULL;
		hermes_systemd_manager_check_loaded(self, path, &facts, &why);
		hermes_gateway_status_set_raw(status, "systemd.reason", why->message);
	}
	return status;
}

/*****************************************************************************/
/* events for status consumers: no polling */

typedef struct {
	HermesSystemdManager *self;
	gchar *profile;
	GDBusConnection *connection;
	guint id;
} HermesSystemdWatch;

static void
hermes_systemd_watch_free(gpointer data)
{
	HermesSystemdWatch *watch = data;
	if (watch->id != 0)
		g_dbus_connection_signal_unsubscribe(watch->connection, watch->id);
	g_clear_object(&watch->connection);
	g_free(watch->profile);
	g_free(watch);
}

static gboolean
hermes_systemd_manager_has_listeners(HermesSystemdManager *self)
{
	guint signal_id = g_signal_lookup("gateway-changed", HERMES_TYPE_SERVICE_MANAGER);
	return g_signal_has_handler_pending(self, signal_id, 0, TRUE);
}

static void
hermes_systemd_manager_emit(HermesSystemdManager *self, const gchar *profile)
{
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autoptr(GError) error_local = NULL;
	if (!hermes_systemd_manager_has_listeners(self))
		return;
	status = hermes_systemd_manager_status_of(self, profile, NULL, &error_local);
	if (status == NULL &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED)) {
		/* a transient read error is no news; the next change brings a status */
		g_debug("no status for %s: %s", profile, error_local->message);
		return;
	}
	hermes_service_manager_emit_gateway_changed(HERMES_SERVICE_MANAGER(self), profile, status);
}

static void
hermes_systemd_manager_properties_changed_cb(GDBusConnection *connection,
					     const gchar *sender,
					     const gchar *path,
					     const gchar *iface,
					     const gchar *signal,
					     GVariant *params,
					     gpointer user_data)
{
	HermesSystemdWatch *watch = user_data;
	const gchar *changed = NULL;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	g_variant_get_child(params, 0, "&s", &changed);
	if (g_strcmp0(changed, HERMES_SYSTEMD_UNIT_IFACE) != 0 &&
	    g_strcmp0(changed, HERMES_SYSTEMD_SERVICE_IFACE) != 0)
		return;
	hermes_systemd_manager_emit(watch->self, watch->profile);
}

/* PropertiesChanged of the unit object, only when someone listens */
static void
hermes_systemd_manager_watch_unit(HermesSystemdManager *self, const gchar *profile)
{
	g_autofree gchar *unit = NULL;
	g_autofree gchar *object_path = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesSystemdWatch *watch;

	if (g_hash_table_contains(self->watches, profile) ||
	    !hermes_systemd_manager_has_listeners(self))
		return;
	/* no unit file, nothing to watch: loading it would only make systemd invent one */
	{
		g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return;
	}
	if (!hermes_systemd_manager_ensure_bus(self, NULL, &error_local)) {
		g_debug("no events for %s: %s", profile, error_local->message);
		return;
	}
	unit = hermes_systemd_unit_name(profile);
	/* the object path of a unit never changes, also across unloading */
	object_path = hermes_systemd_bus_load_unit(self->bus, unit, NULL, &error_local);
	if (object_path == NULL) {
		g_debug("no events for %s: %s", profile, error_local->message);
		return;
	}
	watch = g_new0(HermesSystemdWatch, 1);
	watch->self = self;
	watch->profile = g_strdup(profile);
	watch->connection = g_object_ref(self->bus->connection);
	/* delivered where the listener runs, whatever context this call happens in */
	g_main_context_push_thread_default(self->context);
	watch->id = g_dbus_connection_signal_subscribe(watch->connection,
						       self->bus->dest,
						       "org.freedesktop.DBus.Properties",
						       "PropertiesChanged",
						       object_path,
						       NULL,
						       G_DBUS_SIGNAL_FLAGS_NONE,
						       hermes_systemd_manager_properties_changed_cb,
						       watch,
						       NULL);
	g_main_context_pop_thread_default(self->context);
	g_hash_table_insert(self->watches, g_strdup(profile), watch);
}

static void
hermes_systemd_manager_unit_dir_changed_cb(GFileMonitor *monitor,
					   GFile *file,
					   GFile *other,
					   GFileMonitorEvent event,
					   gpointer user_data)
{
	HermesSystemdManager *self = user_data;
	g_autofree gchar *name = NULL;
	g_autofree gchar *profile = NULL;
	g_autofree gchar *path = NULL;
	GFile *subject = file;

	/* an atomic write is a rename of a temporary file onto the unit */
	if (event == G_FILE_MONITOR_EVENT_RENAMED && other != NULL)
		subject = other;
	name = g_file_get_basename(subject);
	profile = hermes_systemd_profile_from_unit(name);
	if (profile == NULL)
		return;
	path = hermes_systemd_manager_unit_path(self, profile);
	switch (event) {
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_RENAMED:
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_OUT:
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			hermes_systemd_manager_watch_unit(self, profile);
			hermes_systemd_manager_emit(self, profile);
		} else if (g_hash_table_remove(self->watches, profile)) {
			hermes_service_manager_emit_gateway_changed(
				HERMES_SERVICE_MANAGER(self), profile, NULL);
		}
		break;
	case G_FILE_MONITOR_EVENT_CHANGED:
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
	case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
	case G_FILE_MONITOR_EVENT_UNMOUNTED:
	case G_FILE_MONITOR_EVENT_MOVED:
	default:
		break;
	}
}

static void
hermes_systemd_manager_watch_unit_dir(HermesSystemdManager *self)
{
	g_autoptr(GFile) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	if (self->monitor != NULL || !hermes_systemd_manager_has_listeners(self) ||
	    !g_file_test(self->unit_dir, G_FILE_TEST_IS_DIR))
		return;
	dir = g_file_new_for_path(self->unit_dir);
	g_main_context_push_thread_default(self->context);
	self->monitor =
		g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error_local);
	g_main_context_pop_thread_default(self->context);
	if (self->monitor == NULL) {
		g_debug("cannot watch %s: %s", self->unit_dir, error_local->message);
		return;
	}
	g_signal_connect(self->monitor,
			 "changed",
			 G_CALLBACK(hermes_systemd_manager_unit_dir_changed_cb),
			 self);
}

/*****************************************************************************/
/* start, stop, restart: a job, JobRemoved, then what the unit became */

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
		restarted = facts.main_pid != pid || facts.n_restarts != restarts;
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

static gboolean
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

static gboolean
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

static gboolean
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

static gboolean
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
static gboolean
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

/*****************************************************************************/
/* registration: render is the plan, register executes exactly that plan */

static gchar *
hermes_systemd_group_name(guint32 gid, GError **error)
{
	struct group grp;
	struct group *result = NULL;
	gchar buf[8192];
	gint rc = getgrgid_r((gid_t)gid, &grp, buf, sizeof(buf), &result);
	if (rc != 0 || result == NULL) {
		hermes_error_set_errno(error, rc != 0 ? rc : ENOENT, "no group with gid %u", gid);
		return NULL;
	}
	return g_strdup(result->gr_name);
}

static GPtrArray *
hermes_systemd_manager_plan(HermesSystemdManager *self,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GError **error)
{
	g_autoptr(GPtrArray) steps =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_render_step_unref);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	const gchar *user = hermes_gateway_spec_get_user(spec);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *group = NULL;
	g_autofree gchar *text = NULL;
	HermesSystemdRenderOptions opts = {self->scope, self->root, NULL};

	if (self->scope == HERMES_SYSTEMD_SCOPE_SYSTEM && user != NULL) {
		/* resolved now, never a hard-coded id: images remap it */
		g_autoptr(HermesUser) pw = hermes_platform_lookup_user(user, error);
		if (pw == NULL) {
			g_prefix_error(error, "run-as user: ");
			return NULL;
		}
		group = hermes_systemd_group_name(pw->gid, error);
		if (group == NULL)
			return NULL;
		opts.group = group;
	}
	text = hermes_systemd_render_unit(&opts, spec, error);
	if (text == NULL)
		return NULL;
	g_ptr_array_add(steps, hermes_render_step_new_directory(self->unit_dir, 0755));
	g_ptr_array_add(steps, hermes_render_step_new_file(path, 0644, text));
	g_ptr_array_add(steps,
			hermes_systemd_manager_command(
				self,
				"daemon-reload",
				NULL,
				"done in-process: org.freedesktop.systemd1.Manager.Reload()"));
	if (flags & HERMES_REGISTER_FLAG_ENABLE)
		g_ptr_array_add(steps,
				hermes_systemd_manager_command(
					self,
					"enable",
					unit,
					"done in-process: EnableUnitFiles(), then Reload()"));
	if (flags & HERMES_REGISTER_FLAG_START)
		g_ptr_array_add(
			steps,
			hermes_systemd_manager_command(
				self,
				"start",
				unit,
				"done in-process: StartUnit(replace), waiting for JobRemoved"));
	return g_steal_pointer(&steps);
}

static gboolean
hermes_systemd_manager_enable(HermesSystemdManager *self,
			      const gchar *unit,
			      GCancellable *cancellable,
			      GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	const gchar *units[] = {unit, NULL};
	reply = hermes_systemd_bus_call(self->bus,
					"EnableUnitFiles",
					g_variant_new("(^asbb)", units, FALSE, TRUE),
					"(ba(sss))",
					cancellable,
					error);
	if (reply == NULL) {
		g_prefix_error(error, "enable %s: ", unit);
		return FALSE;
	}
	/* the bare D-Bus call does not reload, unlike systemctl enable */
	return hermes_systemd_manager_reload(self, cancellable, error);
}

static gboolean
hermes_systemd_manager_register_gateway(HermesServiceManager *manager,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *existing = NULL;
	g_autoptr(GPtrArray) steps = NULL;
	gboolean changed = TRUE;
	gboolean rescan = (flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0;

	steps = hermes_systemd_manager_plan(self, spec, flags, error);
	if (steps == NULL)
		return FALSE;
	/* a unit dir is the user's: a link, FIFO or huge file there is not our unit */
	existing = hermes_safe_file_read(NULL, path, HERMES_SAFE_MAX_TEXT, NULL, NULL);
	if (existing != NULL) {
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
	/* nothing is written while the manager cannot be told about it */
	if ((rescan || (flags & (HERMES_REGISTER_FLAG_ENABLE | HERMES_REGISTER_FLAG_START))) &&
	    !hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return FALSE;
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		const gchar *target = hermes_render_step_get_path(step);
		switch (hermes_render_step_get_kind(step)) {
		case HERMES_RENDER_STEP_DIRECTORY:
			if (g_mkdir_with_parents(target, (gint)hermes_render_step_get_mode(step)) !=
			    0) {
				hermes_error_set_errno(error, errno, "cannot create %s", target);
				return FALSE;
			}
			break;
		case HERMES_RENDER_STEP_FILE:
			/* an identical unit is left alone: no write, no reload */
			changed = existing == NULL ||
				  g_strcmp0(existing, hermes_render_step_get_contents(step)) != 0;
			g_free(self->last_install);
			self->last_install = g_strdup(existing == NULL ? "created"
						      : changed	       ? "updated"
								       : "unchanged");
			g_debug("%s: %s", path, self->last_install);
			if (changed &&
			    !hermes_file_write_atomic(target,
						      hermes_render_step_get_contents(step),
						      -1,
						      hermes_render_step_get_mode(step),
						      error))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_COMMAND: {
			const gchar *verb = hermes_systemd_command_verb(step);
			if (g_strcmp0(verb, "daemon-reload") == 0) {
				g_auto(HermesSystemdUnitFacts) facts = {NULL};
				if (!rescan)
					break;
				if (!changed) {
					/* identical, and systemd has it already: a no-op */
					if (!hermes_systemd_manager_read(
						    self, unit, &facts, cancellable, error))
						return FALSE;
					if (!facts.need_daemon_reload &&
					    g_strcmp0(facts.load_state, "loaded") == 0)
						break;
					hermes_systemd_unit_facts_clear(&facts);
				}
				if (!hermes_systemd_manager_reload(self, cancellable, error) ||
				    !hermes_systemd_manager_read(
					    self, unit, &facts, cancellable, error) ||
				    !hermes_systemd_manager_check_loaded(self, path, &facts, error))
					return FALSE;
			} else if (g_strcmp0(verb, "enable") == 0) {
				if (!hermes_systemd_manager_enable(self, unit, cancellable, error))
					return FALSE;
			} else if (g_strcmp0(verb, "start") == 0) {
				if (!hermes_systemd_manager_bring_up(
					    self, profile, cancellable, error))
					return FALSE;
			}
			break;
		}
		default:
			break;
		}
	}
	if (changed) {
		hermes_systemd_manager_watch_unit(self, profile);
		hermes_systemd_manager_emit(self, profile);
	}
	return TRUE;
}

static gboolean
hermes_systemd_manager_unregister_gateway(HermesServiceManager *manager,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *units[] = {unit, NULL};

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	/* a gateway must be stopped before its unit goes, so the manager is needed */
	if (!hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return FALSE;
	if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
		return FALSE;
	if (facts.main_pid != 0 || (g_strcmp0(facts.active_state, "inactive") != 0 &&
				    g_strcmp0(facts.active_state, "failed") != 0)) {
		if (!hermes_systemd_manager_bring_down(self, profile, &facts, cancellable, error))
			return FALSE;
	}
	reply = hermes_systemd_bus_call(self->bus,
					"DisableUnitFiles",
					g_variant_new("(^asb)", units, FALSE),
					"(a(sss))",
					cancellable,
					&error_local);
	if (reply == NULL)
		g_debug("DisableUnitFiles %s: %s", unit, error_local->message);
	/* a failed unit stays loaded until it is reset, and with it its state */
	hermes_systemd_manager_reset_failed(self, unit);
	g_hash_table_remove(self->watches, profile);
	if (g_unlink(path) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s", path);
		return FALSE;
	}
	if (!hermes_systemd_manager_reload(self, cancellable, error))
		return FALSE;
	if (hermes_systemd_manager_has_listeners(self))
		hermes_service_manager_emit_gateway_changed(manager, profile, NULL);
	return TRUE;
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
	if (self->monitor != NULL) {
		g_file_monitor_cancel(self->monitor);
		g_object_unref(self->monitor);
	}
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

/*****************************************************************************/
/* detection */

/*
 * sd_booted() decides, and the score does not drop when the manager does
 * not answer: a systemd host then reports why (and the fix) instead of
 * silently falling back to another backend.
 */
static guint
hermes_systemd_probe(HermesContext *ctx, gchar **reason)
{
	g_autofree gchar *dir = hermes_context_build_path(ctx, "/run/systemd/system");
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autoptr(HermesSystemdBus) bus = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	HermesSystemdScope scope = HERMES_SYSTEMD_SCOPE_USER;
	const gchar *why_scope;

	if (g_strcmp0(hermes_context_get_os(ctx), "linux") != 0) {
		*reason =
			g_strdup_printf("not Linux (this host is %s)", hermes_context_get_os(ctx));
		return HERMES_BACKEND_SCORE_NONE;
	}
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		*reason = g_strdup_printf("%s does not exist: systemd is not PID 1", dir);
		return HERMES_BACKEND_SCORE_NONE;
	}
	g_string_append_printf(out, "%s exists: systemd is PID 1", dir);
	if (!hermes_systemd_scope_from_env(ctx, &scope, &error_local)) {
		g_string_append_printf(out, ", but %s", error_local->message);
		*reason = g_string_free(g_steal_pointer(&out), FALSE);
		return HERMES_BACKEND_SCORE_HOST;
	}
	why_scope =
		scope == HERMES_SYSTEMD_SCOPE_SYSTEM
			? "system scope (HERMES_SYSTEMD_SCOPE=system)"
			: "user scope (the default; HERMES_SYSTEMD_SCOPE=system picks the system "
			  "manager)";
	endpoints = hermes_systemd_endpoints_new(ctx, scope, hermes_platform_get_euid());
	bus = hermes_systemd_bus_connect(endpoints, FALSE, NULL, &error_local);
	if (bus == NULL) {
		g_string_append_printf(out, "; %s, but %s", why_scope, error_local->message);
		*reason = g_string_free(g_steal_pointer(&out), FALSE);
		return HERMES_BACKEND_SCORE_HOST;
	}
	{
		g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);
		g_autofree gchar *version = hermes_systemd_bus_get_version(bus, NULL);
		g_autofree gchar *notes = hermes_systemd_join(endpoints->notes);
		g_string_append_printf(out,
				       "; %s: %s (systemd %s) answers on %s",
				       why_scope,
				       who,
				       version != NULL ? version : "?",
				       bus->description);
		if (notes[0] != '\0')
			g_string_append_printf(out, " (%s)", notes);
	}
	if (scope == HERMES_SYSTEMD_SCOPE_USER) {
		g_autofree gchar *source = NULL;
		const gchar *linger =
			hermes_systemd_linger_check(ctx, endpoints->user, endpoints->uid, &source);
		if (g_strcmp0(linger, "yes") == 0) {
			g_string_append_printf(out, "; linger is on (%s)", source);
		} else {
			g_autofree gchar *fix = hermes_systemd_linger_fix(endpoints->user);
			g_string_append_printf(out,
					       "; linger is off (%s): gateways stop at logout and "
					       "do not start at boot; fix: %s",
					       source,
					       fix);
		}
	} else if (endpoints->uid != 0) {
		g_string_append(out, "; changing system units needs root");
	}
	*reason = g_string_free(g_steal_pointer(&out), FALSE);
	return HERMES_BACKEND_SCORE_HOST;
}

HERMES_BACKEND_DEFINE("systemd",
		      PACKAGE_VERSION,
		      hermes_systemd_manager_get_type,
		      hermes_systemd_probe)
