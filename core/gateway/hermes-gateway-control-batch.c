/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Many gateways at once (`gateway start|stop|restart --all`): the home lock
 * is taken once for the whole batch, and the actions, each the same as
 * hermes_gateway_control_run() does for one, run side by side on a few
 * worker threads. One after the other, each start waited for its gateway to
 * report ready before the next began: 100 gateways took 100 readiness
 * waits (3 s in CI, slower than supervisord's `start all`).
 */

#include "config.h"

#include "hermes-gateway-control-private.h"
#include "hermes-gateway-result-private.h"

/* the workers mostly wait for supervisors: 16 overlapped 100 starts on 2 cores
 * better than 8 (2.5 s against 3.0 s); more only crowds a small machine */
#define HERMES_GATEWAY_BATCH_WORKERS 16

typedef struct {
	HermesGatewayRun run;
	gboolean duplicate; /* named again: the first one's result stands for it */
} HermesGatewayBatchItem;

typedef struct {
	guint timeout_ms;
	GCancellable *cancellable;
	GAsyncQueue *done; /* HermesGatewayBatchItem, as each ends */
} HermesGatewayBatch;

static void
hermes_gateway_batch_worker(gpointer data, gpointer user_data)
{
	HermesGatewayBatchItem *item = data;
	HermesGatewayBatch *batch = user_data;
	GError *error = NULL;
	/* a batch cancelled while this one still queued: it is not begun at all */
	if (g_cancellable_set_error_if_cancelled(batch->cancellable, &error))
		hermes_gateway_result_fail(
			item->run.result, HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED, error);
	else
		hermes_gateway_run_steps(&item->run, batch->timeout_ms, batch->cancellable);
	g_async_queue_push(batch->done, item);
}

/* the lock for every item that has a home; on failure every such item fails */
static gboolean
hermes_gateway_batch_lock(HermesGatewayControl *self,
			  HermesGatewayBatchItem *items,
			  guint n,
			  HermesHomeLock **lock)
{
	GError *error_local = NULL;
	gboolean any_home = FALSE;

	for (guint i = 0; i < n; i++)
		any_home = any_home ||
			   (items[i].run.result->error == NULL && items[i].run.home != NULL);
	if (!any_home || hermes_gateway_control_lock(self, lock, &error_local))
		return TRUE;
	for (guint i = 0; i < n; i++) {
		if (items[i].run.result->error == NULL && items[i].run.home != NULL)
			hermes_gateway_result_fail(items[i].run.result,
						   HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED,
						   g_error_copy(error_local));
	}
	g_error_free(error_local);
	return FALSE;
}

/**
 * HermesGatewayResultFunc:
 * @result: how one action ended
 * @done: how many have ended, this one included
 * @total: how many there are
 * @user_data: the data given with the function
 *
 * Called by hermes_gateway_control_run_many() in the calling thread as each
 * action ends, in the order they end.
 */

/**
 * hermes_gateway_control_run_many:
 * @self: a #HermesGatewayControl
 * @action: what to do to each
 * @profiles: (array zero-terminated=1): the profiles, as people typed them
 * @timeout_ms: as for hermes_gateway_control_run()
 * @cancellable: (nullable): a #GCancellable
 * @func: (scope call) (nullable): called as each action ends
 * @user_data: data for @func
 *
 * hermes_gateway_control_run() for each of @profiles, under one hold of
 * the home lock, several at a time: each action is exactly the one a
 * single call would run, but their waits for the supervisor overlap. A
 * profile named twice is acted on once (its later entries get the same
 * result). Blocks until every action has ended.
 *
 * Returns: (transfer full) (element-type HermesGatewayResult): one result
 *   per entry of @profiles, in their order
 */
GPtrArray *
hermes_gateway_control_run_many(HermesGatewayControl *self,
				HermesGatewayAction action,
				const gchar *const *profiles,
				guint timeout_ms,
				GCancellable *cancellable,
				HermesGatewayResultFunc func,
				gpointer user_data)
{
	guint n;
	g_autofree HermesGatewayBatchItem *items = NULL;
	g_autoptr(GHashTable) first = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(HermesHomeLock) lock = NULL;
	HermesGatewayBatch batch = {timeout_ms, cancellable, NULL};
	GThreadPool *pool = NULL;
	GPtrArray *results;
	guint queued = 0;
	guint done = 0;
	guint unique = 0;

	g_return_val_if_fail(HERMES_IS_GATEWAY_CONTROL(self), NULL);
	g_return_val_if_fail(action <= HERMES_GATEWAY_ACTION_RESTART, NULL);
	g_return_val_if_fail(profiles != NULL, NULL);

	n = g_strv_length((gchar **)profiles);
	items = g_new0(HermesGatewayBatchItem, n);
	for (guint i = 0; i < n; i++) {
		if (!hermes_gateway_run_begin(self, action, profiles[i], &items[i].run))
			unique++;
		else if (g_hash_table_contains(first, items[i].run.result->profile))
			items[i].duplicate = TRUE;
		else if (g_hash_table_insert(first, items[i].run.result->profile, &items[i]))
			unique++;
	}
	hermes_gateway_batch_lock(self, items, n, &lock);

	batch.done = g_async_queue_new();
	pool = g_thread_pool_new(
		hermes_gateway_batch_worker, &batch, HERMES_GATEWAY_BATCH_WORKERS, FALSE, NULL);
	for (guint i = 0; i < n; i++) {
		if (items[i].duplicate || items[i].run.result->error != NULL)
			continue;
		g_thread_pool_push(pool, &items[i], NULL);
		queued++;
	}
	/* what ended before any work (refused names, a lock that failed) is reported first */
	for (guint i = 0; func != NULL && i < n; i++) {
		if (!items[i].duplicate && items[i].run.result->error != NULL)
			func(items[i].run.result, ++done, unique, user_data);
	}
	for (guint i = 0; i < queued; i++) {
		HermesGatewayBatchItem *item = g_async_queue_pop(batch.done);
		if (func != NULL)
			func(item->run.result, ++done, unique, user_data);
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	g_async_queue_unref(batch.done);

	results = g_ptr_array_new_full(n, (GDestroyNotify)hermes_gateway_result_unref);
	for (guint i = 0; i < n; i++) {
		if (items[i].duplicate) {
			HermesGatewayBatchItem *one =
				g_hash_table_lookup(first, items[i].run.result->profile);
			hermes_gateway_result_unref(hermes_gateway_run_end(&items[i].run));
			g_ptr_array_add(results, hermes_gateway_result_ref(one->run.result));
			continue;
		}
		g_ptr_array_add(results, hermes_gateway_run_end(&items[i].run));
	}
	return results;
}
