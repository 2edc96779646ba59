/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-context.h"
#include "hermes-platform.h"

/*
 * Everything a probe or a backend reads from the machine goes through this
 * object: the filesystem root (tests hand it a temp tree), the environment
 * (a snapshot, so tests never touch the process environment), the OS
 * name (so the launchd and Windows probes can be tested on Linux) and the
 * scope (user or system) backends with two service managers act in.
 */
struct _HermesContext {
	GObject parent_instance;
	gchar *root;
	GStrv envp;
	gchar *os;
	HermesScope scope;
};

enum {
	PROP_0,
	PROP_ROOT,
	PROP_LAST
};

G_DEFINE_FINAL_TYPE(HermesContext, hermes_context, G_TYPE_OBJECT)

static const gchar *
hermes_context_default_os(void)
{
#if defined(G_OS_WIN32)
	return "windows";
#elif defined(__APPLE__)
	return "darwin";
#elif defined(__linux__)
	return "linux";
#else
	return "unknown";
#endif
}

static void
hermes_context_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	HermesContext *self = HERMES_CONTEXT(object);
	switch (prop_id) {
	case PROP_ROOT:
		g_value_set_string(value, self->root);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
hermes_context_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	HermesContext *self = HERMES_CONTEXT(object);
	switch (prop_id) {
	case PROP_ROOT:
		g_free(self->root);
		self->root = g_value_dup_string(value);
		if (self->root == NULL)
			self->root = g_strdup("/");
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
hermes_context_finalize(GObject *object)
{
	HermesContext *self = HERMES_CONTEXT(object);
	g_free(self->root);
	g_strfreev(self->envp);
	g_free(self->os);
	G_OBJECT_CLASS(hermes_context_parent_class)->finalize(object);
}

static void
hermes_context_class_init(HermesContextClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->get_property = hermes_context_get_property;
	object_class->set_property = hermes_context_set_property;
	object_class->finalize = hermes_context_finalize;

	/**
	 * HermesContext:root:
	 *
	 * The directory probes treat as `/`.
	 */
	g_object_class_install_property(object_class,
					PROP_ROOT,
					g_param_spec_string("root",
							    NULL,
							    NULL,
							    "/",
							    G_PARAM_READWRITE |
								    G_PARAM_CONSTRUCT_ONLY |
								    G_PARAM_STATIC_STRINGS));
}

static void
hermes_context_init(HermesContext *self)
{
	self->envp = g_get_environ();
	self->os = g_strdup(hermes_context_default_os());
}

/**
 * hermes_context_new:
 *
 * Returns: (transfer full): a context for the real machine and this process's environment
 */
HermesContext *
hermes_context_new(void)
{
	return g_object_new(HERMES_TYPE_CONTEXT, NULL);
}

/**
 * hermes_context_new_for_root:
 * @root: a directory that stands for `/`
 *
 * Returns: (transfer full): a context whose probes look below @root
 */
HermesContext *
hermes_context_new_for_root(const gchar *root)
{
	return g_object_new(HERMES_TYPE_CONTEXT, "root", root, NULL);
}

/**
 * hermes_context_get_root:
 * @self: a #HermesContext
 *
 * Returns: the root directory
 */
const gchar *
hermes_context_get_root(HermesContext *self)
{
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	return self->root;
}

/**
 * hermes_context_build_path:
 * @self: a #HermesContext
 * @path: an absolute path on the real machine, e.g. `/run/systemd/system`
 *
 * Returns: (transfer full): @path below the context's root
 */
gchar *
hermes_context_build_path(HermesContext *self, const gchar *path)
{
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	g_return_val_if_fail(path != NULL, NULL);
	if (g_strcmp0(self->root, "/") == 0)
		return g_strdup(path);
	return g_build_filename(self->root, path, NULL);
}

/**
 * hermes_context_get_boot_id:
 * @self: (nullable): a #HermesContext; %NULL for the real machine
 *
 * The one reader of the kernel's boot id, which tells a pid or a record
 * from this boot from one of an earlier boot (pids are reused across
 * reboots). Under a context with another root (tests) it is that root's
 * file, so a reboot can be staged.
 *
 * Returns: (transfer full) (nullable): the boot id, or %NULL when unknown
 */
gchar *
hermes_context_get_boot_id(HermesContext *self)
{
	static const gchar *path = "/proc/sys/kernel/random/boot_id";
	g_autofree gchar *where = NULL;
	g_autofree gchar *text = NULL;

	g_return_val_if_fail(self == NULL || HERMES_IS_CONTEXT(self), NULL);
	where = self != NULL ? hermes_context_build_path(self, path) : g_strdup(path);
	text = hermes_platform_read_proc(where, NULL);
	if (text == NULL || g_strstrip(text)[0] == '\0')
		return NULL;
	return g_steal_pointer(&text);
}

/**
 * hermes_context_getenv:
 * @self: a #HermesContext
 * @name: a variable name
 *
 * Returns: (nullable): the value in the context's environment
 */
const gchar *
hermes_context_getenv(HermesContext *self, const gchar *name)
{
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	return g_environ_getenv(self->envp, name);
}

/**
 * hermes_context_setenv:
 * @self: a #HermesContext
 * @name: a variable name
 * @value: (nullable): the value, or %NULL to unset it
 *
 * Changes the context's environment only, never the process's.
 */
void
hermes_context_setenv(HermesContext *self, const gchar *name, const gchar *value)
{
	g_return_if_fail(HERMES_IS_CONTEXT(self));
	g_return_if_fail(name != NULL);
	if (value == NULL)
		self->envp = g_environ_unsetenv(self->envp, name);
	else
		self->envp = g_environ_setenv(self->envp, name, value, TRUE);
}

/**
 * hermes_context_get_environ:
 * @self: a #HermesContext
 *
 * Returns: (transfer full): a copy of the context's environment
 */
GStrv
hermes_context_get_environ(HermesContext *self)
{
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	return g_strdupv(self->envp);
}

/**
 * hermes_context_get_os:
 * @self: a #HermesContext
 *
 * Returns: `linux`, `darwin`, `windows` or `unknown`
 */
const gchar *
hermes_context_get_os(HermesContext *self)
{
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	return self->os;
}

/**
 * hermes_context_set_os:
 * @self: a #HermesContext
 * @os: the OS name probes should see
 */
void
hermes_context_set_os(HermesContext *self, const gchar *os)
{
	g_return_if_fail(HERMES_IS_CONTEXT(self));
	g_return_if_fail(os != NULL);
	g_free(self->os);
	self->os = g_strdup(os);
}

/**
 * hermes_context_get_home_dir:
 * @self: a #HermesContext
 *
 * Returns: `$HOME` from the context, else the passwd entry's home
 */
const gchar *
hermes_context_get_home_dir(HermesContext *self)
{
	const gchar *home;
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	home = hermes_context_getenv(self, "HOME");
	if (home != NULL && home[0] == '/')
		return home;
	return g_get_home_dir();
}

/**
 * hermes_context_get_hermes_home:
 * @self: a #HermesContext
 *
 * Returns: (transfer full): `$HERMES_HOME`, else `~/.hermes`, canonicalised
 */
gchar *
hermes_context_get_hermes_home(HermesContext *self)
{
	const gchar *env;
	g_autofree gchar *path = NULL;
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	env = hermes_context_getenv(self, "HERMES_HOME");
	if (env != NULL && env[0] != '\0')
		path = g_strdup(env);
	else
		path = g_build_filename(hermes_context_get_home_dir(self), ".hermes", NULL);
	return g_canonicalize_filename(path, NULL);
}

/**
 * hermes_context_get_hermes_path:
 * @self: a #HermesContext
 *
 * The `hermes` program supervisors run: `$HERMES_CLI_PATH` when set (the
 * CLI sets it to itself, so a build tree runs its own binary), else the
 * installed one.
 *
 * Returns: (transfer full): an absolute path
 */
gchar *
hermes_context_get_hermes_path(HermesContext *self)
{
	const gchar *env;
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), NULL);
	env = hermes_context_getenv(self, "HERMES_CLI_PATH");
	if (env != NULL && g_path_is_absolute(env))
		return g_strdup(env);
	return g_build_filename(HERMES_BINDIR, "hermes", NULL);
}

/**
 * hermes_context_get_scope:
 * @self: a #HermesContext
 *
 * Returns: the scope backends act in; %HERMES_SCOPE_USER unless set
 */
HermesScope
hermes_context_get_scope(HermesContext *self)
{
	g_return_val_if_fail(HERMES_IS_CONTEXT(self), HERMES_SCOPE_USER);
	return self->scope;
}

/**
 * hermes_context_set_scope:
 * @self: a #HermesContext
 * @scope: the scope backends should act in
 *
 * Set before the backend is set up: backends read it once, in setup.
 */
void
hermes_context_set_scope(HermesContext *self, HermesScope scope)
{
	g_return_if_fail(HERMES_IS_CONTEXT(self));
	g_return_if_fail(scope == HERMES_SCOPE_USER || scope == HERMES_SCOPE_SYSTEM);
	self->scope = scope;
}
