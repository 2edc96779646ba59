/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A profile's `.env`, as hermes-agent writes it and as a user edits it: the
 * one parser of it. A user controls the file, so it is read through the safe
 * file layer and a line carrying a NUL or another control character is not
 * an assignment at all (it could only smuggle something into a unit file, a
 * plist or a run script).
 */

#include "config.h"

#include <string.h>

#include "hermes-dotenv.h"
#include "hermes-safe-file.h"

/* tabs are whitespace people type; every other control character is refused */
static gboolean
hermes_dotenv_is_clean(const gchar *text)
{
	for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return FALSE;
	}
	return TRUE;
}

/* `KEY=VALUE`, `export KEY=VALUE`, values in single or double quotes, `#` comments */
static gboolean
hermes_dotenv_parse_line(const gchar *line, gchar **key, gchar **value)
{
	g_autofree gchar *copy = g_strstrip(g_strdup(line));
	gchar *eq;
	gchar *k;
	gchar *v;
	gsize len;

	if (copy[0] == '\0' || copy[0] == '#')
		return FALSE;
	k = copy;
	if (g_str_has_prefix(k, "export") && (k[6] == ' ' || k[6] == '\t'))
		k = g_strchug(k + 6);
	eq = strchr(k, '=');
	if (eq == NULL)
		return FALSE;
	*eq = '\0';
	v = g_strstrip(eq + 1);
	g_strstrip(k);
	len = strlen(v);
	if (len >= 2 && (v[0] == '"' || v[0] == '\'') && v[len - 1] == v[0]) {
		v[len - 1] = '\0';
		v++;
	} else {
		/* an unquoted value ends at a comment */
		gchar *hash = strstr(v, " #");
		if (hash == NULL)
			hash = strstr(v, "\t#");
		if (hash != NULL) {
			*hash = '\0';
			g_strchomp(v);
		}
	}
	if (!hermes_dotenv_is_clean(k) || !hermes_dotenv_is_clean(v))
		return FALSE;
	*key = g_strdup(k);
	*value = g_strdup(v);
	return TRUE;
}

/**
 * hermes_env_file_get:
 * @path: a dotenv file, e.g. a profile's `.env`
 * @key: the variable to look up
 *
 * Reads simple `KEY=VALUE` lines (optionally `export `-prefixed, values
 * optionally quoted). The last assignment wins, as the shell would have it.
 *
 * The file is read through the safe file layer: a link, a FIFO, a device or
 * a file over %HERMES_SAFE_MAX_ENV bytes is treated as missing.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if the file or
 * the key is missing
 */
gchar *
hermes_env_file_get(const gchar *path, const gchar *key)
{
	g_autofree gchar *contents = NULL;
	gsize length = 0;

	g_return_val_if_fail(path != NULL, NULL);
	g_return_val_if_fail(key != NULL, NULL);
	contents = hermes_safe_file_read(NULL, path, HERMES_SAFE_MAX_ENV, &length, NULL);
	if (contents == NULL)
		return NULL;
	return hermes_dotenv_get(contents, length, key);
}

/**
 * hermes_dotenv_get:
 * @text: (array length=length) (element-type guint8): the contents of a `.env`
 * @length: bytes in @text
 * @key: the variable to look up
 *
 * Reads simple `KEY=VALUE` lines (optionally `export `-prefixed, values
 * optionally quoted). The last assignment wins, as the shell would have it.
 * A NUL ends the text: what follows it was never a line anyone wrote.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL if the key is
 * missing or its line was refused
 */
gchar *
hermes_dotenv_get(const gchar *text, gsize length, const gchar *key)
{
	g_autofree gchar *copy = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree gchar *found = NULL;

	g_return_val_if_fail(text != NULL || length == 0, NULL);
	g_return_val_if_fail(key != NULL, NULL);
	copy = g_strndup(text, length);
	lines = g_strsplit(copy, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *k = NULL;
		g_autofree gchar *v = NULL;
		if (!hermes_dotenv_parse_line(lines[i], &k, &v))
			continue;
		if (g_strcmp0(k, key) == 0) {
			g_free(found);
			found = g_steal_pointer(&v);
		}
	}
	return g_steal_pointer(&found);
}
