/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What every `hermes` command pays before it can talk to a supervisor:
 * discover + check + probe all backends. Measured against the floor of
 * the same work, a readdir and stat of the same files, in the same run,
 * and reported as a ratio so the number means the same on any machine.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#include "hermes-svc.h"

#define ROUNDS 400

static void
bench_floor(GStrv dirs)
{
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autoptr(GDir) dir = g_dir_open(dirs[i], 0, NULL);
		const gchar *name;
		if (dir == NULL)
			continue;
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *path = g_build_filename(dirs[i], name, NULL);
			GStatBuf st;
			g_stat(path, &st);
		}
	}
}

int
main(int argc, char **argv)
{
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_auto(GStrv) dirs = NULL;
	gdouble limit = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 0;
	gint64 t0, floor_us, loader_us;
	gdouble ratio;

	dirs = hermes_backend_loader_get_search_path(ctx);
	/* first call loads the modules; steady state is what commands see on later probes */
	g_ptr_array_unref(hermes_backend_loader_discover(ctx));

	t0 = g_get_monotonic_time();
	for (guint r = 0; r < ROUNDS; r++)
		bench_floor(dirs);
	floor_us = MAX(g_get_monotonic_time() - t0, 1);

	t0 = g_get_monotonic_time();
	for (guint r = 0; r < ROUNDS; r++)
		g_ptr_array_unref(hermes_backend_loader_discover(ctx));
	loader_us = g_get_monotonic_time() - t0;

	ratio = (gdouble)loader_us / (gdouble)floor_us;
	printf("backends on the search path: discover+check+probe %.1f us, readdir+stat floor %.1f "
	       "us, "
	       "ratio %.2f\n",
	       (gdouble)loader_us / ROUNDS,
	       (gdouble)floor_us / ROUNDS,
	       ratio);
	if (limit > 0 && ratio > limit) {
		printf("ratio %.2f is above the target %.2f\n", ratio, limit);
		return 1;
	}
	return 0;
}
