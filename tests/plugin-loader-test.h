/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the plugin loader tests share (test-plugin-loader.c,
 * test-plugin-loader-choose.c): the real loader against real shared
 * objects (the build's test plugins), a fixture with a private directory
 * beside them, and finding a loaded or refused backend.
 */

#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-backend.h"
#include "hermes-plugin-private.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	HermesContext *ctx;
	GPtrArray *plugins;
	gchar *swap_a; /* the race test's directories, exchanged by the checked hook */
	gchar *swap_b;
	gint swaps;
} Fixture;

/* every test gets its own fixture */
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
HermesPlugin *
find_plugin(GPtrArray *plugins, const gchar *name, const gchar *dir);
void
assert_refused(GPtrArray *plugins, const gchar *name, const gchar *dir, const gchar *why);
gchar *
fake_path(void);
gchar *
make_plugin_dir(Fixture *f, const gchar *sub, const gchar *basename, guint mode);
gint
group_setup(void **state);
