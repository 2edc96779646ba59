/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HERMES_DASHBOARD_TOKEN_FILE:
 *
 * The dashboard's token, a file directly in the profile root (`HERMES_HOME`), mode 0600.
 */
#define HERMES_DASHBOARD_TOKEN_FILE "dashboard.token"

/**
 * HERMES_DASHBOARD_ADDRESS_FILE:
 *
 * Where `hermes-svcd --http` says, in the profile root, which URL it serves.
 */
#define HERMES_DASHBOARD_ADDRESS_FILE "dashboard.url"

gchar *
hermes_dashboard_token_ensure(const gchar *root, GError **error);
gchar *
hermes_dashboard_token_read(const gchar *root, GError **error);
gboolean
hermes_dashboard_token_equal(const gchar *expected, const gchar *given);
gboolean
hermes_dashboard_address_write(const gchar *root, const gchar *url, GError **error);
gchar *
hermes_dashboard_address_read(const gchar *root, GError **error);
void
hermes_dashboard_address_remove(const gchar *root);

G_END_DECLS
