/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private seams for everything platform-specific (ownership checks, user
 * lookup, no-replace renames). Not installed; a later mingw build swaps the
 * implementation file, not the callers.
 */

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

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
hermes_platform_check_trusted(gint fd, const gchar *what, GError **error);
gboolean
hermes_platform_check_trusted_dir(const gchar *path, GError **error);
gboolean
hermes_platform_rename_noreplace(const gchar *from, const gchar *to, GError **error);
gboolean
hermes_platform_fsync_dir(const gchar *dir, GError **error);
gchar *
hermes_platform_read_proc(const gchar *path, gsize *length);
gboolean
hermes_platform_read_proc_stat(gint64 pid, gchar *state, gint64 *start_time);
gint64
hermes_platform_get_start_time(gint64 pid);
gboolean
hermes_platform_process_alive(gint64 pid);
gboolean
hermes_platform_spawn_detached(const gchar *const *argv,
			       const gchar *const *envp,
			       const gchar *log_path,
			       gint64 *pid_out,
			       GError **error);
gboolean
hermes_platform_spawn_detached_beneath(const gchar *const *argv,
				       const gchar *const *envp,
				       const gchar *log_root,
				       const gchar *log_path,
				       gint64 *pid_out,
				       GError **error);
gboolean
hermes_platform_wait_exit(gint64 pid, guint timeout_ms, GError **error);
gint
hermes_platform_pidfd_open(gint64 pid, GError **error);
gboolean
hermes_platform_pidfd_send_signal(gint pidfd, gint sig, GError **error);
gboolean
hermes_platform_pidfd_wait(gint pidfd, guint timeout_ms);

G_END_DECLS
