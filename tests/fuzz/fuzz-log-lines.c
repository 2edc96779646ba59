/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A gateway's s6-log file, as `hermes gateway logs` reads it. The first
 * input byte picks -n (0..255); the rest is `current`. It is read back to
 * front in bounded chunks, every line's stamp parsed; the input is also
 * handed to the stamp parser and, NUL-terminated, to the --since parser.
 * Checked: at most n lines, each valid UTF-8 without control characters
 * other than tab, no longer than the cap (times three: an invalid byte
 * becomes U+FFFD), and a time from 1970 to 9999 or none.
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-log-stamp.h"

#define HERMES_FUZZ_YEAR_10000_US (G_GINT64_CONSTANT(253402300800) * G_USEC_PER_SEC)

static void
hermes_fuzz_check_line(const HermesLogLine *line)
{
	g_assert_true(g_utf8_validate(line->text, -1, NULL));
	g_assert_cmpuint(strlen(line->text), <=, 3 * HERMES_LOG_MAX_LINE);
	for (const gchar *p = line->text; *p != '\0'; p++)
		g_assert_true((guchar)*p >= 0x20 || *p == '\t');
	g_assert_true(line->time_us == HERMES_LOG_NO_TIME ||
		      (line->time_us >= 0 && line->time_us < HERMES_FUZZ_YEAR_10000_US));
}

static void
hermes_fuzz_tail(const guint8 *data, gsize size, guint n)
{
	g_autofree gchar *dir = g_build_filename(hermes_fuzz_home(), "logs", NULL);
	g_autofree gchar *path = NULL;
	g_autoptr(HermesLogSource) source = NULL;
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;

	g_mkdir_with_parents(dir, 0700);
	path = hermes_fuzz_write_file("logs/current", data, size);
	source = hermes_log_source_new_s6(hermes_fuzz_home(), dir);
	reader = hermes_log_reader_new(source, "demo", &error);
	g_assert_no_error(error);
	lines = hermes_log_reader_tail(reader, n, HERMES_LOG_NO_TIME, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(lines->len, <=, n);
	for (guint i = 0; i < lines->len; i++)
		hermes_fuzz_check_line(g_ptr_array_index(lines, i));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = NULL;
	gint64 t = HERMES_LOG_NO_TIME;
	gsize used;

	hermes_fuzz_init();
	if (size == 0)
		return 0;
	hermes_fuzz_tail(data + 1, size - 1, data[0]);
	used = hermes_log_stamp_parse((const gchar *)data, size, &t);
	g_assert_cmpuint(used, <=, size);
	g_assert_true(used == 0 ? t == HERMES_LOG_NO_TIME
				: t >= 0 && t < HERMES_FUZZ_YEAR_10000_US);
	text = g_strndup((const gchar *)data, size);
	hermes_log_parse_since(text, g_get_real_time(), &t, NULL);
	return 0;
}
