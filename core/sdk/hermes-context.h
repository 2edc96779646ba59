/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HermesScope:
 * @HERMES_SCOPE_USER: the calling user's own service manager (the default)
 * @HERMES_SCOPE_SYSTEM: the machine's service manager (systemd system units,
 *   launchd daemons); changing it needs root
 *
 * Which service manager instance a backend with two of them talks to.
 */
typedef enum {
	HERMES_SCOPE_USER,
	HERMES_SCOPE_SYSTEM,
} HermesScope;

#define HERMES_TYPE_CONTEXT (hermes_context_get_type())
G_DECLARE_FINAL_TYPE(HermesContext, hermes_context, HERMES, CONTEXT, GObject)

HermesContext *
hermes_context_new(void);
HermesContext *
hermes_context_new_for_root(const gchar *root);
const gchar *
hermes_context_get_root(HermesContext *self);
gchar *
hermes_context_build_path(HermesContext *self, const gchar *path);
gchar *
hermes_context_get_boot_id(HermesContext *self);
const gchar *
hermes_context_getenv(HermesContext *self, const gchar *name);
void
hermes_context_setenv(HermesContext *self, const gchar *name, const gchar *value);
GStrv
hermes_context_get_environ(HermesContext *self);
const gchar *
hermes_context_get_os(HermesContext *self);
void
hermes_context_set_os(HermesContext *self, const gchar *os);
const gchar *
hermes_context_get_home_dir(HermesContext *self);
gchar *
hermes_context_get_hermes_home(HermesContext *self);
gchar *
hermes_context_get_hermes_path(HermesContext *self);
HermesScope
hermes_context_get_scope(HermesContext *self);
void
hermes_context_set_scope(HermesContext *self, HermesScope scope);

G_END_DECLS
