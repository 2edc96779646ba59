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

#include <errno.h>
#ifdef G_OS_WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include "hermes-platform-private.h"

/* what a kernel file (or its staged copy) may hold: its size says nothing (0 in /proc) */
#define HERMES_PLATFORM_READ_CAP (1024 * 1024)

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

/**
 * hermes_platform_read_fd:
 * @fd: a file open for reading; it stays open
 * @length: (out) (optional): how many bytes were read
 *
 * Reads @fd to its end in one go, capped at 1 MiB, for read_proc on every
 * system: no fstat and no flag calls (a status of every gateway reads
 * /proc/<pid>/stat once per running one).
 *
 * Returns: (transfer full) (nullable): the contents, NUL-terminated, or
 *   %NULL when unreadable or too large
 */
gchar *
hermes_platform_read_fd(gint fd, gsize *length)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[4096];

	for (;;) {
		gssize n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || buf->len + (gsize)n > HERMES_PLATFORM_READ_CAP)
			return NULL;
		if (n == 0)
			break;
		g_byte_array_append(buf, chunk, (guint)n);
	}
	if (length != NULL)
		*length = buf->len;
	g_byte_array_append(buf, (const guint8 *)"", 1);
	return (gchar *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}
