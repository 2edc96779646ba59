/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What a container start costs with many profiles: the boot reconciler
 * registers 1000 profiles (half with desired_state running, half stopped)
 * plus `default` through the real s6 backend into an empty scan directory
 * with no scanner running, as in cont-init; then runs again, replacing
 * every slot (a second boot on a persistent scan directory, or a host
 * reconcile). Both times are printed; after the second pass exactly 1001
 * slots must exist, 501 of them `down`, and nothing else (no staging or
 * replaced leftovers). The target is an absolute bound on the whole run.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "hermes-reconciler.h"
#include "hermes-svc.h"

#define N_PROFILES 1000

typedef struct {
	gchar *root;	/* everything below is ours and removed at the end */
	gchar *scandir; /* root/scan */
	gchar *home;	/* root/home: the profile root */
} Tree;

static gboolean
make_profiles(Tree *tree, GError **error)
{
	g_autofree gchar *profiles = g_build_filename(tree->home, "profiles", NULL);
	if (g_mkdir_with_parents(profiles, 0755) != 0) {
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errno),
			    "cannot create %s: %s",
			    profiles,
			    g_strerror(errno));
		return FALSE;
	}
	for (guint i = 0; i < N_PROFILES; i++) {
		g_autofree gchar *dir = g_strdup_printf("%s/p%04u", profiles, i);
		g_autofree gchar *soul = g_build_filename(dir, "SOUL.md", NULL);
		g_autofree gchar *state = g_build_filename(dir, "gateway_state.json", NULL);
		const gchar *json = i % 2 == 0 ? "{\"desired_state\":\"running\"}"
					       : "{\"desired_state\":\"stopped\"}";
		if (g_mkdir(dir, 0755) != 0) {
			g_set_error(error,
				    G_IO_ERROR,
				    g_io_error_from_errno(errno),
				    "cannot create %s: %s",
				    dir,
				    g_strerror(errno));
			return FALSE;
		}
		if (!g_file_set_contents(soul, "# Soul\n", -1, error) ||
		    !g_file_set_contents(state, json, -1, error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
reconcile_once(HermesReconciler *reconciler, gint64 *elapsed_us, GError **error)
{
	gint64 t0 = g_get_monotonic_time();
	guint started, registered, skipped;
	if (!hermes_reconciler_run(reconciler, error))
		return FALSE;
	*elapsed_us = g_get_monotonic_time() - t0;
	started = hermes_reconciler_count(reconciler, HERMES_RECONCILE_STARTED);
	registered = hermes_reconciler_count(reconciler, HERMES_RECONCILE_REGISTERED);
	skipped = hermes_reconciler_count(reconciler, HERMES_RECONCILE_SKIPPED);
	if (started != N_PROFILES / 2 || registered != N_PROFILES / 2 + 1 || skipped != 0) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FAILED,
			    "expected %d started, %d registered, 0 skipped; got %u, %u, %u",
			    N_PROFILES / 2,
			    N_PROFILES / 2 + 1,
			    started,
			    registered,
			    skipped);
		return FALSE;
	}
	if (hermes_reconciler_get_log_error(reconciler) != NULL) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FAILED,
			    "boot log: %s",
			    hermes_reconciler_get_log_error(reconciler));
		return FALSE;
	}
	return TRUE;
}

/* exactly the 1001 slots, half of the named ones and default down, nothing else */
static gboolean
check_scandir(Tree *tree, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(tree->scandir, 0, error);
	const gchar *entry;
	guint slots = 0;
	guint down = 0;

	if (dir == NULL)
		return FALSE;
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *marker = NULL;
		if (!g_str_has_prefix(entry, "gateway-")) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_FAILED,
				    "unexpected entry %s in the scan directory",
				    entry);
			return FALSE;
		}
		slots++;
		marker = g_build_filename(tree->scandir, entry, "down", NULL);
		if (g_file_test(marker, G_FILE_TEST_EXISTS))
			down++;
	}
	if (slots != N_PROFILES + 1 || down != N_PROFILES / 2 + 1) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_FAILED,
			    "expected %d slots, %d down; found %u, %u down",
			    N_PROFILES + 1,
			    N_PROFILES / 2 + 1,
			    slots,
			    down);
		return FALSE;
	}
	return TRUE;
}

static gint
bench(Tree *tree, const gchar *backend_path, const gchar *bin_dir, gdouble limit)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesReconciler) reconciler = NULL;
	gint64 t0 = g_get_monotonic_time();
	gint64 setup_us, first_us = 0, second_us = 0, total_us;

	if (g_mkdir(tree->scandir, 0755) != 0 || g_mkdir(tree->home, 0755) != 0) {
		g_printerr("cannot create %s: %s\n", tree->root, g_strerror(errno));
		return 1;
	}
	if (!make_profiles(tree, &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	ctx = hermes_context_new();
	hermes_context_setenv(ctx, "HERMES_BACKEND_PATH", backend_path);
	hermes_context_setenv(ctx, "HERMES_S6_SCANDIR", tree->scandir);
	hermes_context_setenv(ctx, "S6_PROFILE_GATEWAY_SCANDIR", NULL);
	hermes_context_setenv(ctx, "HERMES_S6_BIN_DIR", bin_dir);
	hermes_context_setenv(ctx, "HERMES_HOME", tree->home);
	hermes_context_setenv(ctx, "HERMES_GATEWAY_USER", NULL);
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	if (manager == NULL) {
		g_printerr("no s6 backend: %s\n", error->message);
		return 1;
	}
	reconciler = hermes_reconciler_new(ctx, manager);
	setup_us = g_get_monotonic_time() - t0;

	if (!reconcile_once(reconciler, &first_us, &error)) {
		g_printerr("first pass: %s\n", error->message);
		return 1;
	}
	if (!reconcile_once(reconciler, &second_us, &error)) {
		g_printerr("second pass: %s\n", error->message);
		return 1;
	}
	if (!check_scandir(tree, &error)) {
		g_printerr("after the second pass: %s\n", error->message);
		return 1;
	}
	total_us = g_get_monotonic_time() - t0;
	printf("boot reconcile of %d profiles + default (half running) on s6, no scanner: "
	       "empty scan directory %.2f s (%.2f ms/profile), replacing every slot %.2f s "
	       "(%.2f ms/profile); whole run %.2f s (setup %.2f s)\n",
	       N_PROFILES,
	       (gdouble)first_us / G_USEC_PER_SEC,
	       (gdouble)first_us / 1000 / (N_PROFILES + 1),
	       (gdouble)second_us / G_USEC_PER_SEC,
	       (gdouble)second_us / 1000 / (N_PROFILES + 1),
	       (gdouble)total_us / G_USEC_PER_SEC,
	       (gdouble)setup_us / G_USEC_PER_SEC);
	if (limit > 0 && (gdouble)total_us / G_USEC_PER_SEC > limit) {
		printf("the whole run took %.2f s, above the target %.0f s\n",
		       (gdouble)total_us / G_USEC_PER_SEC,
		       limit);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *svscan = NULL;
	g_autofree gchar *bin_dir = NULL;
	const gchar *backend_path = g_getenv("HERMES_BACKEND_PATH");
	const gchar *bin_env = g_getenv("HERMES_S6_BIN_DIR");
	gdouble limit = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 0;
	Tree tree = {NULL};
	gint ret;

	if (backend_path == NULL || backend_path[0] == '\0') {
		g_printerr("HERMES_BACKEND_PATH must name the built s6 backend's directory\n");
		return 1;
	}
	if (bin_env != NULL && bin_env[0] != '\0')
		svscan = g_build_filename(bin_env, "s6-svscan", NULL);
	else
		svscan = g_find_program_in_path("s6-svscan");
	if (svscan == NULL || !g_file_test(svscan, G_FILE_TEST_IS_EXECUTABLE)) {
		g_printerr("no s6-svscan (set $HERMES_S6_BIN_DIR or $PATH)\n");
		return 1;
	}
	bin_dir = g_path_get_dirname(svscan);

	tree.root = g_dir_make_tmp("hermes-bench-reconcile-XXXXXX", &error);
	if (tree.root == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	tree.scandir = g_build_filename(tree.root, "scan", NULL);
	tree.home = g_build_filename(tree.root, "home", NULL);
	ret = bench(&tree, backend_path, bin_dir, limit);

	/* no process was started: removing the tree is the whole teardown */
	{
		g_autoptr(GError) error_rm = NULL;
		if (!hermes_file_remove_tree(tree.root, &error_rm)) {
			g_printerr("%s\n", error_rm->message);
			ret = 1;
		}
	}
	g_free(tree.root);
	g_free(tree.scandir);
	g_free(tree.home);
	return ret;
}
