/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"

G_BEGIN_DECLS

#define HERMES_PROFILE_DEFAULT	"default"
#define HERMES_PROFILE_NAME_MAX 64
/* the file that makes a directory of profiles/ a profile (hermes-agent writes it) */
#define HERMES_PROFILE_SOUL_FILE "SOUL.md"

#define HERMES_TYPE_PROFILE (hermes_profile_get_type())
G_DECLARE_FINAL_TYPE(HermesProfile, hermes_profile, HERMES, PROFILE, GObject)

gboolean
hermes_profile_name_validate(const gchar *name, GError **error);
gchar *
hermes_profile_name_normalize(const gchar *name, GError **error);
gchar *
hermes_profile_get_root(HermesContext *ctx);
gchar *
hermes_profile_get_current_name(HermesContext *ctx);
gchar *
hermes_profile_home_in_root(const gchar *root, const gchar *name);
HermesProfile *
hermes_profile_lookup(HermesContext *ctx, const gchar *name, GError **error);
HermesProfile *
hermes_profile_create(HermesContext *ctx, const gchar *name, GError **error);
gboolean
hermes_profile_delete(HermesContext *ctx, const gchar *name, GError **error);
gboolean
hermes_profile_stop_stray_gateway(HermesProfile *self, gchar **warning, GError **error);
GPtrArray *
hermes_profile_list(HermesContext *ctx, GError **error);
gint
hermes_profile_name_compare(const gchar *a, const gchar *b);

const gchar *
hermes_profile_get_name(HermesProfile *self);
const gchar *
hermes_profile_get_home(HermesProfile *self);
gboolean
hermes_profile_is_default(HermesProfile *self);
gboolean
hermes_profile_exists(HermesProfile *self);
const gchar *
hermes_profile_get_trusted_root(HermesProfile *self);

G_END_DECLS
