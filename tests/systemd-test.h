/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the systemd integration tests share (test-systemd-cli.c,
 * test-systemd-register.c, test-systemd-exits.c, test-systemd-connect.c,
 * test-systemd-dashboard.c, test-systemd-cluster-agent.c, …):
 * the fixture, the helpers that read a unit behind the backend's back, and
 * the outer run.
 *
 * Each binary runs twice. Started by meson it re-runs itself inside
 * tests/systemd-user-harness.sh (a private mount and PID namespace with
 * its own manager; needs root), then checks that nothing of the run is
 * left: no process, no cgroup, no temporary file. Inside the harness
 * (HERMES_SDH_INNER=1) it runs the tests. Not root, or no systemd: every
 * test says why it skipped.
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-svc.h"
#include "hermes-systemd-render.h"
#include "hermes-test.h"

#define WAIT_MS	     30000
#define HARNESS_WAIT "30"

extern const gchar *skip_reason;

typedef struct {
	gchar *tmp;
	gchar *root; /* HERMES_HOME */
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *events; /* "profile=state" */
	GDBusConnection *bus;
	gchar **envp; /* for the hermes binary */
	gchar *out;
	gchar *err;
} Fixture;

#define run(f, ...) run_env(f, NULL, (const gchar *const[]){__VA_ARGS__, NULL})

typedef gboolean (*StatusCheck)(HermesGatewayStatus *status, gpointer data);

#define SKIP_UNLESS_HERE(f)                                            \
	do {                                                           \
		if (skip_reason != NULL) {                             \
			print_message("# skipped: %s\n", skip_reason); \
			skip();                                        \
		}                                                      \
	} while (0)

/* a call that must succeed; on failure the error says why */
#define assert_ok(call)                        \
	do {                                   \
		gboolean ok_ = (call);         \
		hermes_assert_no_error(error); \
		assert_true(ok_);              \
	} while (0)

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

const gchar *
unit_dir(void);
gchar *
unit_path(const gchar *profile);
HermesContext *
make_context(Fixture *f);
HermesServiceManager *
make_manager(HermesContext *ctx);
gint
run_env(Fixture *f, gchar **envp, const gchar *const *args);
void
assert_run_ok(Fixture *f, gint rc, const gchar *what);
gint
run_systemctl(Fixture *f, guint timeout_s, const gchar *const *args);
#define systemctl(f, timeout_s, ...) \
	run_systemctl(f, timeout_s, (const gchar *const[]){__VA_ARGS__, NULL})
GVariant *
unit_prop(Fixture *f, const gchar *unit, const gchar *iface, const gchar *name);
gchar *
unit_str(Fixture *f, const gchar *unit, const gchar *name);
guint32
service_u32(Fixture *f, const gchar *unit, const gchar *name);
gint32
service_i32(Fixture *f, const gchar *unit, const gchar *name);
void
assert_unit_state(Fixture *f, const gchar *unit, const gchar *active, const gchar *file_state);
void
assert_nothing_left(Fixture *f);
HermesGatewaySpec *
spec_for(Fixture *f, const gchar *profile, const gchar *const *argv);
void
register_spec(Fixture *f, HermesGatewaySpec *spec, HermesRegisterFlags flags);
HermesGatewayStatus *
status_of(Fixture *f, const gchar *profile);
HermesGatewayStatus *
wait_status(Fixture *f, const gchar *profile, StatusCheck check, gpointer data, const gchar *what);
gboolean
is_state(HermesGatewayStatus *status, gpointer data);
gboolean
is_up_with_new_pid(HermesGatewayStatus *status, gpointer data);
JsonObject *
parse_object(const gchar *text);
JsonObject *
cli_status(Fixture *f, const gchar *profile);
gchar *
read_text(const gchar *path);
void
assert_verifies(const gchar *path);
void
assert_verifies_with(const gchar *path, const gchar *const *extra);
gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
const gchar *
why_not_here(void);
gint
outer_main(const gchar *self_path);
gint
group_setup(void **state);
gint
systemd_test_main(const gchar *argv0, const struct CMUnitTest *tests, gsize n_tests);

/* main() of a test binary that runs its tests inside the harness */
#define SYSTEMD_TEST_MAIN(argv0, tests) systemd_test_main((argv0), (tests), G_N_ELEMENTS(tests))
