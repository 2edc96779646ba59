/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the `hermes gateway run` tests share (test-runner.c,
 * test-runner-instance.c, test-runner-stop.c, test-runner-payload.c): the
 * fixture (a HERMES_HOME over the fake backend, the gateways it spawned,
 * killed in teardown) and the helpers that run the real binary and watch
 * its gateway_state.json, pid file and log. Under the valgrind setup every
 * gateway runs under valgrind too (HERMES_TEST_WRAPPER).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-runner.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_MS 60000

/* a command the next gateways are run under, e.g. in a namespace; NULL for none */
extern const gchar *const *run_prefix;

typedef struct {
	gchar *tmp;
	gchar *root;
	GStrv envp;
	GPtrArray *procs; /* GSubprocess, killed in teardown */
	GArray *raw_pids; /* GPid spawned without reaping, killed and reaped in teardown */
	gint ready_fd;	  /* read end of the readiness pipe */
	gint notify_fd;	  /* our NOTIFY_SOCKET */
	GSocket *held;	  /* a port the test keeps busy */
	gchar *warning;
} Fixture;

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
GPtrArray *
hermes_argv(const gchar *const *args, gboolean wrapped);
gchar *
resolved(const gchar *path);
gchar *
home_of(Fixture *f, const gchar *profile);
gchar *
file_in(Fixture *f, const gchar *profile, const gchar *name);
void
create_profile(Fixture *f, const gchar *name);
GSubprocess *
spawn_run(Fixture *f,
	  const gchar *profile,
	  const gchar *log,
	  const gchar *const *env,
	  gint ready_fd,
	  const gchar *const *args);
gint64
pid_of(GSubprocess *proc);
gint
wait_exit(GSubprocess *proc);
gchar *
read_log(Fixture *f, const gchar *log, const gchar *stream);
JsonObject *
load_state(Fixture *f, const gchar *profile);
const gchar *
state_str(JsonObject *state, const gchar *name);
void
wait_running_full(Fixture *f, const gchar *profile, gint64 pid, const gchar *log);
void
wait_running(Fixture *f, const gchar *profile, gint64 pid);
void
assert_final_state(Fixture *f, const gchar *profile, const gchar *expected, const gchar *reason);
void
assert_no_pid_file(Fixture *f, const gchar *profile);
GSubprocess *
start_gateway(Fixture *f, const gchar *profile, const gchar *log, const gchar *const *args);
gchar *
http_get(guint port, const gchar *path);
void
write_marker(Fixture *f, const gchar *profile, const gchar *name, const gchar *json);
gboolean
file_exists(Fixture *f, const gchar *profile, const gchar *name);
gint
group_setup(void **state);
