/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * The adversarial suite's harness: the real `hermes` under a timeout (and
 * optionally `ulimit -v`), a private home next to an "outside" directory that
 * must not change, and a `sleep` child standing for "another process" that
 * must survive every command.
 */

#include "hermes-test.h"

G_BEGIN_DECLS

typedef struct {
	gchar *tmp;	/* 0755, so another account can reach what is below */
	gchar *home;	/* tmp/home: the HERMES_HOME under attack */
	gchar *outside; /* tmp/outside: a sibling no command may write to */
	gchar *outside_snapshot;
	GPtrArray *homes;  /* every home whose embedded tree teardown must stop */
	GPtrArray *mounts; /* file systems a case mounted below tmp, unmounted at teardown */
	gchar **envp;
	GPid victim; /* a `sleep 1000` of the test: "another process" */
	gchar *out;
	gchar *err;
	gint status;
	gint signal; /* the signal that ended hermes, 0 if it exited */
	gdouble seconds;
} HostileFixture;

int
hostile_setup(void **state);
int
hostile_teardown(void **state);

/* true when HERMES_HOSTILE_PENDING=1: cases whose fix has not landed run too */
gboolean
hostile_pending_enabled(void);

/* HERMES_TEST_WRAPPER (valgrind and its options) when the suite runs under it, else NULL */
const gchar *
hostile_wrapper(void);

/* the per-command bound: 20 s, times 10 under HERMES_TEST_WRAPPER (valgrind) */
guint
hostile_timeout_seconds(void);

/* runs hermes on @home (NULL: fx->home) with @args; @vmem_kib > 0 wraps it in `ulimit -v`;
 * a command still running after the timeout is killed and fails the test */
gint
hostile_run_full(HostileFixture *fx,
		 const gchar *home,
		 gchar **extra_env,
		 guint64 vmem_kib,
		 const gchar *const *args);
#define hostile_run(fx, ...) \
	hostile_run_full(fx, NULL, NULL, 0, (const gchar *const[]){__VA_ARGS__, NULL})
#define hostile_run_home(fx, home, ...) \
	hostile_run_full(fx, home, NULL, 0, (const gchar *const[]){__VA_ARGS__, NULL})

/* the same without the valgrind wrapper, for a case's own look at the state around the
 * commands under test (which valgrind watches): under valgrind each look costs seconds */
gint
hostile_observe_full(HostileFixture *fx, const gchar *home, const gchar *const *args);
#define hostile_observe_home(fx, home, ...) \
	hostile_observe_full(fx, home, (const gchar *const[]){__VA_ARGS__, NULL})

/* hermes on fx->home with @extra_env, never under the valgrind wrapper: for a case whose
 * filesystem churn valgrind itself cannot survive (its address-space manager asserts when
 * the directory of a file it mapped is renamed under it) */
gint
hostile_run_unwrapped(HostileFixture *fx, gchar **extra_env, const gchar *const *args);

/* runs @argv in its own process group; FALSE if it still ran after @timeout_us (then killed) */
gboolean
hostile_spawn_bounded(gchar **argv,
		      gchar **envp,
		      const gchar *cwd,
		      gint64 timeout_us,
		      GString *out,
		      GString *err,
		      gint *wait_status);

/* a hermes running in the background, for cases that kill it midway or run many at once */
typedef struct {
	GPid pid;
	gchar *line;	 /* its arguments, for messages */
	gchar *out_path; /* its stdout and stderr, in files outside the home */
	gchar *err_path;
	gint64 started;
} HostileChild;

/* starts hermes on @home (NULL: fx->home) with @args, wrapped as hostile_run_full() does */
HostileChild *
hostile_spawn_full(HostileFixture *fx, const gchar *home, const gchar *const *args);
#define hostile_spawn_home(fx, home, ...) \
	hostile_spawn_full(fx, home, (const gchar *const[]){__VA_ARGS__, NULL})
/* SIGKILL to that hermes alone, as `kill -9 PID` would send it */
void
hostile_child_kill(HostileChild *child);
/* reaps it (a hang past the per-command bound fails the test) and records how it ended in
 * @fx exactly as hostile_run_full() does; returns the exit code (128 + signal if killed) */
gint
hostile_child_finish(HostileFixture *fx, HostileChild *child);
void
hostile_child_free(HostileChild *child);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostileChild, hostile_child_free)

/* the result is a documented exit code from @allowed (terminated by -1), hermes was not
 * killed by a signal, a failure is exactly one line "hermes: …" on stderr, and nothing
 * outside the home changed, and the victim lives */
void
hostile_assert_result(HostileFixture *fx, const gchar *what, const gint *allowed);
#define HOSTILE_CODES(...) ((const gint[]){__VA_ARGS__, -1})

void
hostile_assert_one_line_error(HostileFixture *fx, const gchar *what);
void
hostile_assert_outside_unchanged(HostileFixture *fx, const gchar *what);
void
hostile_assert_victim_alive(HostileFixture *fx, const gchar *what);
/* @pid lives and is not stopped */
gboolean
hostile_pid_alive(GPid pid);

/* re-take the outside snapshot after a test planted more there */
void
hostile_mark_outside(HostileFixture *fx);
/* names, types, modes, owners, sizes and content digests of every entry below @path */
gchar *
hostile_snapshot(const gchar *path);
/* whether any regular file below @path contains @needle (FIFOs and devices are not opened) */
gboolean
hostile_tree_contains(const gchar *path, const gchar *needle);

/* whether a `boot reconcile` line is about @profile (profile=NAME or profile="NAME") */
gboolean
hostile_reconcile_line_is(const gchar *line, const gchar *profile);

/* `hermes profile create NAME` on @home, which must succeed */
gchar *
hostile_make_profile(HostileFixture *fx, const gchar *home, const gchar *name);
/* `hermes -p NAME gateway start` on @home, which must succeed; returns the gateway's pid */
GPid
hostile_start_gateway(HostileFixture *fx, const gchar *home, const gchar *name);
/* the pid the supervisor reports for @name on @home (0 if none) */
GPid
hostile_gateway_pid(HostileFixture *fx, const gchar *home, const gchar *name);
/* field 22 of /proc/PID/stat, -1 if gone */
gint64
hostile_start_time(GPid pid);
gchar *
hostile_boot_id(void);

/* a `sleep 1000` child of the test */
GPid
hostile_spawn_sleep(void);
void
hostile_reap(GPid *pid);

/* every process (not the test) whose command line or cwd mentions @dir is SIGKILLed */
void
hostile_kill_strays(const gchar *dir);

void
hostile_write(const gchar *path, const gchar *contents, guint mode);
void
hostile_symlink(const gchar *target, const gchar *link);
void
hostile_mkfifo(const gchar *path);

/* cases whose fix has not landed, as {name, why, name, why, …, NULL}: unless
 * HERMES_HOSTILE_PENDING=1 they are left out of @tests (with why printed); returns how many
 * tests remain */
gsize
hostile_apply_pending(struct CMUnitTest *tests, gsize n_tests, const gchar *const *pending);

G_END_DECLS
