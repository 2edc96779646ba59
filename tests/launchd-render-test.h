/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the launchd plist tests share (test-launchd-render.c,
 * test-launchd-render-values.c, test-launchd-reader.c): a fixture with a
 * temporary directory, the rendered text and its JSON reading, the golden
 * cases' specs, and rendering one.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-launchd-plist-reader.h"
#include "hermes-launchd-render.h"
#include "hermes-launchd-xml.h"
#include "hermes-test.h"

#define TEST_PYTHON "/usr/bin/python3"

typedef struct {
	gchar *tmpdir;
	HermesGatewaySpec *spec;
	gchar *text;
	JsonNode *json;
} RenderFixture;

#define RENDER_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
test_setup(void **state);
int
test_teardown(void **state);
HermesGatewaySpec *
test_case_default(void);
HermesGatewaySpec *
test_case_coder(void);
HermesGatewaySpec *
test_case_hostile(void);
HermesGatewaySpec *
test_case_always(void);
HermesGatewaySpec *
test_case_daemon(void);
gchar *
test_render(const HermesLaunchdRenderOptions *opts, HermesGatewaySpec *spec);
int
test_group_setup(void **state);

static const struct {
	const gchar *name;
	const gchar *value;
} test_hostile_env[] = {
	{"AMP", "fish & chips"},
	{"ANGLE", "<string>not a tag</string>"},
	{"CDATA_END", "]]>"},
	{"QUOTES", "it's \"quoted\""},
	{"ENTITY", "&amp; stays &amp;"},
	{"SHELL_ISH", "$(id) `id` ${HOME}"},
	{"MULTI", "line one\nline two\r\nline three\r"},
	{"TAB", "a\tb"},
	{"UNICODE", "gr\xc3\xbc\xc3\x9f \xe2\x9c\x93 \xf0\x9f\x98\x80"},
	{"EMPTY", ""},
	{"SPACE", "  leading and trailing  "},
};

typedef struct {
	const gchar *name;
	HermesGatewaySpec *(*build)(void);
	HermesLaunchdRenderOptions opts;
} TestCase;

static const TestCase test_cases[] = {
	{"default", test_case_default, {"/Users/alice/.hermes", NULL}},
	{"coder", test_case_coder, {"/Users/alice/.hermes/profiles/coder", NULL}},
	{"hostile", test_case_hostile, {"/Users/alice/my <hermes> & co/profiles/hostile", NULL}},
	{"always", test_case_always, {"/Users/alice/.hermes/profiles/always", NULL}},
	{"daemon", test_case_daemon, {"/var/lib/hermes/profiles/ops", "_hermes"}},
};
