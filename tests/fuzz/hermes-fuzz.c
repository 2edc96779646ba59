/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What every target shares: warnings and criticals abort (outside input
 * must never reach a g_return_if_fail() or a g_warning()), one scratch
 * HERMES_HOME per process for the parsers that read files, and one check
 * of every status a parser makes.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hermes-fuzz.h"

static gchar *hermes_fuzz_home_dir = NULL;

static void
hermes_fuzz_cleanup(void)
{
	if (hermes_fuzz_home_dir != NULL)
		hermes_file_remove_tree(hermes_fuzz_home_dir, NULL);
	g_clear_pointer(&hermes_fuzz_home_dir, g_free);
}

/*
 * a warning or critical is a bug here: print it and abort(), which libFuzzer
 * catches and saves the input for (GLib's own fatal path raises SIGTRAP,
 * which it does not); debug output is dropped
 */
static GLogWriterOutput
hermes_fuzz_log_writer_cb(GLogLevelFlags log_level,
			  const GLogField *fields,
			  gsize n_fields,
			  gpointer user_data)
{
	g_autofree gchar *line = NULL;
	if ((log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
		return G_LOG_WRITER_HANDLED;
	line = g_log_writer_format_fields(log_level, fields, n_fields, FALSE);
	fprintf(stderr, "%s\n", line);
	abort();
	return G_LOG_WRITER_HANDLED;
}

void
hermes_fuzz_init(void)
{
	static gboolean done = FALSE;
	if (done)
		return;
	done = TRUE;
	g_log_set_writer_func(hermes_fuzz_log_writer_cb, NULL, NULL);
}

/* created once and reused: the targets overwrite the same few files */
const gchar *
hermes_fuzz_home(void)
{
	g_autoptr(GError) error_local = NULL;
	if (hermes_fuzz_home_dir != NULL)
		return hermes_fuzz_home_dir;
	hermes_fuzz_home_dir = g_dir_make_tmp("hermes-fuzz-XXXXXX", &error_local);
	g_assert_no_error(error_local);
	atexit(hermes_fuzz_cleanup);
	return hermes_fuzz_home_dir;
}

/* no fsync, no rename: this runs thousands of times a second */
gchar *
hermes_fuzz_write_file(const gchar *name, const guint8 *data, gsize size)
{
	g_autofree gchar *path = g_build_filename(hermes_fuzz_home(), name, NULL);
	gsize done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_printerr("cannot write %s: %s\n", path, g_strerror(errno));
		abort();
	}
	while (done < size) {
		ssize_t n = write(fd, data + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			g_printerr("cannot write %s: %s\n", path, g_strerror(errno));
			abort();
		}
		done += (gsize)n;
	}
	close(fd);
	return g_steal_pointer(&path);
}

/*
 * What the consumers do with a status: the CLI prints its JSON, and
 * hermes-svcd puts the raw fields on the bus as a{ss}, where a string
 * that is not UTF-8 is a critical (fatal here)
 */
void
hermes_fuzz_consume_status(HermesGatewayStatus *status)
{
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *json = NULL;
	g_auto(GStrv) keys = NULL;
	g_auto(GVariantBuilder) details = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
	g_autoptr(GVariant) variant = NULL;

	g_assert_nonnull(status);
	node = hermes_gateway_status_to_json(status);
	json = json_to_string(node, FALSE);
	g_assert_nonnull(json);
	g_assert_nonnull(hermes_gateway_state_to_string(hermes_gateway_status_get_state(status)));
	g_assert_nonnull(hermes_gateway_wanted_to_string(hermes_gateway_status_get_wanted(status)));
	keys = hermes_gateway_status_get_raw_keys(status);
	for (guint i = 0; keys[i] != NULL; i++)
		g_variant_builder_add(
			&details, "{ss}", keys[i], hermes_gateway_status_get_raw(status, keys[i]));
	variant = g_variant_ref_sink(g_variant_builder_end(&details));
}
