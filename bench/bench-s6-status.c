/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What `hermes status` pays per gateway on s6: the backend reads
 * supervise/status and the files around it in-process. The alternative
 * is what scripts do, one `s6-svstat` fork/exec per slot. Both run in the
 * same process against the same real s6-svscan tree of 200 slots (half
 * up), and the result is the ratio fork / in-process, so the number means
 * the same on any machine. The in-process answers must agree with
 * s6-svstat's for every slot, or the benchmark fails.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-svc.h"

#define N_SLOTS		    200
#define N_UP		    100
#define ROUNDS		    20
#define SCANNER_TIMEOUT_MS  5000
#define SUPERVISE_TIMEOUT_S 30
#define TEARDOWN_TIMEOUT_MS 20000

typedef struct {
	gchar *root;	/* everything below is ours and removed at the end */
	gchar *scandir; /* root/scan */
	gchar *home;	/* root/home: HERMES_HOME of the manager and of the tree */
	gchar *bin_dir; /* where s6-svscan and s6-svstat are */
	GPid scanner;	/* 0 once reaped */
} Tree;

/* a running scanner reads its control FIFO: opening it for writing then works */
static gboolean
scanner_is_ready(const gchar *scandir)
{
	g_autofree gchar *fifo = g_build_filename(scandir, ".s6-svscan", "control", NULL);
	gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

static gboolean
tree_start_scanner(Tree *tree, GError **error)
{
	g_autofree gchar *svscan = g_build_filename(tree->bin_dir, "s6-svscan", NULL);
	const gchar *argv[] = {svscan, "-c", "1000", tree->scandir, NULL};
	g_auto(GStrv) envp = g_get_environ();
	gint64 deadline;

	/* the slots' log/run scripts expand $HERMES_HOME at run time */
	envp = g_environ_setenv(envp, "HERMES_HOME", tree->home, TRUE);
	if (!g_spawn_async(NULL,
			   (gchar **)argv,
			   envp,
			   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
			   NULL,
			   NULL,
			   &tree->scanner,
			   error))
		return FALSE;
	deadline = g_get_monotonic_time() + SCANNER_TIMEOUT_MS * 1000;
	while (!scanner_is_ready(tree->scandir)) {
		gint wstatus;
		if (waitpid(tree->scanner, &wstatus, WNOHANG) == tree->scanner) {
			tree->scanner = 0;
			g_set_error(error,
				    G_SPAWN_ERROR,
				    G_SPAWN_ERROR_FAILED,
				    "s6-svscan exited at once (wait status %d)",
				    wstatus);
			return FALSE;
		}
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    G_SPAWN_ERROR,
				    G_SPAWN_ERROR_FAILED,
				    "s6-svscan did not open its control FIFO within %d s",
				    SCANNER_TIMEOUT_MS / 1000);
			return FALSE;
		}
		g_usleep(5000);
	}
	return TRUE;
}

/* the processes of our tree: they all inherited HERMES_HOME=<our temp home> */
static GArray *
tree_find_processes(Tree *tree)
{
	g_autofree gchar *marker = g_strdup_printf("HERMES_HOME=%s", tree->home);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	const gchar *entry;

	if (proc == NULL)
		return pids;
	while ((entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *environ_data = NULL;
		gsize len = 0;
		pid_t pid;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		pid = (pid_t)g_ascii_strtoll(entry, NULL, 10);
		if (pid == getpid())
			continue;
		path = g_strdup_printf("/proc/%s/environ", entry);
		/* other users' processes are unreadable: they are not ours anyway */
		if (!g_file_get_contents(path, &environ_data, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(environ_data + off) + 1) {
			if (g_strcmp0(environ_data + off, marker) == 0) {
				g_array_append_val(pids, pid);
				break;
			}
		}
	}
	return pids;
}

/* stop the scanner (it takes every s6-supervise, and they their services, down with it) */
static gboolean
tree_stop(Tree *tree)
{
	gboolean ok = TRUE;
	gint64 deadline;

	if (tree->scanner > 0) {
		g_autofree gchar *fifo =
			g_build_filename(tree->scandir, ".s6-svscan", "control", NULL);
		gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		gint wstatus;
		if (fd < 0 || write(fd, "t", 1) != 1) {
			g_printerr("cannot tell s6-svscan to stop (%s); sending SIGTERM\n",
				   g_strerror(errno));
			kill(tree->scanner, SIGTERM);
		}
		if (fd >= 0)
			close(fd);
		deadline = g_get_monotonic_time() + TEARDOWN_TIMEOUT_MS * 1000;
		for (;;) {
			pid_t r = waitpid(tree->scanner, &wstatus, WNOHANG);
			if (r == tree->scanner || (r < 0 && errno != EINTR))
				break;
			if (g_get_monotonic_time() > deadline) {
				g_printerr("s6-svscan did not exit within %d s: SIGKILL\n",
					   TEARDOWN_TIMEOUT_MS / 1000);
				/* whatever it leaves behind the /proc sweep below finds */
				kill(tree->scanner, SIGKILL);
				waitpid(tree->scanner, &wstatus, 0);
				ok = FALSE;
				break;
			}
			g_usleep(10000);
		}
		tree->scanner = 0;
	}
	/* the supervisors, loggers and services wind down after the scanner has gone;
	 * the services run in sessions of their own, so no process group holds them all */
	deadline = g_get_monotonic_time() + TEARDOWN_TIMEOUT_MS * 1000;
	for (gboolean killed = FALSE;;) {
		g_autoptr(GArray) left = tree_find_processes(tree);
		if (left->len == 0)
			break;
		if (g_get_monotonic_time() > deadline) {
			if (killed) {
				g_printerr("%u processes of the s6 tree survive SIGKILL\n",
					   left->len);
				break;
			}
			g_printerr("%u processes of the s6 tree survived its stop: SIGKILL\n",
				   left->len);
			for (guint i = 0; i < left->len; i++)
				kill(g_array_index(left, pid_t, i), SIGKILL);
			ok = FALSE;
			killed = TRUE;
			deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
		}
		g_usleep(20000);
	}
	return ok;
}

static gboolean
register_slots(HermesServiceManager *manager, GError **error)
{
	for (guint i = 0; i < N_SLOTS; i++) {
		g_autofree gchar *name = g_strdup_printf("b%03u", i);
		g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new(name, error);
		const gchar *argv[] = {"/bin/sleep", "100000", NULL};
		if (spec == NULL)
			return FALSE;
		hermes_gateway_spec_set_argv(spec, argv);
		hermes_gateway_spec_set_notify(spec, FALSE);
		if (!hermes_service_manager_register_gateway(manager,
							     spec,
							     i < N_UP ? HERMES_REGISTER_FLAG_START
								      : HERMES_REGISTER_FLAG_NONE,
							     NULL,
							     error)) {
			g_prefix_error(error, "%s: ", name);
			return FALSE;
		}
	}
	return TRUE;
}

/* every slot under an s6-supervise, the first N_UP up and the rest down */
static gboolean
wait_settled(HermesServiceManager *manager, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + SUPERVISE_TIMEOUT_S * G_USEC_PER_SEC;
	for (;;) {
		g_autofree gchar *pending = NULL;
		for (guint i = 0; i < N_SLOTS && pending == NULL; i++) {
			g_autofree gchar *name = g_strdup_printf("b%03u", i);
			g_autoptr(HermesGatewayStatus) st =
				hermes_service_manager_get_status(manager, name, NULL, error);
			HermesGatewayState want =
				i < N_UP ? HERMES_GATEWAY_STATE_UP : HERMES_GATEWAY_STATE_DOWN;
			if (st == NULL)
				return FALSE;
			if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") !=
				    0 ||
			    hermes_gateway_status_get_state(st) != want)
				pending = g_strdup_printf(
					"%s is %s (supervised: %s), expected %s",
					name,
					hermes_gateway_state_to_string(
						hermes_gateway_status_get_state(st)),
					hermes_gateway_status_get_raw(st, "s6.supervised"),
					hermes_gateway_state_to_string(want));
		}
		if (pending == NULL)
			return TRUE;
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    G_IO_ERROR,
				    G_IO_ERROR_TIMED_OUT,
				    "not settled after %d s: %s",
				    SUPERVISE_TIMEOUT_S,
				    pending);
			return FALSE;
		}
		g_usleep(10000);
	}
}

static gboolean
svstat(const gchar *svstat_path, const gchar *slot_dir, gboolean *up, gint64 *pid, GError **error)
{
	const gchar *argv[] = {svstat_path, "-o", "up,pid", slot_dir, NULL};
	g_autofree gchar *out = NULL;
	g_auto(GStrv) words = NULL;
	gint wait_status;

	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_STDERR_TO_DEV_NULL,
			  NULL,
			  NULL,
			  &out,
			  NULL,
			  &wait_status,
			  error))
		return FALSE;
	if (!g_spawn_check_wait_status(wait_status, error)) {
		g_prefix_error(error, "s6-svstat %s: ", slot_dir);
		return FALSE;
	}
	/* "true 1234" or "false -1" */
	words = g_strsplit(g_strstrip(out), " ", -1);
	if (g_strv_length(words) != 2 ||
	    (g_strcmp0(words[0], "true") != 0 && g_strcmp0(words[0], "false") != 0)) {
		g_set_error(error,
			    G_IO_ERROR,
			    G_IO_ERROR_INVALID_DATA,
			    "s6-svstat %s said '%s'",
			    slot_dir,
			    out);
		return FALSE;
	}
	*up = g_strcmp0(words[0], "true") == 0;
	*pid = g_ascii_strtoll(words[1], NULL, 10);
	return TRUE;
}

static gint
bench(Tree *tree, HermesServiceManager *manager, gdouble limit)
{
	g_autofree gchar *svstat_path = g_build_filename(tree->bin_dir, "s6-svstat", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) slot_dirs = g_ptr_array_new_with_free_func(g_free);
	gboolean fork_up[N_SLOTS];
	gint64 fork_pid[N_SLOTS];
	gint64 t0, setup_us, inproc_us, fork_us;
	gdouble inproc_per_slot, fork_per_slot, ratio;
	guint mismatches = 0;

	for (guint i = 0; i < N_SLOTS; i++) {
		g_ptr_array_add(names, g_strdup_printf("b%03u", i));
		g_ptr_array_add(slot_dirs, g_strdup_printf("%s/gateway-b%03u", tree->scandir, i));
	}

	t0 = g_get_monotonic_time();
	if (!register_slots(manager, &error) || !wait_settled(manager, &error)) {
		g_printerr("setting up %d slots: %s\n", N_SLOTS, error->message);
		return 1;
	}
	setup_us = g_get_monotonic_time() - t0;

	/* warm both paths: page cache, s6-svstat's binary and libraries */
	for (guint i = 0; i < N_SLOTS; i++) {
		HermesGatewayStatus *st = hermes_service_manager_get_status(
			manager, g_ptr_array_index(names, i), NULL, NULL);
		if (st != NULL)
			hermes_gateway_status_unref(st);
	}
	if (!svstat(svstat_path,
		    g_ptr_array_index(slot_dirs, 0),
		    &fork_up[0],
		    &fork_pid[0],
		    &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}

	t0 = g_get_monotonic_time();
	for (guint r = 0; r < ROUNDS; r++) {
		for (guint i = 0; i < N_SLOTS; i++) {
			HermesGatewayStatus *st = hermes_service_manager_get_status(
				manager, g_ptr_array_index(names, i), NULL, &error);
			if (st == NULL) {
				g_printerr("status of %s: %s\n",
					   (gchar *)g_ptr_array_index(names, i),
					   error->message);
				return 1;
			}
			hermes_gateway_status_unref(st);
		}
	}
	inproc_us = MAX(g_get_monotonic_time() - t0, 1);

	t0 = g_get_monotonic_time();
	for (guint i = 0; i < N_SLOTS; i++) {
		if (!svstat(svstat_path,
			    g_ptr_array_index(slot_dirs, i),
			    &fork_up[i],
			    &fork_pid[i],
			    &error)) {
			g_printerr("%s\n", error->message);
			return 1;
		}
	}
	fork_us = g_get_monotonic_time() - t0;

	/* nothing changed in between: both must tell the same story */
	for (guint i = 0; i < N_SLOTS; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(manager, name, NULL, &error);
		gboolean up;
		gint64 pid;
		if (st == NULL) {
			g_printerr("status of %s: %s\n", name, error->message);
			return 1;
		}
		up = hermes_gateway_status_get_state(st) == HERMES_GATEWAY_STATE_UP;
		pid = hermes_gateway_status_get_pid(st);
		if (up != fork_up[i] || up != (i < N_UP) ||
		    (up && (pid <= 0 || pid != fork_pid[i])) ||
		    (!up && (pid > 0 || fork_pid[i] != -1))) {
			g_printerr(
				"%s: in-process %s pid %" G_GINT64_FORMAT
				", s6-svstat %s pid %" G_GINT64_FORMAT ", expected %s\n",
				name,
				hermes_gateway_state_to_string(hermes_gateway_status_get_state(st)),
				pid,
				fork_up[i] ? "up" : "down",
				fork_pid[i],
				i < N_UP ? "up" : "down");
			mismatches++;
		}
	}
	if (mismatches > 0) {
		g_printerr("%u of %d slots disagree\n", mismatches, N_SLOTS);
		return 1;
	}

	inproc_per_slot = (gdouble)inproc_us / (ROUNDS * N_SLOTS);
	fork_per_slot = (gdouble)fork_us / N_SLOTS;
	ratio = fork_per_slot / inproc_per_slot;
	printf("s6 status of %d slots (%d up): in-process %.1f us/slot, fork s6-svstat %.1f "
	       "us/slot, ratio %.1f (setup %.1f s)\n",
	       N_SLOTS,
	       N_UP,
	       inproc_per_slot,
	       fork_per_slot,
	       ratio,
	       (gdouble)setup_us / G_USEC_PER_SEC);
	if (limit > 0 && ratio < limit) {
		printf("ratio %.1f is below the target %.1f\n", ratio, limit);
		return 1;
	}
	return 0;
}

/* everything that needs the tree; the caller tears the tree down whatever happens */
static gint
bench_in_tree(Tree *tree, const gchar *backend_path, gdouble limit)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;

	if (g_mkdir(tree->scandir, 0755) != 0 || g_mkdir(tree->home, 0700) != 0) {
		g_printerr("cannot create %s: %s\n", tree->root, g_strerror(errno));
		return 1;
	}
	if (!tree_start_scanner(tree, &error)) {
		g_printerr("cannot start s6-svscan: %s\n", error->message);
		return 1;
	}
	ctx = hermes_context_new();
	hermes_context_setenv(ctx, "HERMES_BACKEND_PATH", backend_path);
	hermes_context_setenv(ctx, "HERMES_S6_SCANDIR", tree->scandir);
	hermes_context_setenv(ctx, "HERMES_S6_BIN_DIR", tree->bin_dir);
	hermes_context_setenv(ctx, "HERMES_HOME", tree->home);
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	if (manager == NULL) {
		g_printerr("no s6 backend: %s\n", error->message);
		return 1;
	}
	return bench(tree, manager, limit);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *svscan = NULL;
	const gchar *backend_path = g_getenv("HERMES_BACKEND_PATH");
	const gchar *bin_dir = g_getenv("HERMES_S6_BIN_DIR");
	gdouble limit = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 0;
	Tree tree = {NULL};
	gint ret = 1;

	if (backend_path == NULL || backend_path[0] == '\0') {
		g_printerr("HERMES_BACKEND_PATH must name the built s6 backend's directory\n");
		return 1;
	}
	if (bin_dir != NULL && bin_dir[0] != '\0')
		svscan = g_build_filename(bin_dir, "s6-svscan", NULL);
	else
		svscan = g_find_program_in_path("s6-svscan");
	if (svscan == NULL || !g_file_test(svscan, G_FILE_TEST_IS_EXECUTABLE)) {
		g_printerr("no s6-svscan (set $HERMES_S6_BIN_DIR or $PATH)\n");
		return 1;
	}
	tree.bin_dir = g_path_get_dirname(svscan);

	tree.root = g_dir_make_tmp("hermes-bench-s6-XXXXXX", &error);
	if (tree.root == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	tree.scandir = g_build_filename(tree.root, "scan", NULL);
	tree.home = g_build_filename(tree.root, "home", NULL);
	ret = bench_in_tree(&tree, backend_path, limit);

	if (!tree_stop(&tree))
		ret = 1;
	if (tree.root != NULL) {
		g_autoptr(GError) error_rm = NULL;
		if (!hermes_file_remove_tree(tree.root, &error_rm)) {
			g_printerr("%s\n", error_rm->message);
			ret = 1;
		}
	}
	g_free(tree.root);
	g_free(tree.scandir);
	g_free(tree.home);
	g_free(tree.bin_dir);
	return ret;
}
