/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A job of systemd's manager, waited for the only safe way: JobRemoved is
 * subscribed before the job is queued, since the signal may arrive before
 * the reply that names the job.
 */

#include "config.h"

#include "hermes-systemd-job.h"

typedef struct {
	GHashTable *done; /* job path -> result */
	gboolean timed_out;
} HermesSystemdJobWatch;

static void
hermes_systemd_job_removed_cb(GDBusConnection *connection,
			      const gchar *sender,
			      const gchar *path,
			      const gchar *iface,
			      const gchar *signal,
			      GVariant *params,
			      gpointer user_data)
{
	HermesSystemdJobWatch *watch = user_data;
	guint32 id = 0;
	const gchar *job = NULL;
	const gchar *unit = NULL;
	const gchar *result = NULL;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uoss)")))
		return;
	g_variant_get(params, "(u&o&s&s)", &id, &job, &unit, &result);
	g_hash_table_insert(watch->done, g_strdup(job), g_strdup(result));
}

static gboolean
hermes_systemd_job_timeout_cb(gpointer user_data)
{
	HermesSystemdJobWatch *watch = user_data;
	watch->timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
hermes_systemd_job_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	return G_SOURCE_REMOVE;
}

/**
 * hermes_systemd_bus_run_job:
 * @self: a connection
 * @method: `StartUnit`, `StopUnit` or `RestartUnit`
 * @unit: the unit
 * @timeout_ms: how long to wait for the job
 * @result: (out) (transfer full): the job's result (`done`, `failed`, …)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Subscribes to `JobRemoved` first, then queues the job (mode `replace`)
 * and waits for exactly that job: the signal may arrive before the reply,
 * so every finished job is recorded and looked up afterwards. `done` only
 * means the job ran; the caller checks what the unit became.
 *
 * Returns: %TRUE once the job finished, with @result set
 */
gboolean
hermes_systemd_bus_run_job(HermesSystemdBus *self,
			   const gchar *method,
			   const gchar *unit,
			   guint timeout_ms,
			   gchar **result,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GSource) timeout = g_timeout_source_new(timeout_ms);
	g_autoptr(GSource) cancel = NULL;
	g_autoptr(GVariant) reply = NULL;
	HermesSystemdJobWatch watch = {NULL, FALSE};
	const gchar *job = NULL;
	const gchar *found = NULL;
	guint id;

	watch.done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_main_context_push_thread_default(context);
	id = g_dbus_connection_signal_subscribe(self->connection,
						self->dest,
						HERMES_SYSTEMD_MANAGER_IFACE,
						"JobRemoved",
						HERMES_SYSTEMD_MANAGER_PATH,
						NULL,
						G_DBUS_SIGNAL_FLAGS_NONE,
						hermes_systemd_job_removed_cb,
						&watch,
						NULL);
	reply = hermes_systemd_bus_call(
		self, method, g_variant_new("(ss)", unit, "replace"), "(o)", cancellable, error);
	if (reply != NULL) {
		g_variant_get(reply, "(&o)", &job);
		g_source_set_callback(timeout, hermes_systemd_job_timeout_cb, &watch, NULL);
		g_source_attach(timeout, context);
		if (cancellable != NULL) {
			cancel = g_cancellable_source_new(cancellable);
			g_source_set_callback(
				cancel, G_SOURCE_FUNC(hermes_systemd_job_cancelled_cb), NULL, NULL);
			g_source_attach(cancel, context);
		}
		while ((found = g_hash_table_lookup(watch.done, job)) == NULL && !watch.timed_out &&
		       !g_cancellable_is_cancelled(cancellable))
			g_main_context_iteration(context, TRUE);
		g_source_destroy(timeout);
		if (cancel != NULL)
			g_source_destroy(cancel);
	}
	g_dbus_connection_signal_unsubscribe(self->connection, id);
	/* let what was queued for this context go before the context does */
	while (g_main_context_iteration(context, FALSE))
		;
	g_main_context_pop_thread_default(context);
	if (reply == NULL) {
		g_hash_table_unref(watch.done);
		g_prefix_error(error, "%s %s: ", method, unit);
		return FALSE;
	}
	if (found != NULL) {
		*result = g_strdup(found);
		g_hash_table_unref(watch.done);
		return TRUE;
	}
	g_hash_table_unref(watch.done);
	if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
		hermes_error_convert(error);
		return FALSE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_TIMED_OUT,
		    "%s %s: the job did not finish within %u s",
		    method,
		    unit,
		    (timeout_ms + 999) / 1000);
	return FALSE;
}
