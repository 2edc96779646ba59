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
#include "hermes-platform-private.h"
#include "hermes-safe-file.h"

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

/**
 * hermes_platform_read_proc:
 * @path: a kernel file, e.g. `/proc/1/comm` or `/proc/<pid>/environ`
 * @length: (out) (optional): how many bytes were read
 *
 * The one way hermes-svc and its backends read a kernel file (/proc,
 * /sys): they are under nobody's home, so not through the safe file
 * layer, but they are capped (1 MiB) all the same.
 *
 * Returns: (transfer full) (nullable): the contents, NUL-terminated, or
 *   %NULL when unreadable or too large
 */
gchar *
hermes_platform_read_proc(const gchar *path, gsize *length)
{
	gint fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	gchar *text;

	if (fd < 0)
		return NULL;
	text = hermes_platform_read_fd(fd, length);
	close(fd);
	return text;
}

/*
 * /proc/<pid>/stat: the state letter (field 3) and the start time (field
 * 22, clock ticks since boot). The command name may hold spaces and
 * parentheses, so fields start after the last ')'.
 */
gboolean
hermes_platform_read_proc_stat(gint64 pid, gchar *state, gint64 *start_time)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	const gchar *field;
	gchar letter;

	if (pid <= 0 || pid > G_MAXINT32)
		return FALSE;
	path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/stat", pid);
	contents = hermes_platform_read_proc(path, NULL);
	if (contents == NULL)
		return FALSE;
	field = strrchr(contents, ')');
	if (field == NULL || field[1] != ' ' || field[2] == '\0')
		return FALSE;
	/* field 3 (state) follows the ')'; step to field 22 without splitting the rest:
	 * a status of every gateway reads this once per running gateway */
	field += 2;
	letter = field[0];
	for (guint n = 3; n < 22; n++) {
		field = strchr(field, ' ');
		if (field == NULL || *++field == '\0')
			return FALSE;
	}
	if (state != NULL)
		*state = letter;
	if (start_time != NULL)
		*start_time = g_ascii_strtoll(field, NULL, 10);
	return TRUE;
}

/* alive and not a zombie: a zombie has already stopped serving anything */
gboolean
hermes_platform_process_alive(gint64 pid)
{
	gchar state = '?';

	if (pid <= 0 || pid > G_MAXINT32)
		return FALSE;
	/* the state letter alone tells a zombie (dead, not reaped) from a live
	 * process; kill(0) answers only where /proc cannot be read (hidepid) */
	if (hermes_platform_read_proc_stat(pid, &state, NULL))
		return state != 'Z' && state != 'X';
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* the grandchild: stdin from /dev/null, stdout and stderr to @log_fd, then exec */
static void G_GNUC_NORETURN
hermes_platform_spawn_child(const gchar *const *argv,
			    const gchar *const *envp,
			    gint log_fd,
			    gint report_fd)
{
	/* one writer, so the pid always comes before an exec error */
	gint32 self_pid = (gint32)getpid();
	gint null_fd = open("/dev/null", O_RDWR);
	gint32 err;

	(void)!write(report_fd, &self_pid, sizeof(self_pid));
	if (log_fd < 0)
		log_fd = null_fd;
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
		err = errno;
		(void)!write(report_fd, &err, sizeof(err));
		_exit(127);
	}
	execve(argv[0], (gchar *const *)argv, (gchar *const *)envp);
	err = errno;
	(void)!write(report_fd, &err, sizeof(err));
	_exit(127);
}

static gboolean
hermes_platform_spawn_report(gint report_fd, const gchar *argv0, gint64 *pid_out, GError **error)
{
	gint32 child_pid = 0;
	gint32 err = 0;
	gssize n = read(report_fd, &child_pid, sizeof(child_pid));

	if (n != sizeof(child_pid) || child_pid <= 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "cannot start %s in the background",
			    argv0);
		return FALSE;
	}
	/* EOF means the exec succeeded; four bytes are its errno */
	n = read(report_fd, &err, sizeof(err));
	if (n == sizeof(err)) {
		hermes_error_set_errno(error, err, "cannot run %s", argv0);
		return FALSE;
	}
	if (pid_out != NULL)
		*pid_out = child_pid;
	return TRUE;
}

/*
 * Starts @argv in its own session, not our child (double fork), so it
 * outlives the caller and never becomes a zombie of a long-running one.
 * The log is opened here, before the fork, through the safe file layer
 * beneath @log_root: never through a link. An exec failure is reported
 * through a close-on-exec pipe.
 */
gboolean
hermes_platform_spawn_detached_beneath(const gchar *const *argv,
				       const gchar *const *envp,
				       const gchar *log_root,
				       const gchar *log_path,
				       gint64 *pid_out,
				       GError **error)
{
	gint fds[2];
	gint log_fd = -1;
	pid_t mid;
	gboolean ok;

	if (log_path != NULL) {
		log_fd = hermes_safe_file_open_append(log_root, log_path, 0644, error);
		if (log_fd < 0)
			return FALSE;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		hermes_error_set_errno(error, errno, "cannot create a pipe");
		if (log_fd >= 0)
			close(log_fd);
		return FALSE;
	}
	mid = fork();
	if (mid == 0) {
		close(fds[0]);
		if (setsid() < 0)
			_exit(127);
		mid = fork();
		if (mid != 0)
			_exit(mid < 0 ? 127 : 0);
		hermes_platform_spawn_child(argv, envp, log_fd, fds[1]);
	}
	if (log_fd >= 0)
		close(log_fd);
	close(fds[1]);
	if (mid < 0) {
		hermes_error_set_errno(error, errno, "cannot fork");
		close(fds[0]);
		return FALSE;
	}
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	ok = hermes_platform_spawn_report(fds[0], argv[0], pid_out, error);
	close(fds[0]);
	return ok;
}

/* the log's last component is never followed; its directory is trusted */
gboolean
hermes_platform_spawn_detached(const gchar *const *argv,
			       const gchar *const *envp,
			       const gchar *log_path,
			       gint64 *pid_out,
			       GError **error)
{
	return hermes_platform_spawn_detached_beneath(argv, envp, NULL, log_path, pid_out, error);
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

/* a pidfd for @pid: the process itself, whatever later reuses the number */
gint
hermes_platform_pidfd_open(gint64 pid, GError **error)
{
	glong fd;

	if (pid <= 0 || pid > G_MAXINT32) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%" G_GINT64_FORMAT " is not a process id",
			    pid);
		return -1;
	}
#ifdef SYS_pidfd_open
	fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd >= 0)
		return (gint)fd;
	if (errno == ESRCH) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "process %" G_GINT64_FORMAT " does not exist",
			    pid);
		return -1;
	}
	/* kernels before 5.3, and emulators such as valgrind 3.19 */
	if (errno == ENOSYS) {
		g_set_error(
			error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED, "no pidfd_open() here");
		return -1;
	}
	hermes_error_set_errno(
		error, errno, "cannot open a pidfd for process %" G_GINT64_FORMAT, pid);
	return -1;
#else
	(void)fd;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "this system has no pidfd_open(); not signalling process %" G_GINT64_FORMAT,
		    pid);
	return -1;
#endif
}

/* a process that has exited (a zombie too) is not an error: there is nobody to tell */
gboolean
hermes_platform_pidfd_send_signal(gint pidfd, gint sig, GError **error)
{
#ifdef SYS_pidfd_send_signal
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 || errno == ESRCH)
		return TRUE;
	hermes_error_set_errno(error, errno, "cannot send signal %d", sig);
	return FALSE;
#else
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "this system has no pidfd_send_signal()");
	return FALSE;
#endif
}

/* %TRUE once the process behind @pidfd has exited (zombies included), within the bound */
gboolean
hermes_platform_pidfd_wait(gint pidfd, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	struct pollfd pfd = {pidfd, POLLIN, 0};
	gint rc;

	do {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		rc = poll(&pfd, 1, (gint)MAX(left, 0));
	} while (rc < 0 && errno == EINTR);
	return rc > 0;
}
