/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The multiplex rule (core/gateway/hermes-multiplex.c) and the bounded YAML reader
 * under it: the values upstream's `yaml.safe_load()` + `_coerce_bool()`
 * turn on (checked against PyYAML 6 when these cases were written; the
 * gi-python suite compares many more, generated), what upstream cannot
 * load, the environment's override in both directions, and the file as
 * the safe file layer reads it.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-svc.h"
#include "hermes-test.h"
#include "hermes-yaml-private.h"

typedef struct {
	gchar *tmp;
	HermesContext *ctx;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->ctx = hermes_context_new();
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->tmp);
	hermes_context_setenv(f->ctx, HERMES_MULTIPLEX_ENV, NULL);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f);
	return 0;
}

/* what a config.yaml text says; fails the test on a refusal */
static gboolean
config_says(const gchar *text, gchar **key)
{
	g_autoptr(GError) error = NULL;
	gboolean enabled = FALSE;
	if (!hermes_multiplex_parse_config(
		    (const guint8 *)text, strlen(text), &enabled, key, &error))
		fail_msg("refused %s: %s", text, error->message);
	return enabled;
}

/* upstream's truthy values, exactly: YAML 1.1 words, its string words, Python truth */
static void
test_multiplex_values(void **state)
{
	const struct {
		const gchar *text;
		gboolean enabled;
	} cases[] = {
		{"multiplex_profiles: true\n", TRUE},
		{"multiplex_profiles: True\n", TRUE},
		{"multiplex_profiles: yes\n", TRUE},
		{"multiplex_profiles: ON\n", TRUE},
		{"multiplex_profiles: \"on\"\n", TRUE},
		{"multiplex_profiles: ' TRUE '\n", TRUE},
		{"multiplex_profiles: \"1\"\n", TRUE},
		{"multiplex_profiles: \"\\u3000yes\\t\"\n", TRUE},
		{"multiplex_profiles: 1\n", TRUE},
		{"multiplex_profiles: 0x1\n", TRUE},
		{"multiplex_profiles: 1:00\n", TRUE},
		{"multiplex_profiles: .nan\n", TRUE},
		{"multiplex_profiles: 1.0e+999\n", TRUE},
		{"multiplex_profiles: [off]\n", TRUE},
		{"multiplex_profiles: {a: b}\n", TRUE},
		{"multiplex_profiles: 2024-02-29\n", TRUE},
		{"multiplex_profiles: !!binary AAAA\n", TRUE},
		{"multiplex_profiles: ! on\n", TRUE},
		{"multiplex_profiles: false\n", FALSE},
		{"multiplex_profiles: off\n", FALSE},
		{"multiplex_profiles: 0\n", FALSE},
		{"multiplex_profiles: 00\n", FALSE},
		{"multiplex_profiles: 0.0e+5\n", FALSE},
		{"multiplex_profiles: 1.0e-999\n", FALSE},
		{"multiplex_profiles: 1e+999\n", FALSE},
		{"multiplex_profiles: y\n", FALSE},
		{"multiplex_profiles: enabled\n", FALSE},
		{"multiplex_profiles: \"maybe\"\n", FALSE},
		{"multiplex_profiles: \"true\\0\"\n", FALSE},
		{"multiplex_profiles: !!str 2\n", FALSE},
		{"multiplex_profiles: []\n", FALSE},
		{"multiplex_profiles: {<<: {}}\n", FALSE},
		{"multiplex_profiles:\n", FALSE},
		{"multiplex_profiles: ~\n", FALSE},
		{"", FALSE},
		{"# nothing\n", FALSE},
		{"0\n", FALSE},
		{"model: {default: x}\n", FALSE},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (config_says(cases[i].text, NULL) != cases[i].enabled)
			fail_msg("'%s' should be %s",
				 cases[i].text,
				 cases[i].enabled ? "on" : "off");
	}
}

/* the top-level key when it is there at all, else gateway.multiplex_profiles, merges too */
static void
test_multiplex_keys(void **state)
{
	const struct {
		const gchar *text;
		gboolean enabled;
		const gchar *key;
	} cases[] = {
		{"gateway:\n  multiplex_profiles: true\n", TRUE, "gateway.multiplex_profiles"},
		{"multiplex_profiles: false\ngateway:\n  multiplex_profiles: true\n",
		 FALSE,
		 "multiplex_profiles"},
		/* present but null still hides the nested one, as upstream's loader does */
		{"multiplex_profiles:\ngateway: {multiplex_profiles: true}\n",
		 FALSE,
		 "multiplex_profiles"},
		{"gateway: [multiplex_profiles]\n", FALSE, NULL},
		{"gateway: !!set {multiplex_profiles: true}\n", FALSE, NULL},
		{"\"multiplex_profiles\": on\n", TRUE, "multiplex_profiles"},
		{"multiplex_profiles: true\nmultiplex_profiles: false\n",
		 FALSE,
		 "multiplex_profiles"},
		/* merges: explicit entries beat merged ones, the first of a list beats the rest */
		{"base: &b {multiplex_profiles: true}\ngateway:\n  <<: *b\n",
		 TRUE,
		 "gateway.multiplex_profiles"},
		{"base: &b {multiplex_profiles: true}\ngateway:\n  multiplex_profiles: no\n  <<: "
		 "*b\n",
		 FALSE,
		 "gateway.multiplex_profiles"},
		{"<<: [{multiplex_profiles: 1}, {multiplex_profiles: 0}]\n",
		 TRUE,
		 "multiplex_profiles"},
		{"<<: {multiplex_profiles: 0}\n<<: {multiplex_profiles: 1}\n",
		 TRUE,
		 "multiplex_profiles"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *key = NULL;
		gboolean enabled = config_says(cases[i].text, &key);
		if (enabled != cases[i].enabled || g_strcmp0(key, cases[i].key) != 0)
			fail_msg("'%s': got %s from %s",
				 cases[i].text,
				 enabled ? "on" : "off",
				 key != NULL ? key : "nothing");
	}
}

/* what upstream cannot load is refused, so the environment decides alone */
static void
test_multiplex_refused(void **state)
{
	g_autoptr(GString) deep = g_string_new("multiplex_profiles: true\nx: ");
	g_autoptr(GString) wide = g_string_new("multiplex_profiles: true\nx: [");
	const gchar *cases[] = {
		"multiplex_profiles: [true\n",
		"multiplex_profiles: true\n---\nb: 1\n",
		"multiplex_profiles:\ttrue\n",
		"multiplex_profiles: true\t\n",
		"multiplex_profiles: true\nurls: [http://x?a=b]\n",
		"multiplex_profiles: *nowhere\n",
		"a: &x 1\nb: &x 2\nmultiplex_profiles: true\n",
		"multiplex_profiles: true\n[a]: b\n",
		"multiplex_profiles: true\n<<: 1\n",
		"multiplex_profiles: true\nx: =\n",
		"multiplex_profiles: true\nx: !!python/object:os.system 1\n",
		"multiplex_profiles: true\nx: !!int 0x_\n",
		"multiplex_profiles: true\nx: 2023-02-29\n",
		"multiplex_profiles: true\nx: 2024-01-01 10:00:00 +24:00\n",
		"multiplex_profiles: true\nx: !!binary A\n",
		"multiplex_profiles: true\nx: !!map [a]\n",
		"multiplex_profiles: true\nx: !!omap [a]\n",
		"[multiplex_profiles]\n",
		"multiplex_profiles\n",
		"\xff\xfem\x00",
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		gboolean enabled = TRUE;
		if (hermes_multiplex_parse_config(
			    (const guint8 *)cases[i], strlen(cases[i]), &enabled, NULL, &error))
			fail_msg("took '%s'", cases[i]);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		assert_false(enabled);
	}
	/* refused, though PyYAML settles it by the order it happens to flatten in */
	{
		const gchar *cycle = "&m {<<: *m, multiplex_profiles: true}\n";
		g_autoptr(GError) error = NULL;
		gboolean enabled = TRUE;
		assert_false(hermes_multiplex_parse_config(
			(const guint8 *)cycle, strlen(cycle), &enabled, NULL, &error));
		hermes_assert_str_contains(error->message, "or in a cycle");
	}
	/* the bounds: 65 levels, more than 65536 nodes */
	for (guint i = 0; i < 65; i++)
		g_string_append_c(deep, '[');
	for (guint i = 0; i < HERMES_YAML_MAX_NODES; i++)
		g_string_append(wide, "0,");
	g_string_append(wide, "0]\n");
	for (guint n = 0; n < 2; n++) {
		GString *text = n == 0 ? deep : wide;
		g_autoptr(GError) error = NULL;
		gboolean enabled = TRUE;
		assert_false(hermes_multiplex_parse_config(
			(const guint8 *)text->str, text->len, &enabled, NULL, &error));
		hermes_assert_str_contains(error->message, n == 0 ? "64 levels" : "65536 nodes");
	}
}

/* aliases are shared, never copied: a "billion laughs" costs nothing */
static void
test_multiplex_alias_bomb(void **state)
{
	g_autoptr(GString) text = g_string_new("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	gint64 start = g_get_monotonic_time();
	for (guint i = 1; i < 40; i++) {
		g_string_append_printf(text, "a%u: &a%u [", i, i);
		for (guint j = 0; j < 10; j++)
			g_string_append_printf(text, "%s*a%u", j > 0 ? ", " : "", i - 1);
		g_string_append(text, "]\n");
	}
	/* merges too: each mapping merges the one before twice */
	g_string_append(text, "m0: &m0 {}\n");
	for (guint i = 1; i < 40; i++)
		g_string_append_printf(text, "m%u: &m%u {<<: [*m%u, *m%u]}\n", i, i, i - 1, i - 1);
	g_string_append(text, "gateway:\n  <<: *m39\n  multiplex_profiles: on\n");
	assert_true(config_says(text->str, NULL));
	assert_true(g_get_monotonic_time() - start < 2 * G_USEC_PER_SEC);
}

static HermesMultiplex *
multiplex_with(Fixture *f, const gchar *config, const gchar *env)
{
	g_autofree gchar *path = g_build_filename(f->tmp, "config.yaml", NULL);
	if (config != NULL)
		hermes_test_write_file(path, config, 0644);
	else
		g_unlink(path);
	hermes_context_setenv(f->ctx, HERMES_MULTIPLEX_ENV, env);
	return hermes_multiplex_new(f->ctx);
}

/* a recognised variable wins both ways; blank is unset; anything else is ignored, said */
static void
test_multiplex_env(void **state)
{
	Fixture *f = *state;
	const struct {
		const gchar *config;
		const gchar *env;
		gboolean enabled;
		HermesMultiplexSource source;
		const gchar *warning;
	} cases[] = {
		{"multiplex_profiles: true\n", "false", FALSE, HERMES_MULTIPLEX_SOURCE_ENVIRONMENT},
		{"multiplex_profiles: true\n",
		 " Off\n",
		 FALSE,
		 HERMES_MULTIPLEX_SOURCE_ENVIRONMENT},
		{"multiplex_profiles: false\n", "1", TRUE, HERMES_MULTIPLEX_SOURCE_ENVIRONMENT},
		{NULL, "YES", TRUE, HERMES_MULTIPLEX_SOURCE_ENVIRONMENT},
		{"{", "on", TRUE, HERMES_MULTIPLEX_SOURCE_ENVIRONMENT},
		/* a provisioned but empty secret must not shadow the config's opt-in */
		{"multiplex_profiles: true\n", "", TRUE, HERMES_MULTIPLEX_SOURCE_CONFIG},
		{"multiplex_profiles: true\n", "  ", TRUE, HERMES_MULTIPLEX_SOURCE_CONFIG},
		{"multiplex_profiles: true\n",
		 "maybe",
		 TRUE,
		 HERMES_MULTIPLEX_SOURCE_CONFIG,
		 "GATEWAY_MULTIPLEX_PROFILES='maybe' is not a truth value"},
		{NULL, "2", FALSE, HERMES_MULTIPLEX_SOURCE_DEFAULT, "ignored"},
		{NULL, NULL, FALSE, HERMES_MULTIPLEX_SOURCE_DEFAULT},
		{"multiplex_profiles: false\n", NULL, FALSE, HERMES_MULTIPLEX_SOURCE_CONFIG},
		/* unreadable: off unless the variable says otherwise */
		{"multiplex_profiles: [true\n",
		 NULL,
		 FALSE,
		 HERMES_MULTIPLEX_SOURCE_DEFAULT,
		 "cannot load"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(HermesMultiplex) m = multiplex_with(f, cases[i].config, cases[i].env);
		const gchar *warning = hermes_multiplex_get_warning(m);
		if (hermes_multiplex_get_enabled(m) != cases[i].enabled ||
		    hermes_multiplex_get_source(m) != cases[i].source ||
		    (warning == NULL) != (cases[i].warning == NULL) ||
		    (warning != NULL && strstr(warning, cases[i].warning) == NULL))
			fail_msg("case %u (env %s): enabled %d source %d warning %s",
				 i,
				 cases[i].env,
				 hermes_multiplex_get_enabled(m),
				 hermes_multiplex_get_source(m),
				 warning);
	}
}

/* the root's config.yaml, through the safe file layer; never a named profile's */
static void
test_multiplex_file(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = g_build_filename(f->tmp, "config.yaml", NULL);
	g_autofree gchar *elsewhere = g_build_filename(f->tmp, "elsewhere.yaml", NULL);
	g_autofree gchar *named = g_build_filename(f->tmp, "profiles", "coder", NULL);
	g_autofree gchar *named_config = g_build_filename(named, "config.yaml", NULL);
	g_autoptr(HermesMultiplex) m = NULL;
	g_autoptr(GString) big = g_string_new("multiplex_profiles: true\n");

	m = multiplex_with(f, "gateway:\n  multiplex_profiles: true\n", NULL);
	assert_true(hermes_multiplex_get_enabled(m));
	assert_true(hermes_multiplex_serves(m, "coder"));
	assert_false(hermes_multiplex_serves(m, "default"));
	assert_true(
		g_str_has_prefix(hermes_multiplex_get_reason(m), "gateway.multiplex_profiles in "));
	hermes_assert_str_contains(hermes_multiplex_get_reason(m), path);
	g_clear_pointer(&m, hermes_multiplex_unref);

	/* a gateway of a named profile sees HERMES_HOME=<root>/profiles/<name>: still the root's */
	g_mkdir_with_parents(named, 0755);
	hermes_test_write_file(named_config, "multiplex_profiles: false\n", 0644);
	hermes_context_setenv(f->ctx, "HERMES_HOME", named);
	m = hermes_multiplex_new(f->ctx);
	assert_true(hermes_multiplex_get_enabled(m));
	g_clear_pointer(&m, hermes_multiplex_unref);
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->tmp);

	/* a link is not followed (a home's owner cannot point root at another file) */
	g_unlink(path);
	hermes_test_write_file(elsewhere, "multiplex_profiles: true\n", 0644);
	assert_int_equal(symlink(elsewhere, path), 0);
	m = hermes_multiplex_new(f->ctx);
	assert_false(hermes_multiplex_get_enabled(m));
	hermes_assert_str_contains(hermes_multiplex_get_warning(m), "cannot load");
	g_clear_pointer(&m, hermes_multiplex_unref);

	/* a FIFO does not hang it, and more than 1 MiB is not read */
	g_unlink(path);
	assert_int_equal(mkfifo(path, 0644), 0);
	m = hermes_multiplex_new(f->ctx);
	assert_false(hermes_multiplex_get_enabled(m));
	assert_non_null(hermes_multiplex_get_warning(m));
	g_clear_pointer(&m, hermes_multiplex_unref);
	g_unlink(path);
	while (big->len <= HERMES_SAFE_MAX_TEXT)
		g_string_append(big, "# padding padding padding padding padding padding\n");
	hermes_test_write_file(path, big->str, 0644);
	m = hermes_multiplex_new(f->ctx);
	assert_false(hermes_multiplex_get_enabled(m));
	assert_non_null(hermes_multiplex_get_warning(m));
	g_clear_pointer(&m, hermes_multiplex_unref);

	/* no file: off, and nothing to warn about */
	g_unlink(path);
	m = hermes_multiplex_new(f->ctx);
	assert_false(hermes_multiplex_get_enabled(m));
	assert_null(hermes_multiplex_get_warning(m));
	assert_null(hermes_multiplex_get_reason(m));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multiplex_values),
		cmocka_unit_test(test_multiplex_keys),
		cmocka_unit_test(test_multiplex_refused),
		cmocka_unit_test(test_multiplex_alias_bomb),
		T(test_multiplex_env),
		T(test_multiplex_file),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
