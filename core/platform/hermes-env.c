/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The one truthiness rule for every environment flag of hermes-svc.
 * Upstream had five (a case list, a lowercased set, "any non-empty
 * value", y/on, _TRUTHY); here `=0` never opts in or out by accident,
 * and a value that is neither is reported instead of guessed.
 */

#include "config.h"

#include "hermes-env.h"

static const gchar *hermes_env_true[] = {"1", "true", "yes", "on"};
static const gchar *hermes_env_false[] = {"0", "false", "no", "off", ""};

/**
 * hermes_env_flag:
 * @value: (nullable): the variable's value, %NULL when it is unset
 * @recognised: (out) (optional): set to %FALSE when @value is neither true nor false
 *
 * Case-insensitive `1`, `true`, `yes` and `on` are true; `0`, `false`,
 * `no`, `off`, the empty string and an unset variable are false. Anything
 * else (`maybe`, `2`, `=0`, ` 1`) is false and not recognised, so the
 * caller can warn about it. Surrounding spaces are not trimmed: a value
 * the shell did not mean is not silently accepted.
 *
 * Returns: the flag
 */
gboolean
hermes_env_flag(const gchar *value, gboolean *recognised)
{
	if (recognised != NULL)
		*recognised = TRUE;
	if (value == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(hermes_env_true); i++) {
		if (g_ascii_strcasecmp(value, hermes_env_true[i]) == 0)
			return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(hermes_env_false); i++) {
		if (g_ascii_strcasecmp(value, hermes_env_false[i]) == 0)
			return FALSE;
	}
	if (recognised != NULL)
		*recognised = FALSE;
	return FALSE;
}

/**
 * hermes_context_env_flag:
 * @ctx: a #HermesContext
 * @name: the variable name, e.g. `HERMES_GATEWAY_NO_SUPERVISE`
 * @warning: (out) (optional) (nullable) (transfer full): a one-line warning
 *   for a value that is not a truth value, else %NULL
 *
 * Reads @name from the context's environment with hermes_env_flag().
 *
 * Returns: the flag
 */
gboolean
hermes_context_env_flag(HermesContext *ctx, const gchar *name, gchar **warning)
{
	const gchar *value;
	gboolean recognised = TRUE;
	gboolean flag;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), FALSE);
	g_return_val_if_fail(name != NULL, FALSE);
	if (warning != NULL)
		*warning = NULL;
	value = hermes_context_getenv(ctx, name);
	flag = hermes_env_flag(value, &recognised);
	if (!recognised && warning != NULL) {
		g_autofree gchar *shown = g_strescape(value, NULL);
		*warning = g_strdup_printf("%s='%s' is not a truth value (use 1/true/yes/on or "
					   "0/false/no/off); treating it as false",
					   name,
					   shown);
	}
	return flag;
}
