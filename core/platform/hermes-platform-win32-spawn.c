/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Starting a detached process on Windows: CreateProcessW with a command
 * line quoted by the C runtime's rules, the log opened (beneath its root,
 * never through a link) and handed over as the only inherited handle.
 */

#include "config.h"

/* clang-format off */
#include <windows.h>
#include <fcntl.h>
#include <io.h>
/* clang-format on */

#include "hermes-error.h"
#include "hermes-platform-private.h"
#include "hermes-platform-win32-private.h"

/* one argument, quoted by the rules of CommandLineToArgvW and the C runtime */
static void
hermes_platform_append_arg(GString *cmdline, const gchar *arg)
{
	if (cmdline->len > 0)
		g_string_append_c(cmdline, ' ');
	if (arg[0] != '\0' && strpbrk(arg, " \t\n\v\"") == NULL) {
		g_string_append(cmdline, arg);
		return;
	}
	g_string_append_c(cmdline, '"');
	for (const gchar *p = arg;; p++) {
		gsize backslashes = 0;
		while (*p == '\\') {
			backslashes++;
			p++;
		}
		/* backslashes are literal unless a quote follows: then they are doubled */
		if (*p == '\0') {
			for (gsize i = 0; i < backslashes * 2; i++)
				g_string_append_c(cmdline, '\\');
			break;
		}
		for (gsize i = 0; i < (*p == '"' ? backslashes * 2 + 1 : backslashes); i++)
			g_string_append_c(cmdline, '\\');
		g_string_append_c(cmdline, *p);
	}
	g_string_append_c(cmdline, '"');
}

/* a CREATE_UNICODE_ENVIRONMENT block: NUL-terminated entries, then one more NUL */
static wchar_t *
hermes_platform_environ_block(const gchar *const *envp, GError **error)
{
	g_autoptr(GArray) block = g_array_new(FALSE, FALSE, sizeof(gunichar2));
	const gunichar2 nul = 0;

	for (guint i = 0; envp[i] != NULL; i++) {
		glong n = 0;
		g_autofree gunichar2 *entry = g_utf8_to_utf16(envp[i], -1, NULL, &n, NULL);
		if (entry == NULL || n == 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "environment entry %u is empty or not UTF-8",
				    i);
			return NULL;
		}
		g_array_append_vals(block, entry, (guint)n + 1);
	}
	if (block->len == 0)
		g_array_append_val(block, nul);
	g_array_append_val(block, nul);
	return (wchar_t *)g_array_free(g_steal_pointer(&block), FALSE);
}

static HANDLE
hermes_platform_open_dir(const wchar_t *path)
{
	return CreateFileW(path,
			   FILE_READ_ATTRIBUTES,
			   FILE_SHARE_READ | FILE_SHARE_WRITE,
			   NULL,
			   OPEN_EXISTING,
			   FILE_FLAG_BACKUP_SEMANTICS,
			   NULL);
}

/* the kernel's name for an open file (like /proc/self/fd/N), or NULL */
static wchar_t *
hermes_platform_final_path(HANDLE h)
{
	DWORD n = GetFinalPathNameByHandleW(h, NULL, 0, FILE_NAME_NORMALIZED);
	g_autofree wchar_t *buf = n > 0 ? g_new0(wchar_t, n + 1) : NULL;
	if (buf == NULL || GetFinalPathNameByHandleW(h, buf, n + 1, FILE_NAME_NORMALIZED) == 0)
		return NULL;
	return g_steal_pointer(&buf);
}

/*
 * @dir (open) is @root or lies beneath it, by the names the kernel gives
 * both after every junction and link: what a path says does not count.
 */
static gboolean
hermes_platform_dir_beneath(HANDLE dir, const gchar *root, const gchar *what, GError **error)
{
	g_autofree wchar_t *root_w = hermes_platform_win32_utf16(root, error);
	g_autofree wchar_t *root_final = NULL;
	g_autofree wchar_t *dir_final = NULL;
	HANDLE root_h;
	size_t n;

	if (root_w == NULL)
		return FALSE;
	root_h = hermes_platform_open_dir(root_w);
	if (root_h == INVALID_HANDLE_VALUE) {
		hermes_platform_win32_set_error(error, GetLastError(), "cannot open %s", root);
		return FALSE;
	}
	root_final = hermes_platform_final_path(root_h);
	CloseHandle(root_h);
	dir_final = hermes_platform_final_path(dir);
	if (root_final != NULL && dir_final != NULL) {
		n = wcslen(root_final);
		while (n > 0 && root_final[n - 1] == L'\\')
			n--;
		if (_wcsnicmp(dir_final, root_final, n) == 0 &&
		    (dir_final[n] == L'\0' || dir_final[n] == L'\\'))
			return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_PERMISSION_DENIED,
		    "refusing %s: it is not beneath %s",
		    what,
		    root);
	return FALSE;
}

/* a regular file with one name, not a link, not a device: what O_NOFOLLOW and the checks give */
static gboolean
hermes_platform_check_log(HANDLE h, const gchar *path, GError **error)
{
	BY_HANDLE_FILE_INFORMATION info;

	if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &info) ||
	    (info.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) !=
		    0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing %s: not a regular file",
			    path);
		return FALSE;
	}
	if (info.nNumberOfLinks > 1) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing %s: it has %lu hard links",
			    path,
			    (gulong)info.nNumberOfLinks);
		return FALSE;
	}
	return TRUE;
}

/*
 * The log, append-only and inheritable. Its directory is opened first and
 * held without FILE_SHARE_DELETE, so neither it nor a parent can be
 * renamed or swapped for a junction until the file exists; with @root it
 * must lie beneath @root by its final path. The last component is never
 * followed (FILE_FLAG_OPEN_REPARSE_POINT, then refused if it is one).
 */
static HANDLE
hermes_platform_open_log(const gchar *root, const gchar *path, GError **error)
{
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
	g_autofree gchar *parent = g_path_get_dirname(path);
	g_autofree wchar_t *parent_w = hermes_platform_win32_utf16(parent, error);
	g_autofree wchar_t *path_w = NULL;
	HANDLE dir;
	HANDLE h = INVALID_HANDLE_VALUE;

	if (parent_w == NULL || (path_w = hermes_platform_win32_utf16(path, error)) == NULL)
		return INVALID_HANDLE_VALUE;
	dir = hermes_platform_open_dir(parent_w);
	if (dir == INVALID_HANDLE_VALUE) {
		hermes_platform_win32_set_error(error, GetLastError(), "cannot open %s", parent);
		return INVALID_HANDLE_VALUE;
	}
	if (root == NULL || hermes_platform_dir_beneath(dir, root, path, error)) {
		h = CreateFileW(path_w,
				FILE_APPEND_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
				FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
				&sa,
				OPEN_ALWAYS,
				FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
				NULL);
		if (h == INVALID_HANDLE_VALUE)
			hermes_platform_win32_set_error(
				error, GetLastError(), "cannot open %s", path);
	}
	CloseHandle(dir);
	if (h != INVALID_HANDLE_VALUE && !hermes_platform_check_log(h, path, error)) {
		CloseHandle(h);
		return INVALID_HANDLE_VALUE;
	}
	return h;
}

/*
 * CreateProcessW with exactly @stdio inherited (a handle list, so no other
 * inheritable handle of ours leaks into a long-lived gateway).
 *
 * Flags: CREATE_NEW_PROCESS_GROUP so a stopper can send CTRL_BREAK to the
 * gateway's group alone; CREATE_NO_WINDOW rather than DETACHED_PROCESS, so
 * it has a (hidden) console of its own that a stopper can AttachConsole()
 * to, which GenerateConsoleCtrlEvent() needs; CREATE_BREAKAWAY_FROM_JOB
 * so a job we run in (a service host, a terminal, a CI runner with
 * kill-on-close) does not take the gateway down with us, retried without
 * it where that job forbids breakaway.
 *
 * No job object of its own: with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE it
 * would kill the gateway when we exit, and without it nobody could use it
 * later (an unnamed job cannot be reopened; a named job loses its name
 * with its last handle, which we close now). Keeping a gateway's children
 * with it is the job of a supervisor that lives as long as the gateway.
 */
static gboolean
hermes_platform_create_process(
	wchar_t *app, wchar_t *cmdline, wchar_t *env, HANDLE *stdio, guint n_stdio, DWORD *pid)
{
	STARTUPINFOEXW si = {0};
	PROCESS_INFORMATION pi = {0};
	g_autofree guint8 *attrs = NULL;
	SIZE_T size = 0;
	DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW |
		      EXTENDED_STARTUPINFO_PRESENT;
	BOOL ok;

	(void)InitializeProcThreadAttributeList(NULL, 1, 0, &size);
	attrs = g_malloc0(size);
	si.lpAttributeList = (LPPROC_THREAD_ATTRIBUTE_LIST)attrs;
	if (!InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &size))
		return FALSE;
	if (!UpdateProcThreadAttribute(si.lpAttributeList,
				       0,
				       PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
				       stdio,
				       n_stdio * sizeof(HANDLE),
				       NULL,
				       NULL)) {
		DeleteProcThreadAttributeList(si.lpAttributeList);
		return FALSE;
	}
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = stdio[0];
	si.StartupInfo.hStdOutput = stdio[n_stdio - 1];
	si.StartupInfo.hStdError = stdio[n_stdio - 1];
	ok = CreateProcessW(app,
			    cmdline,
			    NULL,
			    NULL,
			    TRUE,
			    flags | CREATE_BREAKAWAY_FROM_JOB,
			    env,
			    NULL,
			    &si.StartupInfo,
			    &pi);
	if (!ok && GetLastError() == ERROR_ACCESS_DENIED)
		ok = CreateProcessW(
			app, cmdline, NULL, NULL, TRUE, flags, env, NULL, &si.StartupInfo, &pi);
	DeleteProcThreadAttributeList(si.lpAttributeList);
	if (!ok)
		return FALSE;
	*pid = pi.dwProcessId;
	CloseHandle(pi.hThread);
	CloseHandle(pi.hProcess);
	return TRUE;
}

/* the program, its command line and environment in the forms CreateProcessW takes */
static gboolean
hermes_platform_spawn_strings(const gchar *const *argv,
			      const gchar *const *envp,
			      wchar_t **app,
			      wchar_t **cmdline,
			      wchar_t **env,
			      GError **error)
{
	g_autoptr(GString) line = g_string_new(NULL);

	for (guint i = 0; argv[i] != NULL; i++)
		hermes_platform_append_arg(line, argv[i]);
	/* argv[0] is the program itself, never searched for in PATH, as with execve() */
	*app = hermes_platform_win32_utf16(argv[0], error);
	if (*app == NULL)
		return FALSE;
	*cmdline = hermes_platform_win32_utf16(line->str, error);
	if (*cmdline == NULL)
		return FALSE;
	if (envp != NULL && (*env = hermes_platform_environ_block(envp, error)) == NULL)
		return FALSE;
	return TRUE;
}

/*
 * Starts @argv in its own process group, not tied to us, so it outlives
 * the caller. stdin is NUL, stdout and stderr append to the log (opened
 * here beneath @log_root, see hermes_platform_open_log()), or NUL. A
 * program that cannot start fails here, from CreateProcessW. @envp %NULL
 * passes ours on (an empty Windows environment has no SystemRoot, which
 * breaks most programs). @pid_out is the Windows pid.
 */
gboolean
hermes_platform_spawn_detached_beneath(const gchar *const *argv,
				       const gchar *const *envp,
				       const gchar *log_root,
				       const gchar *log_path,
				       gint64 *pid_out,
				       GError **error)
{
	SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
	g_autofree wchar_t *app = NULL;
	g_autofree wchar_t *cmdline = NULL;
	g_autofree wchar_t *env = NULL;
	HANDLE stdio[2] = {INVALID_HANDLE_VALUE, INVALID_HANDLE_VALUE};
	DWORD pid = 0;
	gboolean ok;

	g_return_val_if_fail(argv != NULL && argv[0] != NULL, FALSE);
	if (!hermes_platform_spawn_strings(argv, envp, &app, &cmdline, &env, error))
		return FALSE;
	if (log_path != NULL) {
		stdio[1] = hermes_platform_open_log(log_root, log_path, error);
		if (stdio[1] == INVALID_HANDLE_VALUE)
			return FALSE;
	}
	stdio[0] = CreateFileW(L"NUL",
			       GENERIC_READ | GENERIC_WRITE,
			       FILE_SHARE_READ | FILE_SHARE_WRITE,
			       &sa,
			       OPEN_EXISTING,
			       0,
			       NULL);
	ok = stdio[0] != INVALID_HANDLE_VALUE &&
	     hermes_platform_create_process(
		     app, cmdline, env, stdio, stdio[1] != INVALID_HANDLE_VALUE ? 2 : 1, &pid);
	if (!ok)
		hermes_platform_win32_set_error(error, GetLastError(), "cannot run %s", argv[0]);
	for (guint i = 0; i < G_N_ELEMENTS(stdio); i++) {
		if (stdio[i] != INVALID_HANDLE_VALUE)
			CloseHandle(stdio[i]);
	}
	if (ok && pid_out != NULL)
		*pid_out = pid;
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
