/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the HermesStatusService tests share (test-status-service.c,
 * test-status-service-control.c): the service in-process, on a GTestDBus
 * bus, over a real s6-svscan and the real `hermes gateway run` gateways.
 * The client is a second connection in the same thread: every call is
 * asynchronous and the test iterates the main context, so the service (on
 * that context) can answer.
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
#define GATEWAY_IFACE HERMES_STATUS_SERVICE_GATEWAY_INTERFACE

extern GTestDBus *test_bus;

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	HermesContext *ctx;
	HermesServiceManager *manager;
	HermesStatusService *service;
	GDBusConnection *server;
	GDBusConnection *client;
	guint subscription;
	GPtrArray *signals; /* HermesTestSignal */
} Fixture;

typedef struct {
	GVariant *reply;
	GError *error;
	gboolean done;
} CallResult;

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

void
call_async(Fixture *f,
	   const gchar *dest,
	   const gchar *path,
	   const gchar *iface,
	   const gchar *method,
	   GVariant *args,
	   const GVariantType *type,
	   CallResult *r);
void
call_wait(CallResult *r);
GVariant *
call(Fixture *f,
     const gchar *path,
     const gchar *iface,
     const gchar *method,
     GVariant *args,
     const GVariantType *type,
     GError **error);
gchar *
path_of(const gchar *profile);
GVariant *
get_prop(Fixture *f, const gchar *profile, const gchar *name);
gchar *
get_string(Fixture *f, const gchar *profile, const gchar *name);
gint64
get_pid(Fixture *f, const gchar *profile);
void
wait_string(Fixture *f, const gchar *profile, const gchar *name, const gchar *want);
void export(Fixture *f);
void
create_profile(Fixture *f, const gchar *name);
void
register_gateway(Fixture *f, const gchar *profile, HermesRegisterFlags flags);
gchar *
desired_on_disk(Fixture *f, const gchar *profile);
gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
gint
group_setup(void **state);
gint
group_teardown(void **state);
