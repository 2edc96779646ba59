/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The status service's gateways on the bus, without an object per gateway.
 *
 * A generated object skeleton and interface skeleton per gateway (two
 * GObjects, a GValue per property, GDBus's registration of each object)
 * cost about 8 KiB a gateway, and a GetManagedObjects built from them left
 * as much again behind in the allocator: 25-29 MiB with 1000 gateways. The
 * rows themselves (the HermesGatewayReports the service keeps anyway, for
 * its other doors) are the only per-gateway state here; every property
 * value is made from a row when it is needed (hermes-status-row.c), which
 * is rare next to how long a row lives. With 1000 gateways the daemon now
 * holds about 11 MiB after a GetManagedObjects:
 *
 *  - the gateways are one subtree (g_dbus_connection_register_subtree())
 *    at .../gateway whose nodes are the rows, all served by one vtable;
 *  - org.freedesktop.DBus.ObjectManager on the root object is ours, with
 *    GLib's introspection, so GetManagedObjects, InterfacesAdded and
 *    InterfacesRemoved are what GDBusObjectManagerServer sent;
 *  - PropertiesChanged carries what differs between a row and the one that
 *    replaces it, as the generated skeleton's setters did.
 *
 * What a client can tell apart: only the wording (not the name) of the
 * error for a call to a gateway or interface that is not there, which
 * GDBus phrases differently for a subtree.
 */

#include "config.h"

#ifdef HERMES_HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "hermes-dbus-generated.h"
#include "hermes-status-service-private.h"

#define HERMES_STATUS_BUS_SUBTREE_PATH	   HERMES_STATUS_SERVICE_OBJECT_PATH "/gateway"
#define HERMES_STATUS_BUS_MANAGER_IFACE	   "org.freedesktop.DBus.ObjectManager"
#define HERMES_STATUS_BUS_PROPERTIES_IFACE "org.freedesktop.DBus.Properties"

/*
 * GDBusObjectManagerServer's own description of the interface
 * (gio/gdbusobjectmanagerserver.c), field for field, so that introspecting
 * the root object reads as it did. (Parsed from XML, every argument would
 * get an empty list of annotations, and `<arg ...></arg>` instead of
 * `<arg .../>` in the introspection.)
 */
static const GDBusArgInfo hermes_status_bus_arg_path = {-1, "object_path", "o", NULL};
static const GDBusArgInfo hermes_status_bus_arg_added = {
	-1,
	"interfaces_and_properties",
	"a{sa{sv}}",
	NULL,
};
static const GDBusArgInfo hermes_status_bus_arg_removed = {-1, "interfaces", "as", NULL};
static const GDBusArgInfo hermes_status_bus_arg_objects = {
	-1,
	"object_paths_interfaces_and_properties",
	"a{oa{sa{sv}}}",
	NULL,
};
static const GDBusArgInfo *const hermes_status_bus_added_args[] = {
	&hermes_status_bus_arg_path,
	&hermes_status_bus_arg_added,
	NULL,
};
static const GDBusArgInfo *const hermes_status_bus_removed_args[] = {
	&hermes_status_bus_arg_path,
	&hermes_status_bus_arg_removed,
	NULL,
};
static const GDBusArgInfo *const hermes_status_bus_objects_args[] = {
	&hermes_status_bus_arg_objects,
	NULL,
};
static const GDBusSignalInfo hermes_status_bus_signal_added = {
	-1,
	"InterfacesAdded",
	(GDBusArgInfo **)hermes_status_bus_added_args,
	NULL,
};
static const GDBusSignalInfo hermes_status_bus_signal_removed = {
	-1,
	"InterfacesRemoved",
	(GDBusArgInfo **)hermes_status_bus_removed_args,
	NULL,
};
static const GDBusSignalInfo *const hermes_status_bus_manager_signals[] = {
	&hermes_status_bus_signal_added,
	&hermes_status_bus_signal_removed,
	NULL,
};
static const GDBusMethodInfo hermes_status_bus_method_objects = {
	-1,
	"GetManagedObjects",
	NULL,
	(GDBusArgInfo **)hermes_status_bus_objects_args,
	NULL,
};
static const GDBusMethodInfo *const hermes_status_bus_manager_methods[] = {
	&hermes_status_bus_method_objects,
	NULL,
};
static const GDBusInterfaceInfo hermes_status_bus_manager_info = {
	-1,
	HERMES_STATUS_BUS_MANAGER_IFACE,
	(GDBusMethodInfo **)hermes_status_bus_manager_methods,
	(GDBusSignalInfo **)hermes_status_bus_manager_signals,
	NULL,
	NULL,
};

/*****************************************************************************/
/* the rows behind the nodes */

/*
 * The row behind a node of the subtree. A node is the escaped profile
 * name, and only that spelling of it: "_61" is not the gateway "a".
 */
static HermesGatewayReport *
hermes_status_bus_lookup(HermesStatusService *self, const gchar *node)
{
	g_autofree gchar *profile = NULL;
	g_autofree gchar *escaped = NULL;
	HermesGatewayReport *report;

	if (node == NULL)
		return NULL;
	profile = (gchar *)g_dbus_unescape_object_path(node);
	if (profile == NULL)
		return NULL;
	report = g_hash_table_lookup(self->reports, profile);
	if (report == NULL)
		return NULL;
	escaped = g_dbus_escape_object_path(profile);
	return g_strcmp0(escaped, node) == 0 ? report : NULL;
}

static HermesGatewayReport *
hermes_status_bus_lookup_path(HermesStatusService *self, const gchar *object_path)
{
	return hermes_status_bus_lookup(self, strrchr(object_path, '/') + 1);
}

/*****************************************************************************/
/* the gateways: one subtree, one vtable */

/*
 * GDBus calls the subtree's enumerate/introspect/dispatch from an idle it
 * may run after the subtree is unregistered, and frees this only after
 * that; the service may be gone by then, so it is held weakly. (Method and
 * property calls need nothing of the kind: GDBus drops them once their
 * registration is gone.)
 */
typedef struct {
	GWeakRef self;
} HermesStatusBusLink;

static HermesStatusBusLink *
hermes_status_bus_link_new(HermesStatusService *self)
{
	HermesStatusBusLink *link = g_new0(HermesStatusBusLink, 1);
	g_weak_ref_init(&link->self, self);
	return link;
}

static HermesStatusService *
hermes_status_bus_link_get(gpointer data)
{
	HermesStatusBusLink *link = data;
	return g_weak_ref_get(&link->self);
}

static void
hermes_status_bus_link_free(gpointer data)
{
	HermesStatusBusLink *link = data;
	g_weak_ref_clear(&link->self);
	g_free(link);
}

static void
hermes_status_bus_gateway_method_cb(GDBusConnection *connection,
				    const gchar *sender,
				    const gchar *object_path,
				    const gchar *interface_name,
				    const gchar *method_name,
				    GVariant *parameters,
				    GDBusMethodInvocation *invocation,
				    gpointer user_data)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(user_data);
	HermesGatewayReport *report = hermes_status_bus_lookup_path(self, object_path);
	HermesGatewayAction verb = HERMES_GATEWAY_ACTION_RESTART;

	/* gone since GDBus dispatched the call: its answer for an unregistered object */
	if (report == NULL) {
		g_dbus_method_invocation_return_error(invocation,
						      G_DBUS_ERROR,
						      G_DBUS_ERROR_UNKNOWN_METHOD,
						      "No such interface “%s” on object at path %s",
						      interface_name,
						      object_path);
		return;
	}
	/* GDBus let through only the methods of the interface */
	if (g_strcmp0(method_name, "Start") == 0)
		verb = HERMES_GATEWAY_ACTION_START;
	else if (g_strcmp0(method_name, "Stop") == 0)
		verb = HERMES_GATEWAY_ACTION_STOP;
	hermes_status_service_handle_action(
		self, invocation, verb, hermes_gateway_report_get_profile(report));
}

static GVariant *
hermes_status_bus_gateway_get_cb(GDBusConnection *connection,
				 const gchar *sender,
				 const gchar *object_path,
				 const gchar *interface_name,
				 const gchar *property_name,
				 GError **error,
				 gpointer user_data)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(user_data);
	HermesGatewayReport *report = hermes_status_bus_lookup_path(self, object_path);
	GVariant *value;

	if (report == NULL) {
		g_set_error(error,
			    G_DBUS_ERROR,
			    G_DBUS_ERROR_UNKNOWN_METHOD,
			    "No such interface “%s” on object at path %s",
			    interface_name,
			    object_path);
		return NULL;
	}
	value = hermes_status_row_get(report, property_name);
	/* in the XML but not in hermes-status-row.c: hermes_status_row_names_match() said so */
	if (value == NULL)
		g_set_error(error,
			    G_DBUS_ERROR,
			    G_DBUS_ERROR_INVALID_ARGS,
			    "No such property “%s”",
			    property_name);
	return value;
}

/* GetAll is GDBus's, one get_property a property; nothing is writable */
static const GDBusInterfaceVTable hermes_status_bus_gateway_vtable = {
	hermes_status_bus_gateway_method_cb,
	hermes_status_bus_gateway_get_cb,
	NULL,
	{0},
};

/* only for introspecting .../gateway: the nodes, in the order of `hermes status` */
static gchar **
hermes_status_bus_enumerate_cb(GDBusConnection *connection,
			       const gchar *sender,
			       const gchar *object_path,
			       gpointer user_data)
{
	g_autoptr(HermesStatusService) self = hermes_status_bus_link_get(user_data);
	g_autoptr(GPtrArray) reports = NULL;
	GPtrArray *nodes = g_ptr_array_new();

	if (self != NULL)
		reports = hermes_status_service_dup_reports(self);
	for (guint i = 0; reports != NULL && i < reports->len; i++) {
		HermesGatewayReport *report = g_ptr_array_index(reports, i);
		g_ptr_array_add(
			nodes,
			g_dbus_escape_object_path(hermes_gateway_report_get_profile(report)));
	}
	g_ptr_array_add(nodes, NULL);
	return (gchar **)g_ptr_array_free(nodes, FALSE);
}

static GDBusInterfaceInfo **
hermes_status_bus_introspect_cb(GDBusConnection *connection,
				const gchar *sender,
				const gchar *object_path,
				const gchar *node,
				gpointer user_data)
{
	g_autoptr(HermesStatusService) self = hermes_status_bus_link_get(user_data);
	GDBusInterfaceInfo **infos;

	/* .../gateway itself is no object (GDBus lists its nodes), nor is a stranger */
	if (self == NULL || hermes_status_bus_lookup(self, node) == NULL)
		return NULL;
	infos = g_new0(GDBusInterfaceInfo *, 2);
	infos[0] = g_dbus_interface_info_ref(hermes_dbus_service_manager1_gateway_interface_info());
	return infos;
}

static const GDBusInterfaceVTable *
hermes_status_bus_dispatch_cb(GDBusConnection *connection,
			      const gchar *sender,
			      const gchar *object_path,
			      const gchar *interface_name,
			      const gchar *node,
			      gpointer *out_user_data,
			      gpointer user_data)
{
	g_autoptr(HermesStatusService) self = hermes_status_bus_link_get(user_data);
	if (self == NULL || hermes_status_bus_lookup(self, node) == NULL)
		return NULL;
	/* no reference: see HermesStatusBusLink */
	*out_user_data = self;
	return &hermes_status_bus_gateway_vtable;
}

static const GDBusSubtreeVTable hermes_status_bus_subtree_vtable = {
	hermes_status_bus_enumerate_cb,
	hermes_status_bus_introspect_cb,
	hermes_status_bus_dispatch_cb,
	{0},
};

/*
 * The subtree is registered only while it has a node: GDBus lists a
 * registered subtree as the root's child "gateway" even when it is empty,
 * which the root without gateways never had. Calls are dispatched to nodes
 * the enumeration was not asked for, so that no call costs a list of every
 * gateway; the introspect function turns away the nodes that are no row.
 */
static gboolean
hermes_status_bus_sync_subtree(HermesStatusService *self, GError **error)
{
	HermesStatusBusLink *link;

	if (self->connection == NULL)
		return TRUE;
	if (g_hash_table_size(self->reports) == 0) {
		if (self->subtree_id != 0)
			g_dbus_connection_unregister_subtree(self->connection, self->subtree_id);
		self->subtree_id = 0;
		return TRUE;
	}
	if (self->subtree_id != 0)
		return TRUE;
	link = hermes_status_bus_link_new(self);
	self->subtree_id = g_dbus_connection_register_subtree(
		self->connection,
		HERMES_STATUS_BUS_SUBTREE_PATH,
		&hermes_status_bus_subtree_vtable,
		G_DBUS_SUBTREE_FLAGS_DISPATCH_TO_UNENUMERATED_NODES,
		link,
		hermes_status_bus_link_free,
		error);
	if (self->subtree_id == 0) {
		hermes_status_bus_link_free(link);
		return FALSE;
	}
	return TRUE;
}

/*****************************************************************************/
/* org.freedesktop.DBus.ObjectManager on the root */

/*
 * glibc keeps for the process what a large reply gives back (a thousand
 * serialised rows among blocks that live on, so the heap's top seldom
 * shrinks by itself): a daemon that once answered GetManagedObjects would
 * hold about the reply's size for good, 0.5 MiB with 1000 gateways.
 * malloc_trim() hands the free pages back; it walks the heap, so only
 * after such a reply.
 */
static void
hermes_status_bus_trim(void)
{
#ifdef HERMES_HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

static void
hermes_status_bus_flushed_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	g_dbus_connection_flush_finish(G_DBUS_CONNECTION(source), result, NULL);
	hermes_status_bus_trim();
}

static void
hermes_status_bus_manager_method_cb(GDBusConnection *connection,
				    const gchar *sender,
				    const gchar *object_path,
				    const gchar *interface_name,
				    const gchar *method_name,
				    GVariant *parameters,
				    GDBusMethodInvocation *invocation,
				    gpointer user_data)
{
	HermesStatusService *self = HERMES_STATUS_SERVICE(user_data);
	g_autoptr(GPtrArray) reports = hermes_status_service_dup_reports(self);
	GVariantBuilder builder;

	/* GetManagedObjects is the interface's only method, and GDBus checked the call */
	g_variant_builder_init(&builder, G_VARIANT_TYPE("a{oa{sa{sv}}}"));
	for (guint i = 0; i < reports->len; i++) {
		HermesGatewayReport *report = g_ptr_array_index(reports, i);
		g_autofree gchar *path = hermes_status_service_gateway_path(
			hermes_gateway_report_get_profile(report));
		g_autoptr(GVariant) entry = g_variant_ref_sink(
			g_variant_new("{o@a{sa{sv}}}", path, hermes_status_row_interfaces(report)));
		/* serialised now: a row's few dozen small values are freed before the
		 * next row's are made, not all kept until the reply is written */
		g_variant_get_data(entry);
		g_variant_builder_add_value(&builder, entry);
	}
	g_dbus_method_invocation_return_value(invocation,
					      g_variant_new("(a{oa{sa{sv}}})", &builder));
	/* the connection's worker frees the reply once written, the flush's callback after */
	g_dbus_connection_flush(connection, NULL, hermes_status_bus_flushed_cb, NULL);
}

static const GDBusInterfaceVTable hermes_status_bus_manager_vtable = {
	hermes_status_bus_manager_method_cb,
	NULL,
	NULL,
	{0},
};

static void
hermes_status_bus_emit(HermesStatusService *self,
		       const gchar *path,
		       const gchar *interface,
		       const gchar *member,
		       GVariant *params)
{
	g_autoptr(GError) error_local = NULL;
	if (!g_dbus_connection_emit_signal(
		    self->connection, NULL, path, interface, member, params, &error_local) &&
	    !g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_CLOSED))
		g_debug("cannot emit %s.%s: %s", interface, member, error_local->message);
}

/*****************************************************************************/
/* what the service calls */

/* the gateway of @report (the row now in the table) appeared */
void
hermes_status_bus_row_added(HermesStatusService *self, HermesGatewayReport *report)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *path = NULL;

	if (self->connection == NULL)
		return;
	if (!hermes_status_bus_sync_subtree(self, &error_local))
		g_warning("cannot export the gateways: %s", error_local->message);
	path = hermes_status_service_gateway_path(hermes_gateway_report_get_profile(report));
	hermes_status_bus_emit(
		self,
		HERMES_STATUS_SERVICE_OBJECT_PATH,
		HERMES_STATUS_BUS_MANAGER_IFACE,
		"InterfacesAdded",
		g_variant_new("(o@a{sa{sv}})", path, hermes_status_row_interfaces(report)));
}

/* the row @before is replaced by @after: PropertiesChanged with what differs */
void
hermes_status_bus_row_changed(HermesStatusService *self,
			      HermesGatewayReport *before,
			      HermesGatewayReport *after)
{
	g_autofree gchar *path = NULL;
	GVariant *changed;

	if (self->connection == NULL)
		return;
	changed = hermes_status_row_diff(before, after);
	if (changed == NULL)
		return;
	path = hermes_status_service_gateway_path(hermes_gateway_report_get_profile(after));
	hermes_status_bus_emit(
		self,
		path,
		HERMES_STATUS_BUS_PROPERTIES_IFACE,
		"PropertiesChanged",
		g_variant_new(
			"(s@a{sv}as)", HERMES_STATUS_SERVICE_GATEWAY_INTERFACE, changed, NULL));
}

/* the row of @profile is gone from the table */
void
hermes_status_bus_row_removed(HermesStatusService *self, const gchar *profile)
{
	const gchar *const interfaces[] = {HERMES_STATUS_SERVICE_GATEWAY_INTERFACE, NULL};
	g_autofree gchar *path = NULL;

	if (self->connection == NULL)
		return;
	path = hermes_status_service_gateway_path(profile);
	hermes_status_bus_emit(self,
			       HERMES_STATUS_SERVICE_OBJECT_PATH,
			       HERMES_STATUS_BUS_MANAGER_IFACE,
			       "InterfacesRemoved",
			       g_variant_new("(o^as)", path, interfaces));
	hermes_status_bus_sync_subtree(self, NULL);
}

/* the object manager and the gateways on @connection, after the root's own interface */
gboolean
hermes_status_bus_export(HermesStatusService *self, GDBusConnection *connection, GError **error)
{
	if (!hermes_status_row_names_match())
		g_critical(
			"the Gateway properties of hermes-status-row.c are not those of the XML");
	self->manager_id = g_dbus_connection_register_object(
		connection,
		HERMES_STATUS_SERVICE_OBJECT_PATH,
		(GDBusInterfaceInfo *)&hermes_status_bus_manager_info,
		&hermes_status_bus_manager_vtable,
		self,
		NULL,
		error);
	if (self->manager_id == 0)
		return FALSE;
	self->connection = g_object_ref(connection);
	return hermes_status_bus_sync_subtree(self, error);
}

void
hermes_status_bus_unexport(HermesStatusService *self)
{
	if (self->connection != NULL) {
		if (self->subtree_id != 0)
			g_dbus_connection_unregister_subtree(self->connection, self->subtree_id);
		if (self->manager_id != 0)
			g_dbus_connection_unregister_object(self->connection, self->manager_id);
	}
	self->subtree_id = 0;
	self->manager_id = 0;
	g_clear_object(&self->connection);
}
