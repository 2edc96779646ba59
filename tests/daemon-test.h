/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the hermes-svcd tests share (test-daemon.c, test-daemon-process.c):
 * the real daemon on a GTestDBus session bus over a real s6-svscan, driven
 * through the real `hermes` CLI. The bus also knows data/'s session
 * activation file, pointed at an empty tree (prepared in group_setup).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-status-service.h"
#include "hermes-svc.h"
#include "hermes-test-signals.h"
#include "hermes-test.h"

#define WAIT_MS	      20000
#define VALGRIND_WAIT 120000
#define GATEWAY_IFACE HERMES_STATUS_SERVICE_GATEWAY_INTERFACE

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	GStrv envp;
	GSubprocess *daemon;
	guint wait_ms; /* longer under valgrind */
	GDBusConnection *client;
	guint subscription;
	GPtrArray *signals;
} Fixture;

#define HERMES_OK(f, ...) g_free(hermes(f, NULL, __VA_ARGS__, NULL))

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

const gchar *
svcd_path(void);
GVariant *
call(Fixture *f,
     const gchar *path,
     const gchar *iface,
     const gchar *method,
     GVariant *args,
     const GVariantType *type,
     GError **error);
gboolean
name_has_owner(GDBusConnection *c);
GVariant *
get_prop(Fixture *f, const gchar *profile, const gchar *name);
void
wait_string(Fixture *f, const gchar *profile, const gchar *name, const gchar *want);
gchar *
hermes(Fixture *f, gint *exit_status, ...);
void
daemon_start(Fixture *f, gboolean valgrind);
void
daemon_stop(Fixture *f);
gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
gint
group_setup(void **state);
gint
group_teardown(void **state);
