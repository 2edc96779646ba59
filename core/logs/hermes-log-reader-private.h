/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <sys/types.h>

#include "hermes-log-reader.h"

G_BEGIN_DECLS

/* one sequence of lines: s6's rotated files then `current`, or one plain file */
typedef struct {
	guint index;
	gchar *live; /* the file still written: `current` or the plain file */
	gint fd;     /* the live file as last opened, -1 before it exists */
	dev_t dev;   /* its identity, to see a rotation */
	ino_t ino;
	goffset offset;	     /* bytes of it already turned into lines */
	GByteArray *partial; /* a line not yet ended by a newline */
} HermesLogStream;

struct _HermesLogReader {
	GObject parent_instance;
	HermesLogSource *source;
	gchar *profile;
	gint dir_fd;
	GPtrArray *streams; /* HermesLogStream */
	guint64 bytes_read;
	GFileMonitor *monitor;
	gboolean failed;
	gpointer journal;     /* sd_journal, for a journal source */
	gchar *cursor;	      /* the journal entry the tail ended at */
	guint journal_source; /* the journal fd's watch while following */
};

gint
hermes_log_reader_open_file(HermesLogReader *self, const gchar *name, GError **error);
HermesLogLine *
hermes_log_reader_make_line(HermesLogReader *self,
			    HermesLogStream *stream,
			    const gchar *data,
			    gsize length);
void
hermes_log_stream_free(HermesLogStream *stream);

/* hermes-log-journal.c */
gboolean
hermes_log_journal_open(HermesLogReader *self, GError **error);
GPtrArray *
hermes_log_journal_tail(HermesLogReader *self, guint n, gint64 since_us, GError **error);
gboolean
hermes_log_journal_follow(HermesLogReader *self, GError **error);
void
hermes_log_journal_close(HermesLogReader *self);

G_END_DECLS
