/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-test-signals.h"
#include "hermes-test.h"

static void
hermes_test_signal_free(gpointer data)
{
	HermesTestSignal *s = data;
	g_free(s->path);
	g_free(s->member);
	g_variant_unref(s->params);
	g_free(s);
}

GPtrArray *
hermes_test_signals_new(void)
{
	return g_ptr_array_new_with_free_func(hermes_test_signal_free);
}

/* a GDBusSignalCallback; @user_data is the array from hermes_test_signals_new() */
void
hermes_test_signals_record_cb(GDBusConnection *connection,
			      const gchar *sender,
			      const gchar *path,
			      const gchar *interface,
			      const gchar *member,
			      GVariant *params,
			      gpointer user_data)
{
	GPtrArray *signals = user_data;
	HermesTestSignal *s = g_new0(HermesTestSignal, 1);
	s->path = g_strdup(path);
	s->member = g_strdup(member);
	s->params = g_variant_ref(params);
	g_ptr_array_add(signals, s);
}

/* the first signal from index *@from on that passes @check; *@from moves past it */
HermesTestSignal *
hermes_test_wait_signal(GPtrArray *signals,
			guint *from,
			HermesTestSignalCheck check,
			gconstpointer data,
			guint timeout_ms,
			const gchar *what)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (TRUE) {
		for (; *from < signals->len; (*from)++) {
			HermesTestSignal *s = g_ptr_array_index(signals, *from);
			if (check(s, data)) {
				(*from)++;
				return s;
			}
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("no signal: %s", what);
		hermes_test_spin(20);
	}
}

static gboolean
hermes_test_signal_is_interfaces(HermesTestSignal *s, const gchar *member, const gchar *path)
{
	const gchar *object = NULL;
	if (g_strcmp0(s->member, member) != 0)
		return FALSE;
	g_variant_get_child(s->params, 0, "&o", &object);
	return g_strcmp0(object, path) == 0;
}

gboolean
hermes_test_signal_is_added(HermesTestSignal *s, gconstpointer object_path)
{
	return hermes_test_signal_is_interfaces(s, "InterfacesAdded", object_path);
}

gboolean
hermes_test_signal_is_removed(HermesTestSignal *s, gconstpointer object_path)
{
	return hermes_test_signal_is_interfaces(s, "InterfacesRemoved", object_path);
}

/* PropertiesChanged carrying a Pid other than *(gint64 *)@old_pid */
gboolean
hermes_test_signal_is_new_pid(HermesTestSignal *s, gconstpointer old_pid)
{
	g_autoptr(GVariant) changed = NULL;
	gint64 pid;
	if (g_strcmp0(s->member, "PropertiesChanged") != 0)
		return FALSE;
	changed = g_variant_get_child_value(s->params, 1);
	return g_variant_lookup(changed, "Pid", "x", &pid) && pid != *(const gint64 *)old_pid;
}
