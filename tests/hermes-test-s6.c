/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A real s6-svscan for a test: started on a scandir, asked through its
 * control FIFO, stopped with a bounded wait; a slot's pid from s6-svstat.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-test.h"

/* one command to s6-svscan through its control FIFO; FALSE when none reads it */
gboolean
hermes_test_s6_send(const gchar *scandir, const gchar *command)
{
	g_autofree gchar *fifo = g_build_filename(scandir, ".s6-svscan", "control", NULL);
	gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	gboolean ok;
	if (fd < 0)
		return FALSE;
	ok = write(fd, command, strlen(command)) == (gssize)strlen(command);
	close(fd);
	return ok;
}

/* s6-svscan on @scandir with HERMES_HOME for the slots' scripts; returns once it reads commands */
GPid
hermes_test_s6_start(const gchar *scandir, const gchar *hermes_home)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *svscan =
		g_build_filename(hermes_test_env("HERMES_TEST_S6_BIN_DIR"), "s6-svscan", NULL);
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "HERMES_HOME", hermes_home, TRUE);
	const gchar *argv[] = {svscan, "-c", "200", scandir, NULL};
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	GPid pid = 0;
	g_spawn_async(NULL,
		      (gchar **)argv,
		      envp,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
		      NULL,
		      NULL,
		      &pid,
		      &error);
	hermes_assert_no_error(error);
	/* "" writes nothing: it only proves the scanner reads its control FIFO */
	while (!hermes_test_s6_send(scandir, "")) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("s6-svscan did not start on %s", scandir);
		g_usleep(5000);
	}
	return pid;
}

/* the s6-supervise processes working in @scandir (their cwd) */
guint
hermes_test_s6_supervisors(const gchar *scandir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	guint n = 0;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *link = g_strdup_printf("/proc/%s/cwd", entry);
		g_autofree gchar *cwd = g_file_read_link(link, NULL);
		g_autofree gchar *comm_path = g_strdup_printf("/proc/%s/comm", entry);
		g_autofree gchar *comm = NULL;
		if (cwd == NULL || !g_str_has_prefix(cwd, scandir))
			continue;
		if (g_file_get_contents(comm_path, &comm, NULL, NULL) &&
		    g_str_has_prefix(comm, "s6-supervise"))
			n++;
	}
	return n;
}

/* "t" takes the tree down; reap the scanner and wait for every supervisor to go */
void
hermes_test_s6_stop(const gchar *scandir, GPid *pid)
{
	gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
	gint status;
	if (*pid <= 0)
		return;
	if (!hermes_test_s6_send(scandir, "t"))
		kill(*pid, SIGTERM);
	while (waitpid(*pid, &status, WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			kill(*pid, SIGKILL);
			waitpid(*pid, &status, 0);
			break;
		}
		g_usleep(10000);
	}
	*pid = 0;
	while (hermes_test_s6_supervisors(scandir) > 0 && g_get_monotonic_time() < deadline)
		g_usleep(10000);
}

GPid
hermes_test_s6_slot_pid(const gchar *scandir, const gchar *slot)
{
	g_autofree gchar *dir = g_build_filename(scandir, slot, NULL);
	g_autofree gchar *svstat =
		g_build_filename(hermes_test_env("HERMES_TEST_S6_BIN_DIR"), "s6-svstat", NULL);
	const gchar *argv[] = {svstat, "-p", dir, NULL};
	g_autofree gchar *out = NULL;
	gint status = 0;
	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &out,
			  NULL,
			  &status,
			  NULL))
		return 0;
	return (GPid)g_ascii_strtoll(out, NULL, 10);
}
