/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* one key of etcd, decoded: the key and value as text, the revisions and the lease */
typedef struct {
	gchar *key;
	gchar *value;
	gint64 create_revision;
	gint64 mod_revision;
	gint64 lease; /* 0: none */
} HermesEtcdKv;

void
hermes_etcd_kv_free(HermesEtcdKv *kv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesEtcdKv, hermes_etcd_kv_free)

gchar *
hermes_etcd_encode(const gchar *text);
gchar *
hermes_etcd_prefix_end(const gchar *prefix);
JsonObject *
hermes_etcd_decode_response(const gchar *body, gsize length, GError **error);
gboolean
hermes_etcd_decode_int(JsonObject *object, const gchar *member, gint64 *value, GError **error);
GPtrArray *
hermes_etcd_decode_range(JsonObject *response, gint64 *revision, GError **error);

/* what one message of a watch stream says */
typedef enum {
	HERMES_ETCD_WATCH_CREATED,  /* the watch is in place from the asked revision */
	HERMES_ETCD_WATCH_EVENTS,   /* keys under it changed */
	HERMES_ETCD_WATCH_PROGRESS, /* nothing for us (a progress note) */
	HERMES_ETCD_WATCH_CANCELED, /* etcd ended it (compacted, no leader): read again */
	HERMES_ETCD_WATCH_LOST,	    /* the stream could not be had or ended */
} HermesEtcdWatchKind;

gboolean
hermes_etcd_decode_flag(JsonObject *object, const gchar *member);
gboolean
hermes_etcd_decode_watch(const gchar *line,
			 gsize length,
			 HermesEtcdWatchKind *kind,
			 gint64 *revision,
			 GError **error);

G_END_DECLS
