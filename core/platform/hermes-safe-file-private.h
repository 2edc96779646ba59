/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The safe file layer, written and read: what the two halves share
 * (core/platform/hermes-safe-file.c resolves and reads, core/platform/hermes-safe-write.c
 * replaces, appends and removes). Not installed.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void
hermes_safe_set_open_error(GError **error, gint errsv, const gchar *display);
gint
hermes_safe_open_parent(const gchar *root, const gchar *path, gchar **base, GError **error);
gboolean
hermes_safe_check_regular(gint fd, gsize max_size, const gchar *display, GError **error);

G_END_DECLS
