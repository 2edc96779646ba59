/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-dbus-generated.h"
#include "hermes-gateway-control.h"
#include "hermes-gateway-report.h"
#include "hermes-port-table.h"
#include "hermes-status-service.h"

G_BEGIN_DECLS

typedef struct {
	HermesStatusService *self;
	GDBusMethodInvocation *invocation; /* answered exactly once */
	GTask *task;			   /* or this, for hermes_status_service_act_async() */
	HermesGatewayAction verb;
	gchar *profile;
} HermesStatusAction;

struct _HermesStatusService {
	GObject parent_instance;
	HermesServiceManager *manager;
	HermesGatewayControl *control; /* Start, Stop, Restart */
	HermesContext *ctx;
	GMainContext *context; /* where it was made: events and replies happen here */
	GDBusConnection *connection;
	HermesDBusServiceManager1 *root;
	guint manager_id;	/* org.freedesktop.DBus.ObjectManager on the root object */
	guint subtree_id;	/* the gateways, while there is one (hermes-status-bus.c) */
	GHashTable *reports;	/* profile -> HermesGatewayReport: the rows, and all they show */
	HermesPortTable *ports; /* every profile's port, read once, kept current per row */
	gulong changed_id;
	gchar *root_dir;
	gchar *profiles_dir;
	GFileMonitor *root_monitor;	/* only until profiles/ exists */
	GFileMonitor *profiles_monitor; /* profiles coming and going */
	GQueue queue;			/* HermesStatusAction, one runs at a time */
	HermesStatusAction *running;
	guint lookups;	    /* caller uid lookups on the bus in flight */
	gboolean closing;   /* unexporting: no new actions */
	GPtrArray *settles; /* HermesStatusSettle: re-reads after an action of ours */
	GHashTable *owners; /* profile -> cluster node, when in a cluster (hermes-svcd-cluster.c) */
};

/* hermes-status-service.c: the rows */
gchar *
hermes_status_service_home(HermesStatusService *self, const gchar *profile);
gboolean
hermes_status_service_profile_exists(HermesStatusService *self, const gchar *profile);
void
hermes_status_service_refresh(HermesStatusService *self,
			      const gchar *profile,
			      HermesGatewayStatus *known);

/* hermes-status-row.c: a row's properties */
gboolean
hermes_status_row_names_match(void);
GVariant *
hermes_status_row_get(HermesGatewayReport *report, const gchar *name);
GVariant *
hermes_status_row_interfaces(HermesGatewayReport *report);
GVariant *
hermes_status_row_diff(HermesGatewayReport *before, HermesGatewayReport *after);

/* hermes-status-bus.c: the rows on the bus */
gboolean
hermes_status_bus_export(HermesStatusService *self, GDBusConnection *connection, GError **error);
void
hermes_status_bus_unexport(HermesStatusService *self);
void
hermes_status_bus_row_added(HermesStatusService *self, HermesGatewayReport *report);
void
hermes_status_bus_row_changed(HermesStatusService *self,
			      HermesGatewayReport *before,
			      HermesGatewayReport *after);
void
hermes_status_bus_row_removed(HermesStatusService *self, const gchar *profile);

/* hermes-status-actions.c: Start, Stop, Restart */
void
hermes_status_settle_free(gpointer data);
void
hermes_status_action_shut_down(HermesStatusAction *action);
void
hermes_status_service_run_next(HermesStatusService *self);
void
hermes_status_service_handle_action(HermesStatusService *self,
				    GDBusMethodInvocation *invocation,
				    HermesGatewayAction verb,
				    const gchar *profile);

G_END_DECLS
