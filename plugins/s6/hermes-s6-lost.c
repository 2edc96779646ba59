/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Processes a killed s6-supervise lost. When a slot's supervisor is killed,
 * its gateway runs on unsupervised and s6-svscan starts a new supervisor and
 * a second gateway; a stop must find the first one too. Finding it means
 * reading every process's environment (each slot process carries
 * HERMES_S6_SLOT), thousands of reads on a busy machine, so it is done only
 * when it can find something: when a supervisor other than the one holding
 * the slot now has ever started the slot's run. Each run says which one
 * started it, as an empty file data/run-by.<its parent's pid>, written with a
 * shell builtin (no fork on the respawn path).
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-lost.h"

/**
 * hermes_s6_supervisor_pid:
 * @scandir: the scan directory
 * @slot_dir: a slot at or beneath @scandir
 *
 * The s6-supervise holding the slot's supervise/lock, as F_GETLK names it.
 *
 * Returns: its pid, or 0 when the lock is free, missing or its holder is in
 *   another pid namespace
 */
gint64
hermes_s6_supervisor_pid(const gchar *scandir, const gchar *slot_dir)
{
	struct flock fl = {0};
	gint fd =
		hermes_s6_open_beneath(scandir, slot_dir, "supervise/lock", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return 0;
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
		fl.l_pid = 0;
	close(fd);
	return fl.l_pid > 0 ? (gint64)fl.l_pid : 0;
}

/* calls @func on each run-by.<pid> record of the slot; FALSE when data/ cannot be listed */
static gboolean
hermes_s6_lost_each_record(
	const gchar *scandir,
	const gchar *slot_dir,
	gboolean (*func)(gint dir_fd, const gchar *name, gint64 pid, gpointer data),
	gpointer data)
{
	g_autofree gchar *data_dir = g_build_filename(slot_dir, "data", NULL);
	gint fd = hermes_safe_open_dir(scandir, data_dir, NULL);
	struct dirent *entry;
	gboolean go_on = TRUE;
	DIR *dir;

	if (fd < 0)
		return FALSE;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return FALSE;
	}
	while (go_on && (entry = readdir(dir)) != NULL) {
		const gchar *digits;
		gchar *end = NULL;
		gint64 pid;
		if (!g_str_has_prefix(entry->d_name, HERMES_S6_RUN_BY_PREFIX))
			continue;
		digits = entry->d_name + strlen(HERMES_S6_RUN_BY_PREFIX);
		pid = g_ascii_strtoll(digits, &end, 10);
		/* a malformed record names no supervisor: it can only mean "look" */
		if (!g_ascii_isdigit(digits[0]) || end == NULL || *end != '\0' || pid <= 0)
			pid = -1;
		go_on = func(dirfd(dir), entry->d_name, pid, data);
	}
	closedir(dir);
	return TRUE;
}

static gboolean
hermes_s6_lost_check_record(gint dir_fd, const gchar *name, gint64 pid, gpointer data)
{
	gint64 *supervisor_or_other = data;
	if (pid == *supervisor_or_other)
		return TRUE;
	*supervisor_or_other = -1; /* another supervisor's run (or a malformed record) */
	return FALSE;
}

/**
 * hermes_s6_lost_possible:
 * @scandir: the scan directory
 * @slot_dir: a slot at or beneath @scandir
 * @supervisor: hermes_s6_supervisor_pid() of the slot, 0 when unknown
 *
 * Whether a process of the slot may run that @supervisor does not know of:
 * unless the slot's only run records are @supervisor's, yes. No record at
 * all (a slot rendered before the records, or a run that could not write
 * one), an unknown supervisor, or another supervisor's record mean yes.
 * The only blind spot is a killed supervisor whose pid the kernel gave to
 * its successor, which a wrap of the pid space would take.
 *
 * Returns: %TRUE when a stop must look for lost processes
 */
gboolean
hermes_s6_lost_possible(const gchar *scandir, const gchar *slot_dir, gint64 supervisor)
{
	gint64 found = supervisor;
	g_autofree gchar *mine = NULL;
	struct stat st;

	if (supervisor <= 0)
		return TRUE;
	mine = g_strdup_printf(
		"%s/data/" HERMES_S6_RUN_BY_PREFIX "%" G_GINT64_FORMAT, slot_dir, supervisor);
	if (!hermes_safe_file_stat(scandir, mine, &st, NULL) || !S_ISREG(st.st_mode))
		return TRUE;
	if (!hermes_s6_lost_each_record(scandir, slot_dir, hermes_s6_lost_check_record, &found))
		return TRUE;
	return found != supervisor;
}

static gboolean
hermes_s6_lost_drop_record(gint dir_fd, const gchar *name, gint64 pid, gpointer data)
{
	const gint64 *keep = data;
	if (pid != *keep && unlinkat(dir_fd, name, 0) != 0)
		g_debug("cannot remove data/%s: %s", name, g_strerror(errno));
	return TRUE;
}

/**
 * hermes_s6_lost_forget:
 * @scandir: the scan directory
 * @slot_dir: a slot at or beneath @scandir
 * @supervisor: the supervisor whose record stays
 *
 * After a look found no lost process left (or stopped them all), the other
 * supervisors' records say nothing any more: removed, so the next stop does
 * not look again.
 */
void
hermes_s6_lost_forget(const gchar *scandir, const gchar *slot_dir, gint64 supervisor)
{
	if (supervisor > 0)
		hermes_s6_lost_each_record(
			scandir, slot_dir, hermes_s6_lost_drop_record, &supervisor);
}

/* the value of @name in a NUL-separated environment block, or NULL */
static const gchar *
hermes_s6_environ_get(const gchar *block, gsize len, const gchar *name)
{
	gsize name_len = strlen(name);
	for (gsize i = 0; i < len;) {
		const gchar *entry = block + i;
		gsize n = strnlen(entry, len - i);
		if (n > name_len && strncmp(entry, name, name_len) == 0 && entry[name_len] == '=')
			return entry + name_len + 1;
		i += n + 1;
	}
	return NULL;
}

/**
 * hermes_s6_slot_processes:
 * @slot_dir: a slot directory
 *
 * Every process started by the slot's `run` carries HERMES_S6_SLOT (the
 * slot's physical path), its children too. After the slot is down, any
 * such process is one s6 lost: its s6-supervise was killed and replaced.
 * Only processes whose environment we may read are seen.
 *
 * Returns: (transfer full) (element-type gint64): their pids
 */
GArray *
hermes_s6_slot_processes(const gchar *slot_dir)
{
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autofree gchar *real = realpath(slot_dir, NULL);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;

	if (real == NULL || proc == NULL)
		return pids;
	while ((entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *block = NULL;
		const gchar *value;
		gsize len = 0;
		gint64 pid;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		path = g_strdup_printf("/proc/%s/environ", entry);
		block = hermes_platform_read_proc(path, &len);
		if (block == NULL)
			continue;
		value = hermes_s6_environ_get(block, len, "HERMES_S6_SLOT");
		if (value == NULL || g_strcmp0(value, real) != 0)
			continue;
		pid = g_ascii_strtoll(entry, NULL, 10);
		g_array_append_val(pids, pid);
	}
	return pids;
}
