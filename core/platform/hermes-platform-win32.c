/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The Windows side of the platform seam (hermes-platform.h and
 * hermes-platform-private.h); hermes-platform-unix.c is the other side and
 * the reference for what every function promises. Paths arrive as UTF-8
 * and go to the W APIs as UTF-16. Errors are HERMES_ERROR, as on Unix, so
 * callers matching HERMES_ERROR_ALREADY_EXISTS or _NOT_FOUND work unchanged.
 *
 * Start times are process creation times as FILETIME ticks (100 ns since
 * 1601): callers only compare the start times of one pid for equality.
 */

#include "config.h"

/* clang-format off */
#include <windows.h>
#include <aclapi.h>
#include <fcntl.h>
#include <io.h>
#include <lmcons.h>
#include <sddl.h>
#include <shellapi.h>
#include <winternl.h>
/* clang-format on */

#include <glib/gstdio.h>

#include "hermes-error.h"
#include "hermes-platform-private.h"
#include "hermes-platform-win32-private.h"

/* the layout NtQuerySystemInformation(SystemTimeOfDayInformation) fills (48 bytes) */
typedef struct {
	LARGE_INTEGER boot_time;
	LARGE_INTEGER current_time;
	LARGE_INTEGER time_zone_bias;
	ULONG time_zone_id;
	ULONG reserved;
	ULONGLONG boot_time_bias;
	ULONGLONG sleep_time_bias;
} HermesPlatformTimeOfDay;

void
hermes_platform_win32_set_error(GError **error, DWORD code, const gchar *format, ...)
{
	g_autofree gchar *what = NULL;
	g_autofree gchar *why = g_win32_error_message((gint)code);
	HermesError hcode = HERMES_ERROR_FAILED;
	va_list args;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	switch (code) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
		hcode = HERMES_ERROR_NOT_FOUND;
		break;
	case ERROR_ALREADY_EXISTS:
	case ERROR_FILE_EXISTS:
		hcode = HERMES_ERROR_ALREADY_EXISTS;
		break;
	case ERROR_ACCESS_DENIED:
	case ERROR_PRIVILEGE_NOT_HELD:
		hcode = HERMES_ERROR_PERMISSION_DENIED;
		break;
	case ERROR_SHARING_VIOLATION:
	case ERROR_LOCK_VIOLATION:
		hcode = HERMES_ERROR_BUSY;
		break;
	case ERROR_INVALID_NAME:
	case ERROR_BAD_PATHNAME:
	case ERROR_BAD_EXE_FORMAT:
		hcode = HERMES_ERROR_INVALID_ARGUMENT;
		break;
	case ERROR_NOT_SUPPORTED:
	case ERROR_CALL_NOT_IMPLEMENTED:
		hcode = HERMES_ERROR_NOT_SUPPORTED;
		break;
	default:
		break;
	}
	g_set_error(error, HERMES_ERROR, hcode, "%s: %s", what, why);
}

wchar_t *
hermes_platform_win32_utf16(const gchar *text, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gunichar2 *w = g_utf8_to_utf16(text, -1, NULL, NULL, &error_local);
	if (w == NULL)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%s is not valid UTF-8: %s",
			    text,
			    error_local->message);
	return (wchar_t *)w;
}

/* TokenUser or TokenPrimaryGroup of this process; its first member is the SID's holder */
gpointer
hermes_platform_win32_token_info(TOKEN_INFORMATION_CLASS klass)
{
	HANDLE token = NULL;
	DWORD size = 0;
	gpointer info;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
		return NULL;
	(void)GetTokenInformation(token, klass, NULL, 0, &size);
	info = size > 0 ? g_malloc0(size) : NULL;
	if (info != NULL && !GetTokenInformation(token, klass, info, size, &size))
		g_clear_pointer(&info, g_free);
	CloseHandle(token);
	return info;
}

/* the last sub-authority (the RID): the Windows number closest to a uid or gid */
static guint32
hermes_platform_sid_rid(PSID sid)
{
	UCHAR n = *GetSidSubAuthorityCount(sid);
	return n > 0 ? (guint32)*GetSidSubAuthority(sid, n - 1) : 0;
}

/*
 * Windows has no uid. Callers read 0 as root: s6 then chowns, resolves
 * owners through passwd and runs s6-setuidgid, and the doctor drops
 * "sudo". None of that exists here, even for an administrator, so this is
 * never 0: it is the RID of the current user (1000 under Wine, 500 for the
 * built-in Administrator, 18 for SYSTEM), also the uid of lookup_user().
 */
guint32
hermes_platform_get_euid(void)
{
	g_autofree TOKEN_USER *user = hermes_platform_win32_token_info(TokenUser);
	guint32 rid = user != NULL ? hermes_platform_sid_rid(user->User.Sid) : 0;
	return rid != 0 ? rid : 65534;
}

/* the current user only: running a gateway as someone else needs credentials we do not hold */
HermesUser *
hermes_platform_lookup_user(const gchar *name, GError **error)
{
	g_autofree TOKEN_PRIMARY_GROUP *group = NULL;
	g_autofree gchar *mine = NULL;
	g_autofree gchar *mine_fold = NULL;
	g_autofree gchar *name_fold = NULL;
	wchar_t buf[UNLEN + 1];
	DWORD len = G_N_ELEMENTS(buf);
	HermesUser *user;

	g_return_val_if_fail(name != NULL, NULL);
	if (!GetUserNameW(buf, &len)) {
		hermes_platform_win32_set_error(
			error, GetLastError(), "cannot look up user '%s'", name);
		return NULL;
	}
	mine = g_utf16_to_utf8((const gunichar2 *)buf, -1, NULL, NULL, NULL);
	/* account names are case-insensitive on Windows */
	mine_fold = mine != NULL ? g_utf8_casefold(mine, -1) : NULL;
	name_fold = g_utf8_casefold(name, -1);
	if (g_strcmp0(mine_fold, name_fold) != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_SUPPORTED,
			    "cannot look up user '%s': running a gateway as another user is not "
			    "supported on Windows yet",
			    name);
		return NULL;
	}
	group = hermes_platform_win32_token_info(TokenPrimaryGroup);
	user = g_new0(HermesUser, 1);
	user->name = g_steal_pointer(&mine);
	user->uid = hermes_platform_get_euid();
	user->gid = group != NULL ? hermes_platform_sid_rid(group->PrimaryGroup) : 0;
	user->home = g_strdup(g_get_home_dir());
	return user;
}

/* atomic: MoveFileExW without MOVEFILE_REPLACE_EXISTING fails on any existing name */
gboolean
hermes_platform_rename_noreplace(const gchar *from, const gchar *to, GError **error)
{
	g_autofree wchar_t *from_w = hermes_platform_win32_utf16(from, error);
	g_autofree wchar_t *to_w = NULL;

	if (from_w == NULL)
		return FALSE;
	to_w = hermes_platform_win32_utf16(to, error);
	if (to_w == NULL)
		return FALSE;
	if (MoveFileExW(from_w, to_w, MOVEFILE_WRITE_THROUGH))
		return TRUE;
	hermes_platform_win32_set_error(error, GetLastError(), "cannot rename %s to %s", from, to);
	return FALSE;
}

/*
 * Windows cannot fsync a directory (FlushFileBuffers wants a write handle,
 * which a directory cannot give without admin rights), and needs not:
 * NTFS journals directory entries, and the renames that matter here are
 * MOVEFILE_WRITE_THROUGH. The directory must still exist, as on Unix.
 */
gboolean
hermes_platform_fsync_dir(const gchar *dir, GError **error)
{
	g_autofree wchar_t *dir_w = hermes_platform_win32_utf16(dir, error);
	DWORD attrs;

	if (dir_w == NULL)
		return FALSE;
	attrs = GetFileAttributesW(dir_w);
	if (attrs == INVALID_FILE_ATTRIBUTES) {
		hermes_platform_win32_set_error(
			error, GetLastError(), "cannot open directory %s", dir);
		return FALSE;
	}
	if ((attrs & FILE_ATTRIBUTE_DIRECTORY) == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot open directory %s: not a directory",
			    dir);
		return FALSE;
	}
	return TRUE;
}

/*
 * Unique per boot. Windows 8 and later count boots in the registry
 * (PrefetchParameters\BootId); Wine 8 has no such value, so the fallback
 * is the kernel's boot time (under Wine: when the wineserver started),
 * which is stable for the whole boot, unlike now minus GetTickCount64().
 */
static gchar *
hermes_platform_boot_id(void)
{
	HermesPlatformTimeOfDay tod = {0};
	DWORD value = 0;
	DWORD size = sizeof(value);

	if (RegGetValueW(HKEY_LOCAL_MACHINE,
			 L"SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory "
			 L"Management\\PrefetchParameters",
			 L"BootId",
			 RRF_RT_REG_DWORD,
			 NULL,
			 &value,
			 &size) == ERROR_SUCCESS)
		return g_strdup_printf("windows-boot-%lu", (gulong)value);
	if (NtQuerySystemInformation(SystemTimeOfDayInformation, &tod, sizeof(tod), NULL) >= 0 &&
	    tod.boot_time.QuadPart > 0)
		return g_strdup_printf("windows-boot-time-%" G_GINT64_FORMAT,
				       (gint64)tod.boot_time.QuadPart);
	return NULL;
}

/* bounded, like the Unix reader: a file's size is not trusted */
static gchar *
hermes_platform_read_capped(const gchar *path, gsize *length)
{
	gint fd = g_open(path, O_RDONLY | O_BINARY | O_NOINHERIT, 0);
	gchar *text;

	if (fd < 0)
		return NULL;
	text = hermes_platform_read_fd(fd, length);
	close(fd);
	return text;
}

/* the information class of NtQueryInformationProcess that answers a UNICODE_STRING
 * with the process's command line (Windows 8.1 and later) */
#define HERMES_PLATFORM_COMMAND_LINE_CLASS 60
/* a command line is at most 32767 UTF-16 units on Windows */
#define HERMES_PLATFORM_COMMAND_LINE_CAP (sizeof(UNICODE_STRING) + 65536)

/* the pid of "/proc/<pid>/cmdline", or 0 for any other path */
static DWORD
hermes_platform_cmdline_pid(const gchar *path)
{
	g_autofree gchar *digits = NULL;
	guint64 pid = 0;
	gsize len = strlen(path);

	if (!g_str_has_prefix(path, "/proc/") || !g_str_has_suffix(path, "/cmdline") ||
	    len <= strlen("/proc//cmdline"))
		return 0;
	digits = g_strndup(path + strlen("/proc/"), len - strlen("/proc//cmdline"));
	if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXUINT32, &pid, NULL))
		return 0;
	return (DWORD)pid;
}

/* the command line from @process's own memory: its PEB's process parameters
 * (Windows before 8.1, and Wine 8, which answers the class above with
 * STATUS_INVALID_INFO_CLASS); needs PROCESS_VM_READ */
static wchar_t *
hermes_platform_command_line_from_peb(HANDLE process)
{
	PROCESS_BASIC_INFORMATION basic = {0};
	PEB peb = {0};
	RTL_USER_PROCESS_PARAMETERS params = {0};
	wchar_t *line;
	SIZE_T got = 0;

	if (NtQueryInformationProcess(
		    process, ProcessBasicInformation, &basic, sizeof(basic), NULL) < 0 ||
	    basic.PebBaseAddress == NULL ||
	    !ReadProcessMemory(process, basic.PebBaseAddress, &peb, sizeof(peb), &got) ||
	    got != sizeof(peb) || peb.ProcessParameters == NULL ||
	    !ReadProcessMemory(process, peb.ProcessParameters, &params, sizeof(params), &got) ||
	    got != sizeof(params) || params.CommandLine.Buffer == NULL ||
	    params.CommandLine.Length == 0 || params.CommandLine.Length % sizeof(wchar_t) != 0)
		return NULL;
	line = g_new0(wchar_t, params.CommandLine.Length / sizeof(wchar_t) + 1);
	if (!ReadProcessMemory(
		    process, params.CommandLine.Buffer, line, params.CommandLine.Length, &got) ||
	    got != params.CommandLine.Length) {
		g_free(line);
		return NULL;
	}
	return line;
}

/* the command line Windows keeps for @process as one string; NULL if it cannot be read */
static wchar_t *
hermes_platform_command_line(HANDLE process)
{
	g_autofree UNICODE_STRING *info = NULL;
	ULONG size = 0;
	wchar_t *line;

	(void)NtQueryInformationProcess(
		process, HERMES_PLATFORM_COMMAND_LINE_CLASS, NULL, 0, &size);
	if (size < sizeof(UNICODE_STRING) || size > HERMES_PLATFORM_COMMAND_LINE_CAP)
		return hermes_platform_command_line_from_peb(process);
	info = g_malloc0(size);
	if (NtQueryInformationProcess(
		    process, HERMES_PLATFORM_COMMAND_LINE_CLASS, info, size, &size) < 0 ||
	    info->Buffer == NULL || info->Length == 0 ||
	    (gsize)info->Length > size - sizeof(UNICODE_STRING))
		return NULL;
	line = g_new0(wchar_t, info->Length / sizeof(wchar_t) + 1);
	memcpy(line, info->Buffer, info->Length);
	return line;
}

/*
 * /proc/<pid>/cmdline as Linux has it, each argument followed by a NUL:
 * Windows keeps one string, split here by the C runtime's rules
 * (CommandLineToArgvW), the rules our spawn quotes by. That is what proves a
 * recorded pid is a gateway (hermes-pid-record.c) before anything is sent to
 * it. A process we may not query is unknown (%NULL), as on Linux.
 */
static gchar *
hermes_platform_process_cmdline(DWORD pid, gsize *length)
{
	/* reading its memory needs more than a query; another user's may allow only that */
	HANDLE process = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
	g_autofree wchar_t *line = NULL;
	g_autoptr(GString) out = NULL;
	wchar_t **argv;
	int argc = 0;

	if (process == NULL)
		process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
	if (process == NULL)
		return NULL;
	line = hermes_platform_command_line(process);
	CloseHandle(process);
	if (line == NULL || (argv = CommandLineToArgvW(line, &argc)) == NULL)
		return NULL;
	out = g_string_new(NULL);
	for (int i = 0; i < argc; i++) {
		g_autofree gchar *arg = g_utf16_to_utf8((gunichar2 *)argv[i], -1, NULL, NULL, NULL);
		if (arg == NULL) {
			LocalFree(argv);
			return NULL;
		}
		g_string_append_len(out, arg, (gssize)strlen(arg) + 1);
	}
	LocalFree(argv);
	if (length != NULL)
		*length = out->len;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/**
 * hermes_platform_read_proc:
 * @path: a kernel file, e.g. `/proc/sys/kernel/random/boot_id`
 * @length: (out) (optional): how many bytes were read
 *
 * There is no /proc on Windows. The boot id and a process's command line
 * (`/proc/<pid>/cmdline`) are answered from the system; every other /proc or
 * /sys path is unknown (%NULL, which callers read as "cannot tell"). A path
 * there is never read from disk: "/proc/1/comm"
 * would be C:\proc\1\comm, which any user may create. Other paths (a test
 * context's staged root) are read as files, capped at 1 MiB.
 *
 * Returns: (transfer full) (nullable): the contents, or %NULL
 */
gchar *
hermes_platform_read_proc(const gchar *path, gsize *length)
{
	gchar *text;

	g_return_val_if_fail(path != NULL, NULL);
	if (g_strcmp0(path, "/proc/sys/kernel/random/boot_id") == 0) {
		text = hermes_platform_boot_id();
		if (text != NULL && length != NULL)
			*length = strlen(text);
		return text;
	}
	if (hermes_platform_cmdline_pid(path) != 0)
		return hermes_platform_process_cmdline(hermes_platform_cmdline_pid(path), length);
	if (g_str_has_prefix(path, "/proc/") || g_str_has_prefix(path, "/sys/"))
		return NULL;
	return hermes_platform_read_capped(path, length);
}

/*
 * What @pid is: 'R' running; 'Z' exited but still held open by someone
 * (the Windows zombie: the pid is not free yet); '\0' no such process;
 * '?' it exists but we may not ask (another user's). @start_time gets the
 * creation time in FILETIME ticks, or -1.
 */
static gchar
hermes_platform_query_process(gint64 pid, gint64 *start_time)
{
	FILETIME created, exited, kernel, user;
	DWORD code = 0;
	gchar state;
	HANDLE h;

	if (start_time != NULL)
		*start_time = -1;
	if (pid <= 0 || pid > G_MAXUINT32)
		return '\0';
	h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, (DWORD)pid);
	if (h == NULL && GetLastError() == ERROR_ACCESS_DENIED)
		h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (h == NULL)
		return GetLastError() == ERROR_INVALID_PARAMETER ? '\0' : '?';
	switch (WaitForSingleObject(h, 0)) {
	case WAIT_OBJECT_0:
		state = 'Z';
		break;
	case WAIT_TIMEOUT:
		state = 'R';
		break;
	default:
		/* no SYNCHRONIZE right: the exit code is the weaker test (259 is STILL_ACTIVE) */
		state = GetExitCodeProcess(h, &code) && code == STILL_ACTIVE ? 'R' : 'Z';
		break;
	}
	if (start_time != NULL && GetProcessTimes(h, &created, &exited, &kernel, &user))
		*start_time =
			(gint64)(((guint64)created.dwHighDateTime << 32) | created.dwLowDateTime);
	CloseHandle(h);
	return state;
}

/* the state letter ('R', or 'Z' for exited) and the creation time, as /proc/<pid>/stat gives */
gboolean
hermes_platform_read_proc_stat(gint64 pid, gchar *state, gint64 *start_time)
{
	gint64 created = -1;
	gchar letter = hermes_platform_query_process(pid, &created);

	if (letter == '\0' || letter == '?' || created < 0)
		return FALSE;
	if (state != NULL)
		*state = letter;
	if (start_time != NULL)
		*start_time = created;
	return TRUE;
}

/* alive and not exited; a process we may not query still exists (EPERM on Unix) */
gboolean
hermes_platform_process_alive(gint64 pid)
{
	gchar state = hermes_platform_query_process(pid, NULL);
	return state == 'R' || state == '?';
}

static gboolean
hermes_platform_set_timed_out(GError **error, gint64 pid, guint timeout_ms)
{
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_TIMED_OUT,
		    "process %" G_GINT64_FORMAT " did not exit within %u ms",
		    pid,
		    timeout_ms);
	return FALSE;
}

/* waits for a process that is not our child: its handle is signalled when it exits */
gboolean
hermes_platform_wait_exit(gint64 pid, guint timeout_ms, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	HANDLE h = NULL;
	DWORD rc;

	if (pid > 0 && pid <= G_MAXUINT32)
		h = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);
	if (h != NULL) {
		rc = WaitForSingleObject(h, MIN(timeout_ms, INFINITE - 1));
		CloseHandle(h);
		if (rc == WAIT_OBJECT_0)
			return TRUE;
		if (rc == WAIT_TIMEOUT)
			return hermes_platform_set_timed_out(error, pid, timeout_ms);
	}
	/* no SYNCHRONIZE right (another user's process), or no such process: poll */
	while (hermes_platform_process_alive(pid)) {
		if (g_get_monotonic_time() > deadline)
			return hermes_platform_set_timed_out(error, pid, timeout_ms);
		g_usleep(10000);
	}
	return TRUE;
}

/*
 * No pidfds. The Windows equivalent is a process HANDLE, but callers own
 * a pidfd as a C runtime fd and close() it, and a process HANDLE cannot be
 * one (_open_osfhandle() refuses handles that are not files, pipes or
 * devices); a private table of HANDLEs indexed by a gint would be closed
 * with close() as an unrelated fd. So Windows is a system without pidfds,
 * as the seam allows: callers then go by pid and creation time.
 */
gint
hermes_platform_pidfd_open(gint64 pid, GError **error)
{
	if (pid <= 0 || pid > G_MAXUINT32) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%" G_GINT64_FORMAT " is not a process id",
			    pid);
		return -1;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "Windows has no pidfds; not signalling process %" G_GINT64_FORMAT
		    " through one",
		    pid);
	return -1;
}

/*
 * Unreachable with a pidfd of ours (there are none), and Windows has no
 * signals to send: SIGTERM's part is the planned-stop marker plus a
 * console CTRL_BREAK, SIGKILL's is TerminateProcess(), both on a process
 * proven by pid and creation time, which needs more than a gint.
 */
gboolean
hermes_platform_pidfd_send_signal(gint pidfd, gint sig, GError **error)
{
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "Windows has neither pidfds nor signals; not sending signal %d through fd %d",
		    sig,
		    pidfd);
	return FALSE;
}

/* never an exit it cannot see: there are no pidfds to wait on (see above) */
gboolean
hermes_platform_pidfd_wait(gint pidfd, guint timeout_ms)
{
	(void)pidfd;
	(void)timeout_ms;
	return FALSE;
}
