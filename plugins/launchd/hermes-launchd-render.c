/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd job of a gateway, as a pure function of the spec: an XML
 * plist (launchd.plist(5)) that golden files pin byte for byte. Every piece
 * of text from the spec goes through hermes_launchd_xml_escape(). The small
 * reader at the end reads such plists back (the backend checks whose home
 * an existing plist pins; the tests read what launchd would run).
 */

#include "config.h"

#include "hermes-launchd-render.h"

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
 * hermes_launchd_xml_escape:
 * @what: what @text is, for the error message
 * @text: UTF-8 text
 * @error: return location for a #GError
 *
 * The one escaping function of the plist: `& < > " '` become entities and
 * a carriage return becomes `&#13;` (an XML parser would turn a literal
 * one into a newline). Tabs and newlines are kept. XML 1.0 cannot carry
 * any other control character, not even as a character reference, so
 * those are refused, as is invalid UTF-8.
 *
 * Returns: (transfer full) (nullable): the escaped text
 */
gchar *
hermes_launchd_xml_escape(const gchar *what, const gchar *text, GError **error)
{
	g_autoptr(GString) out = NULL;

	if (!g_utf8_validate(text, -1, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "%s is not valid UTF-8",
			    what);
		return NULL;
	}
	out = g_string_sized_new(strlen(text));
	for (const gchar *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		switch (c) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		case '\'':
			g_string_append(out, "&apos;");
			break;
		case '\r':
			g_string_append(out, "&#13;");
			break;
		case '\t':
		case '\n':
			g_string_append_c(out, (gchar)c);
			break;
		default:
			if (c < 0x20 || c == 0xFFFE || c == 0xFFFF) {
				g_set_error(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_ARGUMENT,
					    "%s contains the control character U+%04X, which a "
					    "plist cannot carry",
					    what,
					    c);
				return NULL;
			}
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
			break;
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
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

static void
hermes_launchd_render_indent(GString *out, guint depth)
{
	for (guint i = 0; i < depth; i++)
		g_string_append_c(out, '\t');
}

static gboolean
hermes_launchd_render_key(GString *out, guint depth, const gchar *key, GError **error)
{
	g_autofree gchar *text = hermes_launchd_xml_escape("a plist key", key, error);
	if (text == NULL)
		return FALSE;
	hermes_launchd_render_indent(out, depth);
	g_string_append_printf(out, "<key>%s</key>\n", text);
	return TRUE;
}

static gboolean
hermes_launchd_render_string(
	GString *out, guint depth, const gchar *what, const gchar *value, GError **error)
{
	g_autofree gchar *text = hermes_launchd_xml_escape(what, value, error);
	if (text == NULL)
		return FALSE;
	hermes_launchd_render_indent(out, depth);
	g_string_append_printf(out, "<string>%s</string>\n", text);
	return TRUE;
}

static gboolean
hermes_launchd_render_string_member(
	GString *out, guint depth, const gchar *key, const gchar *value, GError **error)
{
	return hermes_launchd_render_key(out, depth, key, error) &&
	       hermes_launchd_render_string(out, depth, key, value, error);
}

/* @key is one of ours: nothing to escape */
static void
hermes_launchd_render_int_member(GString *out, guint depth, const gchar *key, guint value)
{
	hermes_launchd_render_indent(out, depth);
	g_string_append_printf(out, "<key>%s</key>\n", key);
	hermes_launchd_render_indent(out, depth);
	g_string_append_printf(out, "<integer>%u</integer>\n", value);
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
	if (!hermes_launchd_render_key(out, 1, "EnvironmentVariables", error))
		return FALSE;
	g_string_append(out, "\t<dict>\n");
	for (guint i = 0; keys[i] != NULL; i++) {
		g_autofree gchar *what = g_strdup_printf("environment variable %s", keys[i]);
		if (!hermes_launchd_render_key(out, 2, keys[i], error) ||
		    !hermes_launchd_render_string(
			    out, 2, what, g_hash_table_lookup(env, keys[i]), error))
			return FALSE;
	}
	g_string_append(out, "\t</dict>\n");
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
	stdout_path = g_build_filename(log_dir, "gateway.log", NULL);
	stderr_path = g_build_filename(log_dir, "gateway.error.log", NULL);

	g_string_append(out,
			"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
			"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
			"<!-- generated by hermes-svc: edits are overwritten -->\n"
			"<plist version=\"1.0\">\n"
			"<dict>\n");
	if (!hermes_launchd_render_string_member(out, 1, "Label", label, error))
		return NULL;
	if (opts->user_name != NULL &&
	    !hermes_launchd_render_string_member(out, 1, "UserName", opts->user_name, error))
		return NULL;
	if (!hermes_launchd_render_key(out, 1, "ProgramArguments", error))
		return NULL;
	g_string_append(out, "\t<array>\n");
	for (guint i = 0; argv[i] != NULL; i++) {
		g_autofree gchar *what = g_strdup_printf("argument %u of the gateway command", i);
		if (!hermes_launchd_render_string(out, 2, what, argv[i], error))
			return NULL;
	}
	g_string_append(out, "\t</array>\n");
	if (!hermes_launchd_render_env(out, opts, spec, label, argv[0], error))
		return NULL;
	if (!hermes_launchd_render_string_member(out, 1, "WorkingDirectory", workdir, error))
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
	hermes_launchd_render_int_member(
		out,
		1,
		"ThrottleInterval",
		hermes_launchd_render_seconds(hermes_gateway_spec_get_restart_delay_ms(spec)));
	hermes_launchd_render_int_member(
		out,
		1,
		"ExitTimeOut",
		hermes_launchd_render_seconds(hermes_gateway_spec_get_stop_timeout_ms(spec)));
	if (!hermes_launchd_render_string_member(out, 1, "StandardOutPath", stdout_path, error) ||
	    !hermes_launchd_render_string_member(out, 1, "StandardErrorPath", stderr_path, error))
		return NULL;
	g_string_append(out, "</dict>\n</plist>\n");
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/*****************************************************************************/
/* reading a plist back */

typedef enum {
	HERMES_LAUNCHD_FRAME_DICT,
	HERMES_LAUNCHD_FRAME_ARRAY,
} HermesLaunchdFrameKind;

typedef struct {
	HermesLaunchdFrameKind kind;
	GVariantBuilder builder;
	gchar *key;	  /* a dict's key waiting for its value */
	GHashTable *seen; /* a dict's keys so far: duplicates are refused */
} HermesLaunchdFrame;

typedef struct {
	GPtrArray *frames; /* HermesLaunchdFrame */
	GString *text;
	gboolean in_plist;
	gboolean in_leaf;
	GVariant *result;
} HermesLaunchdReader;

static void
hermes_launchd_frame_free(gpointer data)
{
	HermesLaunchdFrame *frame = data;
	g_variant_builder_clear(&frame->builder);
	g_free(frame->key);
	if (frame->seen != NULL)
		g_hash_table_unref(frame->seen);
	g_free(frame);
}

static gboolean
hermes_launchd_reader_fail(GError **error, const gchar *message)
{
	g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, message);
	return FALSE;
}

static HermesLaunchdFrame *
hermes_launchd_reader_top(HermesLaunchdReader *reader)
{
	if (reader->frames->len == 0)
		return NULL;
	return g_ptr_array_index(reader->frames, reader->frames->len - 1);
}

/* a finished value goes into its container, or becomes the result */
static gboolean
hermes_launchd_reader_add(HermesLaunchdReader *reader, GVariant *value, GError **error)
{
	HermesLaunchdFrame *top = hermes_launchd_reader_top(reader);
	g_autoptr(GVariant) owned = g_variant_ref_sink(value);

	if (top == NULL) {
		if (reader->result != NULL)
			return hermes_launchd_reader_fail(error, "more than one top-level value");
		reader->result = g_steal_pointer(&owned);
		return TRUE;
	}
	if (top->kind == HERMES_LAUNCHD_FRAME_ARRAY) {
		g_variant_builder_add(&top->builder, "v", owned);
		return TRUE;
	}
	if (top->key == NULL)
		return hermes_launchd_reader_fail(error, "a dict value without a key");
	g_variant_builder_add(&top->builder, "{sv}", top->key, owned);
	g_clear_pointer(&top->key, g_free);
	return TRUE;
}

static gboolean
hermes_launchd_reader_is_leaf(const gchar *name)
{
	const gchar *leaves[] = {"key", "string", "integer", "real", "date", "data"};
	for (guint i = 0; i < G_N_ELEMENTS(leaves); i++) {
		if (g_strcmp0(name, leaves[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
hermes_launchd_reader_start(GMarkupParseContext *context,
			    const gchar *name,
			    const gchar **attr_names,
			    const gchar **attr_values,
			    gpointer user_data,
			    GError **error)
{
	HermesLaunchdReader *reader = user_data;
	HermesLaunchdFrame *top = hermes_launchd_reader_top(reader);

	if (reader->in_leaf) {
		hermes_launchd_reader_fail(error, "an element inside a text element");
		return;
	}
	if (g_strcmp0(name, "plist") == 0) {
		if (reader->in_plist || reader->result != NULL) {
			hermes_launchd_reader_fail(error, "a nested <plist>");
			return;
		}
		reader->in_plist = TRUE;
		return;
	}
	if (!reader->in_plist) {
		hermes_launchd_reader_fail(error, "the root element is not <plist>");
		return;
	}
	if (attr_names[0] != NULL) {
		hermes_launchd_reader_fail(error, "attributes on a plist value");
		return;
	}
	if (top != NULL && top->kind == HERMES_LAUNCHD_FRAME_DICT &&
	    (g_strcmp0(name, "key") == 0) == (top->key != NULL)) {
		hermes_launchd_reader_fail(error, "a dict must alternate <key> and value");
		return;
	}
	if (g_strcmp0(name, "key") == 0 &&
	    (top == NULL || top->kind != HERMES_LAUNCHD_FRAME_DICT)) {
		hermes_launchd_reader_fail(error, "a <key> outside a <dict>");
		return;
	}
	if (g_strcmp0(name, "dict") == 0 || g_strcmp0(name, "array") == 0) {
		HermesLaunchdFrame *frame = g_new0(HermesLaunchdFrame, 1);
		gboolean dict = g_strcmp0(name, "dict") == 0;
		frame->kind = dict ? HERMES_LAUNCHD_FRAME_DICT : HERMES_LAUNCHD_FRAME_ARRAY;
		g_variant_builder_init(&frame->builder,
				       dict ? G_VARIANT_TYPE("a{sv}") : G_VARIANT_TYPE("av"));
		if (dict)
			frame->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_ptr_array_add(reader->frames, frame);
		return;
	}
	if (hermes_launchd_reader_is_leaf(name)) {
		reader->in_leaf = TRUE;
		g_string_truncate(reader->text, 0);
		return;
	}
	if (g_strcmp0(name, "true") == 0 || g_strcmp0(name, "false") == 0)
		return;
	g_set_error(error,
		    G_MARKUP_ERROR,
		    G_MARKUP_ERROR_UNKNOWN_ELEMENT,
		    "<%s> is not a plist element",
		    name);
}

static GVariant *
hermes_launchd_reader_integer(const gchar *text, GError **error)
{
	gint64 value = 0;
	g_autoptr(GError) error_local = NULL;
	if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &value, &error_local)) {
		g_set_error(error,
			    G_MARKUP_ERROR,
			    G_MARKUP_ERROR_INVALID_CONTENT,
			    "<integer>%s</integer>: %s",
			    text,
			    error_local->message);
		return NULL;
	}
	return g_variant_new_int64(value);
}

static void
hermes_launchd_reader_end(GMarkupParseContext *context,
			  const gchar *name,
			  gpointer user_data,
			  GError **error)
{
	HermesLaunchdReader *reader = user_data;
	HermesLaunchdFrame *top = hermes_launchd_reader_top(reader);
	GVariant *value = NULL;

	if (g_strcmp0(name, "plist") == 0) {
		reader->in_plist = FALSE;
		if (reader->result == NULL)
			hermes_launchd_reader_fail(error, "an empty <plist>");
		return;
	}
	reader->in_leaf = FALSE;
	if (g_strcmp0(name, "key") == 0) {
		if (g_hash_table_contains(top->seen, reader->text->str)) {
			g_set_error(error,
				    G_MARKUP_ERROR,
				    G_MARKUP_ERROR_INVALID_CONTENT,
				    "the key '%s' appears twice in one dict",
				    reader->text->str);
			return;
		}
		g_hash_table_add(top->seen, g_strdup(reader->text->str));
		top->key = g_strdup(reader->text->str);
		return;
	}
	if (g_strcmp0(name, "dict") == 0 || g_strcmp0(name, "array") == 0) {
		HermesLaunchdFrame *frame =
			g_ptr_array_steal_index(reader->frames, reader->frames->len - 1);
		if (frame->key != NULL) {
			hermes_launchd_frame_free(frame);
			hermes_launchd_reader_fail(error, "a dict key without a value");
			return;
		}
		value = g_variant_builder_end(&frame->builder);
		hermes_launchd_frame_free(frame);
	} else if (g_strcmp0(name, "true") == 0 || g_strcmp0(name, "false") == 0) {
		value = g_variant_new_boolean(g_strcmp0(name, "true") == 0);
	} else if (g_strcmp0(name, "integer") == 0) {
		value = hermes_launchd_reader_integer(reader->text->str, error);
		if (value == NULL)
			return;
	} else {
		/* string, and the kinds hermes-svc never writes (real, date, data) as text */
		value = g_variant_new_string(reader->text->str);
	}
	hermes_launchd_reader_add(reader, value, error);
}

static void
hermes_launchd_reader_text(GMarkupParseContext *context,
			   const gchar *text,
			   gsize len,
			   gpointer user_data,
			   GError **error)
{
	HermesLaunchdReader *reader = user_data;
	if (reader->in_leaf) {
		g_string_append_len(reader->text, text, (gssize)len);
		return;
	}
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isspace(text[i])) {
			hermes_launchd_reader_fail(error, "text outside a text element");
			return;
		}
	}
}

/**
 * hermes_launchd_plist_parse:
 * @text: an XML plist
 * @length: its length, or -1 if NUL-terminated
 * @error: return location for a #GError
 *
 * Reads the XML plists hermes-svc writes (and any other XML plist without
 * binary data): `dict` becomes `a{sv}`, `array` `av`, `string` `s`,
 * `integer` `x`, `true`/`false` `b`; `real`, `date` and `data` are kept as
 * their text. Duplicate keys, stray text and unknown elements are errors.
 *
 * Returns: (transfer full) (nullable): the top-level value
 */
GVariant *
hermes_launchd_plist_parse(const gchar *text, gssize length, GError **error)
{
	const GMarkupParser parser = {
		hermes_launchd_reader_start,
		hermes_launchd_reader_end,
		hermes_launchd_reader_text,
		NULL,
		NULL,
	};
	HermesLaunchdReader reader = {NULL, NULL, FALSE, FALSE, NULL};
	g_autoptr(GMarkupParseContext) context = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	reader.frames = g_ptr_array_new_with_free_func(hermes_launchd_frame_free);
	reader.text = g_string_new(NULL);
	context =
		g_markup_parse_context_new(&parser, G_MARKUP_PREFIX_ERROR_POSITION, &reader, NULL);
	ok = g_markup_parse_context_parse(context, text, length, &error_local) &&
	     g_markup_parse_context_end_parse(context, &error_local);
	g_ptr_array_unref(reader.frames);
	g_string_free(reader.text, TRUE);
	if (ok && reader.result == NULL)
		g_set_error_literal(
			&error_local, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY, "no <plist> value");
	if (error_local != NULL) {
		g_clear_pointer(&reader.result, g_variant_unref);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "not a plist: %s",
			    error_local->message);
		return NULL;
	}
	return reader.result;
}
