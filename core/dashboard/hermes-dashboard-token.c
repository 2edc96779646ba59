/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The web dashboard's credential: a random token in a 0600 file directly in
 * the profile root, made once (atomically, through the safe file layer) by
 * whichever of `hermes-svcd --http` and `hermes dashboard url` comes first.
 * Holding it is what lets a browser act on the gateways; it is compared in
 * constant time. Beside it, the daemon leaves the URL it serves, so
 * `hermes dashboard url` can print both.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "hermes-dashboard-token.h"
#include "hermes-error.h"
#include "hermes-safe-file.h"

/* 32 random bytes, hex: 64 characters */
#define HERMES_DASHBOARD_TOKEN_BYTES 32
#define HERMES_DASHBOARD_TOKEN_LEN   (2 * HERMES_DASHBOARD_TOKEN_BYTES)
#define HERMES_DASHBOARD_MAX_FILE    4096

static gboolean
hermes_dashboard_token_valid(const gchar *token)
{
	if (token == NULL || strlen(token) != HERMES_DASHBOARD_TOKEN_LEN)
		return FALSE;
	for (guint i = 0; i < HERMES_DASHBOARD_TOKEN_LEN; i++) {
		if (!g_ascii_isxdigit(token[i]) || g_ascii_isupper(token[i]))
			return FALSE;
	}
	return TRUE;
}

static gchar *
hermes_dashboard_token_generate(GError **error)
{
	guint8 bytes[HERMES_DASHBOARD_TOKEN_BYTES];
	gsize got = 0;
	GString *hex = g_string_sized_new(HERMES_DASHBOARD_TOKEN_LEN);

	while (got < sizeof(bytes)) {
		gssize n = getrandom(bytes + got, sizeof(bytes) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hermes_error_set_errno(error, errno, "cannot read random bytes");
			g_string_free(hex, TRUE);
			return NULL;
		}
		got += (gsize)n;
	}
	for (guint i = 0; i < sizeof(bytes); i++)
		g_string_append_printf(hex, "%02x", bytes[i]);
	memset(bytes, 0, sizeof(bytes));
	return g_string_free(hex, FALSE);
}

/**
 * hermes_dashboard_token_read:
 * @root: the profile root (`HERMES_HOME`)
 * @error: return location for a #GError
 *
 * Reads the dashboard token. A file that group or others may read, or
 * whose contents are not a token, is refused.
 *
 * Returns: (transfer full): the token, or %NULL with %HERMES_ERROR_NOT_FOUND
 *   when there is none, %HERMES_ERROR_PERMISSION_DENIED when it is not
 *   private, %HERMES_ERROR_FAILED when it is malformed
 */
gchar *
hermes_dashboard_token_read(const gchar *root, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	struct stat st;

	g_return_val_if_fail(root != NULL, NULL);
	path = g_build_filename(root, HERMES_DASHBOARD_TOKEN_FILE, NULL);
	if (!hermes_safe_file_stat(root, path, &st, error))
		return NULL;
	if ((st.st_mode & 077) != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing %s: mode %04o lets others read it (remove it; it is made "
			    "again with mode 0600)",
			    path,
			    (guint)(st.st_mode & 07777));
		return NULL;
	}
	contents = hermes_safe_file_read(root, path, HERMES_DASHBOARD_MAX_FILE, NULL, error);
	if (contents == NULL)
		return NULL;
	g_strstrip(contents);
	if (!hermes_dashboard_token_valid(contents)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_FAILED,
			    "%s does not hold a dashboard token (remove it; it is made again)",
			    path);
		return NULL;
	}
	return g_steal_pointer(&contents);
}

/**
 * hermes_dashboard_token_ensure:
 * @root: the profile root (`HERMES_HOME`), which must exist
 * @error: return location for a #GError
 *
 * Reads the dashboard token, or makes one (32 bytes from getrandom(),
 * hex) and writes it atomically with mode 0600 when there is none. Two
 * callers racing may both write; the second one's token is the one on
 * disk, and both read it back.
 *
 * Returns: (transfer full): the token, or %NULL
 */
gchar *
hermes_dashboard_token_ensure(const gchar *root, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *token = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *line = NULL;

	g_return_val_if_fail(root != NULL, NULL);
	token = hermes_dashboard_token_read(root, &error_local);
	if (token != NULL)
		return g_steal_pointer(&token);
	if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	token = hermes_dashboard_token_generate(error);
	if (token == NULL)
		return NULL;
	path = g_build_filename(root, HERMES_DASHBOARD_TOKEN_FILE, NULL);
	line = g_strconcat(token, "\n", NULL);
	if (!hermes_safe_file_replace(root, path, line, -1, 0600, error))
		return NULL;
	return hermes_dashboard_token_read(root, error);
}

/**
 * hermes_dashboard_token_equal:
 * @expected: the token on file
 * @given: (nullable): what a client sent
 *
 * Compares in time that depends on the length of @expected only, not on
 * where @given first differs.
 *
 * Returns: %TRUE if @given is @expected
 */
gboolean
hermes_dashboard_token_equal(const gchar *expected, const gchar *given)
{
	gsize n;
	gsize m;
	guint diff;

	g_return_val_if_fail(expected != NULL, FALSE);
	if (given == NULL)
		return FALSE;
	n = strlen(expected);
	m = strnlen(given, n + 1);
	diff = n != m;
	for (gsize i = 0; i < n; i++)
		diff |= (guint)(guint8)expected[i] ^ (guint)(guint8)given[i < m ? i : 0];
	return n > 0 && diff == 0;
}

/**
 * hermes_dashboard_address_write:
 * @root: the profile root (`HERMES_HOME`)
 * @url: the dashboard's URL, without the token
 * @error: return location for a #GError
 *
 * Records which URL `hermes-svcd --http` serves, for `hermes dashboard url`.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_dashboard_address_write(const gchar *root, const gchar *url, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *line = NULL;
	g_return_val_if_fail(root != NULL, FALSE);
	g_return_val_if_fail(url != NULL, FALSE);
	path = g_build_filename(root, HERMES_DASHBOARD_ADDRESS_FILE, NULL);
	line = g_strconcat(url, "\n", NULL);
	return hermes_safe_file_replace(root, path, line, -1, 0644, error);
}

/**
 * hermes_dashboard_address_read:
 * @root: the profile root (`HERMES_HOME`)
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the URL the dashboard was last served at, or
 *   %NULL (%HERMES_ERROR_NOT_FOUND when no `hermes-svcd --http` ran here)
 */
gchar *
hermes_dashboard_address_read(const gchar *root, GError **error)
{
	g_autofree gchar *path = NULL;
	gchar *contents;
	g_return_val_if_fail(root != NULL, NULL);
	path = g_build_filename(root, HERMES_DASHBOARD_ADDRESS_FILE, NULL);
	contents = hermes_safe_file_read(root, path, HERMES_DASHBOARD_MAX_FILE, NULL, error);
	if (contents == NULL)
		return NULL;
	return g_strstrip(contents);
}

/**
 * hermes_dashboard_address_remove:
 * @root: the profile root (`HERMES_HOME`)
 *
 * Forgets the URL when the daemon stops serving it.
 */
void
hermes_dashboard_address_remove(const gchar *root)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;
	g_return_if_fail(root != NULL);
	path = g_build_filename(root, HERMES_DASHBOARD_ADDRESS_FILE, NULL);
	if (!hermes_safe_file_unlink(root, path, &error))
		g_debug("cannot remove %s: %s", path, error->message);
}
