/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private: "something in this directory changed", without an inotify
 * instance. Not installed.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HermesDirNotify HermesDirNotify;
typedef void (*HermesDirNotifyFunc)(gpointer user_data);

HermesDirNotify *
hermes_dir_notify_new(const gchar *root,
		      const gchar *path,
		      HermesDirNotifyFunc func,
		      gpointer user_data,
		      GError **error);
void
hermes_dir_notify_free(HermesDirNotify *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesDirNotify, hermes_dir_notify_free)

G_END_DECLS
