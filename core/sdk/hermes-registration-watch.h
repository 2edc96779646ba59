/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * HermesRegistrationNameFunc:
 * @entry: a name in the watched directory, e.g. `gateway-demo` or
 *   `hermes-gateway-demo.service`
 * @user_data: what was given to hermes_registration_watch_new()
 *
 * Returns: (transfer full) (nullable): the profile @entry registers, or
 *   %NULL for anything else (temporary files, other services)
 */
typedef gchar *(*HermesRegistrationNameFunc)(const gchar *entry, gpointer user_data);

#define HERMES_TYPE_REGISTRATION_WATCH (hermes_registration_watch_get_type())
G_DECLARE_FINAL_TYPE(
	HermesRegistrationWatch, hermes_registration_watch, HERMES, REGISTRATION_WATCH, GObject)

HermesRegistrationWatch *
hermes_registration_watch_new(const gchar *dir,
			      HermesRegistrationNameFunc name_func,
			      gpointer user_data,
			      GMainContext *context,
			      GError **error);
const gchar *
hermes_registration_watch_get_dir(HermesRegistrationWatch *self);

G_END_DECLS
