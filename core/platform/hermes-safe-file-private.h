/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The safe file layer, written and read: what the two halves share
 * (core/platform/hermes-safe-file.c resolves and reads, core/platform/hermes-safe-write.c
 * replaces, appends and removes, core/platform/hermes-safe-temp.c makes and sweeps the
 * temporaries a replace goes through). Not installed.
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

/* a batch on one thread: each named root opened once (see hermes-safe-file.c);
 * release only when hold returned TRUE, so a batch inside a batch keeps the outer one */
gboolean
hermes_safe_roots_hold(void);
void
hermes_safe_roots_release(void);

/* hermes-safe-temp.c: the temporary behind hermes_safe_file_replace() */
gint
hermes_safe_temp_create(gint dir_fd, const gchar *base, guint mode, gchar **name);
gboolean
hermes_safe_temp_publish(gint fd, const gchar *name, gint dir_fd, const gchar *base);
void
hermes_safe_temp_sweep(gint dir_fd, const gchar *base);

gboolean
hermes_safe_fill_temp(gint fd,
		      gboolean durable,
		      const gchar *contents,
		      gsize len,
		      guint mode,
		      const gchar *display,
		      GError **error);

G_END_DECLS
