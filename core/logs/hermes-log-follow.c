/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `gateway logs -f`: lines written after hermes_log_reader_tail(), exactly
 * once, across s6-log's rotations. Driven by a GFileMonitor on the log
 * directory, never by a timer. Each stream holds the live file open: when
 * s6-log renames `current` to `@<tai64n>.s` the held descriptor still reads
 * the renamed file, so what was written to it before the rename is read to
 * its end before the new `current` is opened at offset 0. The monitor only
 * says "look again"; every read goes through the directory descriptor opened
 * beneath the trusted root, and every file is opened without following a link.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-log-reader-private.h"

#define HERMES_LOG_FOLLOW_CHUNK (64 * 1024)
/* inotify may report a busy file a hundred times a second; 100 ms keeps lines prompt */
#define HERMES_LOG_FOLLOW_RATE_MS 100

static void
hermes_log_follow_emit(HermesLogReader *self,
		       HermesLogStream *stream,
		       const guint8 *data,
		       gsize len)
{
	g_autoptr(HermesLogLine) line =
		hermes_log_reader_make_line(self, stream, (const gchar *)data, len);
	g_signal_emit_by_name(self, "line", line);
}

/* complete lines out of the partial buffer; a line over the cap is cut there */
static void
hermes_log_follow_split(HermesLogReader *self, HermesLogStream *stream, gboolean at_end)
{
	GByteArray *buf = stream->partial;
	gsize start = 0;
	for (gsize k = 0; k < buf->len; k++) {
		if (buf->data[k] == '\n') {
			hermes_log_follow_emit(self, stream, buf->data + start, k - start);
			start = k + 1;
		} else if (k + 1 - start >= HERMES_LOG_MAX_LINE) {
			hermes_log_follow_emit(self, stream, buf->data + start, k + 1 - start);
			start = k + 1;
		}
	}
	g_byte_array_remove_range(buf, 0, (guint)start);
	/* a renamed file gets no more writes: its unterminated last line is whole */
	if (at_end && buf->len > 0) {
		hermes_log_follow_emit(self, stream, buf->data, buf->len);
		g_byte_array_set_size(buf, 0);
	}
}

/* everything appended to the held file since the last look */
static gboolean
hermes_log_follow_drain_fd(HermesLogReader *self, HermesLogStream *stream, GError **error)
{
	g_autofree guint8 *chunk = g_malloc(HERMES_LOG_FOLLOW_CHUNK);
	struct stat st;
	if (fstat(stream->fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", stream->live);
		return FALSE;
	}
	/* truncated in place (copytruncate): start again from its beginning */
	if (st.st_size < stream->offset) {
		stream->offset = 0;
		g_byte_array_set_size(stream->partial, 0);
	}
	for (;;) {
		gssize r = pread(stream->fd, chunk, HERMES_LOG_FOLLOW_CHUNK, stream->offset);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			hermes_error_set_errno(error, errno, "cannot read %s", stream->live);
			return FALSE;
		}
		if (r == 0)
			return TRUE;
		self->bytes_read += (guint64)r;
		stream->offset += r;
		g_byte_array_append(stream->partial, chunk, (guint)r);
		hermes_log_follow_split(self, stream, FALSE);
	}
}

/* read the held file to its end; if the name now is another file, finish the
 * old one and go on with the new one from its start */
static gboolean
hermes_log_follow_drain(HermesLogReader *self, HermesLogStream *stream, GError **error)
{
	for (guint round = 0; round < 16; round++) {
		struct stat st;
		gint fd;
		if (stream->fd >= 0 && !hermes_log_follow_drain_fd(self, stream, error))
			return FALSE;
		if (fstatat(self->dir_fd, stream->live, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			/* between s6-log's rename and its new `current`: the next event brings it */
			if (errno == ENOENT)
				return TRUE;
			hermes_error_set_errno(error, errno, "cannot stat %s", stream->live);
			return FALSE;
		}
		if (stream->fd >= 0 && st.st_dev == stream->dev && st.st_ino == stream->ino)
			return TRUE;
		if (stream->fd >= 0) {
			/* rotated: the old file is complete now; read what came after our last look */
			if (!hermes_log_follow_drain_fd(self, stream, error))
				return FALSE;
			hermes_log_follow_split(self, stream, TRUE);
			close(stream->fd);
			stream->fd = -1;
		}
		fd = hermes_log_reader_open_file(self, stream->live, error);
		if (fd < 0)
			return FALSE;
		if (fstat(fd, &st) != 0) {
			hermes_error_set_errno(error, errno, "cannot stat %s", stream->live);
			close(fd);
			return FALSE;
		}
		stream->fd = fd;
		stream->dev = st.st_dev;
		stream->ino = st.st_ino;
		stream->offset = 0;
	}
	/* rotating faster than we can look: say so rather than spin */
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "%s is replaced faster than it can be read",
		    stream->live);
	return FALSE;
}

static void
hermes_log_follow_look(HermesLogReader *self)
{
	if (self->failed)
		return;
	for (guint i = 0; i < self->streams->len; i++) {
		g_autoptr(GError) error = NULL;
		if (!hermes_log_follow_drain(self, g_ptr_array_index(self->streams, i), &error)) {
			self->failed = TRUE;
			g_file_monitor_cancel(self->monitor);
			g_prefix_error(&error,
				       "following the log of gateway '%s': ",
				       self->profile ? self->profile : "?");
			g_signal_emit_by_name(self, "failed", error);
			return;
		}
	}
}

static void
hermes_log_follow_changed_cb(
	GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
	hermes_log_follow_look(HERMES_LOG_READER(data));
}

/**
 * hermes_log_reader_follow:
 * @self: a reader on which hermes_log_reader_tail() has run
 * @error: return location for a #GError
 *
 * Emits #HermesLogReader::line for each line written from now on, in the
 * thread-default main context, until the reader is finalized or
 * #HermesLogReader::failed is emitted. Lines written between the tail and
 * this call are emitted first.
 *
 * Returns: %TRUE when the directory is being watched
 */
gboolean
hermes_log_reader_follow(HermesLogReader *self, GError **error)
{
	g_autoptr(GFile) dir = NULL;
	g_return_val_if_fail(HERMES_IS_LOG_READER(self), FALSE);
	g_return_val_if_fail(self->monitor == NULL, FALSE);
	if (self->journal != NULL)
		return hermes_log_journal_follow(self, error);
	dir = g_file_new_for_path(hermes_log_source_get_directory(self->source));
	self->monitor = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
	if (self->monitor == NULL) {
		hermes_error_convert(error);
		return FALSE;
	}
	g_file_monitor_set_rate_limit(self->monitor, HERMES_LOG_FOLLOW_RATE_MS);
	g_signal_connect_object(
		self->monitor, "changed", G_CALLBACK(hermes_log_follow_changed_cb), self, 0);
	/* lines written before the watch began are not announced by it */
	hermes_log_follow_look(self);
	return TRUE;
}
