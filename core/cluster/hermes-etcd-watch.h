/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-etcd-client.h"

G_BEGIN_DECLS

/* what a watch tells its owner, through the owner's queue */
typedef struct {
	HermesEtcdWatchKind kind;
	gint64 revision;
	gchar *message; /* why, for HERMES_ETCD_WATCH_LOST and _CANCELED */
	guint watch;	/* hermes_etcd_watch_get_id() of the watch that said it */
} HermesEtcdWatchNote;

void
hermes_etcd_watch_note_free(HermesEtcdWatchNote *note);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesEtcdWatchNote, hermes_etcd_watch_note_free)

typedef struct _HermesEtcdWatch HermesEtcdWatch;

HermesEtcdWatch *
hermes_etcd_watch_start(HermesEtcdClient *client,
			const gchar *prefix,
			gint64 start_revision,
			GAsyncQueue *queue);
guint
hermes_etcd_watch_get_id(HermesEtcdWatch *watch);
void
hermes_etcd_watch_stop(HermesEtcdWatch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesEtcdWatch, hermes_etcd_watch_stop)

G_END_DECLS
