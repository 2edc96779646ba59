/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The XML of a plist, written: the one escaping function every piece of
 * text goes through, and the elements the plist is made of, indented with
 * tabs as the golden files pin them.
 */

#include "config.h"

#include "hermes-launchd-xml.h"

/**
 * hermes_launchd_xml_escape:
 * @what: what @text is, for the error message
 * @text: UTF-8 text
 * @error: return location for a #GError
 *
 * The one escaping function of the plist: `& < > " '` become entities and
 * a carriage return becomes `&#13;` (an XML parser would turn a literal
 * one into a newline). Tabs and newlines are kept. XML 1.0 cannot carry
 * any other control character, not even as a character reference, so
 * those are refused, as is invalid UTF-8.
 *
 * Returns: (transfer full) (nullable): the escaped text
 */
gchar *
hermes_launchd_xml_escape(const gchar *what, const gchar *text, GError **error)
{
	g_autoptr(GString) out = NULL;

	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%s is not valid UTF-8",
			    what);
		return NULL;
	}
	out = g_string_sized_new(strlen(text));
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		switch (c) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&apos;");
			break;
		case '\r':
			g_string_append(out, "&#13;");
			break;
		case '\t':
		case '\n':
			g_string_append_c(out, (gchar)c);
			break;
		default:
			if (c < 0x20 || c == 0xFFFE || c == 0xFFFF) {
				g_set_error(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_ARGUMENT,
					    "%s contains the control character U+%04X, which a "
					    "plist cannot carry",
					    what,
					    c);
				return NULL;
			}
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
			break;
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

void
hermes_launchd_xml_indent(GString *out, guint depth)
{
	for (guint i = 0; i < depth; i++)
		g_string_append_c(out, '\t');
}

gboolean
hermes_launchd_xml_key(GString *out, guint depth, const gchar *key, GError **error)
{
	g_autofree gchar *text = hermes_launchd_xml_escape("a plist key", key, error);
	if (text == NULL)
		return FALSE;
	hermes_launchd_xml_indent(out, depth);
	g_string_append_printf(out, "<key>%s</key>\n", text);
	return TRUE;
}

gboolean
hermes_launchd_xml_string(
	GString *out, guint depth, const gchar *what, const gchar *value, GError **error)
{
	g_autofree gchar *text = hermes_launchd_xml_escape(what, value, error);
	if (text == NULL)
		return FALSE;
	hermes_launchd_xml_indent(out, depth);
	g_string_append_printf(out, "<string>%s</string>\n", text);
	return TRUE;
}

gboolean
hermes_launchd_xml_string_member(
	GString *out, guint depth, const gchar *key, const gchar *value, GError **error)
{
	return hermes_launchd_xml_key(out, depth, key, error) &&
	       hermes_launchd_xml_string(out, depth, key, value, error);
}

/* @key is one of ours: nothing to escape */
void
hermes_launchd_xml_int_member(GString *out, guint depth, const gchar *key, guint value)
{
	hermes_launchd_xml_indent(out, depth);
	g_string_append_printf(out, "<key>%s</key>\n", key);
	hermes_launchd_xml_indent(out, depth);
	g_string_append_printf(out, "<integer>%u</integer>\n", value);
}
