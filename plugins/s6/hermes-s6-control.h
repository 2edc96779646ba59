/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

gboolean
hermes_s6_control_slot(const gchar *slot_dir, const gchar *command, GError **error);
gboolean
hermes_s6_control_scanner(const gchar *scandir, const gchar *command, GError **error);
gboolean
hermes_s6_scanner_is_running(const gchar *scandir);

typedef void (*HermesS6WatchFunc)(const gchar *events, gsize n_events, gpointer user_data);
typedef struct _HermesS6Watch HermesS6Watch;

HermesS6Watch *
hermes_s6_watch_new(const gchar *event_dir,
		    GMainContext *context,
		    HermesS6WatchFunc func,
		    gpointer user_data,
		    GError **error);
void
hermes_s6_watch_free(HermesS6Watch *watch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesS6Watch, hermes_s6_watch_free)

G_END_DECLS
