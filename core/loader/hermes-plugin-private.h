/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* what the loader fills in, and its test seam; not installed */

#include "hermes-error.h"
#include "hermes-plugin.h"

G_BEGIN_DECLS

HermesPlugin *
hermes_plugin_new(const gchar *name, const gchar *path);
void
hermes_plugin_set_refused(HermesPlugin *self,
			  HermesPluginState state,
			  HermesError code,
			  const gchar *reason);
void
hermes_plugin_set_loaded(HermesPlugin *self,
			 guint abi_major,
			 guint abi_minor,
			 const gchar *version,
			 GType manager_type);
void
hermes_plugin_set_abi(HermesPlugin *self, guint abi_major, guint abi_minor);
void
hermes_plugin_set_probe(HermesPlugin *self, guint score, const gchar *reason);
void
hermes_plugin_set_chosen(HermesPlugin *self, gboolean chosen);

/* tests only: runs after every check on an open backend file, right before dlopen() */
typedef void (*HermesBackendLoaderCheckedFunc)(const gchar *path, gpointer user_data);
void
hermes_backend_loader_set_checked_func(HermesBackendLoaderCheckedFunc func, gpointer user_data);

G_END_DECLS
