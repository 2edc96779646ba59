/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `--since`: an ISO-8601 time (local unless it names its offset) or an age
 * such as `10m`. Typed by a person, but parsed with a bound all the same.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-log-reader.h"

#define HERMES_LOG_SINCE_MAX 64

static gboolean
hermes_log_since_relative(const gchar *text, gint64 now_us, gint64 *since_us)
{
	guint64 value;
	gchar *end = NULL;
	guint64 unit; /* seconds */
	if (!g_ascii_isdigit(text[0]))
		return FALSE;
	value = g_ascii_strtoull(text, &end, 10);
	if (end == text || end[0] == '\0' || end[1] != '\0')
		return FALSE;
	switch (end[0]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return FALSE;
	}
	/* more than a century back is "everything", and keeps the product in range */
	value = MIN(value, 36500ull * 86400ull / unit) * unit;
	*since_us = now_us - (gint64)value * G_USEC_PER_SEC;
	return TRUE;
}

/**
 * hermes_log_parse_since:
 * @text: `2026-12-07T10:00:00`, `2026-12-07 10:00`, `2026-12-07`,
 *   `2026-12-07T10:00:00+01:00`, or an age: a number and `s`, `m`, `h` or `d`
 * @now_us: the present, in microseconds since the Unix epoch
 * @since_us: (out): the time meant
 * @error: return location for a #GError
 *
 * Returns: %TRUE, or %FALSE with %HERMES_ERROR_INVALID_ARGUMENT
 */
gboolean
hermes_log_parse_since(const gchar *text, gint64 now_us, gint64 *since_us, GError **error)
{
	g_autofree gchar *iso = NULL;
	g_autoptr(GTimeZone) local = g_time_zone_new_local();
	g_autoptr(GDateTime) dt = NULL;
	gsize len = strnlen(text, HERMES_LOG_SINCE_MAX + 1);

	if (len > 0 && len <= HERMES_LOG_SINCE_MAX &&
	    hermes_log_since_relative(text, now_us, since_us))
		return TRUE;
	if (len >= 10 && len <= HERMES_LOG_SINCE_MAX) {
		/* a person writes a space where ISO 8601 wants a T, and may stop at the day */
		iso = len == 10 ? g_strdup_printf("%sT00:00:00", text) : g_strdup(text);
		if (iso[10] == ' ')
			iso[10] = 'T';
		dt = g_date_time_new_from_iso8601(iso, local);
		if (dt == NULL && strlen(iso) == 16) {
			g_autofree gchar *with_seconds = g_strdup_printf("%s:00", iso);
			dt = g_date_time_new_from_iso8601(with_seconds, local);
		}
	}
	if (dt == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "--since: '%.*s' is neither an ISO 8601 time (2026-12-07T10:00:00) nor "
			    "an age (10m, 2h, 1d)",
			    HERMES_LOG_SINCE_MAX,
			    text);
		return FALSE;
	}
	*since_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
	return TRUE;
}
