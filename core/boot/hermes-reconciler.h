/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

#include "hermes-context.h"
#include "hermes-service-manager.h"

G_BEGIN_DECLS

/* below the profile root; rotated to `.1` once it reaches HERMES_RECONCILE_LOG_MAX */
#define HERMES_RECONCILE_LOG_NAME "container-boot.log"
#define HERMES_RECONCILE_LOG_MAX  (256 * 1024)

/**
 * HermesReconcileKind:
 * @HERMES_RECONCILE_STARTED: registered to start (the prior state was `running`)
 * @HERMES_RECONCILE_REGISTERED: registered with a `down` marker
 * @HERMES_RECONCILE_SKIPPED: left alone; the reason says why
 *
 * What the boot reconciler did with one profile.
 */
typedef enum {
	HERMES_RECONCILE_STARTED,
	HERMES_RECONCILE_REGISTERED,
	HERMES_RECONCILE_SKIPPED,
} HermesReconcileKind;

/**
 * HermesPriorExit:
 * @HERMES_PRIOR_EXIT_UNKNOWN: no readable `state/gateway.lifecycle.json`, or another phase
 * @HERMES_PRIOR_EXIT_CLEAN: the last gateway recorded its exit (phase `exited`)
 * @HERMES_PRIOR_EXIT_UNCLEAN: the last gateway was still `running` when it died
 *
 * How the previous gateway of a profile ended, from hermes-agent's lifecycle file.
 */
typedef enum {
	HERMES_PRIOR_EXIT_UNKNOWN,
	HERMES_PRIOR_EXIT_CLEAN,
	HERMES_PRIOR_EXIT_UNCLEAN,
} HermesPriorExit;

/**
 * HermesContainerCommand:
 * @HERMES_CONTAINER_COMMAND_OTHER: any other command, or none could be read
 * @HERMES_CONTAINER_COMMAND_DASHBOARD: `dashboard …`: the container runs no gateways
 * @HERMES_CONTAINER_COMMAND_GATEWAY_RUN: a plain `gateway run` (without `--no-supervise`),
 *   the command of images from before supervision (upstream #34339)
 *
 * What the container was started to do, after the init prefix is stripped.
 */
typedef enum {
	HERMES_CONTAINER_COMMAND_OTHER,
	HERMES_CONTAINER_COMMAND_DASHBOARD,
	HERMES_CONTAINER_COMMAND_GATEWAY_RUN,
} HermesContainerCommand;

const gchar *
hermes_reconcile_kind_to_string(HermesReconcileKind kind);
const gchar *
hermes_prior_exit_to_string(HermesPriorExit prior_exit);

#define HERMES_TYPE_RECONCILE_ACTION (hermes_reconcile_action_get_type())
typedef struct _HermesReconcileAction HermesReconcileAction;

GType
hermes_reconcile_action_get_type(void);
HermesReconcileAction *
hermes_reconcile_action_ref(HermesReconcileAction *self);
void
hermes_reconcile_action_unref(HermesReconcileAction *self);
const gchar *
hermes_reconcile_action_get_profile(const HermesReconcileAction *self);
const gchar *
hermes_reconcile_action_get_home(const HermesReconcileAction *self);
const gchar *
hermes_reconcile_action_get_prior_state(const HermesReconcileAction *self);
HermesReconcileKind
hermes_reconcile_action_get_kind(const HermesReconcileAction *self);
const gchar *
hermes_reconcile_action_get_reason(const HermesReconcileAction *self);
HermesPriorExit
hermes_reconcile_action_get_prior_exit(const HermesReconcileAction *self);
gchar *
hermes_reconcile_action_to_string(const HermesReconcileAction *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesReconcileAction, hermes_reconcile_action_unref)

HermesContainerCommand
hermes_container_command_classify(const gchar *const *argv);
GStrv
hermes_container_command_read(HermesContext *ctx);

#define HERMES_TYPE_RECONCILER (hermes_reconciler_get_type())
G_DECLARE_FINAL_TYPE(HermesReconciler, hermes_reconciler, HERMES, RECONCILER, GObject)

/**
 * HermesReconcilerProgressFunc:
 * @reconciler: the #HermesReconciler that runs
 * @profile: the profile it turns to now
 * @done: how many profiles it has finished in this run
 * @total: how many profiles this run has (`default` included)
 * @user_data: the data given to hermes_reconciler_set_progress_func()
 *
 * Called on the thread that runs hermes_reconciler_run(), before each profile.
 */
typedef void (*HermesReconcilerProgressFunc)(HermesReconciler *reconciler,
					     const gchar *profile,
					     guint done,
					     guint total,
					     gpointer user_data);

HermesReconciler *
hermes_reconciler_new(HermesContext *ctx, HermesServiceManager *manager);
void
hermes_reconciler_set_progress_func(HermesReconciler *self,
				    HermesReconcilerProgressFunc func,
				    gpointer user_data,
				    GDestroyNotify notify);
void
hermes_reconciler_set_dry_run(HermesReconciler *self, gboolean dry_run);
gboolean
hermes_reconciler_get_dry_run(HermesReconciler *self);
gboolean
hermes_reconciler_run(HermesReconciler *self, GError **error);
GPtrArray *
hermes_reconciler_get_actions(HermesReconciler *self);
guint
hermes_reconciler_count(HermesReconciler *self, HermesReconcileKind kind);
gchar *
hermes_reconciler_format_summary(HermesReconciler *self);
const gchar *
hermes_reconciler_get_skip_reason(HermesReconciler *self);
const gchar *
hermes_reconciler_get_dashboard_note(HermesReconciler *self);
const gchar *
hermes_reconciler_get_cluster_note(HermesReconciler *self);
const gchar *
hermes_reconciler_get_log_path(HermesReconciler *self);
const gchar *
hermes_reconciler_get_log_error(HermesReconciler *self);

G_END_DECLS
