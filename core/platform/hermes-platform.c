/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The part of the platform seam that is the same on every system, written
 * once over what hermes-platform-unix.c and hermes-platform-win32*.c each
 * implement.
 */

#include "config.h"

#include "hermes-platform-private.h"

void
hermes_user_free(HermesUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	g_free(user->home);
	g_free(user);
}

/* the start time read_proc_stat gives (Linux: field 22 of /proc/<pid>/stat, in
 * clock ticks since boot; Windows: the creation time in FILETIME ticks); -1 if unknown */
gint64
hermes_platform_get_start_time(gint64 pid)
{
	gint64 start_time = -1;
	if (!hermes_platform_read_proc_stat(pid, NULL, &start_time))
		return -1;
	return start_time;
}
