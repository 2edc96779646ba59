/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private: the boot reconciler's state, shared by its files
 * (hermes-reconciler.c: the run; hermes-reconciler-action.c: the records
 * and their log lines; hermes-reconciler-log.c: the boot log;
 * hermes-container-command.c: the container's command line).
 */

#include "hermes-multiplex.h"
#include "hermes-reconciler.h"

G_BEGIN_DECLS

struct _HermesReconcileAction {
	gatomicrefcount refcount;
	gchar *profile;
	gchar *home;
	gchar *prior_state;
	HermesReconcileKind kind;
	gchar *reason;
	HermesPriorExit prior_exit;
};

struct _HermesReconciler {
	GObject parent_instance;
	HermesContext *ctx;
	HermesServiceManager *manager;
	gboolean dry_run;
	GPtrArray *actions;
	gchar *skip_reason;
	gchar *log_path;
	gchar *log_error;
	/* per run */
	gchar *root;
	gchar *boot_id;
	HermesMultiplex *multiplex;
	HermesContainerCommand command;
	guint attempted;
	guint failed;
	GError *first_failure;
	/* hermes_reconciler_set_progress_func() */
	HermesReconcilerProgressFunc progress_func;
	gpointer progress_data;
	GDestroyNotify progress_notify;
	guint progress_done;
	guint progress_total;
	gchar *dashboard_note; /* hermes-reconciler-dashboard.c */
	gchar *cluster_note;   /* hermes-reconciler-cluster.c */
};

/* hermes-reconciler-dashboard.c */
void
hermes_reconciler_dashboard(HermesReconciler *self);
GStrv
hermes_reconciler_companion_env(HermesReconciler *self, const gchar *const *prefixes);
/* hermes-reconciler-cluster.c */
void
hermes_reconciler_cluster_agent(HermesReconciler *self);
gboolean
hermes_reconciler_cluster_wanted(HermesReconciler *self);
/* the programs of hermes-svc's own a backend supervises beside the gateways */
void
hermes_reconciler_companions(HermesReconciler *self);

HermesReconcileAction *
hermes_reconcile_action_new(const gchar *profile, const gchar *home);
void
hermes_reconcile_action_add_reason(HermesReconcileAction *self, const gchar *reason);

/* hermes-reconciler-log.c */
gboolean
hermes_reconciler_append_log(HermesReconciler *self, GError **error);
void
hermes_reconciler_adopt_owner_at(gint dir_fd, const gchar *name, gint reference_fd);

G_END_DECLS
