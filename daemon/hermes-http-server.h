/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "hermes-status-service.h"

G_BEGIN_DECLS

/* where the page's files are, for tests and a relocated install */
#define HERMES_HTTP_DASHBOARD_DIR_ENV "HERMES_DASHBOARD_DIR"
/* the header every API request but the public reads carries the token in */
#define HERMES_HTTP_TOKEN_HEADER "X-Hermes-Token"

#define HERMES_TYPE_HTTP_SERVER (hermes_http_server_get_type())
G_DECLARE_FINAL_TYPE(HermesHttpServer, hermes_http_server, HERMES, HTTP_SERVER, GObject)

HermesHttpServer *
hermes_http_server_new(HermesStatusService *service,
		       const gchar *home,
		       const gchar *dashboard_dir,
		       gboolean read_only_public,
		       GError **error);
gboolean
hermes_http_server_listen(HermesHttpServer *self, const gchar *address, GError **error);
const gchar *
hermes_http_server_get_url(HermesHttpServer *self);
void
hermes_http_server_close(HermesHttpServer *self);

G_END_DECLS
