/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-cluster.h"

G_BEGIN_DECLS

/* what a node agent does about one profile */
typedef enum {
	HERMES_CLUSTER_ACT_STOP,    /* stop its gateway here (and release it when @release) */
	HERMES_CLUSTER_ACT_RELEASE, /* it owns a profile it does not run and may not keep */
	HERMES_CLUSTER_ACT_CLAIM,   /* make the owner key, then start it here */
	HERMES_CLUSTER_ACT_START,   /* owned already (by this lease): start it here */
	HERMES_CLUSTER_ACT_RESTART, /* `gateway restart --cluster` asked again */
} HermesClusterActKind;

typedef struct {
	HermesClusterActKind kind;
	gchar *profile;
	gint64 generation; /* the intent's generation, for the acts that start */
	gboolean release;  /* for a stop: the owner key is this lease's */
} HermesClusterAct;

void
hermes_cluster_act_free(HermesClusterAct *act);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesClusterAct, hermes_cluster_act_free)

GPtrArray *
hermes_cluster_decide(HermesClusterView *view,
		      GHashTable *plan,
		      const gchar *node,
		      gint64 lease,
		      GHashTable *running);
const gchar *
hermes_cluster_act_kind_to_string(HermesClusterActKind kind);

G_END_DECLS
