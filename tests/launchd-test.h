/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hermes-launchd-control.h"
#include "hermes-launchd-plist-reader.h"
#include "hermes-launchd-render.h"
#include "hermes-platform-private.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define TEST_PYTHON "/usr/bin/python3"
#define TEST_DOMAIN "gui/501"
#define TEST_TARGET "gui/501/ai.hermes.gateway-demo"

#define TEST_TYPE_FAKE_SPAWNER (test_fake_spawner_get_type())
G_DECLARE_FINAL_TYPE(TestFakeSpawner, test_fake_spawner, TEST, FAKE_SPAWNER, HermesLaunchdSpawner)

struct _TestFakeSpawner {
	HermesLaunchdSpawner parent_instance;
	GPtrArray *calls;   /* gchar*: the arguments joined by spaces */
	GPtrArray *answers; /* TestAnswer */
	gchar *marker;	    /* checked at every bootout and kickstart */
	GPtrArray *marker_seen;
	GPid kill_on_bootout; /* what launchd would SIGTERM */
	gboolean unavailable; /* launchctl cannot be run at all */
};

typedef struct {
	gchar *tmp;
	gchar *home; /* the profile's HERMES_HOME */
	gchar *plist;
	TestFakeSpawner *fake;
	HermesLaunchdJob *job;
	GArray *children; /* GPid: killed and reaped in teardown */
	/* the CLI tests */
	gchar *root;
	gchar *agents;
	gchar *fake_dir;
	GStrv envp;
	gchar *out;
	gchar *err;
} Fixture;

/* the next call starting with @prefix gets this answer */
#define fake_once(f, prefix, code, out, err) fake_add(f, FALSE, prefix, code, out, err)
/* every call starting with @prefix gets it, once the one-shot answers are used */
#define fake_always(f, prefix, code, out, err) fake_add(f, TRUE, prefix, code, out, err)

/* the calls so far are exactly the arguments, in order */
#define assert_calls(f, ...) fake_assert_calls(f, (const gchar *const[]){__VA_ARGS__, NULL})
#define hermes(f, ...)	     run_hermes(f, (const gchar *const[]){__VA_ARGS__, NULL})

#define LAUNCHD_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
test_group_setup(void **state);
void
fake_add(TestFakeSpawner *fake,
	 gboolean sticky,
	 const gchar *prefix,
	 gint code,
	 const gchar *out,
	 const gchar *err);
void
fake_assert_calls(TestFakeSpawner *fake, const gchar *const *expected);
gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
gchar *
fixture_text(const gchar *name);
gchar *
print_running(gint64 pid);
GPid
dead_pid(void);
GPid
live_child(Fixture *f, gboolean ignore_term);
gchar *
fake_script(Fixture *f);
gchar *
fake_dir_setup(Fixture *f);
void
fake_file(const gchar *dir, const gchar *name, const gchar *contents);
gchar *
fake_calls(const gchar *dir);
const gchar *
launchd_backend_dir(void);
void
cli_setup(Fixture *f, gboolean with_fake);
void
cli_set_env(Fixture *f, const gchar *name, const gchar *value);
GPtrArray *
wrapped_argv(const gchar *const *argv);
gint
spawn_wait(Fixture *f, const gchar *const *argv, const gchar *const *envp, const gchar *cwd);
gint
run_hermes(Fixture *f, const gchar *const *args);
void
assert_ok(Fixture *f, gint code);
gchar *
plist_in_output(const gchar *output, const gchar *path);
gchar *
lint_json(Fixture *f, const gchar *plist);
JsonObject *
parse_json_object(const gchar *text);
void
fake_assert_no_legacy_verbs(TestFakeSpawner *fake);
