/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

gboolean
hermes_s6_trust_tree(const gchar *scandir,
		     const gchar *slot_dir,
		     gboolean for_svscan,
		     GError **error);
gboolean
hermes_s6_trust_dir_fd(gint fd, const gchar *path, const gchar *scandir, GError **error);
gboolean
hermes_s6_trust_log_dir(const gchar *log_dir, GError **error);

G_END_DECLS
