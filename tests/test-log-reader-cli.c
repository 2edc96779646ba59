/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway logs` through the built binary: over the s6 backend's
 * directory (-n, --since, -f across a rotation), over launchd's plain
 * files, and end to end on a real s6-svscan.
 */

#include <glib-unix.h>
#include <stdlib.h>

#include "log-reader-test.h"

/* the CLI over the s6 backend on this fixture's home */
static gchar **
cli_env(Fixture *f)
{
	gchar **envp = g_get_environ();
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
	g_autofree gchar *soul = g_build_filename(home, "SOUL.md", NULL);
	g_assert_cmpint(g_mkdir_with_parents(home, 0755), ==, 0);
	hermes_test_write_file(soul, "demo\n", 0644);
	envp = g_environ_setenv(envp, "HERMES_HOME", f->root, TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	return envp;
}

static void
test_cli_logs(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint64 t0 = 1796600000; /* 2026-12-06 22:53:20 UTC */

	append_lines(cur, t0, "l", 0, 5);
	/* -n, shown in local time, the stamp taken out of the text */
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", "-n", "2", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			0);
	}
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t0 + 3);
	g_autofree gchar *day = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	g_autofree gchar *want = NULL;
	g_autoptr(GDateTime) dt4 = g_date_time_new_from_unix_local(t0 + 4);
	g_autofree gchar *day4 = g_date_time_format(dt4, "%Y-%m-%d %H:%M:%S");
	want = g_strdup_printf("%s.123  l 3\n%s.123  l 4\n", day, day4);
	assert_string_equal(out, want);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a bad --since or -n is a usage error */
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", "--since", "soon", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			64);
		hermes_assert_str_contains(err, "--since");
	}
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", "-n", "-3", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			64);
	}
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a profile without a log: one line, exit 3 */
	{
		const gchar *args[] = {"-p", "default", "gateway", "logs", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			3);
		assert_string_equal(out, "");
		hermes_assert_str_contains(err, "hermes: no logs for gateway 'default'");
		assert_int_equal(strchr(err, '\n') - err + 1, (gint)strlen(err));
	}
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a linked current: refused, exit 77 */
	assert_int_equal(unlink(cur), 0);
	assert_int_equal(symlink("/etc/passwd", cur), 0);
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			77);
		hermes_assert_str_contains(err, "symbolic link");
		assert_null(strstr(out, "root:"));
	}
}

static void
read_line_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	Fixture *f = data;
	gchar *line = g_data_input_stream_read_line_finish_utf8(
		G_DATA_INPUT_STREAM(source), res, NULL, NULL);
	g_ptr_array_add(f->seen, line != NULL ? line : g_strdup("<eof>"));
	g_main_loop_quit(f->loop);
}

/* the next line hermes prints, waiting 10 s at most */
static const gchar *
next_line(Fixture *f, GDataInputStream *in)
{
	guint id;
	guint before = f->seen->len;
	f->loop = g_main_loop_new(NULL, FALSE);
	g_data_input_stream_read_line_async(in, G_PRIORITY_DEFAULT, NULL, read_line_cb, f);
	id = g_timeout_add_seconds(10, timeout_cb, f);
	g_main_loop_run(f->loop);
	g_clear_pointer(&f->loop, g_main_loop_unref);
	if (f->seen->len == before)
		fail_msg("hermes gateway logs -f printed nothing within 10 s");
	g_source_remove(id);
	return g_ptr_array_index(f->seen, f->seen->len - 1);
}

/* `-f`: the last line, then appended lines and lines after a rotation, once each */
static void
test_cli_follow(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *rotated = dir_file(f, "@400000006b161d0400000000.s");
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = 1796600000;

	append_lines(cur, t0, "l", 0, 3);
	g_subprocess_launcher_set_environ(launcher, envp);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_HERMES"),
					   "-p",
					   "demo",
					   "gateway",
					   "logs",
					   "-f",
					   "-n",
					   "1",
					   NULL);
	hermes_assert_no_error(error);
	in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	hermes_assert_str_contains(next_line(f, in), "  l 2");
	append_lines(cur, t0, "l", 3, 4);
	hermes_assert_str_contains(next_line(f, in), "  l 3");
	append_lines(cur, t0, "l", 4, 5);
	assert_int_equal(rename(cur, rotated), 0);
	append_lines(cur, t0, "l", 5, 6);
	hermes_assert_str_contains(next_line(f, in), "  l 4");
	hermes_assert_str_contains(next_line(f, in), "  l 5");
	append_lines(cur, t0, "l", 6, 7);
	hermes_assert_str_contains(next_line(f, in), "  l 6");
	g_subprocess_send_signal(proc, SIGTERM);
	assert_true(g_subprocess_wait(proc, NULL, &error));
	if (!g_subprocess_get_if_exited(proc))
		fail_msg("hermes gateway logs -f was killed by signal %d",
			 g_subprocess_get_term_sig(proc));
	assert_int_equal(g_subprocess_get_exit_status(proc), 0);
	/* nothing was printed twice: the stream ends right after l 6 */
	assert_string_equal(next_line(f, in), "<eof>");
}

/* launchd through the built hermes: its StandardOutPath and StandardErrorPath,
 * as files on disk (launchd itself does not run here) */
static void
test_cli_launchd(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *logs = g_build_filename(f->root, "profiles", "demo", "logs", NULL);
	g_autofree gchar *out_log = g_build_filename(logs, "gateway.log", NULL);
	g_autofree gchar *err_log = g_build_filename(logs, "gateway.error.log", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *args[] = {
		"--backend", "launchd", "-p", "demo", "gateway", "logs", "-n", "2", NULL};

	if (strstr(hermes_test_env("HERMES_TEST_BACKEND_DIRS"), "launchd") == NULL) {
		skip(); /* built without the launchd backend */
		return;
	}
	g_assert_cmpint(g_mkdir_with_parents(logs, 0755), ==, 0);
	hermes_test_write_file(out_log, "o1\no2\no3\n", 0644);
	hermes_test_write_file(err_log, "e1\n", 0644);
	assert_int_equal(hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			 0);
	assert_string_equal(out, "o2\no3\ne1\n");
}

/* a TAI64N-stamped line as s6-log's `t` writes it (TAI = UTC + 37 s, from 2^62) */
static void
append_tai64n(const gchar *path, gint64 unix_s, const gchar *text)
{
	g_autofree gchar *line =
		g_strdup_printf("@%016" G_GINT64_MODIFIER "x%08x %s\n",
				(gint64)(G_GINT64_CONSTANT(4611686018427387904) + 37 + unix_s),
				123000000u,
				text);
	FILE *fp = fopen(path, "a");
	assert_non_null(fp);
	assert_int_equal(fputs(line, fp) >= 0, 1);
	fclose(fp);
}

/* what hermes writes to a terminal: run on a pseudo-terminal, read to its end */
static gchar *
run_on_tty(gchar **envp, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	gint master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	gint slave;
	gchar buf[4096];
	gssize n;

	assert_true(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	g_ptr_array_add(argv, (gpointer)hermes_test_env("HERMES_TEST_HERMES"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_take_stdout_fd(launcher, slave);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_object(&launcher); /* closes our copy of the terminal's side */
	assert_true(g_subprocess_wait_check(proc, NULL, &error));
	/* everything written is in the master's buffer; EIO once it is drained */
	g_unix_set_fd_nonblocking(master, TRUE, NULL);
	while ((n = read(master, buf, sizeof(buf))) > 0)
		g_string_append_len(out, buf, n);
	close(master);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/*
 * --all: every registered gateway's lines in one stream ordered by time, each
 * named, the names padded to one width; s6-log's `T` and `t` stamps both shown
 * in local time; colour only on a terminal
 */
static void
test_cli_all(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *scandir = g_build_filename(f->tmp, "scan", NULL);
	g_autofree gchar *coder = g_build_filename(f->root, "profiles", "coder", NULL);
	g_autofree gchar *coder_soul = g_build_filename(coder, "SOUL.md", NULL);
	g_autofree gchar *coder_logs = g_build_filename(f->root, "logs", "gateways", "coder", NULL);
	g_autofree gchar *coder_cur = g_build_filename(coder_logs, "current", NULL);
	g_autofree gchar *demo_cur = dir_file(f, "current");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GString) want = g_string_new(NULL);
	const gchar *args[] = {"gateway", "logs", "--all", "-n", "10", NULL};
	const gchar *who[] = {"demo ", "coder", "demo ", "coder"};
	gint64 t0 = 1796600000;

	for (const gchar *const *slot = (const gchar *[]){"gateway-demo", "gateway-coder", NULL};
	     *slot != NULL;
	     slot++) {
		g_autofree gchar *dir = g_build_filename(scandir, *slot, NULL);
		g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	}
	g_assert_cmpint(g_mkdir_with_parents(coder_logs, 0755), ==, 0);
	hermes_test_write_file(coder_soul, "coder\n", 0644);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", scandir, TRUE);
	/* demo's `T` lines at t0 and t0+2, coder's `t` lines at t0+1 and t0+3 */
	append_lines(demo_cur, t0, "d", 0, 1);
	append_tai64n(coder_cur, t0 + 1, "c 1");
	append_lines(demo_cur, t0, "d", 2, 3);
	append_tai64n(coder_cur, t0 + 3, "c 3");
	for (guint i = 0; i < 4; i++) {
		g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t0 + i);
		g_autofree gchar *stamp = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
		g_string_append_printf(
			want, "%s | %s.123  %c %u\n", who[i], stamp, i % 2 ? 'c' : 'd', i);
	}
	assert_int_equal(hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			 0);
	/* into a pipe: plain text, nothing but the lines */
	assert_string_equal(out, want->str);
	g_clear_pointer(&out, g_free);
	/* on a terminal: the names and stamps coloured, the texts the same */
	out = run_on_tty(envp, args);
	hermes_assert_str_contains(out, "\033[36mdemo \033[0m | \033[2m");
	hermes_assert_str_contains(out, "\033[36mcoder\033[0m | \033[2m");
	hermes_assert_str_contains(out, ".123\033[0m  c 3");
	g_clear_pointer(&out, g_free);
	/* NO_COLOR is honoured on a terminal too */
	envp = g_environ_setenv(envp, "NO_COLOR", "1", TRUE);
	out = run_on_tty(envp, args);
	assert_null(strchr(out, '\033'));
	hermes_assert_str_contains(out, "coder | ");
}

/* end to end on a real s6-svscan: a gateway started by hermes writes through its
 * s6-log, and `gateway logs -f` shows the payload's line, stamped, in local time */
static void
test_real_s6_gateway(void **state)
{
	Fixture *f = *state;
	const gchar *bin = g_getenv("HERMES_TEST_S6_BIN_DIR");
	g_autofree gchar *scandir = g_build_filename(f->tmp, "scan", NULL);
	g_autofree gchar *conf =
		g_build_filename(f->root, "profiles", "demo", "hermes-svc.conf", NULL);
	g_auto(GStrv) envp = cli_env(f);
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *year = g_date_time_format(now, "%Y-");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *start[] = {"-p", "demo", "gateway", "start", NULL};
	const gchar *stop[] = {"-p", "demo", "gateway", "stop", NULL};
	const gchar *line = NULL;
	GPid svscan;

	if (bin == NULL || *bin == '\0') {
		skip(); /* no s6 here */
		return;
	}
	g_assert_cmpint(mkdir(scandir, 0755), ==, 0);
	hermes_test_rmtree(f->dir); /* s6-log creates it */
	hermes_test_write_file(
		conf, "[gateway]\ncommand=sh -c 'echo hello-from-gateway; exec sleep 600'\n", 0644);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", scandir, TRUE);
	envp = g_environ_setenv(envp, "HERMES_S6_BIN_DIR", bin, TRUE);
	svscan = hermes_test_s6_start(scandir, f->root);
	assert_int_equal(
		hermes_test_run_hermes((const gchar *const *)envp, NULL, start, &out, &err), 0);
	/* the log directory appears when s6-log starts: wait for it, boundedly */
	for (guint i = 0; i < 100 && !g_file_test(f->dir, G_FILE_TEST_IS_DIR); i++)
		g_usleep(100 * 1000);
	g_subprocess_launcher_set_environ(launcher, envp);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_HERMES"),
					   "-p",
					   "demo",
					   "gateway",
					   "logs",
					   "-f",
					   "-n",
					   "100",
					   NULL);
	hermes_assert_no_error(error);
	in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	do
		line = next_line(f, in);
	while (strstr(line, "hello-from-gateway") == NULL && f->seen->len < 50);
	hermes_assert_str_contains(line, "  hello-from-gateway");
	/* 2026-12-07 02:41:35.745  hello-from-gateway: the T stamp, in local time */
	assert_true(g_str_has_prefix(line, year));
	assert_int_equal(line[10], ' ');
	assert_int_equal(line[19], '.');
	g_subprocess_send_signal(proc, SIGTERM);
	assert_true(g_subprocess_wait(proc, NULL, &error));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	hermes_test_run_hermes((const gchar *const *)envp, NULL, stop, &out, &err);
	hermes_test_s6_stop(scandir, &svscan);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cli_logs, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_follow, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_launchd, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_all, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_real_s6_gateway, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
