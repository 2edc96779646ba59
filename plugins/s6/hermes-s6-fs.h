/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* what a supervise/lock says about its s6-supervise */
typedef enum {
	HERMES_S6_LOCK_ABSENT,	/* never supervised (or not readable) */
	HERMES_S6_LOCK_FREE,	/* an s6-supervise was here and is gone */
	HERMES_S6_LOCK_HELD,	/* an s6-supervise runs for the directory */
	HERMES_S6_LOCK_UNKNOWN, /* the lock cannot be opened or tested by us */
} HermesS6LockState;

gint
hermes_s6_open_beneath_fd(gint dir_fd, const gchar *rel, gint flags);
gint
hermes_s6_open_beneath(const gchar *root, const gchar *dir, const gchar *rel, gint flags);
HermesS6LockState
hermes_s6_lock_state(const gchar *scandir, const gchar *dir);
HermesS6LockState
hermes_s6_lock_state_at(gint supervise_fd);
gboolean
hermes_s6_slot_released(const gchar *scandir, const gchar *dir);
gint
hermes_s6_scandir_lock(const gchar *scandir, guint timeout_ms, GError **error);
gboolean
hermes_s6_path_exists(const gchar *scandir, const gchar *path);
gchar *
hermes_s6_user_name(guint uid);

G_END_DECLS
