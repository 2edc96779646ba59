/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

/**
 * HERMES_SAFE_MAX_STATE:
 *
 * The size cap for a state file, a pid record or a planned-stop marker:
 * hermes-agent's are a few hundred bytes; a megabyte is generous.
 */
#define HERMES_SAFE_MAX_STATE (1024 * 1024)
/**
 * HERMES_SAFE_MAX_ENV:
 *
 * The size cap for a profile's `.env`.
 */
#define HERMES_SAFE_MAX_ENV (64 * 1024)
/**
 * HERMES_SAFE_MAX_TEXT:
 *
 * The size cap for other small text files under a home (`SOUL.md`, config).
 */
#define HERMES_SAFE_MAX_TEXT (1024 * 1024)

gint
hermes_safe_open_dir(const gchar *root, const gchar *path, GError **error);
gchar *
hermes_safe_file_read(
	const gchar *root, const gchar *path, gsize max_size, gsize *length, GError **error);
gboolean
hermes_safe_file_replace(const gchar *root,
			 const gchar *path,
			 const gchar *contents,
			 gssize length,
			 guint mode,
			 GError **error);
gboolean
hermes_safe_files_replace_set(const gchar *root,
			      const gchar *const *paths,
			      const gchar *const *contents,
			      const guint *modes,
			      guint n,
			      GError **error);
gint
hermes_safe_file_open_append(const gchar *root, const gchar *path, guint mode, GError **error);
gboolean
hermes_safe_file_stat(const gchar *root, const gchar *path, struct stat *st, GError **error);
gboolean
hermes_safe_file_unlink(const gchar *root, const gchar *path, GError **error);
gboolean
hermes_safe_remove_tree(const gchar *root, const gchar *path, GError **error);
gint
hermes_safe_open_dir_at(gint dir_fd, const gchar *dir_path, const gchar *rel, GError **error);
gchar *
hermes_safe_file_read_at(gint dir_fd,
			 const gchar *dir_path,
			 const gchar *rel,
			 gsize max_size,
			 gsize *length,
			 GError **error);
gboolean
hermes_safe_file_stat_at(
	gint dir_fd, const gchar *dir_path, const gchar *rel, struct stat *st, GError **error);
gchar *
hermes_safe_file_read_stat_at(gint dir_fd,
			      const gchar *dir_path,
			      const gchar *rel,
			      gsize max_size,
			      gsize *length,
			      struct stat *st,
			      GError **error);
gboolean
hermes_safe_fd_is_volatile(gint fd);
void
hermes_safe_file_force_walk(gboolean force);

G_END_DECLS
