/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private: per-home serialisation (an flock on a file below the home,
 * opened without following links) and the safe way to open such files.
 * Not installed.
 */

#include <glib.h>

G_BEGIN_DECLS

/* below a home's run/ directory */
#define HERMES_HOME_LOCK_DIR	   "run"
#define HERMES_HOME_LOCK_RECONCILE "reconcile.lock"
#define HERMES_HOME_LOCK_WAIT_MS   30000

typedef struct _HermesHomeLock HermesHomeLock;

gint
hermes_home_lock_open_file(const gchar *root,
			   const gchar *dir,
			   const gchar *name,
			   gint flags,
			   guint mode,
			   GError **error);
HermesHomeLock *
hermes_home_lock_acquire(
	const gchar *root, const gchar *home, const gchar *name, guint timeout_ms, GError **error);
void
hermes_home_lock_release(HermesHomeLock *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesHomeLock, hermes_home_lock_release)

G_END_DECLS
