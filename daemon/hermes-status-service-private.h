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
	GDBusObjectManagerServer *object_manager;
	HermesDBusServiceManager1 *root;
	GHashTable *gateways;	/* profile -> HermesDBusObjectSkeleton */
	GHashTable *reports;	/* profile -> HermesGatewayReport, what each row shows */
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

/* hermes-status-actions.c: Start, Stop, Restart */
void
hermes_status_settle_free(gpointer data);
void
hermes_status_action_shut_down(HermesStatusAction *action);
void
hermes_status_service_run_next(HermesStatusService *self);
gboolean
hermes_status_service_handle_start_cb(HermesDBusServiceManager1Gateway *gw,
				      GDBusMethodInvocation *invocation,
				      gpointer user_data);
gboolean
hermes_status_service_handle_stop_cb(HermesDBusServiceManager1Gateway *gw,
				     GDBusMethodInvocation *invocation,
				     gpointer user_data);
gboolean
hermes_status_service_handle_restart_cb(HermesDBusServiceManager1Gateway *gw,
					GDBusMethodInvocation *invocation,
					gpointer user_data);

G_END_DECLS
