/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Profile names: how a name a user typed becomes one (upstream's
 * normalisation), which names are refused and why, and the order profiles
 * are listed in. No file is touched here.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-profile.h"

/* names that would be confusing as a profile, a unit suffix or a directory */
static const gchar *hermes_profile_reserved[] = {"hermes", "test", "tmp", "root", "sudo"};

static gchar *
hermes_profile_printable(const gchar *name)
{
	g_autofree gchar *escaped = g_strescape(name, NULL);
	if (strlen(escaped) > 24) {
		escaped[21] = '\0';
		return g_strdup_printf("%s...", escaped);
	}
	return g_steal_pointer(&escaped);
}

/**
 * hermes_profile_name_normalize:
 * @name: (nullable): a profile name as a person typed it
 * @error: return location for a #GError
 *
 * Strips surrounding whitespace and lowercases, as upstream does (`Coder`
 * and ` coder ` mean `coder`, `Default` means `default`), then applies
 * hermes_profile_name_validate(), so what is still invalid is refused with
 * its hint. Every door (the CLI, hermes-svcd, HermesGatewayControl) uses it.
 *
 * Returns: (transfer full) (nullable): the normalised name, or %NULL with
 *   %HERMES_ERROR_INVALID_ARGUMENT
 */
gchar *
hermes_profile_name_normalize(const gchar *name, GError **error)
{
	g_autofree gchar *copy = NULL;
	g_autofree gchar *lower = NULL;
	if (name == NULL) {
		hermes_profile_name_validate(NULL, error);
		return NULL;
	}
	copy = g_strstrip(g_strdup(name));
	lower = g_utf8_validate(copy, -1, NULL) ? g_utf8_strdown(copy, -1) : g_strdup(copy);
	if (!hermes_profile_name_validate(lower, error))
		return NULL;
	return g_steal_pointer(&lower);
}

/**
 * hermes_profile_name_validate:
 * @name: (nullable): a candidate profile name
 * @error: return location for a #GError
 *
 * The one name rule of hermes-svc, applied at every entry point:
 * `^[a-z0-9][a-z0-9_-]{0,63}$` and not one of `hermes test tmp root sudo`.
 * `default` is valid and means the root profile.
 *
 * Returns: %TRUE if @name is valid; otherwise %HERMES_ERROR_INVALID_ARGUMENT
 * with a message that says what is wrong
 */
gboolean
hermes_profile_name_validate(const gchar *name, GError **error)
{
	g_autofree gchar *shown = NULL;
	gsize len;

	if (name == NULL || name[0] == '\0') {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "invalid profile name: it is empty");
		return FALSE;
	}
	shown = hermes_profile_printable(name);
	len = strlen(name);
	if (len > HERMES_PROFILE_NAME_MAX) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "invalid profile name '%s': %" G_GSIZE_FORMAT
			    " characters, at most %d are allowed",
			    shown,
			    len,
			    HERMES_PROFILE_NAME_MAX);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (g_ascii_isupper(name[i])) {
			g_autofree gchar *lower = g_ascii_strdown(shown, -1);
			g_set_error(
				error,
				HERMES_ERROR,
				HERMES_ERROR_INVALID_ARGUMENT,
				"invalid profile name '%s': profile names are lowercase (try '%s')",
				shown,
				lower);
			return FALSE;
		}
	}
	if (!(g_ascii_islower(name[0]) || g_ascii_isdigit(name[0]))) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "invalid profile name '%s': it must start with a lowercase letter or a "
			    "digit",
			    shown);
		return FALSE;
	}
	for (gsize i = 1; i < len; i++) {
		gchar c = name[i];
		if (g_ascii_islower(c) || g_ascii_isdigit(c) || c == '-' || c == '_')
			continue;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "invalid profile name '%s': use only lowercase letters, digits, '-' "
			    "and '_'",
			    shown);
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(hermes_profile_reserved); i++) {
		if (g_strcmp0(name, hermes_profile_reserved[i]) == 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "invalid profile name '%s': it is reserved",
				    name);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * hermes_profile_name_compare:
 * @a: a profile name
 * @b: a profile name
 *
 * The order profiles are listed and shown in: `default` first, then by name.
 *
 * Returns: less than, equal to or greater than zero, as strcmp()
 */
gint
hermes_profile_name_compare(const gchar *a, const gchar *b)
{
	gboolean da = g_strcmp0(a, HERMES_PROFILE_DEFAULT) == 0;
	gboolean db = g_strcmp0(b, HERMES_PROFILE_DEFAULT) == 0;
	if (da != db)
		return da ? -1 : 1;
	return g_strcmp0(a, b);
}
