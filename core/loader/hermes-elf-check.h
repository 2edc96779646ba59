/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* what the backend loader checks before dlopen(), all on descriptors; not installed */

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

/* a backend larger than this is refused unread */
#define HERMES_ELF_CHECK_MAX_SIZE (64 * 1024 * 1024)

gint
hermes_elf_check_open_dir(const gchar *dirpath, GError **error);
gint
hermes_elf_check_open_file(
	gint dirfd, const gchar *basename, const gchar *path, struct stat *st, gchar **reason);
gboolean
hermes_elf_check_fd(gint fd, guint64 size, const gchar *what, GError **error);

G_END_DECLS
