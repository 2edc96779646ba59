/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* data/run-by.<pid>: an empty file the slot's run leaves for the s6-supervise
 * (its parent, <pid>) that started it */
#define HERMES_S6_RUN_BY_PREFIX "run-by."

gint64
hermes_s6_supervisor_pid(const gchar *scandir, const gchar *slot_dir);
gboolean
hermes_s6_lost_possible(const gchar *scandir, const gchar *slot_dir, gint64 supervisor);
void
hermes_s6_lost_forget(const gchar *scandir, const gchar *slot_dir, gint64 supervisor);
GArray *
hermes_s6_slot_processes(const gchar *slot_dir);

G_END_DECLS
