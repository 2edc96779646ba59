/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The node agent (`hermes cluster agent`): one per machine, it keeps the
 * node registered under a lease, watches the cluster's keys and makes this
 * machine run the gateways the plan gives it, on the machine's own backend
 * through HermesGatewayControl, as `hermes gateway start` would.
 *
 * Timing (docs/cluster.md): the lease is renewed every TTL/4. Every etcd
 * call and every wait of a stop is bounded by the renew deadline, 2/3 of
 * the TTL after the last renewal etcd took was sent; when it passes without
 * one, the agent fences: it stops every gateway it runs before its lease
 * can expire, so no other node starts one while it still runs here. The
 * lease lives at least a TTL after that send, so the last third of the TTL
 * is the stop's. Nothing polls: the keys are read again when the watch says
 * they changed, when the watch had to be made again, and after a fence.
 *
 * Every act is unordered (HERMES_GATEWAY_CONTROL_FLAG_UNORDERED): the home's
 * lock orders one machine's commands, but the home is shared by every node,
 * and which node acts on a profile is already decided by its owner key. Taken
 * per batch, that one lock made every node wait behind every other's starts,
 * longer than the renew deadline at a few hundred gateways, so nodes fenced
 * and dropped what they had just started (and a flock on a network volume
 * says little across machines anyway).
 *
 * One thread: the watch's own reads block in a thread of theirs
 * (hermes-etcd-watch.c) and reach this one as notes in a queue, which is
 * also what the loop sleeps on between renewals.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "hermes-cluster-agent-private.h"
#include "hermes-cluster-placement.h"
#include "hermes-cluster-private.h"
#include "hermes-error.h"

/* a watch that etcd has not confirmed by then is made again */
#define HERMES_CLUSTER_AGENT_WATCH_CONFIRM_US (5 * G_USEC_PER_SEC)
/* between two tries to reach etcd again, while it cannot be */
#define HERMES_CLUSTER_AGENT_RETRY_US (G_USEC_PER_SEC)

G_DEFINE_TYPE(HermesClusterAgent, hermes_cluster_agent, G_TYPE_OBJECT)

static void
hermes_cluster_agent_finalize(GObject *object)
{
	HermesClusterAgent *self = HERMES_CLUSTER_AGENT(object);
	g_mutex_lock(&self->guard_lock);
	self->guard_quit = TRUE;
	g_cond_signal(&self->guard_cond);
	g_mutex_unlock(&self->guard_lock);
	g_thread_join(self->guard);
	g_mutex_clear(&self->guard_lock);
	g_cond_clear(&self->guard_cond);
	g_clear_object(&self->calls);
	g_clear_pointer(&self->watch, hermes_etcd_watch_stop);
	g_clear_object(&self->ctx);
	g_clear_object(&self->cluster);
	g_clear_object(&self->watch_cluster);
	g_clear_object(&self->control);
	g_free(self->node);
	g_free(self->complaint);
	g_strfreev(self->labels);
	g_hash_table_unref(self->running);
	g_async_queue_unref(self->queue);
	G_OBJECT_CLASS(hermes_cluster_agent_parent_class)->finalize(object);
}

static void
hermes_cluster_agent_class_init(HermesClusterAgentClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_cluster_agent_finalize;
}

/*
 * A member's timeout counts whole seconds, too coarse for a deadline a
 * third of a TTL after the last renewal: this thread cancels the call under
 * way at the deadline itself, so the agent fences on time.
 */
static gpointer
hermes_cluster_agent_guard(gpointer data)
{
	HermesClusterAgent *self = data;
	g_mutex_lock(&self->guard_lock);
	while (!self->guard_quit) {
		if (self->guard_deadline == 0) {
			g_cond_wait(&self->guard_cond, &self->guard_lock);
		} else if (g_get_monotonic_time() >= self->guard_deadline) {
			g_cancellable_cancel(self->calls);
			self->guard_deadline = 0;
		} else {
			g_cond_wait_until(
				&self->guard_cond, &self->guard_lock, self->guard_deadline);
		}
	}
	g_mutex_unlock(&self->guard_lock);
	return NULL;
}

static void
hermes_cluster_agent_init(HermesClusterAgent *self)
{
	self->running = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->queue = g_async_queue_new_full((GDestroyNotify)hermes_etcd_watch_note_free);
	self->calls = g_cancellable_new();
	g_mutex_init(&self->guard_lock);
	g_cond_init(&self->guard_cond);
	self->guard = g_thread_new("hermes-fence", hermes_cluster_agent_guard, self);
}

/* an unset or empty variable leaves @value as it is */
static gboolean
hermes_cluster_agent_env_int(HermesContext *ctx, const gchar *name, gint64 *value, GError **error)
{
	const gchar *text = hermes_context_getenv(ctx, name);
	g_autoptr(GError) error_local = NULL;
	if (text == NULL || text[0] == '\0')
		return TRUE;
	if (!g_ascii_string_to_signed(text, 10, 0, G_MAXINT32, value, &error_local)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "$%s: %s",
			    name,
			    error_local->message);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_cluster_agent_new:
 * @ctx: the machine's context
 * @endpoints: (nullable): the etcd members; %NULL for $HERMES_ETCD_ENDPOINTS
 * @control: how this machine starts and stops gateways
 * @node: (nullable): the node's name; %NULL for $HERMES_CLUSTER_NODE, else
 *   the host's name
 * @capacity: the most gateways it runs; 0 for $HERMES_CLUSTER_CAPACITY, else
 *   no limit
 * @labels: (nullable): what it has, `KEY=VALUE` each; %NULL for
 *   $HERMES_CLUSTER_LABELS (comma-separated), else none
 * @ttl_s: its lease's time to live; 0 for $HERMES_CLUSTER_TTL, else
 *   %HERMES_CLUSTER_AGENT_DEFAULT_TTL_S
 * @error: return location for a #GError
 *
 * Returns: (transfer full): an agent, not registered yet
 */
HermesClusterAgent *
hermes_cluster_agent_new(HermesContext *ctx,
			 const gchar *endpoints,
			 HermesGatewayControl *control,
			 const gchar *node,
			 gint64 capacity,
			 const gchar *const *labels,
			 gint64 ttl_s,
			 GError **error)
{
	g_autoptr(HermesClusterAgent) self = g_object_new(HERMES_TYPE_CLUSTER_AGENT, NULL);

	if (node == NULL)
		node = hermes_context_getenv(ctx, "HERMES_CLUSTER_NODE");
	if (node == NULL || node[0] == '\0')
		node = g_get_host_name();
	if ((capacity == 0 &&
	     !hermes_cluster_agent_env_int(ctx, "HERMES_CLUSTER_CAPACITY", &capacity, error)) ||
	    (ttl_s == 0 && !hermes_cluster_agent_env_int(ctx, "HERMES_CLUSTER_TTL", &ttl_s, error)))
		return NULL;
	if (ttl_s == 0)
		ttl_s = HERMES_CLUSTER_AGENT_DEFAULT_TTL_S;
	if (ttl_s < HERMES_CLUSTER_AGENT_MIN_TTL_S || ttl_s > HERMES_CLUSTER_AGENT_MAX_TTL_S ||
	    capacity < 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "give a lease of %d to %d seconds and a capacity of 0 or more",
			    HERMES_CLUSTER_AGENT_MIN_TTL_S,
			    HERMES_CLUSTER_AGENT_MAX_TTL_S);
		return NULL;
	}
	self->node = g_strdup(node);
	if (labels != NULL) {
		self->labels = g_strdupv((gchar **)labels);
	} else {
		const gchar *env = hermes_context_getenv(ctx, "HERMES_CLUSTER_LABELS");
		if (env != NULL && env[0] != '\0')
			self->labels = g_strsplit(env, ",", -1);
	}
	for (guint i = 0; self->labels != NULL && self->labels[i] != NULL; i++) {
		g_strstrip(self->labels[i]);
		if (!hermes_cluster_label_validate(self->labels[i], error))
			return NULL;
	}
	if (!hermes_cluster_node_name_validate(self->node, error))
		return NULL;
	self->ctx = g_object_ref(ctx);
	self->control = g_object_ref(control);
	/* the owner keys decide who acts on a profile, not the shared home's lock */
	hermes_gateway_control_set_flags(self->control, HERMES_GATEWAY_CONTROL_FLAG_UNORDERED);
	self->capacity = capacity;
	self->ttl_ms = ttl_s * 1000;
	self->cluster = hermes_cluster_new(ctx, endpoints, error);
	if (self->cluster == NULL)
		return NULL;
	hermes_etcd_client_set_cancellable(hermes_cluster_get_client(self->cluster), self->calls);
	self->watch_cluster = hermes_cluster_new(ctx, endpoints, error);
	if (self->watch_cluster == NULL)
		return NULL;
	return g_steal_pointer(&self);
}

const gchar *
hermes_cluster_agent_get_node(HermesClusterAgent *self)
{
	g_return_val_if_fail(HERMES_IS_CLUSTER_AGENT(self), NULL);
	return self->node;
}

/**
 * hermes_cluster_agent_quit:
 * @self: an agent
 *
 * Makes hermes_cluster_agent_run() stop this node's gateways, give up its
 * lease and return. Safe from any thread (a signal handler's source).
 */
void
hermes_cluster_agent_quit(HermesClusterAgent *self)
{
	HermesEtcdWatchNote *wake = g_new0(HermesEtcdWatchNote, 1);
	g_return_if_fail(HERMES_IS_CLUSTER_AGENT(self));
	g_atomic_int_set(&self->quit, 1);
	wake->kind = HERMES_ETCD_WATCH_PROGRESS;
	g_async_queue_push(self->queue, wake);
}

void
hermes_cluster_agent_say(HermesClusterAgent *self, const gchar *format, ...)
{
	g_autofree gchar *text = NULL;
	va_list args;
	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	/* one line each, whole, for a journal or s6-log */
	fprintf(stderr, "hermes cluster agent %s: %s\n", self->node, text);
	fflush(stderr);
}

gint64
hermes_cluster_agent_deadline(HermesClusterAgent *self)
{
	return self->renewed_at + self->ttl_ms * 2 / 3 * 1000;
}

/* what an etcd call may take now: never past the renew deadline (the watchdog
 * cancels it there; the member's timeout in whole seconds bounds it too) */
void
hermes_cluster_agent_bound_calls(HermesClusterAgent *self)
{
	gint64 left_ms = (hermes_cluster_agent_deadline(self) - g_get_monotonic_time()) / 1000;
	if (self->lease == 0)
		left_ms = HERMES_ETCD_CALL_TIMEOUT_MS;
	hermes_etcd_client_set_call_timeout(hermes_cluster_get_client(self->cluster),
					    (guint)CLAMP(left_ms, 1, HERMES_ETCD_CALL_TIMEOUT_MS));
	g_mutex_lock(&self->guard_lock);
	/* no call is under way here: the reset cannot race one */
	g_cancellable_reset(self->calls);
	self->guard_deadline = self->lease != 0 ? hermes_cluster_agent_deadline(self) : 0;
	g_cond_signal(&self->guard_cond);
	g_mutex_unlock(&self->guard_lock);
}

/* the renew deadline passed: every gateway here stops before the lease can expire */
static void
hermes_cluster_agent_fence(HermesClusterAgent *self)
{
	hermes_cluster_agent_say(self,
				 "no lease renewal for %" G_GINT64_FORMAT
				 " ms: stopping its %u gateways before the lease can expire",
				 (g_get_monotonic_time() - self->renewed_at) / 1000,
				 g_hash_table_size(self->running));
	self->lease = 0;
	hermes_cluster_agent_stop_all(self, FALSE);
	g_clear_pointer(&self->watch, hermes_etcd_watch_stop);
	self->dirty = TRUE;
}

/* a reason it cannot go on, said once however often it is met again in a row */
static void
hermes_cluster_agent_complain(HermesClusterAgent *self, const gchar *what, const gchar *why)
{
	g_autofree gchar *line = g_strdup_printf("cannot %s: %s", what, why);
	if (g_strcmp0(self->complaint, line) == 0)
		return;
	g_free(self->complaint);
	self->complaint = g_steal_pointer(&line);
	hermes_cluster_agent_say(self, "%s", self->complaint);
}

/* FALSE with @error only when waiting cannot help (another agent runs this node here) */
static gboolean
hermes_cluster_agent_register(HermesClusterAgent *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gint64 sent = g_get_monotonic_time();
	gint64 lease = 0;

	hermes_cluster_agent_bound_calls(self);
	if (hermes_cluster_agent_take_over(self, &error_local))
		lease = hermes_cluster_register_node(self->cluster,
						     self->node,
						     self->capacity,
						     (const gchar *const *)self->labels,
						     self->ttl_ms / 1000,
						     &error_local);
	if (lease == 0) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_BUSY)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		hermes_cluster_agent_complain(self, "register", error_local->message);
		return TRUE;
	}
	g_clear_pointer(&self->complaint, g_free);
	self->lease = lease;
	self->renewed_at = sent;
	self->next_renew = sent + self->ttl_ms / 4 * 1000;
	self->dirty = TRUE;
	hermes_cluster_agent_say(self,
				 "registered (lease %" G_GINT64_MODIFIER "x, %" G_GINT64_FORMAT
				 " s; capacity %" G_GINT64_FORMAT ")",
				 lease,
				 self->ttl_ms / 1000,
				 self->capacity);
	return TRUE;
}

/* one keep-alive; FALSE only when etcd says the lease is gone */
static gboolean
hermes_cluster_agent_keep_alive(HermesClusterAgent *self)
{
	g_autoptr(GError) error = NULL;
	gint64 sent = g_get_monotonic_time();

	hermes_cluster_agent_bound_calls(self);
	if (hermes_etcd_client_lease_keepalive(
		    hermes_cluster_get_client(self->cluster), self->lease, &error) > 0) {
		self->renewed_at = sent;
		self->next_renew = sent + self->ttl_ms / 4 * 1000;
		g_clear_pointer(&self->complaint, g_free);
		return TRUE;
	}
	if (g_error_matches(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
		hermes_cluster_agent_say(self, "%s", error->message);
		return FALSE;
	}
	hermes_cluster_agent_complain(self,
				      "renew its lease",
				      g_cancellable_is_cancelled(self->calls)
					      ? "etcd did not answer by the renew deadline"
					      : error->message);
	self->next_renew = g_get_monotonic_time() + 200 * 1000;
	return TRUE;
}

static void
hermes_cluster_agent_renew(HermesClusterAgent *self)
{
	/* expired: its owner keys went with it, and so must its gateways */
	if (!hermes_cluster_agent_keep_alive(self))
		hermes_cluster_agent_fence(self);
}

/**
 * hermes_cluster_agent_renew_during:
 * @self: an agent
 * @batch: (nullable): what a batch of acts under way checks before each one
 *   begins; %NULL for stops, which are never called off
 *
 * Between two acts of a batch (a failover hands a node a hundred starts,
 * longer than the renew deadline): renews the lease when it is time, and
 * cancels the rest of the batch once the lease is gone or its deadline has
 * passed, so nothing more starts; the tick after the batch fences. Never
 * fences itself: the batch's acts are still under way.
 */
void
hermes_cluster_agent_renew_during(HermesClusterAgent *self, GCancellable *batch)
{
	gint64 now = g_get_monotonic_time();

	if (self->lease == 0)
		return;
	/* the deadline is looked at again after a renewal that took until then */
	if ((now < hermes_cluster_agent_deadline(self) && now >= self->next_renew &&
	     !hermes_cluster_agent_keep_alive(self)) ||
	    g_get_monotonic_time() >= hermes_cluster_agent_deadline(self))
		g_cancellable_cancel(batch);
}

/**
 * hermes_cluster_agent_tick:
 * @self: an agent
 *
 * Renews the lease when it is time, fences when the renew deadline passed,
 * registers again when the node has no lease. Called between any two steps
 * that may take long.
 *
 * Returns: %TRUE while the node holds a lease it renewed in time
 */
gboolean
hermes_cluster_agent_tick(HermesClusterAgent *self)
{
	if (self->lease != 0 && g_get_monotonic_time() >= hermes_cluster_agent_deadline(self))
		hermes_cluster_agent_fence(self);
	if (self->lease != 0 && g_get_monotonic_time() >= self->next_renew)
		hermes_cluster_agent_renew(self);
	if (self->lease != 0 && g_get_monotonic_time() >= hermes_cluster_agent_deadline(self))
		hermes_cluster_agent_fence(self);
	return self->lease != 0;
}

/* the keys, then what this node does about them; FALSE when they could not be read */
static gboolean
hermes_cluster_agent_reconcile(HermesClusterAgent *self)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(GHashTable) plan = NULL;
	g_autoptr(GPtrArray) acts = NULL;
	g_autoptr(GPtrArray) starts = g_ptr_array_new();
	g_autoptr(GPtrArray) restarts = g_ptr_array_new();

	hermes_cluster_agent_bound_calls(self);
	view = hermes_cluster_read_keys(self->cluster, &error);
	if (view == NULL) {
		hermes_cluster_agent_complain(self, "read the cluster", error->message);
		return FALSE;
	}
	self->dirty = FALSE;
	if (self->watch == NULL) {
		self->watch =
			hermes_etcd_watch_start(hermes_cluster_get_client(self->watch_cluster),
						hermes_cluster_get_prefix(self->watch_cluster),
						view->revision + 1,
						self->queue);
		self->watch_created = FALSE;
		self->watch_started_at = g_get_monotonic_time();
	}
	plan = hermes_cluster_plan(view);
	acts = hermes_cluster_decide(view, plan, self->node, self->lease, self->running);
	for (guint i = 0; i < acts->len && !g_atomic_int_get(&self->quit); i++) {
		if (!hermes_cluster_agent_tick(self))
			return TRUE;
		hermes_cluster_agent_act(self, g_ptr_array_index(acts, i), starts, restarts);
	}
	/* every claim made, then the starts side by side, under a lease still held */
	if (g_atomic_int_get(&self->quit) || !hermes_cluster_agent_tick(self))
		return TRUE;
	hermes_cluster_agent_start_many(self, HERMES_GATEWAY_ACTION_START, starts);
	hermes_cluster_agent_start_many(self, HERMES_GATEWAY_ACTION_RESTART, restarts);
	return TRUE;
}

static void
hermes_cluster_agent_note(HermesClusterAgent *self, HermesEtcdWatchNote *note)
{
	/* a wake-up (quit), or a note of a watch that is gone: nothing to do */
	if (note->watch == 0 || self->watch == NULL ||
	    note->watch != hermes_etcd_watch_get_id(self->watch))
		return;
	switch (note->kind) {
	case HERMES_ETCD_WATCH_CREATED:
		self->watch_created = TRUE;
		break;
	case HERMES_ETCD_WATCH_EVENTS:
		self->dirty = TRUE;
		break;
	case HERMES_ETCD_WATCH_CANCELED:
	case HERMES_ETCD_WATCH_LOST:
		hermes_cluster_agent_say(self,
					 "watch ended (%s): reading the keys again",
					 note->message != NULL ? note->message : "no reason");
		g_clear_pointer(&self->watch, hermes_etcd_watch_stop);
		/* one that keeps ending at once (a member that refuses streams) is made
		 * again once a second, not in a loop of ranges and refusals */
		self->watch_retry_at = self->watch_started_at + HERMES_CLUSTER_AGENT_RETRY_US;
		self->dirty = TRUE;
		break;
	case HERMES_ETCD_WATCH_PROGRESS:
		break;
	}
}

/* the next moment something is due: a renewal, the deadline, a retry, a watch's confirmation */
static gint64
hermes_cluster_agent_next(HermesClusterAgent *self)
{
	gint64 now = g_get_monotonic_time();
	gint64 next = now + HERMES_CLUSTER_AGENT_RETRY_US;
	if (self->lease == 0)
		return next;
	/* a retry never sleeps past a renewal or the deadline (the fence is due there) */
	next = MIN(self->dirty ? next : G_MAXINT64,
		   MIN(self->next_renew, hermes_cluster_agent_deadline(self)));
	if (self->watch != NULL && !self->watch_created)
		next = MIN(next, self->watch_started_at + HERMES_CLUSTER_AGENT_WATCH_CONFIRM_US);
	return next;
}

static void
hermes_cluster_agent_wait(HermesClusterAgent *self)
{
	gint64 wait = hermes_cluster_agent_next(self) - g_get_monotonic_time();
	HermesEtcdWatchNote *note;

	note = g_async_queue_timeout_pop(self->queue, MAX(wait, 0));
	while (note != NULL) {
		hermes_cluster_agent_note(self, note);
		hermes_etcd_watch_note_free(note);
		note = g_async_queue_try_pop(self->queue);
	}
	if (self->watch != NULL && !self->watch_created &&
	    g_get_monotonic_time() >=
		    self->watch_started_at + HERMES_CLUSTER_AGENT_WATCH_CONFIRM_US) {
		hermes_cluster_agent_say(self, "the watch was not confirmed: making it again");
		g_clear_pointer(&self->watch, hermes_etcd_watch_stop);
		self->dirty = TRUE;
	}
}

/* SIGTERM: its gateways stop, are released, and the lease goes at once */
static void
hermes_cluster_agent_leave(HermesClusterAgent *self)
{
	g_autoptr(GError) error = NULL;
	gint64 lease;

	g_clear_pointer(&self->watch, hermes_etcd_watch_stop);
	if (self->lease == 0) {
		hermes_cluster_agent_stop_all(self, FALSE);
		hermes_cluster_agent_say(self, "left (it held no lease: nothing to release)");
		return;
	}
	lease = self->lease;
	hermes_cluster_agent_bound_calls(self);
	hermes_cluster_agent_stop_all(self, TRUE);
	/* the stops may have taken it past its renew deadline (the releases then
	 * fenced, and the agent forgot its lease): with nothing left running here,
	 * giving the lease up is safe at any time, and takes every key still bound
	 * to it (owner keys not released yet, the node's registration) at once
	 * instead of a TTL later. A gateway that would not stop keeps it until it
	 * expires, as a fence does. */
	self->lease = 0;
	if (g_hash_table_size(self->running) > 0) {
		hermes_cluster_agent_say(self,
					 "left with %u gateways that would not stop: its lease "
					 "ends when it expires",
					 g_hash_table_size(self->running));
		return;
	}
	hermes_cluster_agent_bound_calls(self);
	if (!hermes_etcd_client_lease_revoke(
		    hermes_cluster_get_client(self->cluster), lease, &error))
		hermes_cluster_agent_say(self, "cannot give up its lease: %s", error->message);
	else
		hermes_cluster_agent_say(self, "left the cluster");
}

/**
 * hermes_cluster_agent_run:
 * @self: an agent
 * @error: return location for a #GError
 *
 * Registers the node and runs its share of the cluster's gateways until
 * hermes_cluster_agent_quit(). An unreachable cluster is no error: the
 * agent keeps trying, and runs nothing meanwhile.
 *
 * Returns: %TRUE when it left the cluster as asked; %FALSE with
 *   %HERMES_ERROR_BUSY when another agent runs this node on this machine
 */
gboolean
hermes_cluster_agent_run(HermesClusterAgent *self, GError **error)
{
	g_return_val_if_fail(HERMES_IS_CLUSTER_AGENT(self), FALSE);
	while (!g_atomic_int_get(&self->quit)) {
		if (self->lease == 0) {
			if (!hermes_cluster_agent_register(self, error))
				return FALSE;
			if (self->lease == 0) {
				hermes_cluster_agent_wait(self);
				continue;
			}
		}
		if (!hermes_cluster_agent_tick(self))
			continue;
		if (self->dirty && g_get_monotonic_time() >= self->watch_retry_at &&
		    !hermes_cluster_agent_reconcile(self)) {
			hermes_cluster_agent_wait(self);
			continue;
		}
		hermes_cluster_agent_wait(self);
	}
	hermes_cluster_agent_leave(self);
	return TRUE;
}
