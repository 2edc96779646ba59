/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the s6 script tests share (test-s6-render.c, test-s6-render-run.c,
 * test-s6-render-values.c, test-s6-render-finish.c, test-s6-render-log.c):
 * a fixture with a temporary directory, the render options and the golden
 * cases, rendering one script, and running a script for real with /bin/sh.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-s6-render.h"
#include "hermes-shell.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmpdir;
	HermesGatewaySpec *spec;
} RenderFixture;

int
test_setup(void **state);
int
test_teardown(void **state);
HermesGatewaySpec *
test_case_default(void);
HermesGatewaySpec *
test_case_coder(void);
void
test_spec_add_hostile_env(HermesGatewaySpec *spec);
HermesGatewaySpec *
test_case_hostile(void);
HermesGatewaySpec *
test_case_custom(void);
gchar *
test_render(const HermesS6RenderOptions *opts, HermesGatewaySpec *spec, const gchar *script);
gchar *
test_read_file(const gchar *path);
gint
test_spawn(const gchar *cwd,
	   const gchar *const *argv,
	   const gchar *const *envp,
	   gchar **out,
	   gchar **err);
gchar *
test_fake_bin_dir(const gchar *tmpdir);
int
test_group_setup(void **state);

static const HermesS6RenderOptions test_opts_host = {"/usr/bin", FALSE, NULL, "/root/.hermes"};
static const HermesS6RenderOptions test_opts_overlay = {"/command", TRUE, "/opt/data", "/opt/data"};
/* root registering for a home alice owns: the spec names no user, the backend picks alice */
static const HermesS6RenderOptions test_opts_owned = {
	"/usr/bin", FALSE, "/home/alice", "/home/alice/.hermes", "alice"};

static const struct {
	const gchar *name;
	const gchar *value;
} test_hostile_env[] = {
	{"FOO", "it's"},
	{"DOLLAR", "$HOME and `id`"},
	{"SPACE", "a b"},
	{"SEMI", "x;rm -rf /"},
	{"EMPTY", ""},
};

typedef struct {
	const gchar *name;
	HermesGatewaySpec *(*build)(void);
	const HermesS6RenderOptions *opts;
} TestCase;

static const TestCase test_cases[] = {
	{"default", test_case_default, &test_opts_host},
	{"coder", test_case_coder, &test_opts_overlay},
	{"hostile", test_case_hostile, &test_opts_host},
	{"custom", test_case_custom, &test_opts_host},
	{"owned", test_case_default, &test_opts_owned},
};

static const gchar *const test_scripts[] = {"run", "finish", "log-run"};

#define RENDER_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
