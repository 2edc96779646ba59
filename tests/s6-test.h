/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the s6 integration tests share (test-s6.c, test-s6-exits.c,
 * test-s6-tree.c): a real s6-svscan that each test starts on its own scan
 * directory, the s6 backend over it, the real `hermes gateway run` as the
 * gateway, and waiting for a status driven by gateway-changed events.
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-s6-control.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_MS 20000

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *events; /* "profile=state" */
} Fixture;

typedef gboolean (*StatusCheck)(HermesGatewayStatus *status, gpointer data);

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

void
start_svscan(Fixture *f);
void
stop_svscan(Fixture *f);
HermesServiceManager *
make_manager(HermesContext *ctx);
HermesContext *
make_context(Fixture *f, gboolean with_scandir);
gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
HermesGatewaySpec *
spec_for(Fixture *f, const gchar *profile, const gchar *const *argv);
void
register_gateway(Fixture *f,
		 const gchar *profile,
		 const gchar *const *argv,
		 HermesRegisterFlags flags);
HermesGatewayStatus *
status_of(Fixture *f, const gchar *profile);
HermesGatewayStatus *
wait_status(Fixture *f, const gchar *profile, StatusCheck check, gpointer data, const gchar *what);
gboolean
is_state(HermesGatewayStatus *status, gpointer data);
gint
group_setup(void **state);
