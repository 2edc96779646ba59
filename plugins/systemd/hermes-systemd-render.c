/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The unit file of a gateway, as a pure function of the spec: nothing here
 * touches the disk or the bus, so golden files pin the exact text. Spec
 * text reaches the unit only through three functions: one for
 * `Environment=` values, one for `ExecStart=` words, one for plain values
 * that systemd expands `%` specifiers in. What no escaping makes sane
 * (newlines, control characters, relative paths) is refused.
 */

#include "config.h"

#include "hermes-systemd-render.h"

const gchar *
hermes_systemd_scope_to_string(HermesSystemdScope scope)
{
	return scope == HERMES_SYSTEMD_SCOPE_SYSTEM ? "system" : "user";
}

/**
 * hermes_systemd_unit_name:
 * @profile: a valid profile name
 *
 * Returns: (transfer full): `hermes-gateway.service` for `default`,
 * `hermes-gateway-<profile>.service` otherwise
 */
gchar *
hermes_systemd_unit_name(const gchar *profile)
{
	if (g_strcmp0(profile, HERMES_PROFILE_DEFAULT) == 0)
		return g_strdup(HERMES_SYSTEMD_UNIT_PREFIX HERMES_SYSTEMD_UNIT_SUFFIX);
	return g_strdup_printf(
		"%s-%s%s", HERMES_SYSTEMD_UNIT_PREFIX, profile, HERMES_SYSTEMD_UNIT_SUFFIX);
}

/**
 * hermes_systemd_profile_from_unit:
 * @unit: a unit file name
 *
 * The inverse of hermes_systemd_unit_name(). `hermes-gateway-default.service`
 * is nobody's: `default` has the bare name.
 *
 * Returns: (transfer full) (nullable): the profile, or %NULL if @unit is not a gateway's
 */
gchar *
hermes_systemd_profile_from_unit(const gchar *unit)
{
	g_autofree gchar *middle = NULL;
	gsize len;

	if (g_strcmp0(unit, HERMES_SYSTEMD_UNIT_PREFIX HERMES_SYSTEMD_UNIT_SUFFIX) == 0)
		return g_strdup(HERMES_PROFILE_DEFAULT);
	if (!g_str_has_prefix(unit, HERMES_SYSTEMD_UNIT_PREFIX "-") ||
	    !g_str_has_suffix(unit, HERMES_SYSTEMD_UNIT_SUFFIX))
		return NULL;
	len = strlen(unit) - strlen(HERMES_SYSTEMD_UNIT_PREFIX "-") -
	      strlen(HERMES_SYSTEMD_UNIT_SUFFIX);
	middle = g_strndup(unit + strlen(HERMES_SYSTEMD_UNIT_PREFIX "-"), len);
	if (g_strcmp0(middle, HERMES_PROFILE_DEFAULT) == 0 ||
	    !hermes_profile_name_validate(middle, NULL))
		return NULL;
	return g_steal_pointer(&middle);
}

/**
 * hermes_systemd_escape_env_value:
 * @text: an environment value (no control characters)
 *
 * The one function for `Environment="NAME=value"`: inside the double
 * quotes systemd undoes C escapes and expands `%` specifiers, so `\`,
 * `"` and `%` are escaped; `$` is not expanded in `Environment=`.
 *
 * Returns: (transfer full): @text escaped for the inside of the quotes
 */
gchar *
hermes_systemd_escape_env_value(const gchar *text)
{
	GString *out = g_string_sized_new(strlen(text) + 8);
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			g_string_append_c(out, '\\');
		else if (*p == '%')
			g_string_append_c(out, '%');
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

static gint
hermes_systemd_render_cmp(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* in place, so what is rendered does not depend on the order the spec was built in */
static void
hermes_systemd_render_sort(GStrv strv)
{
	g_qsort_with_data(
		strv, (gint)g_strv_length(strv), sizeof(gchar *), hermes_systemd_render_cmp, NULL);
}

/* characters an ExecStart= word may carry bare */
static gboolean
hermes_systemd_word_is_safe(const gchar *word)
{
	if (word[0] == '\0')
		return FALSE;
	for (const gchar *p = word; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("_@+=:,./-", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

/**
 * hermes_systemd_quote_word:
 * @word: one argument (no control characters)
 *
 * One `ExecStart=` word: safe text stays bare, anything else is
 * double-quoted with `\` and `"` backslash-escaped, `%` written `%%`
 * (specifiers) and `$` written `$$` (variable expansion). A quoted `;`
 * is an argument, not a command separator.
 *
 * Returns: (transfer full): @word as exactly one argument
 */
gchar *
hermes_systemd_quote_word(const gchar *word)
{
	GString *out;
	if (hermes_systemd_word_is_safe(word))
		return g_strdup(word);
	out = g_string_new("\"");
	for (const gchar *p = word; *p != '\0'; p++) {
		if (*p == '\\' || *p == '"')
			g_string_append_c(out, '\\');
		else if (*p == '%')
			g_string_append_c(out, '%');
		else if (*p == '$')
			g_string_append_c(out, '$');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
	return g_string_free(out, FALSE);
}

/**
 * hermes_systemd_escape_specifiers:
 * @text: a value systemd expands specifiers in but does not unquote
 *   (`WorkingDirectory=`, `User=`)
 *
 * Returns: (transfer full): @text with `%` written `%%`
 */
gchar *
hermes_systemd_escape_specifiers(const gchar *text)
{
	g_auto(GStrv) parts = g_strsplit(text, "%", -1);
	return g_strjoinv("%%", parts);
}

/**
 * hermes_systemd_format_msec:
 * @msec: a duration in milliseconds
 *
 * Returns: (transfer full): a systemd time span, `90s` or `1500ms`
 */
gchar *
hermes_systemd_format_msec(guint64 msec)
{
	if (msec % 1000 == 0)
		return g_strdup_printf("%" G_GUINT64_FORMAT "s", msec / 1000);
	return g_strdup_printf("%" G_GUINT64_FORMAT "ms", msec);
}

/* user and group names as systemd accepts them everywhere, without quoting */
static gboolean
hermes_systemd_check_account(const gchar *what, const gchar *name, GError **error)
{
	gboolean ok = name[0] != '\0' && name[0] != '-' && strlen(name) <= 256;
	for (const gchar *p = name; *p != '\0' && ok; p++)
		ok = g_ascii_isalnum(*p) || strchr("._-", *p) != NULL;
	if (!ok) {
		g_autofree gchar *shown = g_strescape(name, NULL);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%s '%s' is not a valid account name for a unit file "
			    "(letters, digits, '.', '_' and '-', not starting with '-')",
			    what,
			    shown);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_systemd_render_check_spec:
 * @opts: the scope and what the backend adds
 * @spec: the spec to render
 * @error: return location for a #GError
 *
 * Refuses what no escaping makes sane: an empty or relative command,
 * newlines or control characters anywhere, a relative working directory
 * or one ending in whitespace (systemd would strip it), an account name
 * systemd would reject, and a system unit without a run-as user.
 *
 * Returns: %TRUE if @spec can be rendered
 */
gboolean
hermes_systemd_render_check_spec(const HermesSystemdRenderOptions *opts,
				 HermesGatewaySpec *spec,
				 GError **error)
{
	const gchar *const *argv = hermes_gateway_spec_get_argv(spec);
	g_auto(GStrv) names = hermes_gateway_spec_get_env_names(spec);
	const gchar *user = hermes_gateway_spec_get_user(spec);
	const gchar *workdir = hermes_gateway_spec_get_working_directory(spec);

	if (argv[0] == NULL) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "the gateway command is empty");
		return FALSE;
	}
	for (guint i = 0; argv[i] != NULL; i++) {
		g_autofree gchar *what = g_strdup_printf("argument %u of the gateway command", i);
		if (!hermes_shell_check_text(what, argv[i], error))
			return FALSE;
	}
	if (!g_path_is_absolute(argv[0])) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "the gateway command must start with an absolute path, not '%s'",
			    argv[0]);
		return FALSE;
	}
	for (guint i = 0; names[i] != NULL; i++) {
		g_autofree gchar *what = g_strdup_printf("environment variable %s", names[i]);
		if (!hermes_shell_check_text(
			    what, hermes_gateway_spec_get_env(spec, names[i]), error))
			return FALSE;
	}
	if (opts->hermes_home != NULL &&
	    !hermes_shell_check_text("HERMES_HOME", opts->hermes_home, error))
		return FALSE;
	if (workdir != NULL) {
		if (!hermes_shell_check_text("the working directory", workdir, error))
			return FALSE;
		if (!g_path_is_absolute(workdir) || g_ascii_isspace(workdir[strlen(workdir) - 1])) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "the working directory must be an absolute path without "
				    "trailing whitespace, not '%s'",
				    workdir);
			return FALSE;
		}
	}
	if (user != NULL && !hermes_systemd_check_account("the run-as user", user, error))
		return FALSE;
	if (opts->group != NULL && !hermes_systemd_check_account("the group", opts->group, error))
		return FALSE;
	if (opts->scope == HERMES_SYSTEMD_SCOPE_SYSTEM && user == NULL) {
		g_set_error_literal(
			error,
			HERMES_ERROR,
			HERMES_ERROR_INVALID_ARGUMENT,
			"a system unit needs a run-as user: set HERMES_GATEWAY_USER "
			"(HERMES_GATEWAY_USER=root runs the gateway as root, deliberately)");
		return FALSE;
	}
	return TRUE;
}

static void
hermes_systemd_render_env(GString *out, const gchar *name, const gchar *value)
{
	g_autofree gchar *escaped = hermes_systemd_escape_env_value(value);
	g_string_append_printf(out, "Environment=\"%s=%s\"\n", name, escaped);
}

static void
hermes_systemd_render_codes(GString *out, const gchar *key, const gint *codes, gsize n_codes)
{
	if (n_codes == 0)
		return;
	g_string_append_printf(out, "%s=", key);
	for (gsize i = 0; i < n_codes; i++)
		g_string_append_printf(out, "%s%d", i > 0 ? " " : "", codes[i]);
	g_string_append_c(out, '\n');
}

/* every word quoted as it needs */
static void
hermes_systemd_render_exec_start(GString *out, const gchar *const *argv)
{
	g_string_append(out, "ExecStart=");
	for (guint i = 0; argv[i] != NULL; i++) {
		g_autofree gchar *word = hermes_systemd_quote_word(argv[i]);
		g_string_append_printf(out, "%s%s", i > 0 ? " " : "", word);
	}
	g_string_append_c(out, '\n');
}

/* the spec's variables and HERMES_HOME, sorted, then the contract's */
static void
hermes_systemd_render_environment(GString *out,
				  const HermesSystemdRenderOptions *opts,
				  HermesGatewaySpec *spec)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) spec_names = hermes_gateway_spec_get_env_names(spec);

	/* sorted, so the unit does not change when the spec is built in another order */
	for (guint i = 0; spec_names[i] != NULL; i++) {
		if (g_strcmp0(spec_names[i], "HERMES_SUPERVISED_CHILD") != 0)
			g_ptr_array_add(names, g_strdup(spec_names[i]));
	}
	if (opts->hermes_home != NULL && hermes_gateway_spec_get_env(spec, "HERMES_HOME") == NULL)
		g_ptr_array_add(names, g_strdup("HERMES_HOME"));
	g_ptr_array_add(names, NULL);
	hermes_systemd_render_sort((GStrv)names->pdata);
	for (guint i = 0; i + 1 < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		const gchar *value = hermes_gateway_spec_get_env(spec, name);
		hermes_systemd_render_env(out, name, value != NULL ? value : opts->hermes_home);
	}
	hermes_systemd_render_env(out, "HERMES_SUPERVISED_CHILD", "1");
}

/**
 * hermes_systemd_render_unit:
 * @opts: the scope and what the backend adds
 * @spec: what to run
 * @error: return location for a #GError
 *
 * The whole contract in one file: readiness through `sd_notify`
 * (`Type=notify`, the runner sends `READY=1`), restart always after the
 * spec's delay except on its no-restart codes (0 and 78), an immediate
 * restart on its restart-now code (75), the spec's circuit breaker as a
 * start limit, a drain of the spec's stop timeout before SIGKILL, and
 * `HERMES_SUPERVISED_CHILD=1` for the gateway.
 *
 * Returns: (transfer full) (nullable): the unit file's text
 */
gchar *
hermes_systemd_render_unit(const HermesSystemdRenderOptions *opts,
			   HermesGatewaySpec *spec,
			   GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *const *argv = hermes_gateway_spec_get_argv(spec);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	const gchar *user = hermes_gateway_spec_get_user(spec);
	const gchar *workdir = hermes_gateway_spec_get_working_directory(spec);
	gboolean system = opts->scope == HERMES_SYSTEMD_SCOPE_SYSTEM;
	gboolean notify = hermes_gateway_spec_get_notify(spec);
	gint restart_now = hermes_gateway_spec_get_restart_now_exit_code(spec);
	g_autofree gchar *restart_sec = NULL;
	g_autofree gchar *stop_sec = NULL;
	const gint *codes;
	gsize n_codes = 0;
	guint max_deaths = 0;
	guint window_s = 0;

	if (!hermes_systemd_render_check_spec(opts, spec, error))
		return NULL;
	hermes_gateway_spec_get_breaker(spec, &max_deaths, &window_s);
	codes = hermes_gateway_spec_get_no_restart_exit_codes(spec, &n_codes);
	restart_sec = hermes_systemd_format_msec(hermes_gateway_spec_get_restart_delay_ms(spec));
	stop_sec = hermes_systemd_format_msec(hermes_gateway_spec_get_stop_timeout_ms(spec));

	g_string_append_printf(out,
			       "# generated by hermes-svc for gateway '%s': edits are overwritten\n"
			       "[Unit]\n"
			       "Description=Hermes gateway (profile %s)\n",
			       profile,
			       profile);
	if (system)
		g_string_append(out,
				"After=network-online.target\n"
				"Wants=network-online.target\n");
	/* the circuit breaker: this many starts (restarts included) in the window park the unit */
	g_string_append_printf(out,
			       "StartLimitIntervalSec=%us\n"
			       "StartLimitBurst=%u\n"
			       "\n"
			       "[Service]\n",
			       window_s,
			       max_deaths);
	if (notify)
		g_string_append(out, "Type=notify\nNotifyAccess=main\n");
	else
		g_string_append(out, "Type=exec\n");
	hermes_systemd_render_exec_start(out, argv);
	if (workdir != NULL) {
		g_autofree gchar *dir = hermes_systemd_escape_specifiers(workdir);
		g_string_append_printf(out, "WorkingDirectory=%s\n", dir);
	}
	if (system) {
		g_string_append_printf(out, "User=%s\n", user);
		if (opts->group != NULL)
			g_string_append_printf(out, "Group=%s\n", opts->group);
	}
	hermes_systemd_render_environment(out, opts, spec);
	g_string_append_printf(out, "Restart=always\nRestartSec=%s\n", restart_sec);
	hermes_systemd_render_codes(out, "RestartPreventExitStatus", codes, n_codes);
	/* a restart request is a success that restarts at once, never a crash */
	g_string_append_printf(out,
			       "SuccessExitStatus=%d\n"
			       "RestartForceExitStatus=%d\n",
			       restart_now,
			       restart_now);
	/* SIGTERM to the gateway only; what is left of the unit gets SIGKILL after the drain */
	g_string_append_printf(out,
			       "KillMode=mixed\n"
			       "TimeoutStopSec=%s\n"
			       "\n"
			       "[Install]\n"
			       "WantedBy=%s\n",
			       stop_sec,
			       system ? "multi-user.target" : "default.target");
	return g_string_free(g_steal_pointer(&out), FALSE);
}
