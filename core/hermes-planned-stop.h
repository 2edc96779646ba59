/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HERMES_PLANNED_STOP_FILE    ".gateway-planned-stop.json"
#define HERMES_PLANNED_STOP_TTL_SEC 60

gboolean
hermes_planned_stop_write(const gchar *home, gint64 target_pid, GError **error);
gboolean
hermes_planned_stop_consume(const gchar *home, gint64 pid, gint64 start_time);

G_END_DECLS
