/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *
hermes_dotenv_get(const gchar *text, gsize length, const gchar *key);
gchar *
hermes_env_file_get(const gchar *path, const gchar *key);

G_END_DECLS
