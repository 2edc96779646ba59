/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * HermesRenderStepKind:
 * @HERMES_RENDER_STEP_FILE: a file the backend would write
 * @HERMES_RENDER_STEP_DIRECTORY: a directory the backend would create
 * @HERMES_RENDER_STEP_COMMAND: a command or request the backend would issue
 */
typedef enum {
	HERMES_RENDER_STEP_FILE,
	HERMES_RENDER_STEP_DIRECTORY,
	HERMES_RENDER_STEP_COMMAND,
} HermesRenderStepKind;

#define HERMES_TYPE_RENDER_STEP (hermes_render_step_get_type())
typedef struct _HermesRenderStep HermesRenderStep;

GType
hermes_render_step_get_type(void);
HermesRenderStep *
hermes_render_step_new_file(const gchar *path, guint mode, const gchar *contents);
HermesRenderStep *
hermes_render_step_new_directory(const gchar *path, guint mode);
HermesRenderStep *
hermes_render_step_new_command(const gchar *const *argv, const gchar *description);
HermesRenderStep *
hermes_render_step_ref(HermesRenderStep *self);
void
hermes_render_step_unref(HermesRenderStep *self);
HermesRenderStepKind
hermes_render_step_get_kind(const HermesRenderStep *self);
const gchar *
hermes_render_step_get_path(const HermesRenderStep *self);
guint
hermes_render_step_get_mode(const HermesRenderStep *self);
const gchar *
hermes_render_step_get_contents(const HermesRenderStep *self);
const gchar *const *
hermes_render_step_get_argv(const HermesRenderStep *self);
const gchar *
hermes_render_step_get_description(const HermesRenderStep *self);

gboolean
hermes_render_step_is_applied(HermesRenderStep *step);
gboolean
hermes_render_steps_apply(GPtrArray *steps, gboolean *changed, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesRenderStep, hermes_render_step_unref)

G_END_DECLS
