/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the web door's tests share (test-http-server.c, test-http-actions.c,
 * test-http-log-stream.c): hermes-svcd's status service on a GTestDBus bus
 * over a real s6-svscan with one registered profile, `alpha`, not started; a
 * libsoup client that goes straight to the server; requests answered on this
 * thread's main context, where the server runs.
 */

#include "config.h"

#include <libsoup/soup.h>

#include "hermes-http-server.h"
#include "hermes-status-service.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	HermesContext *ctx;
	HermesServiceManager *manager;
	HermesStatusService *service;
	GDBusConnection *server;
	HermesHttpServer *http;
	SoupSession *session;
	gchar *url;
	gchar *token;
} Fixture;

typedef struct {
	guint status;
	gchar *body;
	gchar *allow;
	gboolean done;
} Reply;

void
http_test_reply_clear(Reply *r);
Reply
http_test_request(Fixture *f, const gchar *method, const gchar *path, const gchar *const *headers);
Reply
http_test_request_token(Fixture *f, const gchar *method, const gchar *path, const gchar *token);
SoupSession *
http_test_session_new(GSocketAddress *remote);
gchar *
http_test_desired_on_disk(Fixture *f, const gchar *profile);
void
http_test_serve(Fixture *f, const gchar *address, gboolean read_only_public);
GSubprocessLauncher *
http_test_svcd_launcher(Fixture *f, GSubprocessFlags flags);
gchar *
http_test_svcd_address(Fixture *f);
void
http_test_svcd_stop(GSubprocess *proc);
gint
http_test_fixture_setup(void **state);
gint
http_test_fixture_teardown(void **state);
gint
http_test_group_setup(void **state);
gint
http_test_group_teardown(void **state);

#define T(fn) \
	cmocka_unit_test_setup_teardown(fn, http_test_fixture_setup, http_test_fixture_teardown)
