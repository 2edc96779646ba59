/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "hermes-log-source.h"

/* where a backend says a gateway's log is; core reads it (hermes-log-reader.c) */
struct _HermesLogSource {
	gatomicrefcount refcount;
	HermesLogFormat format;
	gchar *root;
	gchar *directory;
	GStrv files;
	gchar *unit;
	gboolean system;
};

G_DEFINE_BOXED_TYPE(HermesLogSource,
		    hermes_log_source,
		    hermes_log_source_ref,
		    hermes_log_source_unref)

static HermesLogSource *
hermes_log_source_new(HermesLogFormat format)
{
	HermesLogSource *self = g_new0(HermesLogSource, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->format = format;
	return self;
}

/**
 * hermes_log_source_new_s6:
 * @root: (nullable): the trusted root the directory lies beneath (no link
 *   below it is followed); %NULL trusts the directory's parent
 * @directory: the s6-log directory (absolute)
 *
 * Returns: (transfer full): a source of `current` and its rotated files
 */
HermesLogSource *
hermes_log_source_new_s6(const gchar *root, const gchar *directory)
{
	HermesLogSource *self = hermes_log_source_new(HERMES_LOG_FORMAT_S6);
	g_return_val_if_fail(directory != NULL && g_path_is_absolute(directory), NULL);
	self->root = g_strdup(root);
	self->directory = g_strdup(directory);
	return self;
}

/**
 * hermes_log_source_new_plain:
 * @root: (nullable): the trusted root the directory lies beneath
 * @directory: the directory holding the files (absolute)
 * @files: (array zero-terminated=1): file names in @directory, one stream each
 *   (e.g. standard output, then standard error)
 *
 * Returns: (transfer full): a source of unstamped files
 */
HermesLogSource *
hermes_log_source_new_plain(const gchar *root, const gchar *directory, const gchar *const *files)
{
	HermesLogSource *self = hermes_log_source_new(HERMES_LOG_FORMAT_PLAIN);
	g_return_val_if_fail(directory != NULL && g_path_is_absolute(directory), NULL);
	g_return_val_if_fail(files != NULL && files[0] != NULL, NULL);
	for (guint i = 0; files[i] != NULL; i++)
		g_return_val_if_fail(strchr(files[i], '/') == NULL, NULL);
	self->root = g_strdup(root);
	self->directory = g_strdup(directory);
	self->files = g_strdupv((gchar **)files);
	return self;
}

/**
 * hermes_log_source_new_journal:
 * @unit: the systemd unit whose journal is the log
 * @system: %TRUE for the system journal, %FALSE for the user's
 *
 * Returns: (transfer full): a journal source
 */
HermesLogSource *
hermes_log_source_new_journal(const gchar *unit, gboolean system)
{
	HermesLogSource *self = hermes_log_source_new(HERMES_LOG_FORMAT_JOURNAL);
	g_return_val_if_fail(unit != NULL, NULL);
	self->unit = g_strdup(unit);
	self->system = system;
	return self;
}

/**
 * hermes_log_source_ref:
 * @self: a source
 *
 * Returns: (transfer full): @self
 */
HermesLogSource *
hermes_log_source_ref(HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_log_source_unref:
 * @self: (transfer full): a source
 */
void
hermes_log_source_unref(HermesLogSource *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->root);
	g_free(self->directory);
	g_strfreev(self->files);
	g_free(self->unit);
	g_free(self);
}

/**
 * hermes_log_source_get_format:
 * @self: a source
 *
 * Returns: how the log is kept
 */
HermesLogFormat
hermes_log_source_get_format(const HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, HERMES_LOG_FORMAT_PLAIN);
	return self->format;
}

/**
 * hermes_log_source_get_root:
 * @self: a source
 *
 * Returns: (nullable): the trusted root of the directory
 */
const gchar *
hermes_log_source_get_root(const HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->root;
}

/**
 * hermes_log_source_get_directory:
 * @self: a source
 *
 * Returns: (nullable): the log directory; %NULL for a journal
 */
const gchar *
hermes_log_source_get_directory(const HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->directory;
}

/**
 * hermes_log_source_get_files:
 * @self: a source
 *
 * Returns: (nullable) (array zero-terminated=1): the plain files; %NULL otherwise
 */
const gchar *const *
hermes_log_source_get_files(const HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return (const gchar *const *)self->files;
}

/**
 * hermes_log_source_get_unit:
 * @self: a source
 *
 * Returns: (nullable): the journal's unit; %NULL for files
 */
const gchar *
hermes_log_source_get_unit(const HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->unit;
}

/**
 * hermes_log_source_get_system:
 * @self: a source
 *
 * Returns: %TRUE for the system journal
 */
gboolean
hermes_log_source_get_system(const HermesLogSource *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->system;
}
