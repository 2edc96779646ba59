/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the `hermes` CLI tests share (test-cli.c, test-cli-gateway.c,
 * test-cli-status.c): the built binary as a user runs it, on a fixture's
 * HERMES_HOME over the fake backend, with its exit code, stdout and stderr.
 * Under the valgrind test setup every invocation runs under valgrind too
 * (HERMES_TEST_WRAPPER), and a valgrind error shows up as exit 99.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *root; /* HERMES_HOME */
	gchar **envp;
	gchar *out;
	gchar *err;
} Fixture;

#define run(f, ...) run_with_input(f, NULL, (const gchar *const[]){__VA_ARGS__, NULL})

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
void
set_env(Fixture *f, const gchar *name, const gchar *value);
gint
run_with_input(Fixture *f, const gchar *input, const gchar *const *args);
guint
count_lines(const gchar *text);
void
assert_one_line_error(Fixture *f, const gchar *needle);
gchar *
profile_dir(Fixture *f, const gchar *name);
JsonNode *
parse_json(const gchar *text);
gint
group_setup(void **state);
