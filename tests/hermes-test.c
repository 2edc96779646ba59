/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-state.h"
#include "hermes-test.h"

typedef struct {
	GLogLevelFlags level;
	gchar *pattern;
} HermesExpectedLog;

static GPtrArray *hermes_test_expected = NULL;

static const gchar *
hermes_test_log_field(const GLogField *fields, gsize n_fields, const gchar *key)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, key) == 0)
			return fields[i].length < 0 ? fields[i].value : NULL;
	}
	return NULL;
}

/*
 * An unexpected warning or critical fails the running test (the
 * GStreamer gstcheck idea) instead of aborting the whole binary, so the
 * failing test is named and later tests still run.
 */
static GLogWriterOutput
hermes_test_log_writer(GLogLevelFlags level,
		       const GLogField *fields,
		       gsize n_fields,
		       gpointer user_data)
{
	const gchar *message = hermes_test_log_field(fields, n_fields, "MESSAGE");
	const gchar *domain = hermes_test_log_field(fields, n_fields, "GLIB_DOMAIN");
	GLogLevelFlags severity = level & G_LOG_LEVEL_MASK;

	/* stdout carries TAP: debug output goes to stderr, and only when asked for */
	if (severity > G_LOG_LEVEL_WARNING) {
		g_autofree gchar *line = NULL;
		if (g_log_writer_default_would_drop(level, domain))
			return G_LOG_WRITER_HANDLED;
		line = g_log_writer_format_fields(level, fields, n_fields, FALSE);
		fprintf(stderr, "%s\n", line);
		return G_LOG_WRITER_HANDLED;
	}
	for (guint i = 0; hermes_test_expected != NULL && i < hermes_test_expected->len; i++) {
		HermesExpectedLog *exp = g_ptr_array_index(hermes_test_expected, i);
		if ((exp->level & severity) != 0 && message != NULL &&
		    g_pattern_match_simple(exp->pattern, message)) {
			g_ptr_array_remove_index(hermes_test_expected, i);
			return G_LOG_WRITER_HANDLED;
		}
	}
	fail_msg("unexpected GLib %s from %s: %s",
		 severity == G_LOG_LEVEL_WARNING ? "warning" : "critical",
		 domain != NULL ? domain : "(none)",
		 message != NULL ? message : "(no message)");
	return G_LOG_WRITER_HANDLED;
}

static void
hermes_expected_log_free(gpointer data)
{
	HermesExpectedLog *exp = data;
	g_free(exp->pattern);
	g_free(exp);
}

void
hermes_test_init(void)
{
	g_log_set_writer_func(hermes_test_log_writer, NULL, NULL);
	if (hermes_test_expected == NULL)
		hermes_test_expected = g_ptr_array_new_with_free_func(hermes_expected_log_free);
}

void
hermes_test_expect_log(GLogLevelFlags level, const gchar *pattern)
{
	HermesExpectedLog *exp = g_new0(HermesExpectedLog, 1);
	exp->level = level;
	exp->pattern = g_strdup(pattern);
	g_ptr_array_add(hermes_test_expected, exp);
}

/* call from teardown: an expected log that never came is a failure too */
void
hermes_test_check_logs(void)
{
	if (hermes_test_expected == NULL || hermes_test_expected->len == 0)
		return;
	{
		HermesExpectedLog *exp = g_ptr_array_index(hermes_test_expected, 0);
		g_autofree gchar *pattern = g_strdup(exp->pattern);
		g_ptr_array_set_size(hermes_test_expected, 0);
		fail_msg("expected log '%s' was not emitted", pattern);
	}
}

gchar *
hermes_test_mkdtemp(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("hermes-test-XXXXXX", &error);
	hermes_assert_no_error(error);
	return dir;
}

void
hermes_test_rmtree(const gchar *path)
{
	if (path != NULL)
		hermes_file_remove_tree(path, NULL);
}

const gchar *
hermes_test_env(const gchar *name)
{
	const gchar *value = g_getenv(name);
	if (value == NULL)
		fail_msg("%s is not set: run the tests through 'meson test'", name);
	return value;
}

gchar *
hermes_test_copy_file(const gchar *src, const gchar *dir, const gchar *basename, guint mode)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	gchar *dest = g_build_filename(dir, basename, NULL);
	if (!g_file_get_contents(src, &contents, &len, &error))
		fail_msg("cannot read %s: %s", src, error->message);
	if (!g_file_set_contents(dest, contents, (gssize)len, &error))
		fail_msg("cannot write %s: %s", dest, error->message);
	if (g_chmod(dest, mode) != 0)
		fail_msg("cannot chmod %s: %s", dest, g_strerror(errno));
	return dest;
}

void
hermes_test_write_file(const gchar *path, const gchar *contents, guint mode)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(path, contents, -1, &error))
		fail_msg("cannot write %s: %s", path, error->message);
	if (g_chmod(path, mode) != 0)
		fail_msg("cannot chmod %s: %s", path, g_strerror(errno));
}

static gint
hermes_test_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static gchar *
hermes_test_join_sorted(GPtrArray *names, const gchar *sep)
{
	g_ptr_array_sort(names, hermes_test_strptr_cmp);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(sep, (gchar **)names->pdata);
}

/* the sorted names in @path joined with '|', "" if it is empty, "(missing)" if unreadable */
gchar *
hermes_test_list_dir(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (dir == NULL)
		return g_strdup("(missing)");
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	return hermes_test_join_sorted(names, "|");
}

static void
hermes_test_walk(const gchar *path, const gchar *rel, GPtrArray *out)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;
	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		g_autofree gchar *child_rel =
			rel != NULL ? g_build_filename(rel, name, NULL) : g_strdup(name);
		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			hermes_test_walk(child, child_rel, out);
		g_ptr_array_add(out, g_steal_pointer(&child_rel));
	}
}

/* every path below @path, sorted, one per line: compare two to prove nothing was written */
gchar *
hermes_test_snapshot_tree(const gchar *path)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	hermes_test_walk(path, NULL, names);
	return hermes_test_join_sorted(names, "\n");
}

void
hermes_test_fill_disk(const gchar *dir)
{
	g_autofree gchar *path = g_build_filename(dir, ".filler", NULL);
	gchar block[4096];
	cpu_set_t allowed;
	gint fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("cannot create %s: %s", path, g_strerror(errno));
	memset(block, 'x', sizeof(block));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		fail_msg("cannot read this thread's CPUs: %s", g_strerror(errno));
	/* tmpfs counts used blocks per CPU (a percpu counter): a disk full as
	 * seen from one CPU may still give a page to a writer on another, so
	 * it is filled from each CPU in turn */
	for (gint cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		cpu_set_t one;
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) != 0)
			continue;
		while (write(fd, block, sizeof(block)) > 0)
			;
		/* the last partial block */
		while (write(fd, block, 1) > 0)
			;
		if (errno != ENOSPC)
			fail_msg("filling %s stopped with %s, not ENOSPC", path, g_strerror(errno));
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	close(fd);
}

static gboolean
hermes_test_s6_send(const gchar *scandir, const gchar *command)
{
	g_autofree gchar *fifo = g_build_filename(scandir, ".s6-svscan", "control", NULL);
	gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	gboolean ok;
	if (fd < 0)
		return FALSE;
	ok = write(fd, command, strlen(command)) == (gssize)strlen(command);
	close(fd);
	return ok;
}

/* s6-svscan on @scandir with HERMES_HOME for the slots' scripts; returns once it reads commands */
GPid
hermes_test_s6_start(const gchar *scandir, const gchar *hermes_home)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *svscan =
		g_build_filename(hermes_test_env("HERMES_TEST_S6_BIN_DIR"), "s6-svscan", NULL);
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "HERMES_HOME", hermes_home, TRUE);
	const gchar *argv[] = {svscan, "-c", "200", scandir, NULL};
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	GPid pid = 0;
	g_spawn_async(NULL,
		      (gchar **)argv,
		      envp,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
		      NULL,
		      NULL,
		      &pid,
		      &error);
	hermes_assert_no_error(error);
	/* "" writes nothing: it only proves the scanner reads its control FIFO */
	while (!hermes_test_s6_send(scandir, "")) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("s6-svscan did not start on %s", scandir);
		g_usleep(5000);
	}
	return pid;
}

/* the s6-supervise processes working in @scandir (their cwd) */
guint
hermes_test_s6_supervisors(const gchar *scandir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	guint n = 0;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *link = g_strdup_printf("/proc/%s/cwd", entry);
		g_autofree gchar *cwd = g_file_read_link(link, NULL);
		g_autofree gchar *comm_path = g_strdup_printf("/proc/%s/comm", entry);
		g_autofree gchar *comm = NULL;
		if (cwd == NULL || !g_str_has_prefix(cwd, scandir))
			continue;
		if (g_file_get_contents(comm_path, &comm, NULL, NULL) &&
		    g_str_has_prefix(comm, "s6-supervise"))
			n++;
	}
	return n;
}

/* "t" takes the tree down; reap the scanner and wait for every supervisor to go */
void
hermes_test_s6_stop(const gchar *scandir, GPid *pid)
{
	gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
	gint status;
	if (*pid <= 0)
		return;
	if (!hermes_test_s6_send(scandir, "t"))
		kill(*pid, SIGTERM);
	while (waitpid(*pid, &status, WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			kill(*pid, SIGKILL);
			waitpid(*pid, &status, 0);
			break;
		}
		g_usleep(10000);
	}
	*pid = 0;
	while (hermes_test_s6_supervisors(scandir) > 0 && g_get_monotonic_time() < deadline)
		g_usleep(10000);
}

HermesGatewaySpec *
hermes_test_spec_new(const gchar *profile, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	HermesGatewaySpec *spec = hermes_gateway_spec_new(profile, &error);
	hermes_assert_no_error(error);
	assert_non_null(spec);
	hermes_gateway_spec_set_argv(spec, argv);
	return spec;
}

void
hermes_test_spec_setenv(HermesGatewaySpec *spec, const gchar *name, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	gboolean ret = hermes_gateway_spec_set_env(spec, name, value, &error);
	hermes_assert_no_error(error);
	assert_true(ret);
}

/* the first line where the texts differ, for a readable failure */
static void
hermes_test_fail_diff(const gchar *path, const gchar *expected, const gchar *actual)
{
	g_auto(GStrv) exp = g_strsplit(expected, "\n", -1);
	g_auto(GStrv) act = g_strsplit(actual, "\n", -1);
	guint i = 0;

	while (exp[i] != NULL && act[i] != NULL && g_strcmp0(exp[i], act[i]) == 0)
		i++;
	fail_msg("%s differs at line %u:\n  golden:   %s\n  rendered: %s\n"
		 "(regenerate with HERMES_UPDATE_GOLDEN=1 and review the diff)",
		 path,
		 i + 1,
		 exp[i] != NULL ? exp[i] : "(end of file)",
		 act[i] != NULL ? act[i] : "(end of file)");
}

void
hermes_test_golden_check(const gchar *subdir, const gchar *basename, const gchar *text)
{
	g_autofree gchar *dir =
		g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"), "golden", subdir, NULL);
	g_autofree gchar *path = g_build_filename(dir, basename, NULL);
	g_autofree gchar *golden = NULL;
	gsize len = 0;

	if (g_strcmp0(g_getenv("HERMES_UPDATE_GOLDEN"), "1") == 0) {
		g_autoptr(GError) error = NULL;
		if (g_mkdir_with_parents(dir, 0755) != 0)
			fail_msg("cannot create %s: %s", dir, g_strerror(errno));
		if (!g_file_set_contents(path, text, -1, &error))
			fail_msg("cannot write %s: %s", path, error->message);
		printf("# wrote %s\n", path);
		fflush(stdout);
		return;
	}
	{
		g_autoptr(GError) error = NULL;
		if (!g_file_get_contents(path, &golden, &len, &error))
			fail_msg("cannot read golden file %s: %s "
				 "(generate it with HERMES_UPDATE_GOLDEN=1)",
				 path,
				 error->message);
	}
	if (len != strlen(text) || memcmp(golden, text, len) != 0)
		hermes_test_fail_diff(path, golden, text);
}

/* a GSourceFunc that sets the gboolean at @user_data, for bounded waits */
gboolean
hermes_test_tick_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* let the default main context run for a moment (events, replies, signals) */
void
hermes_test_spin(guint ms)
{
	gboolean done = FALSE;
	g_timeout_add(ms, hermes_test_tick_cb, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}

/**
 * hermes_test_hermes_environ:
 * @hermes_home: the home the command acts on
 *
 * The environment a test gives the real `hermes`: its own home, the built
 * backends only, the built s6 programs, nothing from the developer's shell.
 *
 * Returns: (transfer full): a new environment
 */
gchar **
hermes_test_hermes_environ(const gchar *hermes_home)
{
	gchar **envp = g_get_environ();
	const gchar *s6_bin = g_getenv("HERMES_TEST_S6_BIN_DIR");
	envp = g_environ_setenv(envp, "HERMES_HOME", hermes_home, TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"), TRUE);
	envp = g_environ_unsetenv(envp, "HERMES_SERVICE_MANAGER");
	if (s6_bin != NULL)
		envp = g_environ_setenv(envp, "HERMES_S6_BIN_DIR", s6_bin, TRUE);
	return envp;
}

gint
hermes_test_run_hermes(const gchar *const *envp,
		       const gchar *cwd,
		       const gchar *const *args,
		       gchar **out,
		       gchar **err)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out_local = NULL;
	g_autofree gchar *err_local = NULL;

	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, (gchar **)envp);
	if (cwd != NULL)
		g_subprocess_launcher_set_cwd(launcher, cwd);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	if (proc == NULL)
		fail_msg("cannot run hermes: %s", error->message);
	if (!g_subprocess_communicate_utf8(proc, "", NULL, &out_local, &err_local, &error))
		fail_msg("cannot talk to hermes: %s", error->message);
	hermes_test_strip_valgrind(err_local);
	if (out != NULL)
		*out = g_steal_pointer(&out_local);
	if (err != NULL)
		*err = g_steal_pointer(&err_local);
	if (!g_subprocess_get_if_exited(proc))
		return 128 + g_subprocess_get_term_sig(proc);
	return g_subprocess_get_exit_status(proc);
}

/**
 * hermes_test_strip_valgrind:
 * @text: (nullable): stderr captured from a program run under valgrind
 *
 * Removes valgrind's own lines (`--PID-- …`, e.g. its warning about a
 * syscall it does not know, such as openat2 or pidfd_open, which the code
 * under test handles by falling back), so tests assert on the program's
 * words alone. Edits @text in place.
 */
void
hermes_test_strip_valgrind(gchar *text)
{
	gchar *out = text;
	const gchar *line = text;

	if (text == NULL)
		return;
	while (*line != '\0') {
		const gchar *end = strchr(line, '\n');
		gsize len = end != NULL ? (gsize)(end - line) + 1 : strlen(line);
		gboolean ours = FALSE;
		if (line[0] == '-' && line[1] == '-' && g_ascii_isdigit(line[2])) {
			const gchar *p = line + 2;
			while (g_ascii_isdigit(*p))
				p++;
			ours = p[0] == '-' && p[1] == '-';
		}
		if (!ours) {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = '\0';
}

guint16
hermes_test_free_port(void)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GError) error = NULL;
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, &error);
	if (port == 0)
		fail_msg("no free port: %s", error->message);
	g_socket_listener_close(listener);
	return port;
}

GPid
hermes_test_s6_slot_pid(const gchar *scandir, const gchar *slot)
{
	g_autofree gchar *dir = g_build_filename(scandir, slot, NULL);
	g_autofree gchar *svstat =
		g_build_filename(hermes_test_env("HERMES_TEST_S6_BIN_DIR"), "s6-svstat", NULL);
	const gchar *argv[] = {svstat, "-p", dir, NULL};
	g_autofree gchar *out = NULL;
	gint status = 0;
	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &out,
			  NULL,
			  &status,
			  NULL))
		return 0;
	return (GPid)g_ascii_strtoll(out, NULL, 10);
}

guint
hermes_test_http_get(const gchar *addr, const gchar *token_path, const gchar *path, gchar **body)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autofree gchar *token = NULL;
	g_autofree gchar *request = NULL;
	g_autoptr(GString) reply = g_string_new(NULL);
	gchar chunk[4096];
	gssize n;
	guint status = 0;

	if (body != NULL)
		*body = NULL;
	if (!g_file_get_contents(token_path, &token, NULL, NULL))
		return 0;
	g_strstrip(token);
	g_socket_client_set_timeout(client, 5);
	conn = g_socket_client_connect_to_host(client, addr, 0, NULL, NULL);
	if (conn == NULL)
		return 0;
	request = g_strdup_printf(
		"GET %s HTTP/1.0\r\nHost: %s\r\nX-Hermes-Token: %s\r\n\r\n", path, addr, token);
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
				       request,
				       strlen(request),
				       NULL,
				       NULL,
				       NULL))
		return 0;
	/* HTTP/1.0: the server closes once the reply is whole (bounded by the 5 s timeout) */
	while ((n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
					chunk,
					sizeof(chunk),
					NULL,
					NULL)) > 0)
		g_string_append_len(reply, chunk, n);
	sscanf(reply->str, "HTTP/1.%*d %u", &status);
	if (body != NULL)
		*body = g_strdup(reply->str);
	return status;
}

gboolean
hermes_test_subprocess_wait(GSubprocess *proc, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	/* GSubprocess reaps in GLib's worker thread: the identifier goes once it is reaped */
	while (g_subprocess_get_identifier(proc) != NULL) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(10000);
	}
	g_subprocess_wait(proc, NULL, NULL);
	return TRUE;
}

GArray *
hermes_test_processes_with_env(const gchar *entry)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	const gchar *name;
	while (proc != NULL && (name = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *env = NULL;
		gsize len = 0;
		pid_t pid;
		if (!g_ascii_isdigit(name[0]))
			continue;
		pid = (pid_t)g_ascii_strtoll(name, NULL, 10);
		if (pid == getpid())
			continue;
		path = g_strdup_printf("/proc/%s/environ", name);
		if (!g_file_get_contents(path, &env, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(env + off) + 1) {
			if (g_strcmp0(env + off, entry) == 0) {
				g_array_append_val(pids, pid);
				break;
			}
		}
	}
	return pids;
}

/**
 * hermes_test_cluster_status:
 * @envp: the environment of `hermes` (its home, backends and HERMES_ETCD_ENDPOINTS)
 *
 * `hermes --json cluster status`, parsed
 *
 * Returns: (transfer full) (nullable): its object, or %NULL when it did not exit 0
 *   or did not print one
 */
JsonObject *
hermes_test_cluster_status(const gchar *const *envp)
{
	const gchar *args[] = {"--json", "cluster", "status", NULL};
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *out = NULL;
	JsonNode *root;

	if (hermes_test_run_hermes(envp, NULL, args, &out, NULL) != 0 ||
	    !json_parser_load_from_data(parser, out, -1, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	return json_object_ref(json_node_get_object(root));
}

/* the row of @status's array @array whose member @key is @value, or NULL */
JsonObject *
hermes_test_cluster_row(JsonObject *status,
			const gchar *array,
			const gchar *key,
			const gchar *value)
{
	JsonArray *rows;
	if (status == NULL || !json_object_has_member(status, array))
		return NULL;
	rows = json_object_get_array_member(status, array);
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		if (g_strcmp0(json_object_get_string_member_with_default(row, key, NULL), value) ==
		    0)
			return row;
	}
	return NULL;
}

/**
 * hermes_test_cluster_look:
 * @envp: the environment of `hermes`
 * @node: a node's name
 * @profile: a profile's name
 * @owner: (out) (optional): the node that owns @profile, %NULL when none
 *
 * Returns: (transfer full) (nullable): @node's state in `cluster status` ("up",
 *   "draining"…), %NULL when it is not listed or the status failed
 */
gchar *
hermes_test_cluster_look(const gchar *const *envp,
			 const gchar *node,
			 const gchar *profile,
			 gchar **owner)
{
	g_autoptr(JsonObject) status = hermes_test_cluster_status(envp);
	JsonObject *row;

	if (owner != NULL) {
		row = hermes_test_cluster_row(status, "gateways", "profile", profile);
		*owner = row != NULL ? g_strdup(json_object_get_string_member_with_default(
					       row, "node", NULL))
				     : NULL;
	}
	row = hermes_test_cluster_row(status, "nodes", "name", node);
	return row != NULL ? g_strdup(json_object_get_string_member(row, "state")) : NULL;
}
