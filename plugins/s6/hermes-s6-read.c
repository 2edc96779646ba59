/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What a slot says: supervise/status and the files around it, read through
 * the safe file layer, judged against the supervisor's lock.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-control.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager-private.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"

/*
 * A slot's files are read beneath one fd of the slot, opened once through the
 * safe file layer, and its supervise/ and data/ beneath fds opened from it:
 * the same rules (no link followed, regular files, capped) for a tenth of the
 * opens a walk from / per file costs, which `status --all` pays per slot.
 */
typedef struct {
	gint fd;
	const gchar *path;
} HermesS6Dir;

static void
hermes_s6_dir_close(HermesS6Dir *dir)
{
	if (dir->fd >= 0)
		close(dir->fd);
	dir->fd = -1;
}

static gboolean
hermes_s6_dir_has(const HermesS6Dir *dir, const gchar *name, struct stat *st)
{
	struct stat local;
	return dir->fd >= 0 &&
	       hermes_safe_file_stat_at(dir->fd, dir->path, name, st != NULL ? st : &local, NULL);
}

/* finish could not write its reason (disk full): an empty data/finish-reason.<kind> says which */
static void
hermes_s6_read_reason_marker(const HermesS6Dir *data, HermesS6SlotFacts *facts, gchar **buf)
{
	const gchar *kinds[] = {"parked", "failed", "stopped", NULL};
	for (guint i = 0; kinds[i] != NULL; i++) {
		g_autofree gchar *name = g_strdup_printf("finish-reason.%s", kinds[i]);
		struct stat st;
		if (!hermes_s6_dir_has(data, name, &st))
			continue;
		*buf = g_strdup_printf(
			"%s%c(the reason could not be written: is the disk full?)", kinds[i], 0);
		facts->reason_time = (gint64)st.st_mtime;
		facts->reason_kind = *buf;
		facts->reason_text = *buf + strlen(kinds[i]) + 1;
		return;
	}
}

static void
hermes_s6_read_reason(const HermesS6Dir *data, HermesS6SlotFacts *facts, gchar **buf)
{
	gchar **parts;
	*buf = data->fd >= 0 ? hermes_safe_file_read_at(
				       data->fd, data->path, "finish-reason", 4096, NULL, NULL)
			     : NULL;
	if (*buf == NULL) {
		hermes_s6_read_reason_marker(data, facts, buf);
		return;
	}
	g_strchomp(*buf);
	/* "<unix time> <kind> <text>" */
	parts = g_strsplit(*buf, " ", 3);
	if (g_strv_length(parts) == 3) {
		facts->reason_time = g_ascii_strtoll(parts[0], NULL, 10);
		/* point into *buf so the facts need no ownership */
		facts->reason_kind = *buf + strlen(parts[0]) + 1;
		(*buf)[strlen(parts[0]) + 1 + strlen(parts[1])] = '\0';
		facts->reason_text = *buf + strlen(parts[0]) + 1 + strlen(parts[1]) + 1;
	}
	g_strfreev(parts);
}

/*
 * The slot's files around supervise/status: a missing one is a default, never
 * an error. @st is the status just read (NULL when there is none) so a read
 * for the state alone can skip what that state cannot use.
 */
static void
hermes_s6_read_facts(const HermesS6Dir *slot,
		     const HermesS6Dir *supervise,
		     const HermesS6Status *st,
		     HermesS6ReadFlags flags,
		     HermesS6SlotRead *out)
{
	gboolean lean = (flags & HERMES_S6_READ_FACTS) == 0;
	gboolean running = st != NULL && st->pid != 0 && !st->finishing;
	HermesS6SlotFacts *facts = &out->facts;
	struct stat tally;

	facts->normally_up = !hermes_s6_dir_has(slot, "down", NULL);
	/* readiness matters only to a slot that is up or on its way there */
	if (!lean || st == NULL || st->pid != 0 || st->wantup)
		facts->notifies = hermes_s6_dir_has(slot, "notification-fd", NULL);
	facts->deaths = hermes_s6_dir_has(supervise, "death_tally", &tally)
				? (gint)(tally.st_size / HERMES_S6_DTALLY_SIZE)
				: -1;
	/* a finish verdict explains a gateway that is not running, never one that is */
	if (!lean || !running) {
		g_autofree gchar *data_path = g_build_filename(slot->path, "data", NULL);
		HermesS6Dir data = {-1, data_path};
		if (slot->fd >= 0)
			data.fd = hermes_safe_open_dir_at(slot->fd, slot->path, "data", NULL);
		hermes_s6_read_reason(&data, facts, &out->reason_buf);
		hermes_s6_dir_close(&data);
	}
}

/* supervise/status; out->have_status stays FALSE when s6 has not written it yet */
static gboolean
hermes_s6_read_status(const HermesS6Dir *supervise,
		      GError *open_error,
		      HermesS6SlotRead *out,
		      GError **error)
{
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error_local = NULL;
	gsize len = 0;

	if (supervise->fd >= 0)
		data = hermes_safe_file_read_at(
			supervise->fd, supervise->path, "status", 4096, &len, &error_local);
	else
		error_local = g_error_copy(open_error);
	if (data == NULL) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot read status: ");
		hermes_error_convert(error);
		return FALSE;
	}
	/* s6-supervise creates the file empty before its first write */
	if (len == 0)
		return TRUE;
	if (!hermes_s6_status_parse((const guint8 *)data, len, &out->st, error)) {
		g_prefix_error(error, "%s/status: ", supervise->path);
		return FALSE;
	}
	out->have_status = TRUE;
	return TRUE;
}

void
hermes_s6_slot_read_clear(HermesS6SlotRead *read)
{
	g_clear_pointer(&read->reason_buf, g_free);
	memset(read, 0, sizeof(*read));
	read->lock = HERMES_S6_LOCK_ABSENT;
}

/*
 * Reads what @flags ask for into @out (cleared first, cleared again by
 * hermes_s6_slot_read_clear()): supervise/status always; out->have_status is
 * FALSE when the slot is not supervised yet, and out->have_slot FALSE when
 * the slot itself could not be opened, which then reads as a slot with none
 * of its files.
 */
gboolean
hermes_s6_manager_read(const gchar *scandir,
		       const gchar *slot_dir,
		       HermesS6ReadFlags flags,
		       HermesS6SlotRead *out,
		       GError **error)
{
	g_autofree gchar *supervise_path = g_build_filename(slot_dir, "supervise", NULL);
	g_autoptr(GError) open_error = NULL;
	HermesS6Dir slot = {-1, slot_dir};
	HermesS6Dir supervise = {-1, supervise_path};
	gboolean ok;

	hermes_s6_slot_read_clear(out);
	slot.fd = hermes_safe_open_dir(scandir, slot_dir, &open_error);
	out->have_slot = slot.fd >= 0;
	if (slot.fd >= 0)
		supervise.fd = hermes_safe_open_dir_at(slot.fd, slot_dir, "supervise", &open_error);
	ok = hermes_s6_read_status(&supervise, open_error, out, error);
	if (flags & (HERMES_S6_READ_FACTS | HERMES_S6_READ_FACTS_FOR_STATE))
		hermes_s6_read_facts(
			&slot, &supervise, out->have_status ? &out->st : NULL, flags, out);
	if (flags & HERMES_S6_READ_LOCK)
		out->lock = hermes_s6_lock_state_at(supervise.fd);
	hermes_s6_dir_close(&supervise);
	hermes_s6_dir_close(&slot);
	return ok;
}

/* what brings a lost s6-supervise back, as exact as we can say it */
gchar *
hermes_s6_manager_repair_hint(HermesS6Manager *self)
{
	g_autofree gchar *svscanctl =
		self->bin_dir != NULL ? g_build_filename(self->bin_dir, "s6-svscanctl", NULL)
				      : g_strdup("s6-svscanctl");
	if (hermes_s6_scanner_is_running(self->scandir))
		return g_strdup_printf("s6-svscan respawns it on a rescan: %s -a %s (hermes "
				       "gateway start does that too)",
				       svscanctl,
				       self->scandir);
	if (g_strcmp0(self->mode, "embedded") == 0)
		return g_strdup_printf("s6-svscan is not running on %s either: run hermes "
				       "supervisor start",
				       self->scandir);
	return g_strdup_printf("s6-svscan is not running on %s either: restart it", self->scandir);
}

HermesGatewayStatus *
hermes_s6_manager_status_of(HermesS6Manager *self, const gchar *profile, GError **error)
{
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_auto(HermesS6SlotRead) read = {0};
	HermesGatewayStatus *status;
	g_autoptr(GError) error_local = NULL;
	gboolean ok = hermes_s6_manager_read(self->scandir,
					     slot_dir,
					     HERMES_S6_READ_FACTS_FOR_STATE | HERMES_S6_READ_LOCK,
					     &read,
					     &error_local);

	/* only a slot that could not be opened is looked at again, to say why */
	if (!read.have_slot && !hermes_s6_manager_need_slot(self, profile, slot_dir, error))
		return NULL;
	if (!ok) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	status = hermes_s6_status_to_gateway(
		profile, read.have_status ? &read.st : NULL, &read.facts);
	/* only a lock that exists and that nobody holds proves the supervisor dead */
	if (read.have_status) {
		gboolean held = read.lock != HERMES_S6_LOCK_FREE;
		g_autofree gchar *hint = held ? NULL : hermes_s6_manager_repair_hint(self);
		hermes_s6_status_judge_supervisor(
			status,
			&read.st,
			held,
			read.st.pid > 0 && hermes_platform_process_alive(read.st.pid),
			hint);
	}
	return status;
}

gint64
hermes_s6_manager_current_pid(HermesS6Manager *self, const gchar *slot_dir)
{
	g_auto(HermesS6SlotRead) read = {0};
	if (!hermes_s6_manager_read(self->scandir, slot_dir, 0, &read, NULL) || !read.have_status ||
	    read.st.finishing)
		return 0;
	return read.st.pid;
}

/* the slot's drain time plus a margin for finish: a stop never waits forever */
guint
hermes_s6_stop_timeout_ms(const gchar *scandir, const gchar *slot_dir)
{
	g_autofree gchar *path = g_build_filename(slot_dir, "timeout-kill", NULL);
	g_autofree gchar *text = hermes_safe_file_read(scandir, path, 64, NULL, NULL);
	guint64 kill_ms;
	if (text == NULL)
		return HERMES_S6_STOP_TIMEOUT_MS;
	kill_ms = g_ascii_strtoull(text, NULL, 10);
	if (kill_ms == 0 || kill_ms > 3600 * 1000)
		return HERMES_S6_STOP_TIMEOUT_MS;
	return (guint)kill_ms + 10000;
}
