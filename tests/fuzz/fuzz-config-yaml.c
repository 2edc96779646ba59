/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * hermes-agent's config.yaml, which its owner writes: the input is the
 * file, parsed by the bounded YAML reader and read by the multiplex rule
 * the way the reconciler, gateway control and the report read it. The
 * input is also one value of GATEWAY_MULTIPLEX_PROFILES (up to its first
 * NUL, as getenv() would see it).
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-multiplex.h"
#include "hermes-yaml-private.h"

static HermesContext *
hermes_fuzz_config_context(void)
{
	static HermesContext *ctx = NULL;
	if (ctx == NULL) {
		ctx = hermes_context_new();
		hermes_context_setenv(ctx, "HERMES_HOME", hermes_fuzz_home());
	}
	return ctx;
}

/* the tree's own readers, on whatever parsed */
static void
hermes_fuzz_config_walk(const guint8 *data, size_t size)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesYamlDocument) doc =
		hermes_yaml_document_parse((const gchar *)data, size, &error_local);
	const HermesYamlNode *root;
	static const gchar *keys[] = {"gateway", "multiplex_profiles", "<<", "=", ""};

	if (doc == NULL) {
		g_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		return;
	}
	root = hermes_yaml_document_get_root(doc);
	if (root == NULL)
		return;
	(void)hermes_yaml_node_is_true(root);
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		const HermesYamlNode *value = hermes_yaml_mapping_lookup(root, keys[i]);
		gsize length = 0;
		if (value == NULL)
			continue;
		(void)hermes_yaml_node_is_true(value);
		(void)hermes_yaml_node_get_string(value, &length);
		(void)hermes_yaml_mapping_lookup(value, "multiplex_profiles");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	HermesContext *ctx;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesMultiplex) from_file = NULL;
	g_autoptr(HermesMultiplex) from_env = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *env_value = g_strndup((const gchar *)data, size);
	gboolean enabled = TRUE;
	gboolean parsed;

	hermes_fuzz_init();
	ctx = hermes_fuzz_config_context();
	hermes_fuzz_config_walk(data, size);

	parsed = hermes_multiplex_parse_config(data, size, &enabled, &key, &error_local);
	if (!parsed) {
		g_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		/* it reaches the boot log and the bus */
		g_assert_true(g_utf8_validate(error_local->message, -1, NULL));
		g_assert_false(enabled);
	} else if (enabled) {
		g_assert_true(g_strcmp0(key, "multiplex_profiles") == 0 ||
			      g_strcmp0(key, "gateway.multiplex_profiles") == 0);
	}

	/* the same file under a home: the same answer, or off with a warning */
	hermes_context_setenv(ctx, HERMES_MULTIPLEX_ENV, NULL);
	path = hermes_fuzz_write_file(HERMES_MULTIPLEX_CONFIG_FILE, data, size);
	from_file = hermes_multiplex_new(ctx);
	g_assert_cmpint(hermes_multiplex_get_enabled(from_file), ==, parsed && enabled);
	g_assert_cmpint(hermes_multiplex_serves(from_file, "default"), ==, FALSE);
	g_assert_true(parsed || hermes_multiplex_get_warning(from_file) != NULL);
	g_assert_true(hermes_multiplex_get_warning(from_file) == NULL ||
		      g_utf8_validate(hermes_multiplex_get_warning(from_file), -1, NULL));

	/* as the variable: a truth value decides alone, anything else leaves it to the file */
	hermes_context_setenv(ctx, HERMES_MULTIPLEX_ENV, env_value);
	from_env = hermes_multiplex_new(ctx);
	if (hermes_multiplex_get_source(from_env) == HERMES_MULTIPLEX_SOURCE_ENVIRONMENT)
		g_assert_null(hermes_multiplex_get_warning(from_env));
	else
		g_assert_cmpint(hermes_multiplex_get_enabled(from_env),
				==,
				hermes_multiplex_get_enabled(from_file));
	return 0;
}
