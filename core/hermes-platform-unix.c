/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-platform.h"

void
hermes_user_free(HermesUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	g_free(user->home);
	g_free(user);
}

/* resolved at run time: a remapped uid must never be baked in */
HermesUser *
hermes_platform_lookup_user(const gchar *name, GError **error)
{
	struct passwd pwd;
	struct passwd *result = NULL;
	g_autofree gchar *buf = NULL;
	gsize bufsz = 16384;
	gint rc;
	HermesUser *user;

	buf = g_malloc(bufsz);
	rc = getpwnam_r(name, &pwd, buf, bufsz, &result);
	if (rc != 0) {
		hermes_error_set_errno(error, rc, "cannot look up user '%s'", name);
		return NULL;
	}
	if (result == NULL) {
		g_set_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND, "no such user '%s'", name);
		return NULL;
	}
	user = g_new0(HermesUser, 1);
	user->name = g_strdup(pwd.pw_name);
	user->uid = pwd.pw_uid;
	user->gid = pwd.pw_gid;
	user->home = g_strdup(pwd.pw_dir);
	return user;
}

guint32
hermes_platform_get_euid(void)
{
	return geteuid();
}

static gboolean
hermes_platform_check_stat(const struct stat *st,
			   gboolean want_dir,
			   const gchar *what,
			   GError **error)
{
	if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is not a regular %s",
			    what,
			    want_dir ? "directory" : "file");
		return FALSE;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is owned by uid %u, which is neither root nor the current user",
			    what,
			    (guint)st->st_uid);
		return FALSE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is writable by %s (mode %04o)",
			    what,
			    (st->st_mode & S_IWOTH) != 0 ? "others" : "its group",
			    (guint)(st->st_mode & 07777));
		return FALSE;
	}
	return TRUE;
}

/* checks the open file, not the name, so the file cannot be swapped after the check */
gboolean
hermes_platform_check_trusted(gint fd, const gchar *what, GError **error)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", what);
		return FALSE;
	}
	return hermes_platform_check_stat(&st, FALSE, what, error);
}

gboolean
hermes_platform_check_trusted_dir(const gchar *path, GError **error)
{
	struct stat st;
	g_autofree gchar *what = g_strdup_printf("directory %s", path);
	if (stat(path, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", what);
		return FALSE;
	}
	return hermes_platform_check_stat(&st, TRUE, what, error);
}

gboolean
hermes_platform_rename_noreplace(const gchar *from, const gchar *to, GError **error)
{
#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return TRUE;
	if (errno != EINVAL && errno != ENOSYS) {
		hermes_error_set_errno(error, errno, "cannot rename %s to %s", from, to);
		return FALSE;
	}
#endif
	/* the filesystem cannot do it atomically: check (a dangling link counts), then rename */
	if (g_file_test(to, G_FILE_TEST_EXISTS) || g_file_test(to, G_FILE_TEST_IS_SYMLINK)) {
		hermes_error_set_errno(error, EEXIST, "cannot rename %s to %s", from, to);
		return FALSE;
	}
	if (rename(from, to) != 0) {
		hermes_error_set_errno(error, errno, "cannot rename %s to %s", from, to);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_platform_fsync_dir(const gchar *dir, GError **error)
{
	gint fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open directory %s", dir);
		return FALSE;
	}
	if (fsync(fd) != 0 && errno != EINVAL) {
		gint errsv = errno;
		close(fd);
		hermes_error_set_errno(error, errsv, "cannot sync directory %s", dir);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/* field 22 of /proc/<pid>/stat, in clock ticks since boot; -1 if unknown */
gint64
hermes_platform_get_start_time(gint64 pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) fields = NULL;
	const gchar *tail;

	if (pid <= 0 || !g_file_get_contents(path, &contents, NULL, NULL))
		return -1;
	/* the command name may hold spaces and parentheses: fields start after the last ')' */
	tail = strrchr(contents, ')');
	if (tail == NULL)
		return -1;
	fields = g_strsplit(tail + 2, " ", -1);
	/* fields[0] is field 3 (state), so field 22 is fields[19] */
	if (g_strv_length(fields) < 20)
		return -1;
	return g_ascii_strtoll(fields[19], NULL, 10);
}

/* alive and not a zombie: a zombie has already stopped serving anything */
gboolean
hermes_platform_process_alive(gint64 pid)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	const gchar *tail;

	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno != EPERM))
		return FALSE;
	path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
	/* reaped between the two looks: ask again rather than guess "alive" */
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return kill((pid_t)pid, 0) == 0 || errno == EPERM;
	tail = strrchr(contents, ')');
	return tail == NULL || tail[1] == '\0' || tail[2] != 'Z';
}

/*
 * Starts @argv in its own session, not our child (double fork), so it
 * outlives the caller and never becomes a zombie of a long-running one.
 * An exec failure is reported through a close-on-exec pipe.
 */
gboolean
hermes_platform_spawn_detached(const gchar *const *argv,
			       const gchar *const *envp,
			       const gchar *log_path,
			       gint64 *pid_out,
			       GError **error)
{
	gint fds[2];
	pid_t mid;
	gint status = 0;
	struct {
		gint32 err;
		gint32 pid;
	} msg = {0, 0};
	gssize n;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		hermes_error_set_errno(error, errno, "cannot create a pipe");
		return FALSE;
	}
	mid = fork();
	if (mid < 0) {
		gint errsv = errno;
		close(fds[0]);
		close(fds[1]);
		hermes_error_set_errno(error, errsv, "cannot fork");
		return FALSE;
	}
	if (mid == 0) {
		pid_t child;
		close(fds[0]);
		if (setsid() < 0)
			_exit(127);
		child = fork();
		if (child < 0)
			_exit(127);
		if (child > 0)
			_exit(0);
		{
			/* one writer, so the pid always comes before an exec error */
			gint32 self_pid = (gint32)getpid();
			gint null_fd = open("/dev/null", O_RDONLY);
			gint log_fd = log_path != NULL
					      ? open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644)
					      : open("/dev/null", O_WRONLY);
			(void)!write(fds[1], &self_pid, sizeof(self_pid));
			if (null_fd < 0 || log_fd < 0 || dup2(null_fd, 0) < 0 ||
			    dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
				gint32 err = errno;
				(void)!write(fds[1], &err, sizeof(err));
				_exit(127);
			}
			execve(argv[0], (gchar *const *)argv, (gchar *const *)envp);
			{
				gint32 err = errno;
				(void)!write(fds[1], &err, sizeof(err));
			}
			_exit(127);
		}
	}
	close(fds[1]);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	n = read(fds[0], &msg.pid, sizeof(msg.pid));
	if (n != sizeof(msg.pid) || msg.pid <= 0) {
		close(fds[0]);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "cannot start %s in the background",
			    argv[0]);
		return FALSE;
	}
	/* EOF means the exec succeeded; four bytes are its errno */
	n = read(fds[0], &msg.err, sizeof(msg.err));
	close(fds[0]);
	if (n == sizeof(msg.err)) {
		hermes_error_set_errno(error, msg.err, "cannot run %s", argv[0]);
		return FALSE;
	}
	if (pid_out != NULL)
		*pid_out = msg.pid;
	return TRUE;
}

/* waits for a process that is not our child: pidfd where the kernel has it */
gboolean
hermes_platform_wait_exit(gint64 pid, guint timeout_ms, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
#ifdef SYS_pidfd_open
	gint pidfd = (gint)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pidfd >= 0) {
		struct pollfd pfd = {pidfd, POLLIN, 0};
		gint rc;
		do {
			gint64 left = (deadline - g_get_monotonic_time()) / 1000;
			rc = poll(&pfd, 1, (gint)MAX(left, 0));
		} while (rc < 0 && errno == EINTR);
		close(pidfd);
		if (rc > 0 || !hermes_platform_process_alive(pid))
			return TRUE;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_TIMED_OUT,
			    "process %" G_GINT64_FORMAT " did not exit within %u ms",
			    pid,
			    timeout_ms);
		return FALSE;
	}
#endif
	while (hermes_platform_process_alive(pid)) {
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "process %" G_GINT64_FORMAT " did not exit within %u ms",
				    pid,
				    timeout_ms);
			return FALSE;
		}
		g_usleep(10000);
	}
	return TRUE;
}
