/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* records D-Bus signals so a test can wait for one, in order, from a point on */

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
	gchar *path;
	gchar *member;
	GVariant *params;
} HermesTestSignal;

typedef gboolean (*HermesTestSignalCheck)(HermesTestSignal *s, gconstpointer data);

GPtrArray *
hermes_test_signals_new(void);
void
hermes_test_signals_record_cb(GDBusConnection *connection,
			      const gchar *sender,
			      const gchar *path,
			      const gchar *interface,
			      const gchar *member,
			      GVariant *params,
			      gpointer user_data);
HermesTestSignal *
hermes_test_wait_signal(GPtrArray *signals,
			guint *from,
			HermesTestSignalCheck check,
			gconstpointer data,
			guint timeout_ms,
			const gchar *what);

gboolean
hermes_test_signal_is_added(HermesTestSignal *s, gconstpointer object_path);
gboolean
hermes_test_signal_is_removed(HermesTestSignal *s, gconstpointer object_path);
gboolean
hermes_test_signal_is_new_pid(HermesTestSignal *s, gconstpointer old_pid);

G_END_DECLS
