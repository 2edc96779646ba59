/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The one rule for hermes-agent's multiplexer: when it is on, the default
 * profile's gateway serves every named profile, so a named profile's own
 * gateway is not meant to run. The boot reconciler registers named slots
 * down, HermesGatewayControl refuses to start, stop or restart them
 * without force, and the report does not call a down one a problem.
 *
 * Whether it is on, as upstream decides it (gateway/config.py, and the boot
 * reconciler's fallback):
 *  1. `GATEWAY_MULTIPLEX_PROFILES`, stripped and lowercased, when it is
 *     `1/true/yes/on` or `0/false/no/off`, wins in both directions; blank is
 *     unset, anything else is ignored with a warning (a provisioned but
 *     empty secret must not turn a config.yaml opt-in off);
 *  2. else `<root>/config.yaml`: the top-level `multiplex_profiles` if the
 *     key is there at all (even null), else `gateway.multiplex_profiles`;
 *     a string counts when it is one of the true words above, any other
 *     value by Python's truth (`1`, a non-empty list); YAML 1.1's own
 *     `yes`/`on` are booleans already;
 *  3. else off. A config.yaml that cannot be read or parsed leaves the
 *     decision to the environment alone (upstream logs and carries on), and
 *     hermes_multiplex_get_warning() says why.
 *
 * The file is read through the safe file layer beneath the profile root (no
 * links, a regular file, at most 1 MiB; upstream would follow a link) and
 * parsed by hermes-yaml.c, bounded.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-multiplex.h"
#include "hermes-profile.h"
#include "hermes-safe-file.h"
#include "hermes-yaml-private.h"

struct _HermesMultiplex {
	gatomicrefcount refcount;
	gboolean enabled;
	HermesMultiplexSource source;
	gchar *reason;
	gchar *warning;
};

G_DEFINE_BOXED_TYPE(HermesMultiplex, hermes_multiplex, hermes_multiplex_ref, hermes_multiplex_unref)

/* upstream's _bool_token(): -1 when @text is neither a true nor a false word */
static gint
hermes_multiplex_token(const gchar *text, gsize length)
{
	static const gchar *words[] = {"1", "true", "yes", "on", "0", "false", "no", "off"};
	g_autofree gchar *token = hermes_yaml_python_strip(text, length);
	gsize token_length = strlen(token);
	/* a NUL inside makes it another word */
	if (memchr(text, '\0', length) != NULL)
		return -1;
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		if (token_length == strlen(words[i]) && g_ascii_strcasecmp(token, words[i]) == 0)
			return i < 4 ? 1 : 0;
	}
	return -1;
}

static gboolean
hermes_multiplex_blank(const gchar *text)
{
	g_autofree gchar *stripped = hermes_yaml_python_strip(text, strlen(text));
	return stripped[0] == '\0';
}

/* upstream's _coerce_bool(value, False) of what yaml.safe_load() made */
static gboolean
hermes_multiplex_coerce(const HermesYamlNode *value)
{
	gsize length = 0;
	const gchar *text = hermes_yaml_node_get_string(value, &length);
	if (text != NULL)
		return hermes_multiplex_token(text, length) == 1;
	return hermes_yaml_node_is_true(value);
}

/**
 * hermes_multiplex_parse_config:
 * @data: (array length=length): the text of a `config.yaml`
 * @length: its length in bytes
 * @enabled: (out): whether it turns multiplexing on
 * @key: (out) (optional) (nullable) (transfer full): the key that said so
 *   (`multiplex_profiles` or `gateway.multiplex_profiles`), %NULL when
 *   neither is set
 * @error: return location for a #GError
 *
 * What hermes-agent's gateway reads from its config for multiplexing, with
 * `yaml.safe_load()`'s rules (see the top of hermes-multiplex.c). An empty
 * document, or one whose top level is false (`0`, `[]`), sets nothing.
 *
 * Returns: %FALSE with %HERMES_ERROR_INVALID_DATA when upstream could not
 *   load the file either: not YAML, more than one document, deeper than 64
 *   levels, a top level that is neither a mapping nor false
 */
gboolean
hermes_multiplex_parse_config(
	const guint8 *data, gsize length, gboolean *enabled, gchar **key, GError **error)
{
	g_autoptr(HermesYamlDocument) doc = NULL;
	const HermesYamlNode *root;
	const HermesYamlNode *value;
	const gchar *found = "multiplex_profiles";

	g_return_val_if_fail(data != NULL || length == 0, FALSE);
	g_return_val_if_fail(enabled != NULL, FALSE);
	*enabled = FALSE;
	if (key != NULL)
		*key = NULL;
	doc = hermes_yaml_document_parse((const gchar *)data, length, error);
	if (doc == NULL)
		return FALSE;
	root = hermes_yaml_document_get_root(doc);
	/* `yaml.safe_load(f) or {}` */
	if (root == NULL || !hermes_yaml_node_is_true(root))
		return TRUE;
	if (hermes_yaml_node_get_type(root) != HERMES_YAML_MAPPING) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "the top level is not a mapping");
		return FALSE;
	}
	/* the top-level key wins when it is there at all, even null */
	value = hermes_yaml_mapping_lookup(root, "multiplex_profiles");
	if (value == NULL) {
		const HermesYamlNode *gateway = hermes_yaml_mapping_lookup(root, "gateway");
		found = "gateway.multiplex_profiles";
		if (gateway != NULL)
			value = hermes_yaml_mapping_lookup(gateway, "multiplex_profiles");
	}
	if (value == NULL)
		return TRUE;
	*enabled = hermes_multiplex_coerce(value);
	if (key != NULL)
		*key = g_strdup(found);
	return TRUE;
}

/* the config's answer; unreadable is off, with a warning */
static void
hermes_multiplex_read_config(HermesMultiplex *self, HermesContext *ctx)
{
	g_autofree gchar *root = hermes_profile_get_root(ctx);
	g_autofree gchar *path = g_build_filename(root, HERMES_MULTIPLEX_CONFIG_FILE, NULL);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *data = NULL;
	g_autofree gchar *key = NULL;
	gsize length = 0;

	data = hermes_safe_file_read(root, path, HERMES_SAFE_MAX_TEXT, &length, &error_local);
	if (data != NULL &&
	    hermes_multiplex_parse_config(
		    (const guint8 *)data, length, &self->enabled, &key, &error_local)) {
		if (key == NULL)
			return;
		self->source = HERMES_MULTIPLEX_SOURCE_CONFIG;
		self->reason = g_strdup_printf("%s in %s", key, path);
		return;
	}
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
		return;
	self->warning = g_strdup_printf("cannot load %s (%s): multiplexing is off unless %s "
					"turns it on",
					path,
					error_local->message,
					HERMES_MULTIPLEX_ENV);
}

/**
 * hermes_multiplex_new:
 * @ctx: a #HermesContext: its environment and profile root
 *
 * Decides, once, whether hermes-agent's multiplexer is on for this home:
 * %HERMES_MULTIPLEX_ENV when it holds a truth value, else the home's
 * `config.yaml` (see the top of hermes-multiplex.c for upstream's rules).
 *
 * Returns: (transfer full): the answer, with where it came from
 */
HermesMultiplex *
hermes_multiplex_new(HermesContext *ctx)
{
	HermesMultiplex *self;
	const gchar *env;
	gint token;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	self = g_new0(HermesMultiplex, 1);
	g_atomic_ref_count_init(&self->refcount);
	env = hermes_context_getenv(ctx, HERMES_MULTIPLEX_ENV);
	token = env != NULL ? hermes_multiplex_token(env, strlen(env)) : -1;
	if (token >= 0) {
		/* the word, not the raw value: it goes into one-line messages */
		g_autofree gchar *word = hermes_yaml_python_strip(env, strlen(env));
		self->enabled = token == 1;
		self->source = HERMES_MULTIPLEX_SOURCE_ENVIRONMENT;
		self->reason = g_strdup_printf("%s=%s", HERMES_MULTIPLEX_ENV, word);
		return self;
	}
	hermes_multiplex_read_config(self, ctx);
	/* blank is unset; anything else upstream ignores with a warning */
	if (env != NULL && !hermes_multiplex_blank(env)) {
		g_autofree gchar *shown = g_strescape(env, NULL);
		g_autofree gchar *before = g_steal_pointer(&self->warning);
		self->warning = g_strdup_printf("%s='%s' is not a truth value (1/true/yes/on or "
						"0/false/no/off); ignored%s%s",
						HERMES_MULTIPLEX_ENV,
						shown,
						before != NULL ? "; " : "",
						before != NULL ? before : "");
	}
	return self;
}

/**
 * hermes_multiplex_ref:
 * @self: a #HermesMultiplex
 *
 * Returns: (transfer full): @self
 */
HermesMultiplex *
hermes_multiplex_ref(HermesMultiplex *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_multiplex_unref:
 * @self: (transfer full): a #HermesMultiplex
 */
void
hermes_multiplex_unref(HermesMultiplex *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->reason);
	g_free(self->warning);
	g_free(self);
}

/**
 * hermes_multiplex_get_enabled:
 * @self: a #HermesMultiplex
 *
 * Returns: whether the default profile's gateway serves the named profiles
 */
gboolean
hermes_multiplex_get_enabled(const HermesMultiplex *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->enabled;
}

/**
 * hermes_multiplex_get_source:
 * @self: a #HermesMultiplex
 *
 * Returns: what decided it
 */
HermesMultiplexSource
hermes_multiplex_get_source(const HermesMultiplex *self)
{
	g_return_val_if_fail(self != NULL, HERMES_MULTIPLEX_SOURCE_DEFAULT);
	return self->source;
}

/**
 * hermes_multiplex_get_reason:
 * @self: a #HermesMultiplex
 *
 * Returns: (nullable): what decided it, for a person:
 *   `GATEWAY_MULTIPLEX_PROFILES=true` or `gateway.multiplex_profiles in
 *   <root>/config.yaml`; %NULL when nothing set it
 */
const gchar *
hermes_multiplex_get_reason(const HermesMultiplex *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->reason;
}

/**
 * hermes_multiplex_get_warning:
 * @self: a #HermesMultiplex
 *
 * Returns: (nullable): one line when the environment held something that is
 *   not a truth value, or the config could not be loaded
 */
const gchar *
hermes_multiplex_get_warning(const HermesMultiplex *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->warning;
}

/**
 * hermes_multiplex_serves:
 * @self: a #HermesMultiplex
 * @profile: a valid, normalised profile name
 *
 * Whether the default profile's gateway serves @profile, so that its own
 * gateway is not meant to run: a named profile while multiplexing is on;
 * never the default profile, whose gateway is the multiplexer.
 *
 * Returns: %TRUE when @profile is served by the multiplexer
 */
gboolean
hermes_multiplex_serves(const HermesMultiplex *self, const gchar *profile)
{
	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(profile != NULL, FALSE);
	return self->enabled && g_strcmp0(profile, HERMES_PROFILE_DEFAULT) != 0;
}
