/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The object behind hermes-svcd: the gateways of one backend as D-Bus
 * objects under /ai/hermes/ServiceManager1 (an ObjectManager), kept
 * current by the backend's gateway-changed signal and, for profiles that
 * have no slot yet, a monitor on the profiles directory. Nothing polls.
 *
 * The rows are those of `hermes status`: every registered gateway, plus
 * every profile without one where the backend registers at run time, each
 * the properties of its HermesGatewayReport (problems and all).
 *
 * Start/Stop/Restart are for root and the owner of the profile's home,
 * checked with the caller's uid from the bus. They run one at a time in a
 * worker thread, so the service keeps answering (and signalling) while a
 * supervisor takes its time, through HermesGatewayControl, exactly as
 * `hermes gateway start|stop|restart` does.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-dbus-generated.h"
#include "hermes-error.h"
#include "hermes-gateway-control.h"
#include "hermes-gateway-report.h"
#include "hermes-profile.h"
#include "hermes-status-service-private.h"
#include "hermes-status-service.h"

#define HERMES_STATUS_SERVICE_GATEWAY_PREFIX HERMES_STATUS_SERVICE_OBJECT_PATH "/gateway/"

G_DEFINE_FINAL_TYPE(HermesStatusService, hermes_status_service, G_TYPE_OBJECT)

enum {
	SIGNAL_REPORT_CHANGED,
	SIGNAL_LAST
};
static guint hermes_status_service_signals[SIGNAL_LAST];

static void
hermes_status_service_watch_profiles(HermesStatusService *self);

/*****************************************************************************/
/* one row, as `hermes status` shows it */

/* the profile's home when it has one on disk */
gchar *
hermes_status_service_home(HermesStatusService *self, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(self->ctx, profile, NULL);
	if (p == NULL || !g_file_test(hermes_profile_get_home(p), G_FILE_TEST_IS_DIR))
		return NULL;
	return g_strdup(hermes_profile_get_home(p));
}

gboolean
hermes_status_service_profile_exists(HermesStatusService *self, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(self->ctx, profile, NULL);
	return p != NULL && hermes_profile_exists(p);
}

static void
hermes_status_service_refresh_root(HermesStatusService *self)
{
	g_autofree gchar *detail = NULL;
	gboolean running = FALSE;
	gint64 pid = -1;
	if (self->root == NULL)
		return;
	if (!hermes_service_manager_supervisor_status(
		    self->manager, &running, &pid, &detail, NULL, NULL)) {
		g_clear_pointer(&detail, g_free);
		running = FALSE;
	}
	hermes_dbus_service_manager1_set_supervisor(self->root, detail != NULL ? detail : "");
	hermes_dbus_service_manager1_set_supervisor_running(self->root, running);
}

/*****************************************************************************/
/* the object tree */

/**
 * hermes_status_service_gateway_path:
 * @profile: a profile name
 *
 * Returns: (transfer full): the D-Bus object path of the gateway of @profile
 */
gchar *
hermes_status_service_gateway_path(const gchar *profile)
{
	g_autofree gchar *escaped = NULL;
	g_return_val_if_fail(profile != NULL, NULL);
	escaped = g_dbus_escape_object_path(profile);
	return g_strconcat(HERMES_STATUS_SERVICE_GATEWAY_PREFIX, escaped, NULL);
}

static void
hermes_status_service_remove(HermesStatusService *self, const gchar *profile)
{
	g_autofree gchar *name = g_strdup(profile);
	if (!g_hash_table_remove(self->reports, name))
		return;
	hermes_status_bus_row_removed(self, name);
	g_signal_emit(self, hermes_status_service_signals[SIGNAL_REPORT_CHANGED], 0, name, NULL);
}

/* the one place a row is added, updated or dropped: as @report (taken) says */
static void
hermes_status_service_show(HermesStatusService *self, HermesGatewayReport *report)
{
	g_autoptr(HermesGatewayReport) owned = report;
	const gchar *profile = hermes_gateway_report_get_profile(report);
	HermesGatewayReport *before;

	/* no status and no error: the profile has no slot */
	if (!hermes_gateway_report_get_registered(report) &&
	    hermes_gateway_report_propagate_error(report, NULL)) {
		/* only where slots are registered at run time is a missing one worth a row */
		if (!hermes_service_manager_supports_registration(self->manager) ||
		    !hermes_status_service_profile_exists(self, profile)) {
			hermes_status_service_remove(self, profile);
			return;
		}
	}
	if (self->owners != NULL)
		hermes_gateway_report_set_node(owned, g_hash_table_lookup(self->owners, profile));
	before = g_hash_table_lookup(self->reports, profile);
	if (before != NULL)
		hermes_status_bus_row_changed(self, before, owned);
	g_hash_table_replace(self->reports, g_strdup(profile), hermes_gateway_report_ref(owned));
	/* once in the table, so InterfacesAdded carries the whole row */
	if (before == NULL)
		hermes_status_bus_row_added(self, owned);
	g_signal_emit(
		self, hermes_status_service_signals[SIGNAL_REPORT_CHANGED], 0, profile, owned);
}

/*
 * One row read again. Its profile's .env is read again with it (a port
 * change shows on the next event of that gateway, as a restart after
 * editing it gives), and the rows whose port collisions that changed are
 * drawn again too; no other profile's files are read.
 */
void
hermes_status_service_refresh(HermesStatusService *self,
			      const gchar *profile,
			      HermesGatewayStatus *known)
{
	g_auto(GStrv) others = NULL;

	if (!hermes_profile_name_validate(profile, NULL))
		return;
	if (self->ports != NULL)
		others = hermes_port_table_update(self->ports, profile);
	hermes_status_service_show(self,
				   hermes_gateway_report_new_with_ports(
					   self->manager, profile, known, self->ports, NULL));
	for (guint i = 0; others != NULL && others[i] != NULL; i++) {
		if (g_hash_table_contains(self->reports, others[i]))
			hermes_status_service_show(
				self,
				hermes_gateway_report_new_with_ports(
					self->manager, others[i], NULL, self->ports, NULL));
	}
}

static void
hermes_status_service_gateway_changed_cb(HermesServiceManager *manager,
					 const gchar *profile,
					 HermesGatewayStatus *status,
					 gpointer user_data)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(user_data);
	/* without a status the slot is gone, or could not be read: ask, to tell which */
	hermes_status_service_refresh(self, profile, status);
	hermes_status_service_refresh_root(self);
}

static void
hermes_status_service_profiles_changed_cb(GFileMonitor *monitor,
					  GFile *file,
					  GFile *other,
					  GFileMonitorEvent event,
					  gpointer user_data)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(user_data);
	GFile *subjects[] = {file, other};

	switch (event) {
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_MOVED_OUT:
	case G_FILE_MONITOR_EVENT_RENAMED:
		break;
	case G_FILE_MONITOR_EVENT_CHANGED:
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
	case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
	case G_FILE_MONITOR_EVENT_UNMOUNTED:
	case G_FILE_MONITOR_EVENT_MOVED:
	default:
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(subjects); i++) {
		g_autofree gchar *name = NULL;
		if (subjects[i] == NULL)
			continue;
		name = g_file_get_basename(subjects[i]);
		/* staging and removal trees are hidden, and so invalid names */
		if (hermes_profile_name_validate(name, NULL))
			hermes_status_service_refresh(self, name, NULL);
	}
}

static void
hermes_status_service_scan_profiles(HermesStatusService *self)
{
	g_autoptr(GPtrArray) profiles = NULL;
	if (!hermes_service_manager_supports_registration(self->manager))
		return;
	profiles = hermes_profile_list(self->ctx, NULL);
	for (guint i = 0; profiles != NULL && i < profiles->len; i++) {
		HermesProfile *p = g_ptr_array_index(profiles, i);
		if (hermes_profile_exists(p) &&
		    !g_hash_table_contains(self->reports, hermes_profile_get_name(p)))
			hermes_status_service_refresh(self, hermes_profile_get_name(p), NULL);
	}
}

static void
hermes_status_service_root_changed_cb(GFileMonitor *monitor,
				      GFile *file,
				      GFile *other,
				      GFileMonitorEvent event,
				      gpointer user_data)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(user_data);
	if (self->profiles_monitor != NULL || !g_file_test(self->profiles_dir, G_FILE_TEST_IS_DIR))
		return;
	/* profiles/ appeared: watch it instead, and pick up what is in it already */
	hermes_status_service_watch_profiles(self);
	hermes_status_service_scan_profiles(self);
}

static GFileMonitor *
hermes_status_service_monitor(HermesStatusService *self, const gchar *path, GCallback cb)
{
	g_autoptr(GFile) dir = g_file_new_for_path(path);
	g_autoptr(GError) error_local = NULL;
	GFileMonitor *monitor =
		g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error_local);
	if (monitor == NULL) {
		g_debug("cannot watch %s: %s", path, error_local->message);
		return NULL;
	}
	g_signal_connect(monitor, "changed", cb, self);
	return monitor;
}

static void
hermes_status_service_cancel_monitor(GFileMonitor **monitor)
{
	if (*monitor == NULL)
		return;
	g_signal_handlers_disconnect_matched(*monitor, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, NULL);
	g_file_monitor_cancel(*monitor);
	g_clear_object(monitor);
}

/*
 * Profiles without a slot are rows too, so their directory is watched.
 * A monitor on a missing directory would poll for it; watch the root
 * until profiles/ exists instead (and nothing while the root is missing).
 */
static void
hermes_status_service_watch_profiles(HermesStatusService *self)
{
	if (!hermes_service_manager_supports_registration(self->manager))
		return;
	if (g_file_test(self->profiles_dir, G_FILE_TEST_IS_DIR)) {
		hermes_status_service_cancel_monitor(&self->root_monitor);
		if (self->profiles_monitor == NULL)
			self->profiles_monitor = hermes_status_service_monitor(
				self,
				self->profiles_dir,
				G_CALLBACK(hermes_status_service_profiles_changed_cb));
		return;
	}
	if (self->root_monitor == NULL && g_file_test(self->root_dir, G_FILE_TEST_IS_DIR))
		self->root_monitor = hermes_status_service_monitor(
			self, self->root_dir, G_CALLBACK(hermes_status_service_root_changed_cb));
}

/**
 * hermes_status_service_export:
 * @self: a #HermesStatusService
 * @connection: (nullable): where to export the objects; %NULL for none
 *   (`hermes-svcd --no-bus`: the rows serve the web door alone)
 * @error: return location for a #GError
 *
 * Builds the object tree from the backend and exports it at
 * `/ai/hermes/ServiceManager1` on @connection; from then on it follows the
 * backend's events. Call it once, from the thread whose main context runs
 * the service. Owning the bus name is the caller's business, after this.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_status_service_export(HermesStatusService *self, GDBusConnection *connection, GError **error)
{
	g_autoptr(GPtrArray) reports = NULL;
	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(self), FALSE);
	g_return_val_if_fail(connection == NULL || G_IS_DBUS_CONNECTION(connection), FALSE);
	g_return_val_if_fail(self->root == NULL, FALSE);

	self->root = hermes_dbus_service_manager1_skeleton_new();
	hermes_dbus_service_manager1_set_backend(self->root,
						 hermes_service_manager_get_name(self->manager));
	hermes_dbus_service_manager1_set_backend_mode(
		self->root,
		hermes_service_manager_get_mode(self->manager) != NULL
			? hermes_service_manager_get_mode(self->manager)
			: "");
	hermes_dbus_service_manager1_set_version(self->root, PACKAGE_VERSION);
	hermes_status_service_refresh_root(self);

	/* listening first makes the backend subscribe to every slot it lists */
	self->changed_id = g_signal_connect(self->manager,
					    "gateway-changed",
					    G_CALLBACK(hermes_status_service_gateway_changed_cb),
					    self);
	/* watching first: a profile made while the rows are built is seen after */
	hermes_status_service_watch_profiles(self);
	/* the rows of `hermes status`, every .env read once for all of them */
	self->ports = hermes_port_table_new(self->ctx, NULL);
	reports = hermes_gateway_report_collect_with_ports(self->manager, self->ports, NULL, error);
	if (reports == NULL) {
		hermes_status_service_unexport(self);
		return FALSE;
	}
	for (guint i = 0; i < reports->len; i++)
		hermes_status_service_show(
			self, hermes_gateway_report_ref(g_ptr_array_index(reports, i)));

	/* no bus (hermes-svcd --no-bus): the rows serve the other doors alone */
	if (connection == NULL)
		return TRUE;
	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(self->root),
					      connection,
					      HERMES_STATUS_SERVICE_OBJECT_PATH,
					      error)) {
		hermes_status_service_unexport(self);
		hermes_error_convert(error);
		return FALSE;
	}
	/* the object manager and the gateways (hermes-status-bus.c) */
	if (!hermes_status_bus_export(self, connection, error)) {
		hermes_status_service_unexport(self);
		hermes_error_convert(error);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_status_service_unexport:
 * @self: a #HermesStatusService
 *
 * Stops following the backend, answers the control calls still queued
 * with an error, waits for the one running (iterating the service's main
 * context) and removes the objects from the bus.
 */
void
hermes_status_service_unexport(HermesStatusService *self)
{
	HermesStatusAction *action;
	g_return_if_fail(HERMES_IS_STATUS_SERVICE(self));

	self->closing = TRUE;
	g_clear_signal_handler(&self->changed_id, self->manager);
	hermes_status_service_cancel_monitor(&self->profiles_monitor);
	hermes_status_service_cancel_monitor(&self->root_monitor);
	while ((action = g_queue_pop_head(&self->queue)) != NULL)
		hermes_status_action_shut_down(action);
	/* the caller waits for answers; and the worker for the supervisor */
	while (self->running != NULL || self->lookups > 0)
		g_main_context_iteration(self->context, TRUE);
	g_ptr_array_set_size(self->settles, 0);
	if (self->root != NULL) {
		if (g_dbus_interface_skeleton_get_connection(
			    G_DBUS_INTERFACE_SKELETON(self->root)) != NULL)
			g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(self->root));
		g_clear_object(&self->root);
	}
	hermes_status_bus_unexport(self);
	g_hash_table_remove_all(self->reports);
	g_clear_object(&self->ports);
}

static gint
hermes_status_service_report_cmp(gconstpointer a, gconstpointer b)
{
	const HermesGatewayReport *ra = *(HermesGatewayReport *const *)a;
	const HermesGatewayReport *rb = *(HermesGatewayReport *const *)b;
	/* as `hermes status` orders them: default first, then by name */
	return hermes_profile_name_compare(hermes_gateway_report_get_profile(ra),
					   hermes_gateway_report_get_profile(rb));
}

/**
 * hermes_status_service_set_owners:
 * @self: a #HermesStatusService
 * @owners: (transfer full) (nullable): profile -> the cluster node that owns it
 *
 * Every row names its owning node from now on; a row whose node changed is
 * announced as changed (the dashboard's stream shows it).
 */
void
hermes_status_service_set_owners(HermesStatusService *self, GHashTable *owners)
{
	GHashTableIter iter;
	gpointer key;
	gpointer value;

	g_return_if_fail(HERMES_IS_STATUS_SERVICE(self));
	g_clear_pointer(&self->owners, g_hash_table_unref);
	self->owners = owners;
	g_hash_table_iter_init(&iter, self->reports);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const gchar *node = owners != NULL ? g_hash_table_lookup(owners, key) : NULL;
		if (g_strcmp0(node, hermes_gateway_report_get_node(value)) == 0)
			continue;
		hermes_gateway_report_set_node(value, node);
		g_signal_emit(
			self, hermes_status_service_signals[SIGNAL_REPORT_CHANGED], 0, key, value);
	}
}

/**
 * hermes_status_service_dup_reports:
 * @self: a #HermesStatusService
 *
 * Returns: (transfer container) (element-type HermesGatewayReport): the rows
 *   as exported, in the order of `hermes status`
 */
GPtrArray *
hermes_status_service_dup_reports(HermesStatusService *self)
{
	GPtrArray *reports;
	GHashTableIter iter;
	gpointer value;
	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(self), NULL);
	reports = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_gateway_report_unref);
	g_hash_table_iter_init(&iter, self->reports);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(reports, hermes_gateway_report_ref(value));
	g_ptr_array_sort(reports, hermes_status_service_report_cmp);
	return reports;
}

/**
 * hermes_status_service_lookup_report:
 * @self: a #HermesStatusService
 * @profile: a profile name
 *
 * Returns: (transfer full) (nullable): the row of @profile, if it has one
 */
HermesGatewayReport *
hermes_status_service_lookup_report(HermesStatusService *self, const gchar *profile)
{
	HermesGatewayReport *report;
	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(self), NULL);
	g_return_val_if_fail(profile != NULL, NULL);
	report = g_hash_table_lookup(self->reports, profile);
	return report != NULL ? hermes_gateway_report_ref(report) : NULL;
}

/**
 * hermes_status_service_get_n_gateways:
 * @self: a #HermesStatusService
 *
 * Returns: how many gateway objects are exported
 */
guint
hermes_status_service_get_n_gateways(HermesStatusService *self)
{
	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(self), 0);
	return g_hash_table_size(self->reports);
}

/**
 * hermes_status_service_get_manager:
 * @self: a #HermesStatusService
 *
 * Returns: (transfer none): the backend the service speaks for
 */
HermesServiceManager *
hermes_status_service_get_manager(HermesStatusService *self)
{
	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(self), NULL);
	return self->manager;
}

/**
 * hermes_status_service_new:
 * @manager: the backend to publish, set up with its context
 *
 * Returns: (transfer full): a new status service; nothing is on the bus
 *   before hermes_status_service_export()
 */
HermesStatusService *
hermes_status_service_new(HermesServiceManager *manager)
{
	HermesStatusService *self;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	g_return_val_if_fail(hermes_service_manager_get_context(manager) != NULL, NULL);
	self = g_object_new(HERMES_TYPE_STATUS_SERVICE, NULL);
	self->manager = g_object_ref(manager);
	self->ctx = g_object_ref(hermes_service_manager_get_context(manager));
	/* a root daemon writes into a user's home as that user */
	self->control = hermes_gateway_control_new(manager);
	hermes_gateway_control_set_flags(self->control, HERMES_GATEWAY_CONTROL_FLAG_AS_HOME_OWNER);
	self->root_dir = hermes_profile_get_root(self->ctx);
	self->profiles_dir = g_build_filename(self->root_dir, "profiles", NULL);
	return self;
}

static void
hermes_status_service_dispose(GObject *object)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(object);
	/* every action holds a reference: nothing can be running here */
	if (self->root != NULL || self->connection != NULL)
		hermes_status_service_unexport(self);
	g_clear_signal_handler(&self->changed_id, self->manager);
	G_OBJECT_CLASS(hermes_status_service_parent_class)->dispose(object);
}

static void
hermes_status_service_finalize(GObject *object)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(object);
	g_hash_table_unref(self->reports);
	g_clear_pointer(&self->owners, g_hash_table_unref);
	g_ptr_array_unref(self->settles);
	g_clear_object(&self->control);
	g_clear_object(&self->manager);
	g_clear_object(&self->ctx);
	g_main_context_unref(self->context);
	g_free(self->root_dir);
	g_free(self->profiles_dir);
	G_OBJECT_CLASS(hermes_status_service_parent_class)->finalize(object);
}

static void
hermes_status_service_class_init(HermesStatusServiceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = hermes_status_service_dispose;
	object_class->finalize = hermes_status_service_finalize;

	/**
	 * HermesStatusService::report-changed:
	 * @self: the service
	 * @profile: the gateway's profile
	 * @report: (nullable): its row as now shown, %NULL when the row went away
	 *
	 * Emitted whenever a row is drawn again (on the backend's events, after
	 * an action, when a profile comes or goes): the other doors of the
	 * daemon (the web dashboard) follow this instead of the backend.
	 */
	hermes_status_service_signals[SIGNAL_REPORT_CHANGED] =
		g_signal_new("report-changed",
			     G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST,
			     0,
			     NULL,
			     NULL,
			     NULL,
			     G_TYPE_NONE,
			     2,
			     G_TYPE_STRING,
			     HERMES_TYPE_GATEWAY_REPORT);
}

static void
hermes_status_service_init(HermesStatusService *self)
{
	self->reports = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)hermes_gateway_report_unref);
	self->context = g_main_context_ref_thread_default();
	self->settles = g_ptr_array_new_with_free_func(hermes_status_settle_free);
	g_queue_init(&self->queue);
}
