/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * When a stop looks for processes a killed s6-supervise lost: only when a
 * supervisor other than the slot's holder has run it (data/run-by.<pid>,
 * left by every run), or when that cannot be known. The look itself reads
 * every process's environment; the end-to-end case (a supervisor killed under
 * a real s6-svscan) is test-s6-faults.c.
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-s6-lost.h"
#include "hermes-test.h"

typedef struct {
	gchar *scandir;
	gchar *slot;
	gchar *data;
} Fixture;

static int
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->scandir = hermes_test_mkdtemp();
	f->slot = g_build_filename(f->scandir, "gateway-coder", NULL);
	f->data = g_build_filename(f->slot, "data", NULL);
	g_mkdir_with_parents(f->data, 0755);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_rmtree(f->scandir);
	g_free(f->scandir);
	g_free(f->slot);
	g_free(f->data);
	g_free(f);
	return 0;
}

static void
record(Fixture *f, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(f->data, name, NULL);
	hermes_test_write_file(path, "", 0644);
}

static gboolean
has(Fixture *f, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(f->data, name, NULL);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static void
test_lost_only_after_another_supervisor(void **state)
{
	Fixture *f = *state;

	/* nothing known: look */
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 0));
	/* no record (a slot rendered before the records): look */
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	/* every run was the holder's: nothing can be lost */
	record(f, "run-by.4242");
	assert_false(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	/* a holder whose pid is unknown (another pid namespace) still means look */
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 0));
	/* an earlier supervisor ran it too: look */
	record(f, "run-by.17");
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	/* ... until a look found nothing left: its record goes, the holder's stays */
	hermes_s6_lost_forget(f->scandir, f->slot, 4242);
	assert_false(has(f, "run-by.17"));
	assert_true(has(f, "run-by.4242"));
	assert_false(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	/* the holder changed and has not run the slot yet: look */
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 5151));
}

/* a damaged or planted record never switches the look off */
static void
test_lost_damaged_records_mean_look(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = g_build_filename(f->data, "run-by.4242", NULL);

	record(f, "run-by.4242");
	record(f, "run-by.x9");
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	hermes_s6_lost_forget(f->scandir, f->slot, 4242);
	assert_false(has(f, "run-by.x9"));
	assert_false(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	/* the holder's record must be a file, not a directory or a link */
	hermes_test_rmtree(dir);
	g_mkdir(dir, 0755);
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	hermes_test_rmtree(dir);
	assert_int_equal(symlink("/etc/passwd", dir), 0);
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
	/* no data/ at all: look */
	hermes_test_rmtree(f->data);
	assert_true(hermes_s6_lost_possible(f->scandir, f->slot, 4242));
}

/* the holder of supervise/lock, as s6-supervise holds it (a POSIX lock) */
static void
test_lost_supervisor_pid_is_the_lock_holder(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *supervise = g_build_filename(f->slot, "supervise", NULL);
	g_autofree gchar *lock = g_build_filename(supervise, "lock", NULL);
	gint ready[2];
	gchar byte;
	pid_t child;

	assert_int_equal(hermes_s6_supervisor_pid(f->scandir, f->slot), 0);
	g_mkdir(supervise, 0755);
	hermes_test_write_file(lock, "", 0644);
	/* a free lock: no supervisor */
	assert_int_equal(hermes_s6_supervisor_pid(f->scandir, f->slot), 0);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		gint fd = open(lock, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	assert_int_equal(hermes_s6_supervisor_pid(f->scandir, f->slot), child);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(hermes_s6_supervisor_pid(f->scandir, f->slot), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_lost_only_after_another_supervisor, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lost_damaged_records_mean_look, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_lost_supervisor_pid_is_the_lock_holder, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
