/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `gateway logs` for the systemd backend: the unit's journal through
 * sd-journal, never journalctl's text. -f waits on the journal's own fd
 * (sd_journal_get_fd) in the main context. Built only with libsystemd's
 * headers (libsystemd itself is loaded on first use, hermes-journal-dl.c); a
 * build without them, or a machine without libsystemd, says so instead.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-log-reader-private.h"

#if HAVE_LIBSYSTEMD

#include <glib-unix.h>
#include <unistd.h>

#include "hermes-journal-dl.h"

gboolean
hermes_log_journal_open(HermesLogReader *self, GError **error)
{
	gboolean system = hermes_log_source_get_system(self->source);
	const gchar *unit = hermes_log_source_get_unit(self->source);
	/* the unit's own output, and what its manager said about it */
	g_autofree gchar *own =
		g_strdup_printf("%s=%s", system ? "_SYSTEMD_UNIT" : "_SYSTEMD_USER_UNIT", unit);
	g_autofree gchar *about = g_strdup_printf("%s=%s", system ? "UNIT" : "USER_UNIT", unit);
	g_autofree gchar *uid = g_strdup_printf("_UID=%u", (guint)geteuid());
	sd_journal *journal = NULL;
	const HermesJournalApi *sd = hermes_journal_api(error);
	gint r;

	if (sd == NULL)
		return FALSE;
	/*
	 * A user unit's lines are in the user's own journal file only for uids
	 * journald splits off (1000 and up, SplitMode=uid); root's, a system
	 * account's, or everyone's under SplitMode=none are in the system journal,
	 * which libsystemd before v254 leaves out of SD_JOURNAL_CURRENT_USER. So a
	 * user unit reads both, as `journalctl --user-unit` does, and takes only
	 * this user's entries: another user's unit may have the same name. A
	 * system journal this user may not read is skipped by sd_journal_open().
	 */
	r = sd->open(&journal,
		     SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM |
			     (system ? 0 : SD_JOURNAL_CURRENT_USER));
	if (r < 0) {
		hermes_error_set_errno(error, -r, "cannot open the journal of %s", unit);
		return FALSE;
	}
	/* (own AND uid) OR (about AND uid) for a user unit; own OR about for a system one */
	if ((r = sd->add_match(journal, own, 0)) < 0 ||
	    (!system && (r = sd->add_match(journal, uid, 0)) < 0) ||
	    (r = sd->add_disjunction(journal)) < 0 || (r = sd->add_match(journal, about, 0)) < 0 ||
	    (!system && (r = sd->add_match(journal, uid, 0)) < 0)) {
		sd->close(journal);
		hermes_error_set_errno(error, -r, "cannot select %s in the journal", unit);
		return FALSE;
	}
	/* a message is a line: the same cap as for files */
	sd->set_data_threshold(journal, HERMES_LOG_MAX_LINE + sizeof("MESSAGE="));
	/*
	 * The watch first, before anything is read: what journald appends is seen
	 * only once sd_journal_process() has run after a wake-up of this fd, and a
	 * change made before the fd existed wakes nobody. Made later (at -f), an
	 * entry written between the tail and the watch waited for the next one.
	 */
	sd->get_fd(journal);
	self->journal = journal;
	return TRUE;
}

static HermesLogLine *
hermes_log_journal_line(HermesLogReader *self)
{
	const HermesJournalApi *sd = hermes_journal_api(NULL); /* loaded: a journal is open */
	sd_journal *journal = self->journal;
	HermesLogStream *stream = g_ptr_array_index(self->streams, 0);
	const void *data = NULL;
	gsize length = 0;
	guint64 usec = 0;
	HermesLogLine *line;
	const gsize prefix = strlen("MESSAGE=");

	if (sd->get_data(journal, "MESSAGE", &data, &length) < 0 || length < prefix) {
		data = "MESSAGE=";
		length = prefix;
	}
	line = hermes_log_reader_make_line(
		self, stream, (const gchar *)data + prefix, length - prefix);
	if (sd->get_realtime_usec(journal, &usec) >= 0 && usec <= G_MAXINT64)
		line->time_us = (gint64)usec;
	return line;
}

GPtrArray *
hermes_log_journal_tail(HermesLogReader *self, guint n, gint64 since_us, GError **error)
{
	const HermesJournalApi *sd = hermes_journal_api(NULL); /* loaded: a journal is open */
	sd_journal *journal = self->journal;
	g_autoptr(GPtrArray) newest_first =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_line_free);
	GPtrArray *lines = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_line_free);
	gint r = sd->seek_tail(journal);

	g_clear_pointer(&self->cursor, g_free);
	while (r >= 0 && newest_first->len < n && (r = sd->previous(journal)) > 0) {
		HermesLogLine *line = hermes_log_journal_line(self);
		if (newest_first->len == 0)
			sd->get_cursor(journal, &self->cursor);
		if (since_us != HERMES_LOG_NO_TIME && line->time_us < since_us) {
			hermes_log_line_free(line);
			break;
		}
		g_ptr_array_add(newest_first, line);
	}
	if (r < 0) {
		hermes_error_set_errno(error, -r, "cannot read the journal");
		g_ptr_array_unref(lines);
		return NULL;
	}
	/* -f goes on after the newest entry there was, read or not (-n 0) */
	if (self->cursor == NULL && sd->seek_tail(journal) >= 0 && sd->previous(journal) > 0)
		sd->get_cursor(journal, &self->cursor);
	for (guint i = newest_first->len; i > 0; i--)
		g_ptr_array_add(lines, g_ptr_array_steal_index(newest_first, i - 1));
	return lines;
}

static void
hermes_log_journal_drain(HermesLogReader *self)
{
	const HermesJournalApi *sd = hermes_journal_api(NULL); /* loaded: a journal is open */
	while (sd->next(self->journal) > 0) {
		g_autoptr(HermesLogLine) line = hermes_log_journal_line(self);
		g_signal_emit_by_name(self, "line", line);
	}
}

static gboolean
hermes_log_journal_ready_cb(gint fd, GIOCondition condition, gpointer data)
{
	const HermesJournalApi *sd = hermes_journal_api(NULL); /* loaded: a journal is open */
	HermesLogReader *self = data;
	sd->process(self->journal);
	hermes_log_journal_drain(self);
	return G_SOURCE_CONTINUE;
}

gboolean
hermes_log_journal_follow(HermesLogReader *self, GError **error)
{
	const HermesJournalApi *sd = hermes_journal_api(NULL); /* loaded: a journal is open */
	gint fd = sd->get_fd(self->journal);
	gint r;
	if (fd < 0) {
		hermes_error_set_errno(error, -fd, "cannot watch the journal");
		return FALSE;
	}
	/* just past the newest entry the tail saw; an empty journal: from its end */
	if (self->cursor != NULL) {
		r = sd->seek_cursor(self->journal, self->cursor);
		if (r >= 0)
			sd->next(self->journal);
	} else {
		r = sd->seek_tail(self->journal);
	}
	if (r < 0) {
		hermes_error_set_errno(error, -r, "cannot seek in the journal");
		return FALSE;
	}
	self->journal_source = g_unix_fd_add(fd, G_IO_IN, hermes_log_journal_ready_cb, self);
	/* what was appended since the journal was opened, before waiting for more */
	sd->process(self->journal);
	hermes_log_journal_drain(self);
	return TRUE;
}

void
hermes_log_journal_close(HermesLogReader *self)
{
	if (self->journal_source != 0)
		g_source_remove(self->journal_source);
	self->journal_source = 0;
	g_clear_pointer(&self->cursor, g_free);
	/* asked only with a journal open: a file reader must not load libsystemd */
	if (self->journal != NULL)
		hermes_journal_api(NULL)->close(self->journal);
	self->journal = NULL;
}

#else /* !HAVE_LIBSYSTEMD */

gboolean
hermes_log_journal_open(HermesLogReader *self, GError **error)
{
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "the journal of %s cannot be read: hermes-svc was built without libsystemd",
		    hermes_log_source_get_unit(self->source));
	return FALSE;
}

GPtrArray *
hermes_log_journal_tail(HermesLogReader *self, guint n, gint64 since_us, GError **error)
{
	return hermes_log_journal_open(self, error) ? NULL : NULL;
}

gboolean
hermes_log_journal_follow(HermesLogReader *self, GError **error)
{
	return hermes_log_journal_open(self, error);
}

void
hermes_log_journal_close(HermesLogReader *self)
{
}

#endif
