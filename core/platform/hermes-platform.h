/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Part of the backend SDK (included by hermes-backend.h, C only, kept out of
 * the GIR): the platform helpers a backend needs to run gateways as their
 * users and to watch their processes. A later mingw build swaps the
 * implementation file, not the callers.
 */

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * HermesUser:
 * @name: the user name
 * @uid: the user id
 * @gid: the primary group id
 * @home: the home directory
 *
 * A user a gateway runs as, from hermes_platform_lookup_user().
 */
typedef struct {
	gchar *name;
	guint32 uid;
	guint32 gid;
	gchar *home;
} HermesUser;

void
hermes_user_free(HermesUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesUser, hermes_user_free)

HermesUser *
hermes_platform_lookup_user(const gchar *name, GError **error);
guint32
hermes_platform_get_euid(void);
gboolean
hermes_platform_rename_noreplace(const gchar *from, const gchar *to, GError **error);
gboolean
hermes_platform_process_alive(gint64 pid);
gchar *
hermes_platform_read_proc(const gchar *path, gsize *length);
gboolean
hermes_platform_spawn_detached(const gchar *const *argv,
			       const gchar *const *envp,
			       const gchar *log_path,
			       gint64 *pid_out,
			       GError **error);
gboolean
hermes_platform_wait_exit(gint64 pid, guint timeout_ms, GError **error);

G_END_DECLS
