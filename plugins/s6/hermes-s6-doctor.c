/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 backend's own checks for `hermes doctor` (the `doctor` vfunc,
 * ABI 1.2): the embedded tree's pid file, the control FIFOs this user must
 * write (the scanner's and every slot's), and the environment s6-svscan
 * runs with (the slots' scripts expand $HERMES_HOME). Files in the scan
 * directory are looked at through the safe file layer, /proc through
 * hermes_platform_read_proc(); a pid is judged alive only by
 * hermes_platform_process_alive(). Nothing here writes or waits.
 */

#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "hermes-s6-manager-private.h"

static gchar *
hermes_s6_doctor_group_name(guint32 gid)
{
	struct group *gr = getgrgid((gid_t)gid);
	return gr != NULL ? g_strdup(gr->gr_name) : g_strdup_printf("%u", gid);
}

static gchar *
hermes_s6_doctor_user_name(guint32 uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);
	return pw != NULL ? g_strdup(pw->pw_name) : g_strdup_printf("%u", uid);
}

static gboolean
hermes_s6_doctor_in_group(guint32 gid)
{
	gid_t groups[256];
	gint n;
	if (getegid() == (gid_t)gid)
		return TRUE;
	n = getgroups(G_N_ELEMENTS(groups), groups);
	for (gint i = 0; i < n; i++) {
		if (groups[i] == (gid_t)gid)
			return TRUE;
	}
	return FALSE;
}

/* the kernel's rule for the effective ids: owner class, else group class, else other */
static gboolean
hermes_s6_doctor_may_write(const struct stat *st)
{
	uid_t euid = geteuid();
	if (euid == 0)
		return TRUE;
	if (st->st_uid == euid)
		return (st->st_mode & S_IWUSR) != 0;
	if (hermes_s6_doctor_in_group(st->st_gid))
		return (st->st_mode & S_IWGRP) != 0;
	return (st->st_mode & S_IWOTH) != 0;
}

/* join the group, after opening to it what its bits keep closed */
static gchar *
hermes_s6_doctor_fifo_fix(const gchar *fifo,
			  const gchar *dir,
			  const struct stat *st,
			  const gchar *group,
			  const gchar *user)
{
	g_autoptr(GString) fix = g_string_new(NULL);
	if (dir != NULL && (st->st_mode & S_IXGRP) == 0)
		g_string_append_printf(
			fix, "sudo chmod g+x %s && sudo chmod g+w %s && ", dir, fifo);
	else if (dir == NULL && (st->st_mode & S_IWGRP) == 0)
		g_string_append_printf(fix, "sudo chmod g+w %s && ", fifo);
	g_string_append_printf(fix, "sudo usermod -aG %s %s (then log in again)", group, user);
	return g_string_free(g_steal_pointer(&fix), FALSE);
}

/* one control FIFO; NULL when it does not exist yet (nothing supervises it) */
static HermesDoctorFinding *
hermes_s6_doctor_fifo(HermesS6Manager *self, const gchar *subject, const gchar *fifo)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *group = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *cause = NULL;
	g_autofree gchar *fix = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *owner = NULL;
	struct stat st;

	if (!hermes_safe_file_stat(self->scandir, fifo, &st, &error_local)) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return NULL;
		/* cannot even reach it: name the group of the directory in the way */
		dir = g_path_get_dirname(fifo);
		if (!hermes_safe_file_stat(self->scandir, dir, &st, NULL))
			return hermes_doctor_finding_new_fail("s6-control-fifo",
							      subject,
							      error_local->message,
							      "sudo hermes doctor");
	} else if (hermes_s6_doctor_may_write(&st)) {
		cause = g_strdup_printf("this user may write %s", fifo);
		return hermes_doctor_finding_new_ok("s6-control-fifo", subject, cause);
	}
	group = hermes_s6_doctor_group_name(st.st_gid);
	user = hermes_s6_doctor_user_name(geteuid());
	owner = hermes_s6_doctor_user_name(st.st_uid);
	cause = g_strdup_printf("%s may not write %s%s (owner %s, group %s, mode %04o)",
				user,
				fifo,
				dir != NULL ? ": its directory is closed to it" : "",
				owner,
				group,
				(guint)(st.st_mode & 07777));
	fix = hermes_s6_doctor_fifo_fix(fifo, dir, &st, group, user);
	return hermes_doctor_finding_new_fail("s6-control-fifo", subject, cause, fix);
}

static void
hermes_s6_doctor_fifos(HermesS6Manager *self, GPtrArray *findings, GCancellable *cancellable)
{
	g_autofree gchar *scanner = g_build_filename(self->scandir, ".s6-svscan", "control", NULL);
	g_auto(GStrv) names = NULL;
	HermesDoctorFinding *finding = hermes_s6_doctor_fifo(self, "s6-svscan", scanner);

	if (finding != NULL)
		g_ptr_array_add(findings, finding);
	names = hermes_s6_manager_list_gateways(HERMES_SERVICE_MANAGER(self), cancellable, NULL);
	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, names[i]);
		g_autofree gchar *fifo = g_build_filename(slot_dir, "supervise", "control", NULL);
		finding = hermes_s6_doctor_fifo(self, names[i], fifo);
		if (finding != NULL)
			g_ptr_array_add(findings, finding);
	}
}

/* the s6-svscan working in the scan directory (it chdirs there), from /proc */
static gint64
hermes_s6_doctor_find_scanner(HermesS6Manager *self)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *comm_path = NULL;
		g_autofree gchar *cwd_path = NULL;
		g_autofree gchar *comm = NULL;
		g_autofree gchar *cwd = NULL;
		gint64 pid = g_ascii_strtoll(entry, NULL, 10);
		if (pid <= 0)
			continue;
		comm_path = g_strdup_printf("/proc/%s/comm", entry);
		comm = hermes_platform_read_proc(comm_path, NULL);
		if (comm == NULL || g_strcmp0(g_strchomp(comm), "s6-svscan") != 0)
			continue;
		cwd_path = g_strdup_printf("/proc/%s/cwd", entry);
		cwd = g_file_read_link(cwd_path, NULL);
		if (g_strcmp0(cwd, self->scandir) == 0)
			return pid;
	}
	return -1;
}

/* the embedded tree's pid file names a scanner that no longer runs */
static void
hermes_s6_doctor_pidfile(HermesS6Manager *self, gboolean running, GPtrArray *findings)
{
	g_autofree gchar *path = g_build_filename(self->root, "run", "s6-svscan.pid", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *cause = NULL;
	g_autofree gchar *fix = NULL;
	gint64 pid;

	if (g_strcmp0(self->mode, "embedded") != 0)
		return;
	text = hermes_safe_file_read(self->root, path, 64, NULL, NULL);
	if (text == NULL)
		return;
	pid = g_ascii_strtoll(text, NULL, 10);
	if (pid > 0 && hermes_platform_process_alive(pid) &&
	    hermes_s6_doctor_find_scanner(self) == pid) {
		cause = g_strdup_printf(
			"%s names the running s6-svscan (pid %" G_GINT64_FORMAT ")", path, pid);
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_ok("s6-pidfile", "s6-svscan", cause));
		return;
	}
	cause = g_strdup_printf("stale pid file: %s names pid %" G_GINT64_FORMAT
				", which is not the s6-svscan of %s",
				path,
				pid,
				self->scandir);
	/* supervisor start rewrites it; a tree someone else started keeps running */
	fix = running ? g_strdup_printf("rm %s", path) : g_strdup("hermes supervisor start");
	g_ptr_array_add(findings,
			hermes_doctor_finding_new_fail("s6-pidfile", "s6-svscan", cause, fix));
}

static gchar *
hermes_s6_doctor_environ_home(gint64 pid, gboolean *readable)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/environ", pid);
	gsize length = 0;
	g_autofree gchar *env_block = hermes_platform_read_proc(path, &length);
	*readable = env_block != NULL;
	for (gsize at = 0; env_block != NULL && at < length; at += strlen(env_block + at) + 1) {
		if (g_str_has_prefix(env_block + at, "HERMES_HOME="))
			return g_strdup(env_block + at + strlen("HERMES_HOME="));
	}
	return NULL;
}

/* the slots' scripts expand $HERMES_HOME: a scanner without it runs them against ~/.hermes */
static void
hermes_s6_doctor_svscan_env(HermesS6Manager *self, GPtrArray *findings)
{
	gint64 pid = hermes_s6_doctor_find_scanner(self);
	g_autofree gchar *home = NULL;
	g_autofree gchar *cause = NULL;
	g_autofree gchar *fix = NULL;
	gboolean readable = FALSE;

	if (pid <= 0)
		return;
	home = hermes_s6_doctor_environ_home(pid, &readable);
	if (!readable)
		return;
	if (home != NULL && g_strcmp0(home, self->root) == 0) {
		cause = g_strdup_printf(
			"s6-svscan (pid %" G_GINT64_FORMAT ") runs with HERMES_HOME=%s", pid, home);
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_ok("s6-svscan-env", "s6-svscan", cause));
		return;
	}
	cause = home == NULL ? g_strdup_printf("s6-svscan (pid %" G_GINT64_FORMAT
					       ") on %s was started without HERMES_HOME",
					       pid,
					       self->scandir)
			     : g_strdup_printf("s6-svscan (pid %" G_GINT64_FORMAT
					       ") on %s runs with HERMES_HOME=%s, not %s",
					       pid,
					       self->scandir,
					       home,
					       self->root);
	if (g_strcmp0(self->mode, "embedded") == 0)
		fix = g_strdup_printf(
			"HERMES_HOME=%s hermes supervisor stop && HERMES_HOME=%s hermes "
			"supervisor start",
			self->root,
			self->root);
	else
		fix = g_strdup_printf("restart the container with -e HERMES_HOME=%s", self->root);
	g_ptr_array_add(findings,
			hermes_doctor_finding_new_fail("s6-svscan-env", "s6-svscan", cause, fix));
}

GPtrArray *
hermes_s6_manager_doctor(HermesServiceManager *manager, GCancellable *cancellable, GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	GPtrArray *findings =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_doctor_finding_unref);
	gboolean running = hermes_s6_doctor_find_scanner(self) > 0;

	hermes_s6_doctor_pidfile(self, running, findings);
	hermes_s6_doctor_svscan_env(self, findings);
	hermes_s6_doctor_fifos(self, findings, cancellable);
	return findings;
}
