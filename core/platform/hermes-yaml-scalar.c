/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One YAML scalar as hermes-agent's `yaml.safe_load()` (PyYAML, YAML 1.1)
 * makes it: the implicit resolvers (their regular expressions verbatim, in
 * PyYAML's order), then SafeConstructor's conversions, reduced to what a
 * reader of `config.yaml` needs: the Python type and its truth value.
 * What PyYAML refuses to construct (`!!int abc`, `2024-02-30`, a `+99:00`
 * offset, an unknown tag) is refused here too, because upstream then
 * treats the whole file as unreadable.
 *
 * Explicit `!!int`/`!!float` values follow Python's int()/float() for
 * ASCII text; Python also takes other Unicode digits, which are refused
 * here.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-yaml-private.h"

#define HERMES_YAML_TAG "tag:yaml.org,2002:"

typedef enum {
	HERMES_YAML_RESOLVE_BOOL,
	HERMES_YAML_RESOLVE_FLOAT,
	HERMES_YAML_RESOLVE_INT,
	HERMES_YAML_RESOLVE_MERGE,
	HERMES_YAML_RESOLVE_NULL,
	HERMES_YAML_RESOLVE_TIMESTAMP,
	HERMES_YAML_RESOLVE_VALUE,
	HERMES_YAML_RESOLVE_TIMESTAMP_PARTS, /* SafeConstructor's, with named groups */
	HERMES_YAML_RESOLVE_LAST,
} HermesYamlResolve;

/* PyYAML 6's resolver.py and constructor.py, in the order they are tried */
static const gchar *hermes_yaml_patterns[] = {
	"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
	"^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?"
	"|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
	"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*"
	"|[-+]?\\.(?:inf|Inf|INF)"
	"|\\.(?:nan|NaN|NAN))$",
	"^(?:[-+]?0b[0-1_]+"
	"|[-+]?0[0-7_]+"
	"|[-+]?(?:0|[1-9][0-9_]*)"
	"|[-+]?0x[0-9a-fA-F_]+"
	"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
	"^(?:<<)$",
	"^(?:~|null|Null|NULL|)$",
	"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
	"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
	"(?:[Tt]|[ \\t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?"
	"(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$",
	"^(?:=)$",
	"^(?P<year>[0-9][0-9][0-9][0-9])-(?P<month>[0-9][0-9]?)-(?P<day>[0-9][0-9]?)"
	"(?:(?:[Tt]|[ \\t]+)(?P<hour>[0-9][0-9]?):(?P<minute>[0-9][0-9]):(?P<second>[0-9][0-9])"
	"(?:\\.(?P<fraction>[0-9]*))?"
	"(?:[ \\t]*(?P<tz>Z|(?P<tz_sign>[-+])(?P<tz_hour>[0-9][0-9]?)"
	"(?::(?P<tz_minute>[0-9][0-9]))?))?)?$",
};
static const gchar *hermes_yaml_names[] = {
	"bool",
	"float",
	"int",
	"merge key",
	"null",
	"timestamp",
	"value key",
	"timestamp",
	"str",
};
G_STATIC_ASSERT(G_N_ELEMENTS(hermes_yaml_patterns) == HERMES_YAML_RESOLVE_LAST);
G_STATIC_ASSERT(G_N_ELEMENTS(hermes_yaml_names) == HERMES_YAML_RESOLVE_LAST + 1);

static GRegex *
hermes_yaml_regex(HermesYamlResolve which)
{
	static GRegex *compiled[HERMES_YAML_RESOLVE_LAST];
	static gsize once = 0;
	if (g_once_init_enter(&once)) {
		for (guint i = 0; i < HERMES_YAML_RESOLVE_LAST; i++) {
			/* raw: the patterns are ASCII, the values any bytes */
			compiled[i] = g_regex_new(hermes_yaml_patterns[i], G_REGEX_RAW, 0, NULL);
			g_assert(compiled[i] != NULL);
		}
		g_once_init_leave(&once, 1);
	}
	return compiled[which];
}

static gboolean
hermes_yaml_matches(HermesYamlResolve which, const gchar *value, gsize length)
{
	return g_regex_match_full(
		hermes_yaml_regex(which), value, (gssize)length, 0, 0, NULL, NULL);
}

/* Python's str.isspace(), which str.strip() and int() use */
static gboolean
hermes_yaml_python_isspace(gunichar c)
{
	return g_unichar_isspace(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
}

/**
 * hermes_yaml_python_strip:
 * @text: UTF-8 text, which may hold NULs
 * @length: its length in bytes
 *
 * Python's `str.strip()`; stripping stops at bytes that are not UTF-8.
 *
 * Returns: (transfer full): the stripped text, NULs inside it kept
 */
gchar *
hermes_yaml_python_strip(const gchar *text, gsize length)
{
	const gchar *start = text;
	const gchar *end = text + length;
	while (start < end) {
		gunichar c = g_utf8_get_char_validated(start, end - start);
		if (c == (gunichar)-1 || c == (gunichar)-2 || !hermes_yaml_python_isspace(c))
			break;
		start = g_utf8_next_char(start);
	}
	while (end > start) {
		const gchar *prev = g_utf8_find_prev_char(start, end);
		gunichar c;
		if (prev == NULL)
			prev = start;
		c = g_utf8_get_char_validated(prev, end - prev);
		if (c == (gunichar)-1 || c == (gunichar)-2 || !hermes_yaml_python_isspace(c))
			break;
		end = prev;
	}
	{
		gchar *out = g_malloc(end - start + 1);
		memcpy(out, start, end - start);
		out[end - start] = '\0';
		return out;
	}
}

/* @text without `_`, as PyYAML strips numbers; NULL when it holds a NUL */
static gchar *
hermes_yaml_without_underscores(const gchar *text, gsize length)
{
	GString *out = g_string_sized_new(length);
	for (gsize i = 0; i < length; i++) {
		if (text[i] == '\0') {
			g_string_free(out, TRUE);
			return NULL;
		}
		if (text[i] != '_')
			g_string_append_c(out, text[i]);
	}
	return g_string_free(out, FALSE);
}

/* Python's int(text, base) for ASCII text: @zero says whether it is 0 */
static gboolean
hermes_yaml_python_int(const gchar *text, guint base, gboolean *zero)
{
	g_autofree gchar *s = hermes_yaml_python_strip(text, strlen(text));
	const gchar *p = s;
	static const gchar prefixes[] = {[2] = 'b', [8] = 'o', [16] = 'x'};
	if (*p == '+' || *p == '-')
		p++;
	if (base != 10 && p[0] == '0' && g_ascii_tolower(p[1]) == prefixes[base])
		p += 2;
	if (*p == '\0')
		return FALSE;
	*zero = TRUE;
	for (; *p != '\0'; p++) {
		gint digit = g_ascii_xdigit_value(*p);
		if (digit < 0 || (guint)digit >= base || (base <= 10 && !g_ascii_isdigit(*p)))
			return FALSE;
		if (digit != 0)
			*zero = FALSE;
	}
	return TRUE;
}

/* Python's float(text) for ASCII text, lowercased */
static gboolean
hermes_yaml_python_float(const gchar *text, gboolean *zero)
{
	g_autofree gchar *s = hermes_yaml_python_strip(text, strlen(text));
	const gchar *p = s + (s[0] == '+' || s[0] == '-');
	gchar *end = NULL;
	gdouble value;

	if (g_strcmp0(p, "inf") == 0 || g_strcmp0(p, "infinity") == 0 || g_strcmp0(p, "nan") == 0) {
		*zero = FALSE;
		return TRUE;
	}
	/* digits with an optional point and exponent; strtod's hex and "infinity" are not */
	if (!g_regex_match_simple("^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)(e[-+]?[0-9]+)?$", s, 0, 0))
		return FALSE;
	value = g_ascii_strtod(s, &end);
	*zero = value == 0.0;
	return end != NULL && *end == '\0';
}

/* SafeConstructor.construct_yaml_int and _float: a number and whether it is 0 */
static gboolean
hermes_yaml_construct_number(const gchar *value, gsize length, gboolean is_float, gboolean *zero)
{
	g_autofree gchar *clean = hermes_yaml_without_underscores(value, length);
	g_auto(GStrv) parts = NULL;
	gchar *v = clean;
	if (clean == NULL || clean[0] == '\0')
		return FALSE;
	if (is_float) {
		for (gchar *c = clean; *c != '\0'; c++)
			*c = g_ascii_tolower(*c);
	}
	if (v[0] == '-' || v[0] == '+')
		v++;
	if (is_float && (g_strcmp0(v, ".inf") == 0 || g_strcmp0(v, ".nan") == 0)) {
		*zero = FALSE;
		return TRUE;
	}
	if (!is_float && g_strcmp0(v, "0") == 0) {
		*zero = TRUE;
		return TRUE;
	}
	if (!is_float && (g_str_has_prefix(v, "0b") || g_str_has_prefix(v, "0x")))
		return hermes_yaml_python_int(v + 2, v[1] == 'b' ? 2 : 16, zero);
	if (!is_float && v[0] == '0')
		return hermes_yaml_python_int(v, 8, zero);
	/* sexagesimal: a sum of parts, zero only when every part is */
	parts = g_strsplit(v, ":", -1);
	*zero = TRUE;
	for (guint i = 0; parts[i] != NULL; i++) {
		gboolean part_zero = TRUE;
		if (!(is_float ? hermes_yaml_python_float(parts[i], &part_zero)
			       : hermes_yaml_python_int(parts[i], 10, &part_zero)))
			return FALSE;
		*zero = *zero && part_zero;
	}
	return TRUE;
}

static gint
hermes_yaml_group_int(GMatchInfo *match, const gchar *name)
{
	g_autofree gchar *text = g_match_info_fetch_named(match, name);
	return text != NULL && text[0] != '\0' ? (gint)g_ascii_strtoll(text, NULL, 10) : -1;
}

/* SafeConstructor.construct_yaml_timestamp: Python's date and datetime ranges */
static gboolean
hermes_yaml_construct_timestamp(const gchar *value, gsize length)
{
	g_autoptr(GMatchInfo) match = NULL;
	gint year, month, day, hour, tz_hour, tz_minute;
	if (!g_regex_match_full(hermes_yaml_regex(HERMES_YAML_RESOLVE_TIMESTAMP_PARTS),
				value,
				(gssize)length,
				0,
				0,
				&match,
				NULL))
		return FALSE;
	year = hermes_yaml_group_int(match, "year");
	month = hermes_yaml_group_int(match, "month");
	day = hermes_yaml_group_int(match, "day");
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > g_date_get_days_in_month((GDateMonth)month, (GDateYear)year))
		return FALSE;
	hour = hermes_yaml_group_int(match, "hour");
	if (hour < 0)
		return TRUE;
	if (hour > 23 || hermes_yaml_group_int(match, "minute") > 59 ||
	    hermes_yaml_group_int(match, "second") > 59)
		return FALSE;
	/* datetime.timezone() takes offsets strictly within a day */
	tz_hour = hermes_yaml_group_int(match, "tz_hour");
	tz_minute = MAX(hermes_yaml_group_int(match, "tz_minute"), 0);
	return tz_hour < 0 || tz_hour * 60 + tz_minute < 24 * 60;
}

/*
 * SafeConstructor.construct_yaml_binary: ASCII, then base64.decodebytes(),
 * whose binascii.a2b_base64() skips what is not base64, stops at complete
 * padding and refuses a dangling quad; truthy when a byte comes out
 */
static gboolean
hermes_yaml_construct_binary(const gchar *value, gsize length, gboolean *truthy)
{
	guint quad = 0;
	guint pads = 0;
	*truthy = FALSE;
	for (gsize i = 0; i < length; i++) {
		gchar c = value[i];
		if ((guchar)c >= 0x80)
			return FALSE;
		if (c == '=') {
			if (quad >= 2 && quad + ++pads >= 4)
				return TRUE;
			continue;
		}
		if (!g_ascii_isalnum(c) && c != '+' && c != '/')
			continue;
		pads = 0;
		/* every symbol but the first of a quad completes a byte */
		if (quad > 0)
			*truthy = TRUE;
		quad = (quad + 1) % 4;
	}
	return quad == 0;
}

static gboolean
hermes_yaml_bool_word(const gchar *value, gsize length, gboolean *truth)
{
	static const gchar *words[] = {"yes", "true", "on", "no", "false", "off"};
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		if (length == strlen(words[i]) &&
		    g_ascii_strncasecmp(value, words[i], length) == 0) {
			*truth = i < 3;
			return TRUE;
		}
	}
	return FALSE;
}

/* a scalar of type @resolve, checked and valued as SafeConstructor would */
static gboolean
hermes_yaml_construct(HermesYamlResolve resolve,
		      const gchar *value,
		      gsize length,
		      HermesYamlScalar *scalar)
{
	gboolean zero = FALSE;
	scalar->special = HERMES_YAML_SPECIAL_NONE;
	scalar->truthy = FALSE;
	switch (resolve) {
	case HERMES_YAML_RESOLVE_BOOL:
		scalar->type = HERMES_YAML_BOOL;
		return hermes_yaml_bool_word(value, length, &scalar->truthy);
	case HERMES_YAML_RESOLVE_INT:
	case HERMES_YAML_RESOLVE_FLOAT:
		scalar->type =
			resolve == HERMES_YAML_RESOLVE_INT ? HERMES_YAML_INT : HERMES_YAML_FLOAT;
		if (!hermes_yaml_construct_number(
			    value, length, resolve == HERMES_YAML_RESOLVE_FLOAT, &zero))
			return FALSE;
		scalar->truthy = !zero;
		return TRUE;
	case HERMES_YAML_RESOLVE_MERGE:
	case HERMES_YAML_RESOLVE_VALUE:
		scalar->type = HERMES_YAML_STR;
		scalar->truthy = TRUE;
		scalar->special = resolve == HERMES_YAML_RESOLVE_MERGE ? HERMES_YAML_SPECIAL_MERGE
								       : HERMES_YAML_SPECIAL_VALUE;
		return TRUE;
	case HERMES_YAML_RESOLVE_NULL:
		scalar->type = HERMES_YAML_NULL;
		return TRUE;
	case HERMES_YAML_RESOLVE_TIMESTAMP:
	case HERMES_YAML_RESOLVE_TIMESTAMP_PARTS:
		scalar->type = HERMES_YAML_OTHER;
		scalar->truthy = TRUE;
		return hermes_yaml_construct_timestamp(value, length);
	case HERMES_YAML_RESOLVE_LAST:
	default:
		return FALSE;
	}
}

/* the tag an explicit `!!name` stands for, or LAST for str and binary */
static gboolean
hermes_yaml_explicit(const gchar *tag, HermesYamlResolve *resolve)
{
	static const struct {
		const gchar *name;
		HermesYamlResolve resolve;
	} tags[] = {
		{"bool", HERMES_YAML_RESOLVE_BOOL},
		{"float", HERMES_YAML_RESOLVE_FLOAT},
		{"int", HERMES_YAML_RESOLVE_INT},
		{"merge", HERMES_YAML_RESOLVE_MERGE},
		{"null", HERMES_YAML_RESOLVE_NULL},
		{"timestamp", HERMES_YAML_RESOLVE_TIMESTAMP_PARTS},
		{"value", HERMES_YAML_RESOLVE_VALUE},
		{"str", HERMES_YAML_RESOLVE_LAST},
		{"binary", HERMES_YAML_RESOLVE_LAST},
	};
	if (!g_str_has_prefix(tag, HERMES_YAML_TAG))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(tags); i++) {
		if (g_strcmp0(tag + strlen(HERMES_YAML_TAG), tags[i].name) == 0) {
			*resolve = tags[i].resolve;
			return TRUE;
		}
	}
	return FALSE;
}

/* the first implicit resolver that matches, in PyYAML's order; LAST: a string */
static HermesYamlResolve
hermes_yaml_implicit(const gchar *value, gsize length)
{
	for (guint i = 0; i <= HERMES_YAML_RESOLVE_VALUE; i++) {
		if (hermes_yaml_matches(i, value, length))
			return i;
	}
	return HERMES_YAML_RESOLVE_LAST;
}

/**
 * hermes_yaml_scalar_resolve:
 * @tag: (nullable): the scalar's tag as libyaml reports it
 * @plain_implicit: libyaml's flag: a plain scalar without a tag, or the `!` tag
 * @value: the scalar's text (UTF-8, may hold NULs)
 * @length: its length
 * @scalar: (out caller-allocates): its type, truth value and merge/value role
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HERMES_ERROR_INVALID_DATA when PyYAML's SafeLoader
 *   cannot construct it
 */
gboolean
hermes_yaml_scalar_resolve(const gchar *tag,
			   gboolean plain_implicit,
			   const gchar *value,
			   gsize length,
			   HermesYamlScalar *scalar,
			   GError **error)
{
	HermesYamlResolve resolve = HERMES_YAML_RESOLVE_LAST;
	gboolean ok = TRUE;

	if (plain_implicit)
		resolve = hermes_yaml_implicit(value, length);
	else if (tag != NULL && !hermes_yaml_explicit(tag, &resolve)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "could not determine a constructor for the tag '%s'",
			    tag);
		return FALSE;
	}
	if (resolve != HERMES_YAML_RESOLVE_LAST) {
		ok = hermes_yaml_construct(resolve, value, length, scalar);
	} else if (tag != NULL && g_strcmp0(tag, HERMES_YAML_TAG "binary") == 0) {
		scalar->type = HERMES_YAML_OTHER;
		scalar->special = HERMES_YAML_SPECIAL_NONE;
		ok = hermes_yaml_construct_binary(value, length, &scalar->truthy);
	} else {
		scalar->type = HERMES_YAML_STR;
		scalar->truthy = length > 0;
		scalar->special = HERMES_YAML_SPECIAL_NONE;
	}
	/* the value is not quoted: it may be anything but UTF-8 */
	if (!ok)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "cannot construct a %s from this scalar",
			    tag != NULL ? tag : hermes_yaml_names[resolve]);
	return ok;
}
