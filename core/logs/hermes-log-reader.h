/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "hermes-log-source.h"

G_BEGIN_DECLS

/**
 * HERMES_LOG_DEFAULT_LINES:
 *
 * How many lines `gateway logs` shows without `-n`, like tail(1).
 */
#define HERMES_LOG_DEFAULT_LINES 10
/**
 * HERMES_LOG_MAX_LINES:
 *
 * The most lines one read returns: what is held in memory is bounded.
 */
#define HERMES_LOG_MAX_LINES 100000
/**
 * HERMES_LOG_MAX_LINE:
 *
 * The longest line kept, in bytes; a longer one is cut there.
 */
#define HERMES_LOG_MAX_LINE (64 * 1024)
/**
 * HERMES_LOG_NO_TIME:
 *
 * The time of a line that carries no stamp.
 */
#define HERMES_LOG_NO_TIME G_MININT64

/**
 * HermesLogLine:
 * @time_us: microseconds since the Unix epoch, or %HERMES_LOG_NO_TIME
 * @profile: (nullable): the gateway's profile
 * @stream: which stream of the source (plain files: the file's index)
 * @text: the line without its stamp and newline, valid UTF-8 without
 *   control characters other than tab
 *
 * One line of a gateway's log.
 */
typedef struct {
	gint64 time_us;
	gchar *profile;
	guint stream;
	gchar *text;
} HermesLogLine;

#define HERMES_TYPE_LOG_LINE (hermes_log_line_get_type())
GType
hermes_log_line_get_type(void);
HermesLogLine *
hermes_log_line_copy(const HermesLogLine *line);
void
hermes_log_line_free(HermesLogLine *line);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesLogLine, hermes_log_line_free)

#define HERMES_TYPE_LOG_READER (hermes_log_reader_get_type())
G_DECLARE_FINAL_TYPE(HermesLogReader, hermes_log_reader, HERMES, LOG_READER, GObject)

HermesLogReader *
hermes_log_reader_new(HermesLogSource *source, const gchar *profile, GError **error);
GPtrArray *
hermes_log_reader_tail(HermesLogReader *self, guint n, gint64 since_us, GError **error);
gboolean
hermes_log_reader_follow(HermesLogReader *self, GError **error);
guint64
hermes_log_reader_get_bytes_read(HermesLogReader *self);

void
hermes_log_lines_sort(GPtrArray *lines, guint n);
gboolean
hermes_log_parse_since(const gchar *text, gint64 now_us, gint64 *since_us, GError **error);

G_END_DECLS
