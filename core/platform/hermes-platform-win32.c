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
#include <winternl.h>
/* clang-format on */

#include <glib/gstdio.h>

#include "hermes-error.h"
#include "hermes-platform-private.h"

#define HERMES_PLATFORM_READ_CAP (1024 * 1024)

/* anything that lets a principal change the contents, the ACL or the owner, or replace the file */
#define HERMES_PLATFORM_WRITE_RIGHTS                                                       \
	(FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD | DELETE | \
	 WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)

/* the NT SERVICE\TrustedInstaller SID, which owns the system's own files */
#define HERMES_PLATFORM_TRUSTED_INSTALLER \
	L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

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

static void G_GNUC_PRINTF(3, 4)
	hermes_platform_set_win32_error(GError **error, DWORD code, const gchar *format, ...)
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

static wchar_t *
hermes_platform_utf16(const gchar *text, GError **error)
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

/*
 * Platform-neutral, and defined in hermes-platform-unix.c too: the two
 * files are never built together, and the SDK header promises it. It
 * belongs in a shared file once the main build compiles this one.
 */
void
hermes_user_free(HermesUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	g_free(user->home);
	g_free(user);
}

/* TokenUser or TokenPrimaryGroup of this process; its first member is the SID's holder */
static gpointer
hermes_platform_token_info(TOKEN_INFORMATION_CLASS klass)
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
	g_autofree TOKEN_USER *user = hermes_platform_token_info(TokenUser);
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
		hermes_platform_set_win32_error(
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
	group = hermes_platform_token_info(TokenPrimaryGroup);
	user = g_new0(HermesUser, 1);
	user->name = g_steal_pointer(&mine);
	user->uid = hermes_platform_get_euid();
	user->gid = group != NULL ? hermes_platform_sid_rid(group->PrimaryGroup) : 0;
	user->home = g_strdup(g_get_home_dir());
	return user;
}

/* the owner or an ACE principal we trust as we trust root and ourselves on Unix */
static gboolean
hermes_platform_sid_trusted(PSID sid, PSID self)
{
	PSID installer = NULL;
	gboolean trusted;

	if ((self != NULL && EqualSid(sid, self)) || IsWellKnownSid(sid, WinLocalSystemSid) ||
	    IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
	    IsWellKnownSid(sid, WinCreatorOwnerRightsSid))
		return TRUE;
	if (!ConvertStringSidToSidW(HERMES_PLATFORM_TRUSTED_INSTALLER, &installer))
		return FALSE;
	trusted = EqualSid(sid, installer);
	LocalFree(installer);
	return trusted;
}

static gchar *
hermes_platform_sid_name(PSID sid)
{
	wchar_t name[256];
	wchar_t domain[256];
	DWORD name_len = G_N_ELEMENTS(name);
	DWORD domain_len = G_N_ELEMENTS(domain);
	SID_NAME_USE use;
	wchar_t *text = NULL;
	gchar *result;

	if (LookupAccountSidW(NULL, sid, name, &name_len, domain, &domain_len, &use))
		return g_utf16_to_utf8((const gunichar2 *)name, -1, NULL, NULL, NULL);
	if (!ConvertSidToStringSidW(sid, &text))
		return g_strdup("an unknown principal");
	result = g_utf16_to_utf8((const gunichar2 *)text, -1, NULL, NULL, NULL);
	LocalFree(text);
	return result;
}

/* the DACL: no allow-ACE that is in effect may give others a write right */
static gboolean
hermes_platform_check_dacl(PACL dacl, PSID self, const gchar *what, GError **error)
{
	if (dacl == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s has no DACL, so everyone may write it",
			    what);
		return FALSE;
	}
	for (DWORD i = 0; i < dacl->AceCount; i++) {
		ACCESS_ALLOWED_ACE *ace = NULL;
		g_autofree gchar *who = NULL;
		if (!GetAce(dacl, i, (LPVOID *)&ace) ||
		    ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE)
			continue;
		/* an inherit-only ACE is a template for children, not access to this object */
		if ((ace->Header.AceFlags & INHERIT_ONLY_ACE) != 0 ||
		    (ace->Mask & HERMES_PLATFORM_WRITE_RIGHTS) == 0 ||
		    hermes_platform_sid_trusted((PSID)&ace->SidStart, self))
			continue;
		who = hermes_platform_sid_name((PSID)&ace->SidStart);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is writable by %s (access mask 0x%08lx)",
			    what,
			    who,
			    (gulong)ace->Mask);
		return FALSE;
	}
	return TRUE;
}

/*
 * Owner and ACL instead of mode bits: the owner is the current user,
 * SYSTEM, Administrators or TrustedInstaller (root's part on Unix), and
 * nobody else may write. Read from the open handle, like fstat().
 */
static gboolean
hermes_platform_check_handle(HANDLE h, gboolean want_dir, const gchar *what, GError **error)
{
	g_autofree TOKEN_USER *self = hermes_platform_token_info(TokenUser);
	BY_HANDLE_FILE_INFORMATION info;
	PSECURITY_DESCRIPTOR sd = NULL;
	PSID owner = NULL;
	PACL dacl = NULL;
	DWORD rc;
	gboolean ok;

	if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &info) ||
	    ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) != want_dir) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is not a regular %s",
			    what,
			    want_dir ? "directory" : "file");
		return FALSE;
	}
	rc = GetSecurityInfo(h,
			     SE_FILE_OBJECT,
			     OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
			     &owner,
			     NULL,
			     &dacl,
			     NULL,
			     &sd);
	if (rc != ERROR_SUCCESS) {
		hermes_platform_set_win32_error(
			error, rc, "cannot read the owner and ACL of %s", what);
		return FALSE;
	}
	ok = owner != NULL &&
	     hermes_platform_sid_trusted(owner, self != NULL ? self->User.Sid : NULL);
	if (!ok) {
		g_autofree gchar *who = owner != NULL ? hermes_platform_sid_name(owner) : NULL;
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_PERMISSION_DENIED,
			"%s is owned by %s, which is neither an administrator nor the current user",
			what,
			who != NULL ? who : "nobody");
	}
	ok = ok &&
	     hermes_platform_check_dacl(dacl, self != NULL ? self->User.Sid : NULL, what, error);
	LocalFree(sd);
	return ok;
}

/* checks the open file, not the name, so the file cannot be swapped after the check */
gboolean
hermes_platform_check_trusted(gint fd, const gchar *what, GError **error)
{
	HANDLE h = (HANDLE)_get_osfhandle(fd);
	if (h == INVALID_HANDLE_VALUE) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%s: bad file descriptor",
			    what);
		return FALSE;
	}
	return hermes_platform_check_handle(h, FALSE, what, error);
}

/* followed if it is a junction or link, as stat() follows on Unix; checked by handle */
gboolean
hermes_platform_check_trusted_dir(const gchar *path, GError **error)
{
	g_autofree gchar *what = g_strdup_printf("directory %s", path);
	g_autofree wchar_t *path_w = hermes_platform_utf16(path, error);
	HANDLE h;
	gboolean ok;

	if (path_w == NULL)
		return FALSE;
	h = CreateFileW(path_w,
			READ_CONTROL | FILE_READ_ATTRIBUTES,
			FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
			NULL,
			OPEN_EXISTING,
			FILE_FLAG_BACKUP_SEMANTICS,
			NULL);
	if (h == INVALID_HANDLE_VALUE) {
		hermes_platform_set_win32_error(error, GetLastError(), "cannot open %s", what);
		return FALSE;
	}
	ok = hermes_platform_check_handle(h, TRUE, what, error);
	CloseHandle(h);
	return ok;
}

/* atomic: MoveFileExW without MOVEFILE_REPLACE_EXISTING fails on any existing name */
gboolean
hermes_platform_rename_noreplace(const gchar *from, const gchar *to, GError **error)
{
	g_autofree wchar_t *from_w = hermes_platform_utf16(from, error);
	g_autofree wchar_t *to_w = NULL;

	if (from_w == NULL)
		return FALSE;
	to_w = hermes_platform_utf16(to, error);
	if (to_w == NULL)
		return FALSE;
	if (MoveFileExW(from_w, to_w, MOVEFILE_WRITE_THROUGH))
		return TRUE;
	hermes_platform_set_win32_error(error, GetLastError(), "cannot rename %s to %s", from, to);
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
	g_autofree wchar_t *dir_w = hermes_platform_utf16(dir, error);
	DWORD attrs;

	if (dir_w == NULL)
		return FALSE;
	attrs = GetFileAttributesW(dir_w);
	if (attrs == INVALID_FILE_ATTRIBUTES) {
		hermes_platform_set_win32_error(
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
	g_autoptr(GByteArray) buf = g_byte_array_new();
	guint8 chunk[4096];
	gint fd = g_open(path, O_RDONLY | O_BINARY | O_NOINHERIT, 0);

	if (fd < 0)
		return NULL;
	for (;;) {
		gint n = read(fd, chunk, sizeof(chunk));
		if (n < 0 || buf->len + (gsize)n > HERMES_PLATFORM_READ_CAP) {
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		g_byte_array_append(buf, chunk, (guint)n);
	}
	close(fd);
	if (length != NULL)
		*length = buf->len;
	g_byte_array_append(buf, (const guint8 *)"", 1);
	return (gchar *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

/**
 * hermes_platform_read_proc:
 * @path: a kernel file, e.g. `/proc/sys/kernel/random/boot_id`
 * @length: (out) (optional): how many bytes were read
 *
 * There is no /proc on Windows. The boot id is answered from the system;
 * every other /proc or /sys path is unknown (%NULL, which callers read as
 * "cannot tell"). A path there is never read from disk: "/proc/1/comm"
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

/* the creation time in FILETIME ticks; -1 if unknown */
gint64
hermes_platform_get_start_time(gint64 pid)
{
	gint64 start_time = -1;
	if (!hermes_platform_read_proc_stat(pid, NULL, &start_time))
		return -1;
	return start_time;
}

/* alive and not exited; a process we may not query still exists (EPERM on Unix) */
gboolean
hermes_platform_process_alive(gint64 pid)
{
	gchar state = hermes_platform_query_process(pid, NULL);
	return state == 'R' || state == '?';
}

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
	g_autofree wchar_t *root_w = hermes_platform_utf16(root, error);
	g_autofree wchar_t *root_final = NULL;
	g_autofree wchar_t *dir_final = NULL;
	HANDLE root_h;
	size_t n;

	if (root_w == NULL)
		return FALSE;
	root_h = hermes_platform_open_dir(root_w);
	if (root_h == INVALID_HANDLE_VALUE) {
		hermes_platform_set_win32_error(error, GetLastError(), "cannot open %s", root);
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
	g_autofree wchar_t *parent_w = hermes_platform_utf16(parent, error);
	g_autofree wchar_t *path_w = NULL;
	HANDLE dir;
	HANDLE h = INVALID_HANDLE_VALUE;

	if (parent_w == NULL || (path_w = hermes_platform_utf16(path, error)) == NULL)
		return INVALID_HANDLE_VALUE;
	dir = hermes_platform_open_dir(parent_w);
	if (dir == INVALID_HANDLE_VALUE) {
		hermes_platform_set_win32_error(error, GetLastError(), "cannot open %s", parent);
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
			hermes_platform_set_win32_error(
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
	*app = hermes_platform_utf16(argv[0], error);
	if (*app == NULL)
		return FALSE;
	*cmdline = hermes_platform_utf16(line->str, error);
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
		hermes_platform_set_win32_error(error, GetLastError(), "cannot run %s", argv[0]);
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
