/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Trust on Windows: owner and ACL instead of mode bits. A file or directory
 * core reads its orders from is trusted when its owner is this user, SYSTEM,
 * Administrators or TrustedInstaller, and no ACE in effect lets anyone else
 * write, delete, or change its ACL or owner: what hermes-platform-unix.c asks
 * of a file's uid and its group and other write bits.
 */

#include "config.h"

/* clang-format off */
#include <windows.h>
#include <aclapi.h>
#include <io.h>
#include <sddl.h>
/* clang-format on */

#include "hermes-error.h"
#include "hermes-platform-private.h"
#include "hermes-platform-win32-private.h"

/* anything that lets a principal change the contents, the ACL or the owner, or replace the file */
#define HERMES_PLATFORM_WRITE_RIGHTS                                                       \
	(FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD | DELETE | \
	 WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)

/* the NT SERVICE\TrustedInstaller SID, which owns the system's own files */
#define HERMES_PLATFORM_TRUSTED_INSTALLER \
	L"S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

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
	g_autofree TOKEN_USER *self = hermes_platform_win32_token_info(TokenUser);
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
		hermes_platform_win32_set_error(
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
	g_autofree wchar_t *path_w = hermes_platform_win32_utf16(path, error);
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
		hermes_platform_win32_set_error(error, GetLastError(), "cannot open %s", what);
		return FALSE;
	}
	ok = hermes_platform_check_handle(h, TRUE, what, error);
	CloseHandle(h);
	return ok;
}
