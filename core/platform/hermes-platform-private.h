/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private platform seams of core (ownership checks, /proc, pidfds); not
 * installed, not exported. The part backends use is hermes-platform.h.
 */

#include "hermes-platform.h"

G_BEGIN_DECLS

gboolean
hermes_platform_check_trusted(gint fd, const gchar *what, GError **error);
gboolean
hermes_platform_check_trusted_dir(const gchar *path, GError **error);
gboolean
hermes_platform_fsync_dir(const gchar *dir, GError **error);
gboolean
hermes_platform_read_proc_stat(gint64 pid, gchar *state, gint64 *start_time);
gint64
hermes_platform_get_start_time(gint64 pid);
gchar *
hermes_platform_read_fd(gint fd, gsize *length);
gboolean
hermes_platform_spawn_detached_beneath(const gchar *const *argv,
				       const gchar *const *envp,
				       const gchar *log_root,
				       const gchar *log_path,
				       gint64 *pid_out,
				       GError **error);
gint
hermes_platform_pidfd_open(gint64 pid, GError **error);
gboolean
hermes_platform_pidfd_send_signal(gint pidfd, gint sig, GError **error);
gboolean
hermes_platform_pidfd_wait(gint pidfd, guint timeout_ms);

G_END_DECLS
