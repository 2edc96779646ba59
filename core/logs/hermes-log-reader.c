/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One reader for every log kept in files (s6-log directories, launchd's
 * StandardOutPath/StandardErrorPath). A gateway writes its log, so every file
 * is opened beneath the source's trusted root through the safe file layer, a
 * link or a FIFO is refused, and a log of any size is read backwards in
 * bounded chunks: `-n 10` of a 4 GiB file reads a few kilobytes.
 * Following lives in hermes-log-follow.c.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-log-reader-private.h"
#include "hermes-log-stamp.h"
#include "hermes-safe-file-private.h"
#include "hermes-safe-file.h"

#define HERMES_LOG_CHUNK (64 * 1024)
/* an s6-log directory keeps n10 archives; more than this is not s6-log's */
#define HERMES_LOG_MAX_FILES 1024

G_DEFINE_BOXED_TYPE(HermesLogLine, hermes_log_line, hermes_log_line_copy, hermes_log_line_free)
G_DEFINE_FINAL_TYPE(HermesLogReader, hermes_log_reader, G_TYPE_OBJECT)

/**
 * hermes_log_line_copy:
 * @line: a line
 *
 * Returns: (transfer full): a copy
 */
HermesLogLine *
hermes_log_line_copy(const HermesLogLine *line)
{
	HermesLogLine *copy = g_new0(HermesLogLine, 1);
	copy->time_us = line->time_us;
	copy->profile = g_strdup(line->profile);
	copy->stream = line->stream;
	copy->text = g_strdup(line->text);
	return copy;
}

/**
 * hermes_log_line_free:
 * @line: (transfer full): a line
 */
void
hermes_log_line_free(HermesLogLine *line)
{
	if (line == NULL)
		return;
	g_free(line->profile);
	g_free(line->text);
	g_free(line);
}

void
hermes_log_stream_free(HermesLogStream *stream)
{
	if (stream->fd >= 0)
		close(stream->fd);
	g_free(stream->live);
	g_byte_array_unref(stream->partial);
	g_free(stream);
}

static void
hermes_log_reader_finalize(GObject *object)
{
	HermesLogReader *self = HERMES_LOG_READER(object);
	g_clear_object(&self->monitor);
	hermes_log_journal_close(self);
	g_ptr_array_unref(self->streams);
	if (self->dir_fd >= 0)
		close(self->dir_fd);
	hermes_log_source_unref(self->source);
	g_free(self->profile);
	G_OBJECT_CLASS(hermes_log_reader_parent_class)->finalize(object);
}

static void
hermes_log_reader_class_init(HermesLogReaderClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_log_reader_finalize;
	/**
	 * HermesLogReader::line:
	 * @self: the reader
	 * @line: a line written after hermes_log_reader_tail() returned
	 */
	g_signal_new("line",
		     G_TYPE_FROM_CLASS(klass),
		     G_SIGNAL_RUN_LAST,
		     0,
		     NULL,
		     NULL,
		     NULL,
		     G_TYPE_NONE,
		     1,
		     HERMES_TYPE_LOG_LINE);
	/**
	 * HermesLogReader::failed:
	 * @self: the reader
	 * @error: why following stopped (a file was refused or could not be read)
	 */
	g_signal_new("failed",
		     G_TYPE_FROM_CLASS(klass),
		     G_SIGNAL_RUN_LAST,
		     0,
		     NULL,
		     NULL,
		     NULL,
		     G_TYPE_NONE,
		     1,
		     G_TYPE_ERROR);
}

static void
hermes_log_reader_init(HermesLogReader *self)
{
	self->dir_fd = -1;
	self->streams = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_stream_free);
}

static void
hermes_log_reader_add_stream(HermesLogReader *self, const gchar *live)
{
	HermesLogStream *stream = g_new0(HermesLogStream, 1);
	stream->index = self->streams->len;
	stream->live = g_strdup(live);
	stream->fd = -1;
	stream->partial = g_byte_array_new();
	g_ptr_array_add(self->streams, stream);
}

/**
 * hermes_log_reader_new:
 * @source: where the log is
 * @profile: (nullable): the gateway's profile, copied into each line
 * @error: return location for a #GError
 *
 * Opens the log directory beneath the source's trusted root, without
 * following a link, or the journal (%HERMES_ERROR_NOT_SUPPORTED in a build
 * without libsystemd).
 *
 * Returns: (transfer full) (nullable): a reader, or %NULL with
 * %HERMES_ERROR_NOT_FOUND when the directory does not exist
 */
HermesLogReader *
hermes_log_reader_new(HermesLogSource *source, const gchar *profile, GError **error)
{
	g_autoptr(HermesLogReader) self = NULL;
	HermesLogFormat format;
	g_return_val_if_fail(source != NULL, NULL);
	format = hermes_log_source_get_format(source);
	self = g_object_new(HERMES_TYPE_LOG_READER, NULL);
	self->source = hermes_log_source_ref(source);
	self->profile = g_strdup(profile);
	if (format == HERMES_LOG_FORMAT_JOURNAL) {
		hermes_log_reader_add_stream(self, hermes_log_source_get_unit(source));
		if (!hermes_log_journal_open(self, error))
			return NULL;
		return g_steal_pointer(&self);
	}
	self->dir_fd = hermes_safe_open_dir(
		hermes_log_source_get_root(source), hermes_log_source_get_directory(source), error);
	if (self->dir_fd < 0) {
		g_prefix_error(error, "no logs for gateway '%s': ", profile ? profile : "?");
		return NULL;
	}
	if (format == HERMES_LOG_FORMAT_S6) {
		hermes_log_reader_add_stream(self, "current");
	} else {
		const gchar *const *files = hermes_log_source_get_files(source);
		for (guint i = 0; files[i] != NULL; i++)
			hermes_log_reader_add_stream(self, files[i]);
	}
	return g_steal_pointer(&self);
}

/* one name in the log directory: never a link, only a regular file, never blocking */
gint
hermes_log_reader_open_file(HermesLogReader *self, const gchar *name, GError **error)
{
	g_autofree gchar *display =
		g_build_filename(hermes_log_source_get_directory(self->source), name, NULL);
	gint fd = openat(
		self->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		hermes_safe_set_open_error(error, errno, display);
		return -1;
	}
	/* no size cap: logs are read in bounded chunks, never whole */
	if (!hermes_safe_check_regular(fd, 0, display, error)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* text for a terminal: control characters (an escape sequence, a NUL) shown as '?', valid UTF-8 */
static gchar *
hermes_log_line_clean(const gchar *data, gsize length)
{
	g_autofree gchar *bytes = NULL;
	if (length == 0)
		return g_strdup("");
	bytes = g_memdup2(data, length);
	for (gsize i = 0; i < length; i++) {
		guchar c = (guchar)bytes[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			bytes[i] = '?';
	}
	return g_utf8_make_valid(bytes, (gssize)length);
}

HermesLogLine *
hermes_log_reader_make_line(HermesLogReader *self,
			    HermesLogStream *stream,
			    const gchar *data,
			    gsize length)
{
	HermesLogLine *line = g_new0(HermesLogLine, 1);
	gsize used = 0;
	line->time_us = HERMES_LOG_NO_TIME;
	if (length > 0 && data[length - 1] == '\r')
		length--;
	if (length > HERMES_LOG_MAX_LINE)
		length = HERMES_LOG_MAX_LINE;
	if (hermes_log_source_get_format(self->source) == HERMES_LOG_FORMAT_S6)
		used = hermes_log_stamp_parse(data, length, &line->time_us);
	line->profile = g_strdup(self->profile);
	line->stream = stream->index;
	line->text = hermes_log_line_clean(data + used, length - used);
	return line;
}

/* s6-log's archives: '@', 24 hex digits, ".s" (rotated) or ".u" (cut short) */
static gboolean
hermes_log_is_archive(const gchar *name)
{
	gint64 t;
	return strlen(name) == 27 && hermes_log_stamp_parse_tai64n(name, 25, &t) &&
	       name[25] == '.' && (name[26] == 's' || name[26] == 'u');
}

static gint
hermes_log_compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the archives, oldest first: their names are fixed-width TAI64N labels */
static GPtrArray *
hermes_log_reader_list_archives(HermesLogReader *self, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	gint fd = dup(self->dir_fd);
	DIR *dir;
	struct dirent *entry;
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		hermes_error_set_errno(error,
				       errno,
				       "cannot list %s",
				       hermes_log_source_get_directory(self->source));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rewinddir(dir);
	while ((entry = readdir(dir)) != NULL && names->len < HERMES_LOG_MAX_FILES) {
		if (hermes_log_is_archive(entry->d_name))
			g_ptr_array_add(names, g_strdup(entry->d_name));
	}
	closedir(dir);
	g_ptr_array_sort(names, hermes_log_compare_names);
	return g_steal_pointer(&names);
}

typedef struct {
	HermesLogReader *self;
	HermesLogStream *stream;
	GPtrArray *out; /* newest first */
	guint n;
	gint64 since_us;
	gboolean done; /* n lines, or one older than --since */
} HermesLogTail;

static void
hermes_log_tail_take(HermesLogTail *st, const guint8 *data, gsize length)
{
	HermesLogLine *line =
		hermes_log_reader_make_line(st->self, st->stream, (const gchar *)data, length);
	/* s6-log writes in time order: one line older than --since ends the search */
	if (st->since_us != HERMES_LOG_NO_TIME && line->time_us != HERMES_LOG_NO_TIME &&
	    line->time_us < st->since_us) {
		hermes_log_line_free(line);
		st->done = TRUE;
		return;
	}
	g_ptr_array_add(st->out, line);
	if (st->out->len >= st->n)
		st->done = TRUE;
}

static gboolean
hermes_log_pread(
	HermesLogReader *self, gint fd, guint8 *buf, gsize len, goffset pos, GError **error)
{
	gsize got = 0;
	while (got < len) {
		gssize r = pread(fd, buf + got, len - got, pos + (goffset)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			hermes_error_set_errno(error, errno, "cannot read a log file");
			return FALSE;
		}
		if (r == 0) {
			g_set_error_literal(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_DATA,
					    "a log file shrank");
			return FALSE;
		}
		got += (gsize)r;
	}
	self->bytes_read += len;
	return TRUE;
}

/* lines of [0, end) newest first, in chunks; a line longer than the cap comes in pieces */
static gboolean
hermes_log_read_backward(HermesLogTail *st, gint fd, goffset end, GError **error)
{
	g_autoptr(GByteArray) carry = g_byte_array_new();
	g_autofree guint8 *buf = g_malloc(HERMES_LOG_CHUNK);
	goffset pos = end;
	gboolean first = TRUE;

	if (end == 0 || st->done)
		return TRUE;
	while (pos > 0 && !st->done) {
		gsize len = (gsize)MIN((goffset)HERMES_LOG_CHUNK, pos);
		gsize line_end;
		pos -= (goffset)len;
		if (!hermes_log_pread(st->self, fd, buf, len, pos, error))
			return FALSE;
		g_byte_array_prepend(carry, buf, (guint)len);
		/* the last newline ends the last line; it does not start an empty one */
		if (first && carry->len > 0 && carry->data[carry->len - 1] == '\n')
			g_byte_array_set_size(carry, carry->len - 1);
		first = FALSE;
		line_end = carry->len;
		for (gsize k = carry->len; k > 0 && !st->done; k--) {
			if (carry->data[k - 1] != '\n')
				continue;
			hermes_log_tail_take(st, carry->data + k, line_end - k);
			line_end = k - 1;
		}
		g_byte_array_set_size(carry, (guint)line_end);
		while (carry->len > HERMES_LOG_MAX_LINE && !st->done) {
			hermes_log_tail_take(st,
					     carry->data + carry->len - HERMES_LOG_MAX_LINE,
					     HERMES_LOG_MAX_LINE);
			g_byte_array_set_size(carry, carry->len - HERMES_LOG_MAX_LINE);
		}
	}
	if (pos == 0 && !st->done)
		hermes_log_tail_take(st, carry->data, carry->len);
	return TRUE;
}

/* where the last complete line of the live file ends: a line still being
 * written is left to the follower, which then sees it whole, once */
static gboolean
hermes_log_complete_end(HermesLogReader *self, gint fd, goffset size, goffset *end, GError **error)
{
	guint8 buf[4096];
	goffset pos = size;
	while (pos > 0 && size - pos < HERMES_LOG_MAX_LINE) {
		gsize len = (gsize)MIN((goffset)sizeof(buf), pos);
		pos -= (goffset)len;
		if (!hermes_log_pread(self, fd, buf, len, pos, error))
			return FALSE;
		for (gsize k = len; k > 0; k--) {
			if (buf[k - 1] == '\n') {
				*end = pos + (goffset)k;
				return TRUE;
			}
		}
	}
	/* no newline in the last cap's worth: that much is a line by itself */
	*end = pos == 0 ? 0 : size;
	return TRUE;
}

static gboolean
hermes_log_reader_hold_live(HermesLogReader *self, HermesLogStream *stream, GError **error)
{
	g_autoptr(GError) local = NULL;
	struct stat st;
	gint fd = hermes_log_reader_open_file(self, stream->live, &local);
	if (fd < 0) {
		/* not written yet: the follower opens it when it appears */
		if (g_error_matches(local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (fstat(fd, &st) != 0 ||
	    !hermes_log_complete_end(self, fd, st.st_size, &stream->offset, error)) {
		if (error != NULL && *error == NULL)
			hermes_error_set_errno(error, errno, "cannot stat %s", stream->live);
		close(fd);
		return FALSE;
	}
	if (stream->fd >= 0)
		close(stream->fd);
	stream->fd = fd;
	stream->dev = st.st_dev;
	stream->ino = st.st_ino;
	return TRUE;
}

static gboolean
hermes_log_reader_tail_archives(HermesLogReader *self, HermesLogTail *st, GError **error)
{
	g_autoptr(GPtrArray) names = hermes_log_reader_list_archives(self, error);
	if (names == NULL)
		return FALSE;
	for (guint i = names->len; i > 0 && !st->done; i--) {
		struct stat sb;
		gboolean ok;
		gint fd = hermes_log_reader_open_file(self, g_ptr_array_index(names, i - 1), error);
		if (fd < 0)
			return FALSE;
		/* `current` renamed since we opened it: its lines were read already */
		ok = fstat(fd, &sb) == 0;
		if (ok && !(st->stream->fd >= 0 && sb.st_dev == st->stream->dev &&
			    sb.st_ino == st->stream->ino))
			ok = hermes_log_read_backward(st, fd, sb.st_size, error);
		else if (!ok)
			hermes_error_set_errno(error, errno, "cannot stat a log file");
		close(fd);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/**
 * hermes_log_reader_tail:
 * @self: a reader
 * @n: the most lines to return (capped at %HERMES_LOG_MAX_LINES); 0 for none
 * @since_us: only lines stamped at or after this time, or %HERMES_LOG_NO_TIME
 * @error: return location for a #GError
 *
 * Reads the last lines of every stream and leaves the reader at the end of
 * what it read, so that hermes_log_reader_follow() goes on from exactly there.
 * Unstamped streams (plain files) give up to @n lines each, one stream after
 * the other; stamped ones are merged by time and cut to @n.
 *
 * Returns: (transfer container) (element-type HermesLogLine): the lines, oldest first
 */
GPtrArray *
hermes_log_reader_tail(HermesLogReader *self, guint n, gint64 since_us, GError **error)
{
	g_autoptr(GPtrArray) lines =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_line_free);
	g_return_val_if_fail(HERMES_IS_LOG_READER(self), NULL);
	if (self->journal != NULL)
		return hermes_log_journal_tail(self, MIN(n, HERMES_LOG_MAX_LINES), since_us, error);
	if (since_us != HERMES_LOG_NO_TIME &&
	    hermes_log_source_get_format(self->source) == HERMES_LOG_FORMAT_PLAIN) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_SUPPORTED,
			    "the log of gateway '%s' has no time stamps: --since cannot be applied",
			    self->profile ? self->profile : "?");
		return NULL;
	}
	n = MIN(n, HERMES_LOG_MAX_LINES);
	for (guint i = 0; i < self->streams->len; i++) {
		HermesLogStream *stream = g_ptr_array_index(self->streams, i);
		g_autoptr(GPtrArray) out =
			g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_line_free);
		HermesLogTail st = {self, stream, out, n, since_us, n == 0};
		if (!hermes_log_reader_hold_live(self, stream, error))
			return NULL;
		if (stream->fd >= 0 &&
		    !hermes_log_read_backward(&st, stream->fd, stream->offset, error))
			return NULL;
		if (hermes_log_source_get_format(self->source) == HERMES_LOG_FORMAT_S6 &&
		    !hermes_log_reader_tail_archives(self, &st, error))
			return NULL;
		for (guint k = out->len; k > 0; k--)
			g_ptr_array_add(lines, g_ptr_array_index(out, k - 1));
		g_ptr_array_set_free_func(out, NULL);
	}
	hermes_log_lines_sort(lines, n);
	return g_steal_pointer(&lines);
}

static gint
hermes_log_compare_time(gconstpointer a, gconstpointer b)
{
	const HermesLogLine *la = *(HermesLogLine *const *)a;
	const HermesLogLine *lb = *(HermesLogLine *const *)b;
	return la->time_us < lb->time_us ? -1 : la->time_us > lb->time_us;
}

/**
 * hermes_log_lines_sort:
 * @lines: (element-type HermesLogLine): lines of one or more gateways
 * @n: keep the newest @n when every line is stamped; 0 keeps all
 *
 * Orders lines by time (stable: lines of one time keep their order, and
 * unstamped lines stay as they are) and cuts them to the newest @n.
 */
void
hermes_log_lines_sort(GPtrArray *lines, guint n)
{
	for (guint i = 0; i < lines->len; i++) {
		HermesLogLine *line = g_ptr_array_index(lines, i);
		if (line->time_us == HERMES_LOG_NO_TIME)
			return;
	}
	g_ptr_array_sort(lines, hermes_log_compare_time);
	if (n > 0 && lines->len > n)
		g_ptr_array_remove_range(lines, 0, lines->len - n);
}

/**
 * hermes_log_reader_get_bytes_read:
 * @self: a reader
 *
 * Returns: how many bytes of log files the reader has read so far
 */
guint64
hermes_log_reader_get_bytes_read(HermesLogReader *self)
{
	g_return_val_if_fail(HERMES_IS_LOG_READER(self), 0);
	return self->bytes_read;
}
