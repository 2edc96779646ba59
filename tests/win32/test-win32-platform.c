/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * core/platform/hermes-platform-win32.c under Wine: real processes (cmd.exe,
 * ping.exe), real files and ACLs, no mocks. Where Wine cannot do what
 * Windows does, the assertion is skipped with a message saying so.
 */
#include <aclapi.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <io.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <windows.h>

#include "hermes-error.h"
#include "hermes-platform-private.h"
#include "hermes-test.h"

/* everything a test allocates, freed by teardown even after a failed assertion */
typedef struct {
	gchar *dir;
	GError *error;
	gchar *text;
	gint64 pid;
	HANDLE process;
	gint fd;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->dir = hermes_test_mkdtemp();
	f->fd = -1;
	*state = f;
	return 0;
}

static void
remove_tree(const gchar *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			remove_tree(child);
		}
		g_dir_close(dir);
		(void)g_rmdir(path);
		return;
	}
	(void)g_remove(path);
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	/* a process a test started and did not see exit is stopped here */
	if (f->pid > 0) {
		HANDLE h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, (DWORD)f->pid);
		if (h != NULL) {
			TerminateProcess(h, 1);
			WaitForSingleObject(h, 5000);
			CloseHandle(h);
		}
	}
	if (f->process != NULL)
		CloseHandle(f->process);
	if (f->fd >= 0)
		close(f->fd);
	remove_tree(f->dir);
	g_free(f->dir);
	g_clear_error(&f->error);
	g_free(f->text);
	g_free(f);
	return 0;
}

static gchar *
system_program(const gchar *name)
{
	wchar_t buf[MAX_PATH];
	UINT n = GetSystemDirectoryW(buf, G_N_ELEMENTS(buf));
	g_autofree gchar *dir = NULL;

	assert_true(n > 0 && n < G_N_ELEMENTS(buf));
	dir = g_utf16_to_utf8((const gunichar2 *)buf, -1, NULL, NULL, NULL);
	return g_build_filename(dir, name, NULL);
}

static void
assert_file(const gchar *path, const gchar *contents)
{
	g_autofree gchar *text = NULL;
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, contents);
}

static void
test_platform_spawn_wait_and_log(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	g_autofree gchar *log = g_build_filename(f->dir, "gateway.log", NULL);
	const gchar *argv[] = {cmd, "/c", "echo hello & ping -n 3 127.0.0.1 >nul", NULL};
	gchar state_letter = '?';
	gint64 start1, start2, t0;

	assert_true(hermes_platform_spawn_detached(argv, NULL, log, &f->pid, &f->error));
	hermes_assert_no_error(f->error);
	assert_true(f->pid > 0);
	assert_true(hermes_platform_process_alive(f->pid));
	start1 = hermes_platform_get_start_time(f->pid);
	start2 = hermes_platform_get_start_time(f->pid);
	assert_true(start1 > 0);
	assert_int_equal(start1, start2);
	assert_true(hermes_platform_read_proc_stat(f->pid, &state_letter, &start2));
	assert_int_equal(state_letter, 'R');
	assert_int_equal(start1, start2);

	t0 = g_get_monotonic_time();
	assert_true(hermes_platform_wait_exit(f->pid, 20000, &f->error));
	hermes_assert_no_error(f->error);
	assert_true(g_get_monotonic_time() - t0 < 20 * G_USEC_PER_SEC);
	assert_false(hermes_platform_process_alive(f->pid));
	assert_true(g_file_get_contents(log, &f->text, NULL, NULL));
	if (strstr(f->text, "hello") == NULL)
		fail_msg("the log has no 'hello': '%s'", f->text);
	f->pid = 0;
}

/* stdout and stderr both go to the log, appended after what is there */
static void
test_platform_spawn_appends(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	g_autofree gchar *log = g_build_filename(f->dir, "gateway.log", NULL);
	const gchar *argv[] = {cmd, "/c", "echo out & echo err 1>&2", NULL};

	hermes_test_write_file(log, "earlier\r\n", 0644);
	assert_true(hermes_platform_spawn_detached(argv, NULL, log, &f->pid, &f->error));
	hermes_assert_no_error(f->error);
	assert_true(hermes_platform_wait_exit(f->pid, 20000, &f->error));
	hermes_assert_no_error(f->error);
	f->pid = 0;
	assert_true(g_file_get_contents(log, &f->text, NULL, NULL));
	if (!g_str_has_prefix(f->text, "earlier\r\n") || strstr(f->text, "out") == NULL ||
	    strstr(f->text, "err") == NULL)
		fail_msg("unexpected log: '%s'", f->text);
}

/* the environment given is the environment the program sees */
static void
test_platform_spawn_environment(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	g_autofree gchar *log = g_build_filename(f->dir, "env.log", NULL);
	const gchar *argv[] = {cmd, "/c", "echo [%HERMES_PLAT_TEST%]", NULL};
	g_auto(GStrv) envp = g_get_environ();

	envp = g_environ_setenv(envp, "HERMES_PLAT_TEST", "caf\xc3\xa9 42", TRUE);
	assert_true(hermes_platform_spawn_detached(
		argv, (const gchar *const *)envp, log, &f->pid, &f->error));
	hermes_assert_no_error(f->error);
	assert_true(hermes_platform_wait_exit(f->pid, 20000, &f->error));
	hermes_assert_no_error(f->error);
	f->pid = 0;
	assert_true(g_file_get_contents(log, &f->text, NULL, NULL));
	if (strstr(f->text, "[caf") == NULL || strstr(f->text, " 42]") == NULL)
		fail_msg("the variable did not arrive: '%s'", f->text);
}

static void
test_platform_spawn_missing_program(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *missing = g_build_filename(f->dir, "no-such-program.exe", NULL);
	const gchar *argv[] = {missing, NULL};
	gint64 pid = -7;

	assert_false(hermes_platform_spawn_detached(argv, NULL, NULL, &pid, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	assert_int_equal(pid, -7);
}

static void
test_platform_wait_exit_times_out(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *ping = system_program("ping.exe");
	const gchar *argv[] = {ping, "-n", "60", "127.0.0.1", NULL};
	gint64 t0, elapsed;

	assert_true(hermes_platform_spawn_detached(argv, NULL, NULL, &f->pid, &f->error));
	hermes_assert_no_error(f->error);
	t0 = g_get_monotonic_time();
	assert_false(hermes_platform_wait_exit(f->pid, 300, &f->error));
	elapsed = g_get_monotonic_time() - t0;
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
	assert_true(elapsed >= 250 * 1000);
	assert_true(elapsed < 3 * G_USEC_PER_SEC);
	assert_true(hermes_platform_process_alive(f->pid));
}

/* exited but still held open: Windows' zombie, reported as 'Z' and not alive */
static void
test_platform_exited_but_held(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	const gchar *argv[] = {cmd, "/c", "exit 0", NULL};
	gchar letter = '?';
	gint64 start = -1;

	assert_true(hermes_platform_spawn_detached(argv, NULL, NULL, &f->pid, &f->error));
	hermes_assert_no_error(f->error);
	f->process =
		OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)f->pid);
	if (f->process == NULL)
		skip(); /* it already exited and its pid is free: nothing to hold */
	assert_int_equal(WaitForSingleObject(f->process, 20000), WAIT_OBJECT_0);
	assert_true(hermes_platform_read_proc_stat(f->pid, &letter, &start));
	assert_int_equal(letter, 'Z');
	assert_true(start > 0);
	assert_false(hermes_platform_process_alive(f->pid));
	assert_true(hermes_platform_wait_exit(f->pid, 100, &f->error));
	f->pid = 0;
}

static void
test_platform_no_such_process(void **state)
{
	Fixture *f = *state;
	gchar letter = '?';
	gint64 start = 5;

	(void)f;
	/* Windows pids are multiples of 4: this one is never handed out */
	assert_false(hermes_platform_process_alive(0x7ffffff3));
	assert_false(hermes_platform_process_alive(0));
	assert_false(hermes_platform_process_alive(-1));
	assert_false(hermes_platform_read_proc_stat(0x7ffffff3, &letter, &start));
	assert_int_equal(letter, '?');
	assert_int_equal(hermes_platform_get_start_time(0x7ffffff3), -1);
	assert_true(hermes_platform_wait_exit(0x7ffffff3, 100, NULL));
	assert_true(hermes_platform_process_alive(GetCurrentProcessId()));
}

static void
test_platform_rename_noreplace(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *from = g_build_filename(f->dir, "from", NULL);
	g_autofree gchar *to = g_build_filename(f->dir, "to", NULL);
	g_autofree gchar *fresh = g_build_filename(f->dir, "fresh", NULL);

	hermes_test_write_file(from, "new", 0644);
	hermes_test_write_file(to, "old", 0644);
	assert_false(hermes_platform_rename_noreplace(from, to, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	assert_file(from, "new");
	assert_file(to, "old");

	assert_true(hermes_platform_rename_noreplace(from, fresh, NULL));
	assert_false(g_file_test(from, G_FILE_TEST_EXISTS));
	assert_file(fresh, "new");
}

/* the profile code renames a staging directory onto the profile's */
static void
test_platform_rename_noreplace_dir(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *staging = g_build_filename(f->dir, ".staging", NULL);
	g_autofree gchar *inside = g_build_filename(staging, "config.yaml", NULL);
	g_autofree gchar *home = g_build_filename(f->dir, "home", NULL);
	g_autofree gchar *moved = g_build_filename(home, "config.yaml", NULL);

	assert_int_equal(g_mkdir(staging, 0700), 0);
	hermes_test_write_file(inside, "a: 1\n", 0644);
	assert_int_equal(g_mkdir(home, 0700), 0);
	assert_false(hermes_platform_rename_noreplace(staging, home, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	assert_file(inside, "a: 1\n");
	assert_int_equal(g_rmdir(home), 0);
	assert_true(hermes_platform_rename_noreplace(staging, home, NULL));
	assert_file(moved, "a: 1\n");
}

static void
test_platform_fsync_dir(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *missing = g_build_filename(f->dir, "missing", NULL);

	assert_true(hermes_platform_fsync_dir(f->dir, NULL));
	assert_false(hermes_platform_fsync_dir(missing, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
}

/* adds an allow-ACE giving Everyone write access to @path */
static gboolean
grant_everyone_write(const gchar *path)
{
	g_autofree gunichar2 *path_w = g_utf8_to_utf16(path, -1, NULL, NULL, NULL);
	EXPLICIT_ACCESS_W ea = {0};
	PACL old_dacl = NULL;
	PACL new_dacl = NULL;
	PSECURITY_DESCRIPTOR sd = NULL;
	DWORD rc;

	rc = GetNamedSecurityInfoW((wchar_t *)path_w,
				   SE_FILE_OBJECT,
				   DACL_SECURITY_INFORMATION,
				   NULL,
				   NULL,
				   &old_dacl,
				   NULL,
				   &sd);
	if (rc != ERROR_SUCCESS)
		return FALSE;
	ea.grfAccessPermissions = FILE_GENERIC_WRITE;
	ea.grfAccessMode = GRANT_ACCESS;
	ea.Trustee.TrusteeForm = TRUSTEE_IS_NAME;
	ea.Trustee.ptstrName = L"Everyone";
	rc = SetEntriesInAclW(1, &ea, old_dacl, &new_dacl);
	if (rc == ERROR_SUCCESS)
		rc = SetNamedSecurityInfoW((wchar_t *)path_w,
					   SE_FILE_OBJECT,
					   DACL_SECURITY_INFORMATION,
					   NULL,
					   NULL,
					   new_dacl,
					   NULL);
	LocalFree(new_dacl);
	LocalFree(sd);
	return rc == ERROR_SUCCESS;
}

static void
test_platform_check_trusted(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = g_build_filename(f->dir, "plugin.dll", NULL);

	hermes_test_write_file(path, "MZ", 0644);
	f->fd = g_open(path, O_RDONLY | O_BINARY, 0);
	assert_true(f->fd >= 0);
	assert_true(hermes_platform_check_trusted(f->fd, "our file", &f->error));
	hermes_assert_no_error(f->error);
	assert_true(hermes_platform_check_trusted_dir(f->dir, &f->error));
	hermes_assert_no_error(f->error);
	/* a descriptor that is not open is refused, not checked */
	assert_false(hermes_platform_check_trusted(-1, "no fd", &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&f->error);
	close(f->fd);
	f->fd = -1;

	if (!grant_everyone_write(path))
		skip(); /* Wine could not set the ACL at all */
	f->fd = g_open(path, O_RDONLY | O_BINARY, 0);
	assert_true(f->fd >= 0);
	assert_false(hermes_platform_check_trusted(f->fd, "our file", &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	if (strstr(f->error->message, "writable by") == NULL)
		fail_msg("unexpected refusal: %s", f->error->message);
}

static void
test_platform_check_trusted_dir_refuses(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *sub = g_build_filename(f->dir, "shared", NULL);
	g_autofree gchar *file = g_build_filename(f->dir, "file", NULL);

	hermes_test_write_file(file, "x", 0644);
	assert_false(hermes_platform_check_trusted_dir(file, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&f->error);
	assert_int_equal(g_mkdir(sub, 0700), 0);
	assert_true(grant_everyone_write(sub));
	assert_false(hermes_platform_check_trusted_dir(sub, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
}

static void
test_platform_spawn_beneath(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	g_autofree gchar *root = g_build_filename(f->dir, "root", NULL);
	g_autofree gchar *logs = g_build_filename(root, "logs", NULL);
	g_autofree gchar *outside = g_build_filename(f->dir, "outside", NULL);
	g_autofree gchar *escape = g_build_filename(outside, "gateway.log", NULL);
	g_autofree gchar *dotdot = g_build_filename(root, "..", "outside", "dotdot.log", NULL);
	g_autofree gchar *inside = g_build_filename(logs, "gateway.log", NULL);
	const gchar *argv[] = {cmd, "/c", "echo inside", NULL};
	gint64 pid = -7;

	assert_int_equal(g_mkdir_with_parents(logs, 0700), 0);
	assert_int_equal(g_mkdir(outside, 0700), 0);
	assert_false(
		hermes_platform_spawn_detached_beneath(argv, NULL, root, escape, &pid, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&f->error);
	assert_false(
		hermes_platform_spawn_detached_beneath(argv, NULL, root, dotdot, &pid, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	assert_int_equal(pid, -7);
	assert_false(g_file_test(escape, G_FILE_TEST_EXISTS));
	assert_false(g_file_test(dotdot, G_FILE_TEST_EXISTS));

	assert_true(
		hermes_platform_spawn_detached_beneath(argv, NULL, root, inside, &f->pid, NULL));
	assert_true(hermes_platform_wait_exit(f->pid, 20000, NULL));
	f->pid = 0;
	assert_true(g_file_get_contents(inside, &f->text, NULL, NULL));
	assert_non_null(strstr(f->text, "inside"));
}

/* a log path that is a directory (or a device such as NUL) is refused */
static void
test_platform_spawn_log_not_regular(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	const gchar *argv[] = {cmd, "/c", "exit 0", NULL};

	assert_false(hermes_platform_spawn_detached(argv, NULL, f->dir, &f->pid, &f->error));
	assert_non_null(f->error);
	assert_int_equal(f->pid, 0);
}

static void
test_platform_users(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesUser) me = NULL;
	g_autoptr(HermesUser) other = NULL;
	g_autofree gchar *upper = g_utf8_strup(g_get_user_name(), -1);

	assert_true(hermes_platform_get_euid() != 0);
	me = hermes_platform_lookup_user(g_get_user_name(), &f->error);
	hermes_assert_no_error(f->error);
	assert_non_null(me);
	assert_int_equal(me->uid, hermes_platform_get_euid());
	assert_string_equal(me->home, g_get_home_dir());
	g_clear_pointer(&me, hermes_user_free);
	/* account names are case-insensitive on Windows */
	me = hermes_platform_lookup_user(upper, &f->error);
	hermes_assert_no_error(f->error);
	assert_non_null(me);

	other = hermes_platform_lookup_user("hermes-someone-else", &f->error);
	assert_null(other);
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	assert_non_null(strstr(f->error->message, "not supported on Windows yet"));
}

static void
test_platform_read_proc(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *again = NULL;
	g_autofree gchar *staged = g_build_filename(f->dir, "boot_id", NULL);
	gsize len = 0;

	f->text = hermes_platform_read_proc("/proc/sys/kernel/random/boot_id", &len);
	assert_non_null(f->text);
	assert_true(len > 0);
	assert_int_equal(len, strlen(f->text));
	again = hermes_platform_read_proc("/proc/sys/kernel/random/boot_id", NULL);
	assert_string_equal(f->text, again);
	g_clear_pointer(&again, g_free);

	/* no /proc: unknown, and never C:\proc from disk */
	assert_null(hermes_platform_read_proc("/proc/1/comm", NULL));
	assert_null(hermes_platform_read_proc("/proc/self/cmdline", NULL));
	assert_null(hermes_platform_read_proc("/sys/kernel/x", NULL));

	/* a test context's staged file is read as it is */
	hermes_test_write_file(staged, "staged-boot\n", 0644);
	again = hermes_platform_read_proc(staged, &len);
	assert_string_equal(again, "staged-boot\n");
	assert_int_equal(len, 12);
}

/*
 * A process's command line, read the way the pid record proves a gateway:
 * NUL-separated arguments, split back exactly as the spawn quoted them
 * (spaces, '&' and '>' inside one argument)
 */
static void
test_platform_process_cmdline(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cmd = system_program("cmd.exe");
	g_autofree gchar *log = g_build_filename(f->dir, "gateway.log", NULL);
	g_autofree gchar *path = NULL;
	const gchar *argv[] = {cmd, "/c", "ping -n 3 127.0.0.1 >nul & echo \"done\"", NULL};
	gsize len = 0;
	const gchar *arg;

	assert_true(hermes_platform_spawn_detached(argv, NULL, log, &f->pid, &f->error));
	hermes_assert_no_error(f->error);
	path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", f->pid);
	f->text = hermes_platform_read_proc(path, &len);
	assert_non_null(f->text);
	/* three arguments, each followed by a NUL */
	arg = f->text;
	for (guint i = 0; argv[i] != NULL; i++) {
		assert_true(arg < f->text + len);
		assert_string_equal(arg, argv[i]);
		arg += strlen(arg) + 1;
	}
	assert_true(arg == f->text + len);

	assert_true(hermes_platform_wait_exit(f->pid, 20000, &f->error));
	hermes_assert_no_error(f->error);
	/* gone: unknown, as a vanished /proc/<pid> is on Linux */
	assert_null(hermes_platform_read_proc(path, NULL));
	f->pid = 0;
	assert_null(hermes_platform_read_proc("/proc/1x/cmdline", NULL));
	assert_null(hermes_platform_read_proc("/proc//cmdline", NULL));
}

static void
test_platform_no_pidfds(void **state)
{
	Fixture *f = *state;

	assert_int_equal(hermes_platform_pidfd_open(GetCurrentProcessId(), &f->error), -1);
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	g_clear_error(&f->error);
	assert_int_equal(hermes_platform_pidfd_open(0, &f->error), -1);
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&f->error);
	assert_false(hermes_platform_pidfd_send_signal(3, 15, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	assert_false(hermes_platform_pidfd_wait(3, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_platform_spawn_wait_and_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_spawn_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_spawn_environment, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_platform_spawn_missing_program, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_wait_exit_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_exited_but_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_no_such_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_rename_noreplace, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_platform_rename_noreplace_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_fsync_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_check_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_platform_check_trusted_dir_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_spawn_beneath, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_platform_spawn_log_not_regular, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_read_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_process_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platform_no_pidfds, setup, teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
