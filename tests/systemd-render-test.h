/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the systemd backend's pure tests share (test-systemd-render.c,
 * test-systemd-status.c, test-systemd-endpoints.c): a fixture with a
 * temporary directory (a fake root), the spec and context under test and
 * the sockets a test listens on.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-systemd-bus.h"
#include "hermes-systemd-endpoints.h"
#include "hermes-systemd-linger.h"
#include "hermes-systemd-render.h"
#include "hermes-systemd-status.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmpdir;
	HermesGatewaySpec *spec;
	HermesContext *ctx;
	GSocket *sockets[4];
} RenderFixture;

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)

int
test_setup(void **state);
int
test_teardown(void **state);
int
group_setup(void **state);
