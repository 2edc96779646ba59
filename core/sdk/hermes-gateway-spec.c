/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-profile.h"

struct _HermesGatewaySpec {
	gatomicrefcount refcount;
	gchar *profile;
	GStrv argv;
	GPtrArray *env_names; /* insertion order, so rendered files are stable */
	GHashTable *env;
	gchar *working_directory;
	gchar *user;
	gchar *log_directory;
	GArray *no_restart_codes;
	gint restart_now_code;
	guint restart_delay_ms;
	guint stop_timeout_ms;
	guint breaker_max_deaths;
	guint breaker_window_s;
	gboolean notify;
};

G_DEFINE_BOXED_TYPE(HermesGatewaySpec,
		    hermes_gateway_spec,
		    hermes_gateway_spec_ref,
		    hermes_gateway_spec_unref)

/**
 * hermes_gateway_spec_new:
 * @profile: a valid profile name
 * @error: return location for a #GError
 *
 * Creates the description of one supervised gateway with the contract
 * defaults: exit 0 and 78 never restart, 75 restarts at once, 1 s restart
 * delay, 90 s stop timeout, and a breaker of 5 deaths in 60 s.
 *
 * Returns: (transfer full) (nullable): a new spec, or %NULL if @profile is invalid
 */
HermesGatewaySpec *
hermes_gateway_spec_new(const gchar *profile, GError **error)
{
	HermesGatewaySpec *self;
	const gint defaults[] = {0, HERMES_EXIT_FATAL_CONFIG};

	if (!hermes_profile_name_validate(profile, error))
		return NULL;
	self = g_new0(HermesGatewaySpec, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->profile = g_strdup(profile);
	self->argv = g_new0(gchar *, 1);
	self->env_names = g_ptr_array_new_with_free_func(g_free);
	self->env = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->no_restart_codes = g_array_new(FALSE, FALSE, sizeof(gint));
	g_array_append_vals(self->no_restart_codes, defaults, G_N_ELEMENTS(defaults));
	self->restart_now_code = HERMES_EXIT_RESTART_NOW;
	self->restart_delay_ms = 1000;
	self->stop_timeout_ms = 90000;
	self->breaker_max_deaths = 5;
	self->breaker_window_s = 60;
	self->notify = TRUE;
	return self;
}

/**
 * hermes_gateway_spec_new_default:
 * @ctx: a #HermesContext
 * @profile: a valid profile name
 * @error: return location for a #GError
 *
 * The spec every backend supervises unless told otherwise: the absolute
 * `hermes` path with `[-p <profile>] gateway run --replace` (no `-p` for
 * `default`), run as `$HERMES_GATEWAY_USER` when set.
 *
 * Returns: (transfer full) (nullable): a new spec
 */
HermesGatewaySpec *
hermes_gateway_spec_new_default(HermesContext *ctx, const gchar *profile, GError **error)
{
	g_autoptr(HermesGatewaySpec) self = NULL;
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
	g_auto(GStrv) strv = NULL;
	g_autofree gchar *hermes = NULL;
	const gchar *user;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	self = hermes_gateway_spec_new(profile, error);
	if (self == NULL)
		return NULL;
	hermes = hermes_context_get_hermes_path(ctx);
	g_strv_builder_add(argv, hermes);
	if (g_strcmp0(profile, HERMES_PROFILE_DEFAULT) != 0) {
		g_strv_builder_add(argv, "-p");
		g_strv_builder_add(argv, profile);
	}
	g_strv_builder_addv(argv, (const gchar *[]){"gateway", "run", "--replace", NULL});
	strv = g_strv_builder_end(argv);
	hermes_gateway_spec_set_argv(self, (const gchar *const *)strv);
	user = hermes_context_getenv(ctx, "HERMES_GATEWAY_USER");
	if (user != NULL && user[0] != '\0')
		hermes_gateway_spec_set_user(self, user);
	return g_steal_pointer(&self);
}

/**
 * hermes_gateway_spec_ref:
 * @self: a #HermesGatewaySpec
 *
 * Returns: (transfer full): @self
 */
HermesGatewaySpec *
hermes_gateway_spec_ref(HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_gateway_spec_unref:
 * @self: (transfer full): a #HermesGatewaySpec
 */
void
hermes_gateway_spec_unref(HermesGatewaySpec *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->profile);
	g_strfreev(self->argv);
	g_ptr_array_unref(self->env_names);
	g_hash_table_unref(self->env);
	g_free(self->working_directory);
	g_free(self->user);
	g_free(self->log_directory);
	g_array_unref(self->no_restart_codes);
	g_free(self);
}

/**
 * hermes_gateway_spec_get_profile:
 * @self: a #HermesGatewaySpec
 *
 * Returns: the profile name
 */
const gchar *
hermes_gateway_spec_get_profile(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->profile;
}

/**
 * hermes_gateway_spec_get_argv:
 * @self: a #HermesGatewaySpec
 *
 * Returns: (array zero-terminated=1) (transfer none): the command to supervise
 */
const gchar *const *
hermes_gateway_spec_get_argv(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return (const gchar *const *)self->argv;
}

/**
 * hermes_gateway_spec_set_argv:
 * @self: a #HermesGatewaySpec
 * @argv: (array zero-terminated=1): the command; argv[0] should be absolute
 */
void
hermes_gateway_spec_set_argv(HermesGatewaySpec *self, const gchar *const *argv)
{
	g_return_if_fail(self != NULL);
	g_strfreev(self->argv);
	self->argv = argv != NULL ? g_strdupv((gchar **)argv) : g_new0(gchar *, 1);
}

/**
 * hermes_env_name_is_valid:
 * @name: (nullable): an environment variable name
 *
 * Returns: %TRUE if @name matches `[A-Za-z_][A-Za-z0-9_]*`
 */
gboolean
hermes_env_name_is_valid(const gchar *name)
{
	if (name == NULL || name[0] == '\0')
		return FALSE;
	if (!g_ascii_isalpha(name[0]) && name[0] != '_')
		return FALSE;
	for (const gchar *p = name + 1; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_')
			return FALSE;
	}
	return TRUE;
}

/**
 * hermes_gateway_spec_set_env:
 * @self: a #HermesGatewaySpec
 * @name: a variable name matching `[A-Za-z_][A-Za-z0-9_]*`
 * @value: (nullable): its value (valid UTF-8), or %NULL to remove it
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; %HERMES_ERROR_INVALID_ARGUMENT for a bad name or value
 */
gboolean
hermes_gateway_spec_set_env(HermesGatewaySpec *self,
			    const gchar *name,
			    const gchar *value,
			    GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (!hermes_env_name_is_valid(name)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "invalid environment variable name '%s': "
			    "use letters, digits and '_', not starting with a digit",
			    name != NULL ? name : "");
		return FALSE;
	}
	if (value == NULL) {
		if (g_hash_table_remove(self->env, name)) {
			for (guint i = 0; i < self->env_names->len; i++) {
				if (g_strcmp0(g_ptr_array_index(self->env_names, i), name) == 0) {
					g_ptr_array_remove_index(self->env_names, i);
					break;
				}
			}
		}
		return TRUE;
	}
	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "value of environment variable %s is not valid UTF-8",
			    name);
		return FALSE;
	}
	if (!g_hash_table_contains(self->env, name))
		g_ptr_array_add(self->env_names, g_strdup(name));
	g_hash_table_insert(self->env, g_strdup(name), g_strdup(value));
	return TRUE;
}

/**
 * hermes_gateway_spec_get_env:
 * @self: a #HermesGatewaySpec
 * @name: a variable name
 *
 * Returns: (nullable): the value of @name
 */
const gchar *
hermes_gateway_spec_get_env(const HermesGatewaySpec *self, const gchar *name)
{
	g_return_val_if_fail(self != NULL, NULL);
	return g_hash_table_lookup(self->env, name);
}

/**
 * hermes_gateway_spec_get_env_names:
 * @self: a #HermesGatewaySpec
 *
 * Returns: (transfer full): the variable names in the order they were first set
 */
GStrv
hermes_gateway_spec_get_env_names(const HermesGatewaySpec *self)
{
	GStrv result;
	g_return_val_if_fail(self != NULL, NULL);
	result = g_new0(gchar *, self->env_names->len + 1);
	for (guint i = 0; i < self->env_names->len; i++)
		result[i] = g_strdup(g_ptr_array_index(self->env_names, i));
	return result;
}

/**
 * hermes_gateway_spec_get_working_directory:
 * @self: a #HermesGatewaySpec
 *
 * Returns: (nullable): the working directory
 */
const gchar *
hermes_gateway_spec_get_working_directory(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->working_directory;
}

/**
 * hermes_gateway_spec_set_working_directory:
 * @self: a #HermesGatewaySpec
 * @path: (nullable): an absolute directory
 */
void
hermes_gateway_spec_set_working_directory(HermesGatewaySpec *self, const gchar *path)
{
	g_return_if_fail(self != NULL);
	g_free(self->working_directory);
	self->working_directory = g_strdup(path);
}

/**
 * hermes_gateway_spec_get_user:
 * @self: a #HermesGatewaySpec
 *
 * Returns: (nullable): the account the gateway runs as, %NULL for the caller
 */
const gchar *
hermes_gateway_spec_get_user(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->user;
}

/**
 * hermes_gateway_spec_set_user:
 * @self: a #HermesGatewaySpec
 * @user: (nullable): an account name, resolved when the backend applies it
 */
void
hermes_gateway_spec_set_user(HermesGatewaySpec *self, const gchar *user)
{
	g_return_if_fail(self != NULL);
	g_free(self->user);
	self->user = g_strdup(user);
}

/**
 * hermes_gateway_spec_get_log_directory:
 * @self: a #HermesGatewaySpec
 *
 * Returns: (nullable): where the gateway's logs go
 */
const gchar *
hermes_gateway_spec_get_log_directory(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->log_directory;
}

/**
 * hermes_gateway_spec_set_log_directory:
 * @self: a #HermesGatewaySpec
 * @path: (nullable): a directory
 */
void
hermes_gateway_spec_set_log_directory(HermesGatewaySpec *self, const gchar *path)
{
	g_return_if_fail(self != NULL);
	g_free(self->log_directory);
	self->log_directory = g_strdup(path);
}

/**
 * hermes_gateway_spec_is_no_restart_exit_code:
 * @self: a #HermesGatewaySpec
 * @code: an exit code
 *
 * Returns: %TRUE if the supervisor must not restart after @code
 */
gboolean
hermes_gateway_spec_is_no_restart_exit_code(const HermesGatewaySpec *self, gint code)
{
	g_return_val_if_fail(self != NULL, FALSE);
	for (guint i = 0; i < self->no_restart_codes->len; i++) {
		if (g_array_index(self->no_restart_codes, gint, i) == code)
			return TRUE;
	}
	return FALSE;
}

/**
 * hermes_gateway_spec_get_no_restart_exit_codes:
 * @self: a #HermesGatewaySpec
 * @n_codes: (out): the number of codes
 *
 * Returns: (array length=n_codes) (transfer none): exit codes that end the gateway for good
 */
const gint *
hermes_gateway_spec_get_no_restart_exit_codes(const HermesGatewaySpec *self, gsize *n_codes)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(n_codes != NULL, NULL);
	*n_codes = self->no_restart_codes->len;
	return (const gint *)(gpointer)self->no_restart_codes->data;
}

/**
 * hermes_gateway_spec_set_no_restart_exit_codes:
 * @self: a #HermesGatewaySpec
 * @codes: (array length=n_codes): exit codes in 0..255
 * @n_codes: the number of codes
 */
void
hermes_gateway_spec_set_no_restart_exit_codes(HermesGatewaySpec *self,
					      const gint *codes,
					      gsize n_codes)
{
	g_return_if_fail(self != NULL);
	g_array_set_size(self->no_restart_codes, 0);
	for (gsize i = 0; i < n_codes; i++) {
		if (codes[i] < 0 || codes[i] > 255 ||
		    hermes_gateway_spec_is_no_restart_exit_code(self, codes[i]))
			continue;
		g_array_append_val(self->no_restart_codes, codes[i]);
	}
}

/**
 * hermes_gateway_spec_get_restart_now_exit_code:
 * @self: a #HermesGatewaySpec
 *
 * Returns: the exit code that asks for an immediate restart (75 by default)
 */
gint
hermes_gateway_spec_get_restart_now_exit_code(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, HERMES_EXIT_RESTART_NOW);
	return self->restart_now_code;
}

/**
 * hermes_gateway_spec_set_restart_now_exit_code:
 * @self: a #HermesGatewaySpec
 * @code: an exit code in 1..255
 */
void
hermes_gateway_spec_set_restart_now_exit_code(HermesGatewaySpec *self, gint code)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(code > 0 && code <= 255);
	self->restart_now_code = code;
}

/**
 * hermes_gateway_spec_get_restart_delay_ms:
 * @self: a #HermesGatewaySpec
 *
 * Returns: the pause before a restart, in milliseconds
 */
guint
hermes_gateway_spec_get_restart_delay_ms(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->restart_delay_ms;
}

/**
 * hermes_gateway_spec_set_restart_delay_ms:
 * @self: a #HermesGatewaySpec
 * @delay_ms: the pause before a restart, in milliseconds
 */
void
hermes_gateway_spec_set_restart_delay_ms(HermesGatewaySpec *self, guint delay_ms)
{
	g_return_if_fail(self != NULL);
	self->restart_delay_ms = delay_ms;
}

/**
 * hermes_gateway_spec_get_stop_timeout_ms:
 * @self: a #HermesGatewaySpec
 *
 * Returns: how long a graceful drain may take before the supervisor kills
 */
guint
hermes_gateway_spec_get_stop_timeout_ms(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->stop_timeout_ms;
}

/**
 * hermes_gateway_spec_set_stop_timeout_ms:
 * @self: a #HermesGatewaySpec
 * @timeout_ms: the drain timeout in milliseconds
 */
void
hermes_gateway_spec_set_stop_timeout_ms(HermesGatewaySpec *self, guint timeout_ms)
{
	g_return_if_fail(self != NULL);
	self->stop_timeout_ms = timeout_ms;
}

/**
 * hermes_gateway_spec_get_breaker:
 * @self: a #HermesGatewaySpec
 * @max_deaths: (out) (optional): deaths that park the gateway
 * @window_s: (out) (optional): within this many seconds
 */
void
hermes_gateway_spec_get_breaker(const HermesGatewaySpec *self, guint *max_deaths, guint *window_s)
{
	g_return_if_fail(self != NULL);
	if (max_deaths != NULL)
		*max_deaths = self->breaker_max_deaths;
	if (window_s != NULL)
		*window_s = self->breaker_window_s;
}

/**
 * hermes_gateway_spec_set_breaker:
 * @self: a #HermesGatewaySpec
 * @max_deaths: deaths that park the gateway (at least 1)
 * @window_s: within this many seconds (at least 1)
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_gateway_spec_set_breaker(HermesGatewaySpec *self,
				guint max_deaths,
				guint window_s,
				GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (max_deaths == 0 || window_s == 0) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_INVALID_ARGUMENT,
			"circuit breaker needs at least 1 death in at least 1 second, got %u in %u",
			max_deaths,
			window_s);
		return FALSE;
	}
	self->breaker_max_deaths = max_deaths;
	self->breaker_window_s = window_s;
	return TRUE;
}

/**
 * hermes_gateway_spec_get_notify:
 * @self: a #HermesGatewaySpec
 *
 * Returns: whether the command signals readiness (the `hermes gateway run`
 * runner does; an arbitrary command does not)
 */
gboolean
hermes_gateway_spec_get_notify(const HermesGatewaySpec *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->notify;
}

/**
 * hermes_gateway_spec_set_notify:
 * @self: a #HermesGatewaySpec
 * @notify: whether the command writes a newline to `$HERMES_READY_FD` once ready
 */
void
hermes_gateway_spec_set_notify(HermesGatewaySpec *self, gboolean notify)
{
	g_return_if_fail(self != NULL);
	self->notify = notify;
}
