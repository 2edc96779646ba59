/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The stamps s6-log puts before each line. Measured on s6-log 2.11 (Debian 12):
 * `T` writes local time as `2026-12-07 02:41:35.745345750` followed by two
 * spaces (no offset: it is the logger's time zone, which we take to be ours);
 * `t` writes TAI64N, `@400000006b161d042ecda40e` and one space, and names
 * rotated files the same way. Every input here is bytes a gateway could
 * influence, so each field is checked for its width and range.
 */

#include "config.h"

#include "hermes-log-stamp.h"

/* TAI64N counts TAI seconds from 2^62; TAI has been UTC + 37 s since 2017 */
#define HERMES_TAI64_BASE     G_GUINT64_CONSTANT(0x4000000000000000)
#define HERMES_TAI_UTC_OFFSET 37

static gboolean
hermes_log_stamp_digits(const gchar *p, guint n, gint min, gint max, gint *out)
{
	gint v = 0;
	for (guint i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return FALSE;
		v = v * 10 + (p[i] - '0');
	}
	if (v < min || v > max)
		return FALSE;
	*out = v;
	return TRUE;
}

static gint
hermes_log_stamp_hex(gchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/**
 * hermes_log_stamp_parse_tai64n:
 * @text: `@` followed by 24 lowercase hex digits
 * @length: bytes in @text (at least %HERMES_LOG_STAMP_TAI64N_LEN are looked at)
 * @unix_us: (out): the time in microseconds since the Unix epoch
 *
 * Returns: %TRUE for a well-formed TAI64N label of a time after 1970
 */
gboolean
hermes_log_stamp_parse_tai64n(const gchar *text, gsize length, gint64 *unix_us)
{
	guint64 secs = 0;
	guint32 nanos = 0;
	if (length < HERMES_LOG_STAMP_TAI64N_LEN || text[0] != '@')
		return FALSE;
	for (guint i = 1; i < HERMES_LOG_STAMP_TAI64N_LEN; i++) {
		gint h = hermes_log_stamp_hex(text[i]);
		if (h < 0)
			return FALSE;
		if (i <= 16)
			secs = (secs << 4) | (guint64)h;
		else
			nanos = (nanos << 4) | (guint32)h;
	}
	/* before 1970 or after year 9999 is not a log line of ours */
	if (secs < HERMES_TAI64_BASE + HERMES_TAI_UTC_OFFSET ||
	    secs - HERMES_TAI64_BASE - HERMES_TAI_UTC_OFFSET > G_GINT64_CONSTANT(253402300799) ||
	    nanos >= 1000000000)
		return FALSE;
	*unix_us = (gint64)(secs - HERMES_TAI64_BASE - HERMES_TAI_UTC_OFFSET) * G_USEC_PER_SEC +
		   nanos / 1000;
	return TRUE;
}

static gboolean
hermes_log_stamp_parse_iso(const gchar *p, gint64 *unix_us)
{
	gint year, month, day, hour, minute, second, frac;
	g_autoptr(GDateTime) dt = NULL;
	if (p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':' ||
	    p[19] != '.')
		return FALSE;
	if (!hermes_log_stamp_digits(p, 4, 1970, 9999, &year) ||
	    !hermes_log_stamp_digits(p + 5, 2, 1, 12, &month) ||
	    !hermes_log_stamp_digits(p + 8, 2, 1, 31, &day) ||
	    !hermes_log_stamp_digits(p + 11, 2, 0, 23, &hour) ||
	    !hermes_log_stamp_digits(p + 14, 2, 0, 59, &minute) ||
	    !hermes_log_stamp_digits(p + 17, 2, 0, 60, &second) ||
	    !hermes_log_stamp_digits(p + 20, 9, 0, 999999999, &frac))
		return FALSE;
	/* the logger's local time, read in ours; NULL for a day that does not exist */
	dt = g_date_time_new_local(year, month, day, hour, minute, MIN(second, 59));
	if (dt == NULL)
		return FALSE;
	*unix_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + frac / 1000;
	return TRUE;
}

/**
 * hermes_log_stamp_parse:
 * @line: a log line, not necessarily NUL-terminated
 * @length: its length in bytes
 * @unix_us: (out): the stamp's time in microseconds since the Unix epoch
 *
 * Reads the stamp s6-log's `T` or `t` directive put at the start of @line.
 *
 * Returns: the bytes the stamp and its separating spaces take, 0 when
 * @line does not start with a valid stamp (@unix_us is then untouched)
 */
gsize
hermes_log_stamp_parse(const gchar *line, gsize length, gint64 *unix_us)
{
	gint64 t;
	if (length >= HERMES_LOG_STAMP_TAI64N_LEN + 1 && line[0] == '@') {
		if (line[HERMES_LOG_STAMP_TAI64N_LEN] != ' ' ||
		    !hermes_log_stamp_parse_tai64n(line, length, &t))
			return 0;
		*unix_us = t;
		return HERMES_LOG_STAMP_TAI64N_LEN + 1;
	}
	if (length >= HERMES_LOG_STAMP_ISO_LEN + 1 && line[HERMES_LOG_STAMP_ISO_LEN] == ' ' &&
	    hermes_log_stamp_parse_iso(line, &t)) {
		gsize used = HERMES_LOG_STAMP_ISO_LEN + 1;
		/* s6-log puts two spaces after T's stamp */
		if (length > used && line[used] == ' ')
			used++;
		*unix_us = t;
		return used;
	}
	return 0;
}
