/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean
hermes_s6_slot_matches(const gchar *scandir,
		       const gchar *slot_dir,
		       GPtrArray *steps,
		       gint64 gid,
		       gboolean *exists);

G_END_DECLS
