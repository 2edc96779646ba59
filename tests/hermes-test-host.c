/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The test host's resources: removing a test's tree (through core's safe
 * file layer, so a planted symlink never takes the removal outside it), a
 * full disk, a free port, the processes a test left behind. Unix only.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "hermes-safe-file.h"
#include "hermes-test.h"

void
hermes_test_rmtree(const gchar *path)
{
	if (path != NULL)
		hermes_file_remove_tree(path, NULL);
}

void
hermes_test_fill_disk(const gchar *dir)
{
	g_autofree gchar *path = g_build_filename(dir, ".filler", NULL);
	gchar block[4096];
	cpu_set_t allowed;
	gint fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("cannot create %s: %s", path, g_strerror(errno));
	memset(block, 'x', sizeof(block));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		fail_msg("cannot read this thread's CPUs: %s", g_strerror(errno));
	/* tmpfs counts used blocks per CPU (a percpu counter): a disk full as
	 * seen from one CPU may still give a page to a writer on another, so
	 * it is filled from each CPU in turn */
	for (gint cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		cpu_set_t one;
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) != 0)
			continue;
		while (write(fd, block, sizeof(block)) > 0)
			;
		/* the last partial block */
		while (write(fd, block, 1) > 0)
			;
		if (errno != ENOSPC)
			fail_msg("filling %s stopped with %s, not ENOSPC", path, g_strerror(errno));
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	close(fd);
}

guint16
hermes_test_free_port(void)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GError) error = NULL;
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, &error);
	if (port == 0)
		fail_msg("no free port: %s", error->message);
	g_socket_listener_close(listener);
	return port;
}

GArray *
hermes_test_processes_with_env(const gchar *entry)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	const gchar *name;
	while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *env = NULL;
		gsize len = 0;
		pid_t pid;
		if (!g_ascii_isdigit(name[0]))
			continue;
		pid = (pid_t)g_ascii_strtoll(name, NULL, 10);
		if (pid == getpid())
			continue;
		path = g_strdup_printf("/proc/%s/environ", name);
		if (!g_file_get_contents(path, &env, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(env + off) + 1) {
			if (g_strcmp0(env + off, entry) == 0) {
				g_array_append_val(pids, pid);
				break;
			}
		}
	}
	return pids;
}
