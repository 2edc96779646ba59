/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-cluster-agent.h"
#include "hermes-cluster-decide.h"
#include "hermes-etcd-watch.h"

G_BEGIN_DECLS

struct _HermesClusterAgent {
	GObject parent_instance;
	HermesContext *ctx;
	HermesCluster *cluster;	      /* this thread's client */
	HermesCluster *watch_cluster; /* the watch thread's client */
	HermesGatewayControl *control;
	gchar *node;
	gint64 capacity;
	gchar **labels; /* KEY=VALUE it registers with */
	gint64 ttl_ms;
	gint64 lease;	     /* 0: none (not registered, or fenced) */
	gint64 renewed_at;   /* monotonic µs the last renewal that etcd took was sent */
	gint64 next_renew;   /* monotonic µs */
	GHashTable *running; /* profile -> gint64 generation it was started with */
	GAsyncQueue *queue;  /* HermesEtcdWatchNote */
	HermesEtcdWatch *watch;
	gboolean watch_created;
	gint64 watch_started_at;
	gint64 watch_retry_at; /* a watch that ended at once is not made again before this */
	gboolean dirty;	       /* read the keys again */
	gchar *complaint;      /* why it could not register, said once */
	/* the watchdog: cancels the etcd call under way at the renew deadline */
	GMutex guard_lock;
	GCond guard_cond;
	gint64 guard_deadline; /* 0: none armed */
	gboolean guard_quit;
	GCancellable *calls;
	GThread *guard;
	gint quit; /* atomic */
};

/* the renew deadline: this long after the last renewal was sent, the agent fences */
gint64
hermes_cluster_agent_deadline(HermesClusterAgent *self);
gboolean
hermes_cluster_agent_tick(HermesClusterAgent *self);
void
hermes_cluster_agent_bound_calls(HermesClusterAgent *self);
void
hermes_cluster_agent_renew_during(HermesClusterAgent *self, GCancellable *batch);
void
hermes_cluster_agent_say(HermesClusterAgent *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
void
hermes_cluster_agent_act(HermesClusterAgent *self,
			 HermesClusterAct *act,
			 GPtrArray *starts,
			 GPtrArray *restarts);
void
hermes_cluster_agent_start_many(HermesClusterAgent *self,
				HermesGatewayAction action,
				GPtrArray *acts);
gboolean
hermes_cluster_agent_stop_local(HermesClusterAgent *self, const gchar *profile, guint timeout_ms);
void
hermes_cluster_agent_stop_all(HermesClusterAgent *self, gboolean release);
gboolean
hermes_cluster_agent_take_over(HermesClusterAgent *self, GError **error);

G_END_DECLS
