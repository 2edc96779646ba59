/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-render-step.h"

/* one thing a backend would do, shown by `render` instead of being done */
struct _HermesRenderStep {
	gatomicrefcount refcount;
	HermesRenderStepKind kind;
	gchar *path;
	guint mode;
	gchar *contents;
	GStrv argv;
	gchar *description;
};

G_DEFINE_BOXED_TYPE(HermesRenderStep,
		    hermes_render_step,
		    hermes_render_step_ref,
		    hermes_render_step_unref)

static HermesRenderStep *
hermes_render_step_new(HermesRenderStepKind kind)
{
	HermesRenderStep *self = g_new0(HermesRenderStep, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->kind = kind;
	return self;
}

/**
 * hermes_render_step_new_file:
 * @path: the file's absolute path
 * @mode: its permission bits
 * @contents: its exact contents
 *
 * Returns: (transfer full): a new step
 */
HermesRenderStep *
hermes_render_step_new_file(const gchar *path, guint mode, const gchar *contents)
{
	HermesRenderStep *self = hermes_render_step_new(HERMES_RENDER_STEP_FILE);
	self->path = g_strdup(path);
	self->mode = mode;
	self->contents = g_strdup(contents);
	return self;
}

/**
 * hermes_render_step_new_directory:
 * @path: the directory's absolute path
 * @mode: its permission bits
 *
 * Returns: (transfer full): a new step
 */
HermesRenderStep *
hermes_render_step_new_directory(const gchar *path, guint mode)
{
	HermesRenderStep *self = hermes_render_step_new(HERMES_RENDER_STEP_DIRECTORY);
	self->path = g_strdup(path);
	self->mode = mode;
	return self;
}

/**
 * hermes_render_step_new_command:
 * @argv: (array zero-terminated=1): the command, or a request written as one
 * @description: (nullable): what it does, for humans
 *
 * Returns: (transfer full): a new step
 */
HermesRenderStep *
hermes_render_step_new_command(const gchar *const *argv, const gchar *description)
{
	HermesRenderStep *self = hermes_render_step_new(HERMES_RENDER_STEP_COMMAND);
	self->argv = g_strdupv((gchar **)argv);
	self->description = g_strdup(description);
	return self;
}

/**
 * hermes_render_step_ref:
 * @self: a #HermesRenderStep
 *
 * Returns: (transfer full): @self
 */
HermesRenderStep *
hermes_render_step_ref(HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_render_step_unref:
 * @self: (transfer full): a #HermesRenderStep
 */
void
hermes_render_step_unref(HermesRenderStep *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->path);
	g_free(self->contents);
	g_strfreev(self->argv);
	g_free(self->description);
	g_free(self);
}

/**
 * hermes_render_step_get_kind:
 * @self: a #HermesRenderStep
 *
 * Returns: the kind of step
 */
HermesRenderStepKind
hermes_render_step_get_kind(const HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, HERMES_RENDER_STEP_COMMAND);
	return self->kind;
}

/**
 * hermes_render_step_get_path:
 * @self: a #HermesRenderStep
 *
 * Returns: (nullable): the path of a file or directory step
 */
const gchar *
hermes_render_step_get_path(const HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->path;
}

/**
 * hermes_render_step_get_mode:
 * @self: a #HermesRenderStep
 *
 * Returns: the permission bits of a file or directory step
 */
guint
hermes_render_step_get_mode(const HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->mode;
}

/**
 * hermes_render_step_get_contents:
 * @self: a #HermesRenderStep
 *
 * Returns: (nullable): the contents of a file step
 */
const gchar *
hermes_render_step_get_contents(const HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->contents;
}

/**
 * hermes_render_step_get_argv:
 * @self: a #HermesRenderStep
 *
 * Returns: (nullable) (array zero-terminated=1) (transfer none): the command of a command step
 */
const gchar *const *
hermes_render_step_get_argv(const HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return (const gchar *const *)self->argv;
}

/**
 * hermes_render_step_get_description:
 * @self: a #HermesRenderStep
 *
 * Returns: (nullable): what a command step does
 */
const gchar *
hermes_render_step_get_description(const HermesRenderStep *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->description;
}
