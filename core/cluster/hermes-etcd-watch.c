/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One etcd watch on a prefix, read in a thread of its own (a stream is quiet
 * for as long as nothing changes, so its read blocks): every message becomes
 * a note in the owner's queue, and the end of the stream, for whatever
 * reason, is the last note (HERMES_ETCD_WATCH_LOST or _CANCELED). A watch
 * is never resumed: its owner reads the keys again and starts a new one
 * from the revision it read, so nothing between the two is missed.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-etcd-client-private.h"
#include "hermes-etcd-watch.h"

/* etcd sends an event batch as one line; a line longer than this is not etcd's */
#define HERMES_ETCD_WATCH_MAX_LINE (4 * 1024 * 1024)

struct _HermesEtcdWatch {
	HermesEtcdClient *client;
	gchar *prefix;
	gint64 start_revision;
	GAsyncQueue *queue;
	GCancellable *cancellable;
	GThread *thread;
	guint id;
};

/* every watch of the process has its own id: a note of one is never taken for another's */
static gint hermes_etcd_watch_last_id;

void
hermes_etcd_watch_note_free(HermesEtcdWatchNote *note)
{
	if (note == NULL)
		return;
	g_free(note->message);
	g_free(note);
}

static void
hermes_etcd_watch_push(HermesEtcdWatch *self,
		       HermesEtcdWatchKind kind,
		       gint64 revision,
		       const gchar *message)
{
	HermesEtcdWatchNote *note;

	/* stopped by its owner: nothing to say (a late note would end its successor) */
	if (g_cancellable_is_cancelled(self->cancellable))
		return;
	note = g_new0(HermesEtcdWatchNote, 1);
	note->kind = kind;
	note->revision = revision;
	note->message = g_strdup(message);
	note->watch = self->id;
	g_async_queue_push(self->queue, note);
}

/* each whole line of @buf as a note; FALSE once the watch has ended */
static gboolean
hermes_etcd_watch_lines(HermesEtcdWatch *self, GString *buf)
{
	gchar *newline;

	while ((newline = memchr(buf->str, '\n', buf->len)) != NULL) {
		g_autoptr(GError) error = NULL;
		HermesEtcdWatchKind kind = HERMES_ETCD_WATCH_LOST;
		gint64 revision = 0;
		gsize length = newline - buf->str;

		if (length > 0 &&
		    !hermes_etcd_decode_watch(buf->str, length, &kind, &revision, &error)) {
			hermes_etcd_watch_push(self, HERMES_ETCD_WATCH_LOST, 0, error->message);
			return FALSE;
		}
		g_string_erase(buf, 0, length + 1);
		if (length == 0 || kind == HERMES_ETCD_WATCH_PROGRESS)
			continue;
		hermes_etcd_watch_push(self,
				       kind,
				       revision,
				       kind == HERMES_ETCD_WATCH_CANCELED ? "etcd ended it" : NULL);
		if (kind == HERMES_ETCD_WATCH_CANCELED)
			return FALSE;
	}
	if (buf->len > HERMES_ETCD_WATCH_MAX_LINE) {
		hermes_etcd_watch_push(
			self, HERMES_ETCD_WATCH_LOST, 0, "a watch message over 4 MiB: not etcd's");
		return FALSE;
	}
	return TRUE;
}

static gpointer
hermes_etcd_watch_thread(gpointer data)
{
	HermesEtcdWatch *self = data;
	g_autoptr(JsonObject) request = json_object_new();
	JsonObject *create = json_object_new();
	g_autofree gchar *key = hermes_etcd_encode(self->prefix);
	g_autofree gchar *end = hermes_etcd_prefix_end(self->prefix);
	g_autofree gchar *start = g_strdup_printf("%" G_GINT64_FORMAT, self->start_revision);
	g_autoptr(GInputStream) stream = NULL;
	g_autoptr(GString) buf = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	gchar chunk[16384];

	json_object_set_string_member(create, "key", key);
	json_object_set_string_member(create, "range_end", end);
	json_object_set_string_member(create, "start_revision", start);
	json_object_set_object_member(request, "create_request", create);
	stream = hermes_etcd_client_open_stream(
		self->client, "/v3/watch", request, self->cancellable, &error);
	if (stream == NULL) {
		hermes_etcd_watch_push(self, HERMES_ETCD_WATCH_LOST, 0, error->message);
		return NULL;
	}
	for (;;) {
		gssize n = g_input_stream_read(
			stream, chunk, sizeof(chunk), self->cancellable, &error);
		if (n <= 0) {
			hermes_etcd_watch_push(self,
					       HERMES_ETCD_WATCH_LOST,
					       0,
					       n == 0 ? "the etcd member ended the watch"
						      : error->message);
			break;
		}
		g_string_append_len(buf, chunk, n);
		if (!hermes_etcd_watch_lines(self, buf))
			break;
	}
	g_input_stream_close(stream, NULL, NULL);
	return NULL;
}

/**
 * hermes_etcd_watch_start:
 * @client: a client for this watch alone (its connections lose their I/O timeout)
 * @prefix: the keys to watch
 * @start_revision: the first revision to report
 * @queue: where #HermesEtcdWatchNote go (the receiver frees them)
 *
 * Returns: (transfer full): the watch, running until hermes_etcd_watch_stop()
 */
HermesEtcdWatch *
hermes_etcd_watch_start(HermesEtcdClient *client,
			const gchar *prefix,
			gint64 start_revision,
			GAsyncQueue *queue)
{
	HermesEtcdWatch *self = g_new0(HermesEtcdWatch, 1);
	self->client = g_object_ref(client);
	self->prefix = g_strdup(prefix);
	self->start_revision = start_revision;
	self->queue = g_async_queue_ref(queue);
	self->cancellable = g_cancellable_new();
	self->id = (guint)g_atomic_int_add(&hermes_etcd_watch_last_id, 1) + 1;
	self->thread = g_thread_new("hermes-watch", hermes_etcd_watch_thread, self);
	return self;
}

guint
hermes_etcd_watch_get_id(HermesEtcdWatch *watch)
{
	g_return_val_if_fail(watch != NULL, 0);
	return watch->id;
}

/**
 * hermes_etcd_watch_stop:
 * @watch: (nullable): a watch
 *
 * Cancels the watch and waits for its thread (a cancelled read returns at
 * once); it queues nothing after this is called, notes queued before stay.
 */
void
hermes_etcd_watch_stop(HermesEtcdWatch *watch)
{
	if (watch == NULL)
		return;
	g_cancellable_cancel(watch->cancellable);
	g_thread_join(watch->thread);
	g_object_unref(watch->cancellable);
	g_async_queue_unref(watch->queue);
	g_object_unref(watch->client);
	g_free(watch->prefix);
	g_free(watch);
}
