/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (s6-log's T) and "@" + 24 hex digits (t) */
#define HERMES_LOG_STAMP_ISO_LEN    29
#define HERMES_LOG_STAMP_TAI64N_LEN 25

gsize
hermes_log_stamp_parse(const gchar *line, gsize length, gint64 *unix_us);
gboolean
hermes_log_stamp_parse_tai64n(const gchar *text, gsize length, gint64 *unix_us);

G_END_DECLS
