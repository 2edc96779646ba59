/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Runs a fuzz target once on each file named, or on each file in each
 * directory named, without libFuzzer: the corpus replay of `meson test
 * --suite fuzz-replay`. A path that does not exist is skipped (a target
 * may have no regressions yet); no input at all is a failure.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hermes-fuzz.h"

static gboolean
hermes_replay_file(const gchar *path)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_printerr("replay: %s\n", error_local->message);
		return FALSE;
	}
	/* a copy of exactly len bytes, so ASan sees a read past the end */
	{
		g_autofree guint8 *data = g_memdup2(contents, len);
		LLVMFuzzerTestOneInput(data, len);
	}
	return TRUE;
}

static gint
hermes_replay_compare(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

int
main(int argc, char **argv)
{
	guint total = 0;
	gboolean ok = TRUE;

	for (int i = 1; i < argc; i++) {
		g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
		if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
			g_autoptr(GError) error_local = NULL;
			g_autoptr(GDir) dir = g_dir_open(argv[i], 0, &error_local);
			const gchar *name;
			if (dir == NULL) {
				g_printerr("replay: %s\n", error_local->message);
				return 1;
			}
			while ((name = g_dir_read_name(dir)) != NULL) {
				g_autofree gchar *path = g_build_filename(argv[i], name, NULL);
				if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
					continue;
				g_ptr_array_add(files, g_steal_pointer(&path));
			}
			g_ptr_array_sort(files, hermes_replay_compare);
		} else if (g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
			g_ptr_array_add(files, g_strdup(argv[i]));
		} else {
			printf("# %s: none\n", argv[i]);
			continue;
		}
		for (guint j = 0; j < files->len; j++) {
			if (!hermes_replay_file(g_ptr_array_index(files, j)))
				ok = FALSE;
			total++;
		}
		printf("# %s: %u inputs\n", argv[i], files->len);
	}
	if (total == 0) {
		g_printerr("replay: no inputs\n");
		return 1;
	}
	printf("replayed %u inputs\n", total);
	return ok ? 0 : 1;
}
