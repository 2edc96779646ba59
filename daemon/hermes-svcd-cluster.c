/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * In a cluster (HERMES_ETCD_ENDPOINTS), hermes-svcd's rows name the node
 * that owns each gateway, as `hermes status` does, for the dashboard and
 * /api/gateways. A thread of its own reads the owner keys (one range),
 * hands the table to the main context, and waits on an etcd watch for the
 * next change: the daemon's loop never waits for etcd, and nothing polls.
 * When etcd cannot be reached it tries again every few seconds, the rows
 * keeping the nodes last seen.
 */

#include "config.h"

#include "hermes-cluster-private.h"
#include "hermes-etcd-watch.h"
#include "hermes-svcd-cluster.h"

/* between two tries while etcd cannot be reached */
#define HERMES_SVCD_CLUSTER_RETRY_US (3 * G_USEC_PER_SEC)

struct _HermesSvcdCluster {
	HermesCluster *cluster;
	HermesCluster *watch_cluster;
	HermesStatusService *service;
	GMainContext *context; /* the service's */
	GAsyncQueue *queue;    /* HermesEtcdWatchNote; one with watch 0 ends the thread */
	GThread *thread;
	gint quit;
};

typedef struct {
	HermesStatusService *service;
	GHashTable *owners;
} HermesSvcdOwners;

static gboolean
hermes_svcd_cluster_apply(gpointer data)
{
	HermesSvcdOwners *owners = data;
	hermes_status_service_set_owners(owners->service, g_steal_pointer(&owners->owners));
	g_object_unref(owners->service);
	g_free(owners);
	return G_SOURCE_REMOVE;
}

/* the owner keys; the revision they were read at, or 0 when etcd could not be read */
static gint64
hermes_svcd_cluster_read(HermesSvcdCluster *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesClusterView) view = hermes_cluster_read_keys(self->cluster, &error);
	HermesSvcdOwners *owners;

	if (view == NULL) {
		g_debug("cannot read the cluster: %s", error->message);
		return 0;
	}
	owners = g_new0(HermesSvcdOwners, 1);
	owners->service = g_object_ref(self->service);
	owners->owners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		if (profile->owner != NULL)
			g_hash_table_insert(
				owners->owners, g_strdup(profile->name), g_strdup(profile->owner));
	}
	g_main_context_invoke(self->context, hermes_svcd_cluster_apply, owners);
	return view->revision;
}

/* the watch's next word: a change (read again), its end, or the daemon's */
static gboolean
hermes_svcd_cluster_wait(HermesSvcdCluster *self, HermesEtcdWatch *watch)
{
	for (;;) {
		g_autoptr(HermesEtcdWatchNote) note = g_async_queue_pop(self->queue);
		if (g_atomic_int_get(&self->quit))
			return FALSE;
		if (note->watch != hermes_etcd_watch_get_id(watch))
			continue;
		if (note->kind == HERMES_ETCD_WATCH_EVENTS)
			return TRUE;
		if (note->kind == HERMES_ETCD_WATCH_CANCELED ||
		    note->kind == HERMES_ETCD_WATCH_LOST)
			return TRUE;
	}
}

static gpointer
hermes_svcd_cluster_thread(gpointer data)
{
	HermesSvcdCluster *self = data;

	while (!g_atomic_int_get(&self->quit)) {
		gint64 revision = hermes_svcd_cluster_read(self);
		g_autoptr(HermesEtcdWatch) watch = NULL;
		g_autoptr(HermesEtcdWatchNote) pause = NULL;

		if (revision > 0) {
			watch = hermes_etcd_watch_start(
				hermes_cluster_get_client(self->watch_cluster),
				hermes_cluster_get_prefix(self->watch_cluster),
				revision + 1,
				self->queue);
			if (hermes_svcd_cluster_wait(self, watch))
				continue;
			break;
		}
		/* unreachable: a bounded pause, ended early by the daemon's quit */
		pause = g_async_queue_timeout_pop(self->queue, HERMES_SVCD_CLUSTER_RETRY_US);
	}
	return NULL;
}

/**
 * hermes_svcd_cluster_start:
 * @ctx: the daemon's context (HERMES_ETCD_ENDPOINTS and the cluster's settings)
 * @service: the rows to give the owning node
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the follower, %NULL without error when
 *   no cluster is configured, %NULL with @error when its settings are wrong
 */
HermesSvcdCluster *
hermes_svcd_cluster_start(HermesContext *ctx, HermesStatusService *service, GError **error)
{
	const gchar *endpoints = hermes_context_getenv(ctx, "HERMES_ETCD_ENDPOINTS");
	HermesSvcdCluster *self;

	if (endpoints == NULL || endpoints[0] == '\0')
		return NULL;
	self = g_new0(HermesSvcdCluster, 1);
	self->cluster = hermes_cluster_new(ctx, NULL, error);
	self->watch_cluster = self->cluster != NULL ? hermes_cluster_new(ctx, NULL, error) : NULL;
	if (self->watch_cluster == NULL) {
		g_clear_object(&self->cluster);
		g_free(self);
		return NULL;
	}
	self->service = g_object_ref(service);
	self->context = g_main_context_ref_thread_default();
	self->queue = g_async_queue_new_full((GDestroyNotify)hermes_etcd_watch_note_free);
	self->thread = g_thread_new("hermes-owners", hermes_svcd_cluster_thread, self);
	return self;
}

/**
 * hermes_svcd_cluster_stop:
 * @self: (nullable): a follower
 *
 * Ends its thread (bounded by an etcd call's own bound, 5 s) and frees it.
 */
void
hermes_svcd_cluster_stop(HermesSvcdCluster *self)
{
	if (self == NULL)
		return;
	g_atomic_int_set(&self->quit, 1);
	g_async_queue_push(self->queue, g_new0(HermesEtcdWatchNote, 1));
	g_thread_join(self->thread);
	g_async_queue_unref(self->queue);
	g_main_context_unref(self->context);
	g_object_unref(self->service);
	g_object_unref(self->watch_cluster);
	g_object_unref(self->cluster);
	g_free(self);
}
