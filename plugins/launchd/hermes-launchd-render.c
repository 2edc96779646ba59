/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd job of a gateway, as a pure function of the spec: an XML
 * plist (launchd.plist(5)) that golden files pin byte for byte. Every piece
 * of text from the spec goes through hermes_launchd_xml_escape()
 * (hermes-launchd-xml.c); hermes-launchd-plist-reader.c reads plists back.
 */

#include "config.h"

#include "hermes-launchd-render.h"
#include "hermes-launchd-xml.h"

static gint
hermes_launchd_render_cmp(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* in place, so what is rendered does not depend on the order the spec was built in */
static void
hermes_launchd_render_sort(GStrv strv)
{
	g_qsort_with_data(
		strv, (gint)g_strv_length(strv), sizeof(gchar *), hermes_launchd_render_cmp, NULL);
}

/* where launchd looks for programs when the plist names no PATH: launchd's own default
 * plus the usual Homebrew prefixes; the directory of `hermes` itself comes first */
static const gchar *const hermes_launchd_default_path[] = {
	"/opt/homebrew/bin",
	"/usr/local/bin",
	"/usr/bin",
	"/bin",
	"/usr/sbin",
	"/sbin",
};

/**
 * hermes_launchd_label:
 * @profile: a valid profile name
 *
 * Returns: (transfer full): `ai.hermes.gateway` for `default`, else `ai.hermes.gateway-<profile>`
 */
gchar *
hermes_launchd_label(const gchar *profile)
{
	if (g_strcmp0(profile, HERMES_PROFILE_DEFAULT) == 0)
		return g_strdup(HERMES_LAUNCHD_LABEL_BASE);
	return g_strdup_printf("%s-%s", HERMES_LAUNCHD_LABEL_BASE, profile);
}

/**
 * hermes_launchd_plist_name:
 * @profile: a valid profile name
 *
 * Returns: (transfer full): `<label>.plist`
 */
gchar *
hermes_launchd_plist_name(const gchar *profile)
{
	g_autofree gchar *label = hermes_launchd_label(profile);
	return g_strdup_printf("%s.plist", label);
}

/**
 * hermes_launchd_profile_from_plist_name:
 * @basename: a file name in the LaunchAgents directory
 *
 * Returns: (transfer full) (nullable): the profile whose plist this is, or
 *   %NULL for anything hermes-svc did not name
 */
gchar *
hermes_launchd_profile_from_plist_name(const gchar *basename)
{
	g_autofree gchar *label = NULL;
	const gchar *suffix;

	if (!g_str_has_suffix(basename, ".plist"))
		return NULL;
	label = g_strndup(basename, strlen(basename) - strlen(".plist"));
	if (g_strcmp0(label, HERMES_LAUNCHD_LABEL_BASE) == 0)
		return g_strdup(HERMES_PROFILE_DEFAULT);
	if (!g_str_has_prefix(label, HERMES_LAUNCHD_LABEL_BASE "-"))
		return NULL;
	suffix = label + strlen(HERMES_LAUNCHD_LABEL_BASE "-");
	/* `default` is never suffixed, so `…-default.plist` is not ours */
	if (g_strcmp0(suffix, HERMES_PROFILE_DEFAULT) == 0 ||
	    !hermes_profile_name_validate(suffix, NULL))
		return NULL;
	return g_strdup(suffix);
}

/**
 * hermes_launchd_render_argv:
 * @spec: the gateway
 *
 * The spec's command without `--replace`: under KeepAlive, two profiles
 * that share a token would take over from each other forever (upstream
 * #79048). launchd already runs one instance per label.
 *
 * Returns: (transfer full): the `ProgramArguments`
 */
GStrv
hermes_launchd_render_argv(HermesGatewaySpec *spec)
{
	const gchar *const *argv = hermes_gateway_spec_get_argv(spec);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	for (guint i = 0; argv[i] != NULL; i++) {
		if (i > 0 && g_strcmp0(argv[i], "--replace") == 0)
			continue;
		g_strv_builder_add(builder, argv[i]);
	}
	return g_strv_builder_end(builder);
}

/**
 * hermes_launchd_render_log_dir:
 * @opts: the profile's home
 * @spec: the gateway
 *
 * Returns: (transfer full): the spec's log directory, else `<home>/logs`
 */
gchar *
hermes_launchd_render_log_dir(const HermesLaunchdRenderOptions *opts, HermesGatewaySpec *spec)
{
	const gchar *dir = hermes_gateway_spec_get_log_directory(spec);
	if (dir != NULL)
		return g_strdup(dir);
	return g_build_filename(opts->home, "logs", NULL);
}

static gboolean
hermes_launchd_render_check_path(const gchar *what, const gchar *path, GError **error)
{
	if (path != NULL && g_path_is_absolute(path))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_ARGUMENT,
		    "%s must be an absolute path, not '%s'",
		    what,
		    path != NULL ? path : "");
	return FALSE;
}

/* launchd restarts every exit KeepAlive does not exempt, and it can exempt only 0 */
static gboolean
hermes_launchd_render_check_exit_codes(HermesGatewaySpec *spec, GError **error)
{
	gsize n_codes = 0;
	const gint *codes = hermes_gateway_spec_get_no_restart_exit_codes(spec, &n_codes);
	for (gsize i = 0; i < n_codes; i++) {
		if (codes[i] == 0 || codes[i] == HERMES_EXIT_FATAL_CONFIG)
			continue;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_SUPPORTED,
			    "launchd cannot exempt exit code %d from KeepAlive: only a clean "
			    "exit (and %d, which the gateway turns into 0 under launchd) stops "
			    "restarts",
			    codes[i],
			    HERMES_EXIT_FATAL_CONFIG);
		return FALSE;
	}
	return TRUE;
}

/* name -> value: the spec's environment, then the contract, which wins */
static GHashTable *
hermes_launchd_render_environment(const HermesLaunchdRenderOptions *opts,
				  HermesGatewaySpec *spec,
				  const gchar *label,
				  const gchar *program)
{
	GHashTable *env = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) names = hermes_gateway_spec_get_env_names(spec);

	for (guint i = 0; names[i] != NULL; i++)
		g_hash_table_insert(env,
				    g_strdup(names[i]),
				    g_strdup(hermes_gateway_spec_get_env(spec, names[i])));
	/* launchd reads no shell profile: without PATH a payload finds only /usr/bin:/bin */
	if (!g_hash_table_contains(env, "PATH")) {
		g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(parts, g_path_get_dirname(program));
		for (guint i = 0; i < G_N_ELEMENTS(hermes_launchd_default_path); i++) {
			if (g_strcmp0(g_ptr_array_index(parts, 0),
				      hermes_launchd_default_path[i]) == 0)
				continue;
			g_ptr_array_add(parts, g_strdup(hermes_launchd_default_path[i]));
		}
		g_ptr_array_add(parts, NULL);
		g_hash_table_insert(env, g_strdup("PATH"), g_strjoinv(":", (gchar **)parts->pdata));
	}
	g_hash_table_insert(env, g_strdup("HERMES_HOME"), g_strdup(opts->home));
	g_hash_table_insert(env, g_strdup("HERMES_SUPERVISED_CHILD"), g_strdup("1"));
	/* launchd sets XPC_SERVICE_NAME itself; the plist says so too, because the
	 * gateway's exit-code contract depends on it: with it set (and not "0") a
	 * fatal configuration is recorded as startup_failed and exits 0, which
	 * KeepAlive={SuccessfulExit=false} does not restart. launchd cannot exempt 78. */
	g_hash_table_insert(env, g_strdup("XPC_SERVICE_NAME"), g_strdup(label));
	return env;
}

static guint
hermes_launchd_render_seconds(guint ms)
{
	return MAX(1, (ms + 999) / 1000);
}

static gboolean
hermes_launchd_render_env(GString *out,
			  const HermesLaunchdRenderOptions *opts,
			  HermesGatewaySpec *spec,
			  const gchar *label,
			  const gchar *program,
			  GError **error)
{
	g_autoptr(GHashTable) env = hermes_launchd_render_environment(opts, spec, label, program);
	g_autofree gchar **keys = (gchar **)g_hash_table_get_keys_as_array(env, NULL);

	/* sorted, so the plist does not change when the spec is built in another order */
	hermes_launchd_render_sort(keys);
	if (!hermes_launchd_xml_key(out, 1, "EnvironmentVariables", error))
		return FALSE;
	g_string_append(out, "\t<dict>\n");
	for (guint i = 0; keys[i] != NULL; i++) {
		g_autofree gchar *what = g_strdup_printf("environment variable %s", keys[i]);
		if (!hermes_launchd_xml_key(out, 2, keys[i], error) ||
		    !hermes_launchd_xml_string(
			    out, 2, what, g_hash_table_lookup(env, keys[i]), error))
			return FALSE;
	}
	g_string_append(out, "\t</dict>\n");
	return TRUE;
}

static gboolean
hermes_launchd_render_program(GString *out, const gchar *const *argv, GError **error)
{
	if (!hermes_launchd_xml_key(out, 1, "ProgramArguments", error))
		return FALSE;
	g_string_append(out, "\t<array>\n");
	for (guint i = 0; argv[i] != NULL; i++) {
		g_autofree gchar *what = g_strdup_printf("argument %u of the gateway command", i);
		if (!hermes_launchd_xml_string(out, 2, what, argv[i], error))
			return FALSE;
	}
	g_string_append(out, "\t</array>\n");
	return TRUE;
}

/**
 * hermes_launchd_render_plist:
 * @opts: the profile's home and, for a LaunchDaemon, the user to run as
 * @spec: the gateway
 * @error: return location for a #GError
 *
 * The keys, in this order: `Label`, `UserName` (daemons only),
 * `ProgramArguments` (the spec's command without `--replace`),
 * `EnvironmentVariables` (the spec's, `PATH` unless the spec sets it, and
 * the contract: `HERMES_HOME`, `HERMES_SUPERVISED_CHILD=1`,
 * `XPC_SERVICE_NAME=<label>`), `WorkingDirectory` (the spec's, else the
 * home), `RunAtLoad`, `KeepAlive` (`{SuccessfulExit: false}` when exit 0
 * means "stay down", which it does by default: a clean exit parks the job,
 * a crash is relaunched), `ThrottleInterval` (the restart delay, whole
 * seconds), `ExitTimeOut` (the stop timeout) and the two log paths in the
 * log directory.
 *
 * Returns: (transfer full) (nullable): the plist, or %NULL if @spec asks
 *   for something launchd cannot do or a plist cannot carry
 */
gchar *
hermes_launchd_render_plist(const HermesLaunchdRenderOptions *opts,
			    HermesGatewaySpec *spec,
			    GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree gchar *label = hermes_launchd_label(hermes_gateway_spec_get_profile(spec));
	g_autofree gchar *log_dir = hermes_launchd_render_log_dir(opts, spec);
	g_autofree gchar *stdout_path = NULL;
	g_autofree gchar *stderr_path = NULL;
	g_auto(GStrv) argv = hermes_launchd_render_argv(spec);
	const gchar *workdir = hermes_gateway_spec_get_working_directory(spec);

	if (argv[0] == NULL) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "the gateway command is empty");
		return NULL;
	}
	if (!hermes_launchd_render_check_path("the gateway command", argv[0], error) ||
	    !hermes_launchd_render_check_path("the profile home", opts->home, error) ||
	    !hermes_launchd_render_check_path("the log directory", log_dir, error) ||
	    (workdir != NULL &&
	     !hermes_launchd_render_check_path("the working directory", workdir, error)) ||
	    !hermes_launchd_render_check_exit_codes(spec, error))
		return NULL;
	if (workdir == NULL)
		workdir = opts->home;
	stdout_path = g_build_filename(log_dir, HERMES_LAUNCHD_STDOUT_LOG, NULL);
	stderr_path = g_build_filename(log_dir, HERMES_LAUNCHD_STDERR_LOG, NULL);

	g_string_append(out,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
			"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
			"<!-- generated by hermes-svc: edits are overwritten -->\n"
			"<plist version=\"1.0\">\n"
			"<dict>\n");
	if (!hermes_launchd_xml_string_member(out, 1, "Label", label, error))
		return NULL;
	if (opts->user_name != NULL &&
	    !hermes_launchd_xml_string_member(out, 1, "UserName", opts->user_name, error))
		return NULL;
	if (!hermes_launchd_render_program(out, (const gchar *const *)argv, error))
		return NULL;
	if (!hermes_launchd_render_env(out, opts, spec, label, argv[0], error))
		return NULL;
	if (!hermes_launchd_xml_string_member(out, 1, "WorkingDirectory", workdir, error))
		return NULL;
	g_string_append(out, "\t<key>RunAtLoad</key>\n\t<true/>\n");
	if (hermes_gateway_spec_is_no_restart_exit_code(spec, 0))
		g_string_append(out,
				"\t<key>KeepAlive</key>\n"
				"\t<dict>\n"
				"\t\t<key>SuccessfulExit</key>\n"
				"\t\t<false/>\n"
				"\t</dict>\n");
	else
		g_string_append(out, "\t<key>KeepAlive</key>\n\t<true/>\n");
	hermes_launchd_xml_int_member(
		out,
		1,
		"ThrottleInterval",
		hermes_launchd_render_seconds(hermes_gateway_spec_get_restart_delay_ms(spec)));
	hermes_launchd_xml_int_member(
		out,
		1,
		"ExitTimeOut",
		hermes_launchd_render_seconds(hermes_gateway_spec_get_stop_timeout_ms(spec)));
	if (!hermes_launchd_xml_string_member(out, 1, "StandardOutPath", stdout_path, error) ||
	    !hermes_launchd_xml_string_member(out, 1, "StandardErrorPath", stderr_path, error))
		return NULL;
	g_string_append(out, "</dict>\n</plist>\n");
	return g_string_free(g_steal_pointer(&out), FALSE);
}
