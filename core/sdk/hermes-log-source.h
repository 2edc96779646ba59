/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HermesLogFormat:
 * @HERMES_LOG_FORMAT_S6: an s6-log directory: `current` and rotated
 *   `@<tai64n>.s`/`.u` files, each line stamped by s6-log (`T` or `t`)
 * @HERMES_LOG_FORMAT_PLAIN: plain files named by the source, without stamps
 * @HERMES_LOG_FORMAT_JOURNAL: the systemd journal of one unit
 */
typedef enum {
	HERMES_LOG_FORMAT_S6,
	HERMES_LOG_FORMAT_PLAIN,
	HERMES_LOG_FORMAT_JOURNAL,
} HermesLogFormat;

#define HERMES_TYPE_LOG_SOURCE (hermes_log_source_get_type())
typedef struct _HermesLogSource HermesLogSource;

GType
hermes_log_source_get_type(void);
HermesLogSource *
hermes_log_source_new_s6(const gchar *root, const gchar *directory);
HermesLogSource *
hermes_log_source_new_plain(const gchar *root, const gchar *directory, const gchar *const *files);
HermesLogSource *
hermes_log_source_new_journal(const gchar *unit, gboolean system);
HermesLogSource *
hermes_log_source_ref(HermesLogSource *self);
void
hermes_log_source_unref(HermesLogSource *self);
HermesLogFormat
hermes_log_source_get_format(const HermesLogSource *self);
const gchar *
hermes_log_source_get_root(const HermesLogSource *self);
const gchar *
hermes_log_source_get_directory(const HermesLogSource *self);
const gchar *const *
hermes_log_source_get_files(const HermesLogSource *self);
const gchar *
hermes_log_source_get_unit(const HermesLogSource *self);
gboolean
hermes_log_source_get_system(const HermesLogSource *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesLogSource, hermes_log_source_unref)

G_END_DECLS
