/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HERMES_PLANNED_STOP_FILE    ".gateway-planned-stop.json"
#define HERMES_PLANNED_STOP_TTL_SEC 60
/* how long a marker must stay, without a signal, before a gateway stops on it alone */
#define HERMES_PLANNED_STOP_GRACE_SEC 5

gboolean
hermes_planned_stop_write(const gchar *home, gint64 target_pid, GError **error);
gboolean
hermes_planned_stop_consume(const gchar *home, gint64 pid, gint64 start_time);
gboolean
hermes_planned_stop_peek(const gchar *home, gint64 pid, gint64 start_time);
void
hermes_planned_stop_withdraw(const gchar *home, gint64 target_pid);

G_END_DECLS
