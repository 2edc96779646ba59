/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gchar *
hermes_shell_quote(const gchar *text);
gboolean
hermes_shell_check_text(const gchar *what, const gchar *text, GError **error);

G_END_DECLS
