/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-shell.h"

/* characters that never need quoting in POSIX sh */
static gboolean
hermes_shell_is_safe(gchar c)
{
	return g_ascii_isalnum(c) || strchr("_@%+=:,./-", c) != NULL;
}

/**
 * hermes_shell_quote:
 * @text: any text without NUL
 *
 * The one function that puts text into generated shell scripts. Safe text
 * is left bare; anything else is single-quoted, with `'` written as `'\''`.
 * The empty string becomes `''`.
 *
 * Returns: (transfer full): @text as one POSIX shell word
 */
gchar *
hermes_shell_quote(const gchar *text)
{
	GString *out;
	gboolean safe;

	g_return_val_if_fail(text != NULL, NULL);
	safe = text[0] != '\0';
	for (const gchar *p = text; *p != '\0' && safe; p++)
		safe = hermes_shell_is_safe(*p);
	if (safe)
		return g_strdup(text);
	out = g_string_new("'");
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '\'')
			g_string_append(out, "'\\''");
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '\'');
	return g_string_free(out, FALSE);
}

/**
 * hermes_shell_check_text:
 * @what: what the text is, for the message, e.g. "environment variable FOO"
 * @text: text headed for a generated script or unit
 * @error: return location for a #GError
 *
 * Quoting makes any text safe for sh, but a newline or a control character
 * in a value that also lands in unit files, plists and logs is a mistake or
 * an attack; refuse it before anything is written.
 *
 * Returns: %TRUE if @text is valid UTF-8 without control characters
 */
gboolean
hermes_shell_check_text(const gchar *what, const gchar *text, GError **error)
{
	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%s is not valid UTF-8",
			    what);
		return FALSE;
	}
	for (const gchar *p = text; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "%s contains a %s, which is not allowed",
				    what,
				    *p == '\n' ? "newline" : "control character");
			return FALSE;
		}
	}
	return TRUE;
}
