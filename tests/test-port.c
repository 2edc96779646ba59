/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the gateway port of a profile: .env first, else a stable hash port that steps past others */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-port.h"
#include "hermes-safe-file.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *root;
	HermesContext *ctx;
	GSocket *socket; /* a port the test holds */
	GPtrArray *lines;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->root = hermes_test_mkdtemp();
	f->ctx = hermes_context_new();
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->root);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	if (f->socket != NULL)
		g_socket_close(f->socket, NULL);
	g_clear_object(&f->socket);
	g_clear_pointer(&f->lines, g_ptr_array_unref);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->root);
	g_free(f->root);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gchar *
create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = hermes_profile_create(f->ctx, name, &error);
	hermes_assert_no_error(error);
	return g_strdup(hermes_profile_get_home(profile));
}

static void
write_env(const gchar *home, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(home, ".env", NULL);
	hermes_test_write_file(path, contents, 0600);
}

static guint
port_of(Fixture *f, const gchar *name, HermesPortFlags flags, gboolean *explicit_port)
{
	g_autoptr(GError) error = NULL;
	guint port = hermes_profile_port_full(f->ctx, name, flags, explicit_port, &error);
	hermes_assert_no_error(error);
	assert_true(port > 0);
	return port;
}

static guint
next_in_range(guint port)
{
	return port + 1 >= HERMES_PORT_RANGE_END ? HERMES_PORT_RANGE_START : port + 1;
}

static void
test_port_parse(void **state)
{
	assert_int_equal(hermes_port_parse("8642"), 8642);
	assert_int_equal(hermes_port_parse("1"), 1);
	assert_int_equal(hermes_port_parse("65535"), 65535);
	assert_int_equal(hermes_port_parse("0"), 0);
	assert_int_equal(hermes_port_parse("65536"), 0);
	assert_int_equal(hermes_port_parse("99999999"), 0);
	assert_int_equal(hermes_port_parse("-1"), 0);
	assert_int_equal(hermes_port_parse("+80"), 0);
	assert_int_equal(hermes_port_parse(" 80"), 0);
	assert_int_equal(hermes_port_parse("80a"), 0);
	assert_int_equal(hermes_port_parse(""), 0);
	assert_int_equal(hermes_port_parse(NULL), 0);
}

static void
test_port_explicit_env(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = create_profile(f, "alpha");
	g_autofree gchar *env_path = g_build_filename(home, ".env", NULL);
	gboolean explicit_port = FALSE;
	const struct {
		const gchar *env;
		guint port;
	} cases[] = {
		{"API_SERVER_PORT=8650\n", 8650},
		{"export API_SERVER_PORT=8651\n", 8651},
		{"API_SERVER_PORT=\"8652\"\n", 8652},
		{"export API_SERVER_PORT='8653'\n", 8653},
		{"  API_SERVER_PORT = 8654  \n", 8654},
		{"API_SERVER_PORT=8655 # the API\n", 8655},
		{"# API_SERVER_PORT=1111\nOTHER=1\nAPI_SERVER_PORT=8656", 8656},
		/* the last assignment wins, as in a shell */
		{"API_SERVER_PORT=1111\nAPI_SERVER_PORT=8657\n", 8657},
		{"OPENAI_KEY=sk-x=y\r\nAPI_SERVER_PORT=8658\r\n", 8658},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		write_env(home, cases[i].env);
		explicit_port = FALSE;
		if (port_of(f, "alpha", HERMES_PORT_FLAG_NONE, &explicit_port) != cases[i].port)
			fail_msg("case %u: expected %u", i, cases[i].port);
		assert_true(explicit_port);
		assert_int_equal(hermes_profile_explicit_port(home), cases[i].port);
	}
	/* the reader itself */
	write_env(home, "A=1\nexport B='two words'\nC=\"x\" \nD=\n");
	{
		g_autofree gchar *a = hermes_env_file_get(env_path, "A");
		g_autofree gchar *b = hermes_env_file_get(env_path, "B");
		g_autofree gchar *c = hermes_env_file_get(env_path, "C");
		g_autofree gchar *d = hermes_env_file_get(env_path, "D");
		g_autofree gchar *e = hermes_env_file_get(env_path, "E");
		assert_string_equal(a, "1");
		assert_string_equal(b, "two words");
		assert_string_equal(c, "x");
		assert_string_equal(d, "");
		assert_null(e);
	}
}

static void
test_port_invalid_env_ignored(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = create_profile(f, "alpha");
	guint hashed = port_of(f, "alpha", HERMES_PORT_FLAG_SKIP_BOUND, NULL);
	const gchar *invalid[] = {
		"API_SERVER_PORT=abc\n",
		"API_SERVER_PORT=0\n",
		"API_SERVER_PORT=65536\n",
		"API_SERVER_PORT=\n",
		"API_SERVER_PORT=-5\n",
		"API_SERVER_PORT='86 42'\n",
		"API_SERVER_PORTX=8642\n",
		"# API_SERVER_PORT=8642\n",
	};
	for (guint i = 0; i < G_N_ELEMENTS(invalid); i++) {
		gboolean explicit_port = TRUE;
		write_env(home, invalid[i]);
		if (port_of(f, "alpha", HERMES_PORT_FLAG_SKIP_BOUND, &explicit_port) != hashed)
			fail_msg("'%s' should be ignored", invalid[i]);
		assert_false(explicit_port);
		assert_int_equal(hermes_profile_explicit_port(home), 0);
	}
}

static void
test_port_hash_stable(void **state)
{
	Fixture *f = *state;
	guint start = hermes_port_hash_start("alpha");
	guint port;
	gboolean explicit_port = TRUE;

	g_free(create_profile(f, "alpha"));
	assert_in_range(start, HERMES_PORT_RANGE_START, HERMES_PORT_RANGE_END - 1);
	/* the same name gives the same start everywhere */
	assert_int_equal(hermes_port_hash_start("alpha"), start);
	port = port_of(f, "alpha", HERMES_PORT_FLAG_SKIP_BOUND, &explicit_port);
	assert_false(explicit_port);
	assert_int_equal(port, start);
	/* asked again, or for a profile that does not exist yet: the same */
	assert_int_equal(port_of(f, "alpha", HERMES_PORT_FLAG_SKIP_BOUND, NULL), start);
	assert_int_equal(port_of(f, "not-yet", HERMES_PORT_FLAG_SKIP_BOUND, NULL),
			 hermes_port_hash_start("not-yet"));
	/* every name lands inside the range */
	for (guint i = 0; i < 2000; i++) {
		g_autofree gchar *name = g_strdup_printf("p%u", i);
		assert_in_range(hermes_port_hash_start(name),
				HERMES_PORT_RANGE_START,
				HERMES_PORT_RANGE_END - 1);
	}
}

/* first two names of the form <prefix><n> whose hash starts collide */
static void
find_colliding_names(gchar **first, gchar **second)
{
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	for (guint i = 0; i < 10000; i++) {
		g_autofree gchar *name = g_strdup_printf("c%u", i);
		guint start = hermes_port_hash_start(name);
		const gchar *other = g_hash_table_lookup(seen, GUINT_TO_POINTER(start));
		if (other != NULL) {
			*first = g_strdup(other);
			*second = g_steal_pointer(&name);
			return;
		}
		g_hash_table_insert(seen, GUINT_TO_POINTER(start), g_steal_pointer(&name));
	}
	fail_msg("no colliding names found");
}

static void
test_port_steps_past_other_profiles(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *beta = create_profile(f, "beta");
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;
	g_autofree gchar *h1 = NULL;
	g_autofree gchar *h2 = NULL;
	g_autofree gchar *env = NULL;
	guint start = hermes_port_hash_start("alpha");
	guint start_first;

	g_free(create_profile(f, "alpha"));
	/* another profile's explicit port is skipped */
	env = g_strdup_printf("API_SERVER_PORT=%u\n", start);
	write_env(beta, env);
	assert_int_equal(port_of(f, "alpha", HERMES_PORT_FLAG_SKIP_BOUND, NULL),
			 next_in_range(start));
	/* and the explicit owner keeps it */
	assert_int_equal(port_of(f, "beta", HERMES_PORT_FLAG_SKIP_BOUND, NULL), start);

	/* two derived ports that collide: the first in list order keeps it, the next steps */
	find_colliding_names(&first, &second);
	h1 = create_profile(f, first);
	h2 = create_profile(f, second);
	start_first = hermes_port_hash_start(first);
	{
		g_autofree gchar *a =
			g_strcmp0(first, second) < 0 ? g_strdup(first) : g_strdup(second);
		g_autofree gchar *b =
			g_strcmp0(first, second) < 0 ? g_strdup(second) : g_strdup(first);
		guint pa = port_of(f, a, HERMES_PORT_FLAG_SKIP_BOUND, NULL);
		guint pb = port_of(f, b, HERMES_PORT_FLAG_SKIP_BOUND, NULL);
		assert_int_equal(pa, start_first);
		assert_int_not_equal(pa, pb);
		/* unless something else was in the way, the later one is the next port */
		if (pb != next_in_range(start_first) &&
		    pb != next_in_range(next_in_range(start_first)))
			fail_msg("%s got %u, expected near %u", b, pb, start_first);
		/* deterministic: asking again gives the same answers */
		assert_int_equal(port_of(f, a, HERMES_PORT_FLAG_SKIP_BOUND, NULL), pa);
		assert_int_equal(port_of(f, b, HERMES_PORT_FLAG_SKIP_BOUND, NULL), pb);
	}
}

static void
test_port_wraps_in_range(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *name = NULL;
	g_autofree gchar *other = NULL;

	for (guint i = 0; i < 200000 && name == NULL; i++) {
		g_autofree gchar *candidate = g_strdup_printf("w%u", i);
		if (hermes_port_hash_start(candidate) == HERMES_PORT_RANGE_END - 1)
			name = g_steal_pointer(&candidate);
	}
	assert_non_null(name);
	g_free(create_profile(f, name));
	other = create_profile(f, "other");
	write_env(other, "API_SERVER_PORT=9799\n");
	assert_int_equal(port_of(f, name, HERMES_PORT_FLAG_SKIP_BOUND, NULL),
			 HERMES_PORT_RANGE_START);
}

static void
test_port_steps_past_bound(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) addr = NULL;
	guint free_port;
	guint port;

	g_free(create_profile(f, "gamma"));
	/* the first free port for gamma, then hold it like another program would */
	free_port = port_of(f, "gamma", HERMES_PORT_FLAG_NONE, NULL);
	assert_false(hermes_port_is_bound(free_port));
	f->socket = g_socket_new(
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	hermes_assert_no_error(error);
	addr = g_inet_socket_address_new_from_string("127.0.0.1", free_port);
	assert_true(g_socket_bind(f->socket, addr, TRUE, &error));
	hermes_assert_no_error(error);
	assert_true(g_socket_listen(f->socket, &error));
	assert_true(hermes_port_is_bound(free_port));

	port = port_of(f, "gamma", HERMES_PORT_FLAG_NONE, NULL);
	assert_int_not_equal(port, free_port);
	assert_false(hermes_port_is_bound(port));
	/* without probing, the answer does not move */
	assert_int_equal(port_of(f, "gamma", HERMES_PORT_FLAG_SKIP_BOUND, NULL),
			 port_of(f, "gamma", HERMES_PORT_FLAG_SKIP_BOUND, NULL));
	/* an explicit port is never moved: the bind reports a conflict instead */
	{
		g_autofree gchar *home = g_build_filename(f->root, "profiles", "gamma", NULL);
		g_autofree gchar *env = g_strdup_printf("API_SERVER_PORT=%u\n", free_port);
		write_env(home, env);
		assert_int_equal(port_of(f, "gamma", HERMES_PORT_FLAG_NONE, NULL), free_port);
	}
}

static void
test_port_collisions(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *a = create_profile(f, "a");
	g_autofree gchar *b = create_profile(f, "b");
	g_autofree gchar *c = create_profile(f, "c");
	g_autofree gchar *d = create_profile(f, "d");

	f->lines = hermes_port_collisions(f->ctx, &error);
	hermes_assert_no_error(error);
	assert_int_equal(f->lines->len, 0);
	g_clear_pointer(&f->lines, g_ptr_array_unref);

	write_env(a, "API_SERVER_PORT=8642\n");
	write_env(b, "export API_SERVER_PORT=\"8642\"\n");
	write_env(c, "API_SERVER_PORT=8700\n");
	f->lines = hermes_port_collisions(f->ctx, &error);
	hermes_assert_no_error(error);
	assert_int_equal(f->lines->len, 1);
	assert_string_equal(g_ptr_array_index(f->lines, 0),
			    "profiles a and b both use port 8642 (API_SERVER_PORT)");
	g_clear_pointer(&f->lines, g_ptr_array_unref);

	/* three on one port, and the root profile counts too; sorted by port */
	write_env(d, "API_SERVER_PORT=8642\n");
	write_env(f->root, "API_SERVER_PORT=8700\n");
	f->lines = hermes_port_collisions(f->ctx, &error);
	hermes_assert_no_error(error);
	assert_int_equal(f->lines->len, 2);
	assert_string_equal(g_ptr_array_index(f->lines, 0),
			    "profiles a, b and d all use port 8642 (API_SERVER_PORT)");
	assert_string_equal(g_ptr_array_index(f->lines, 1),
			    "profiles default and c both use port 8700 (API_SERVER_PORT)");
}

/* a table read once, kept current one profile at a time */
static void
test_port_table_update(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesPortTable) table = NULL;
	g_autofree gchar *a = create_profile(f, "a");
	g_autofree gchar *b = create_profile(f, "b");
	g_autofree gchar *c = create_profile(f, "c");
	g_auto(GStrv) profiles = NULL;
	g_auto(GStrv) others = NULL;
	GPtrArray *lines;

	write_env(a, "API_SERVER_PORT=8642\n");
	write_env(b, "API_SERVER_PORT=8700\n");
	write_env(c, "OTHER=1\n");
	table = hermes_port_table_new(f->ctx, &error);
	hermes_assert_no_error(error);
	profiles = hermes_port_table_get_profiles(table);
	assert_int_equal(g_strv_length(profiles), 4);
	assert_string_equal(profiles[0], "default");
	assert_null(hermes_port_table_get_collisions(table, "a"));

	/* b's .env now says a's port: nothing shows until b is read again */
	write_env(b, "API_SERVER_PORT=8642\n");
	assert_null(hermes_port_table_get_collisions(table, "b"));
	others = hermes_port_table_update(table, "b");
	assert_int_equal(g_strv_length(others), 1);
	assert_string_equal(others[0], "a");
	g_clear_pointer(&others, g_strfreev);
	lines = hermes_port_table_get_collisions(table, "a");
	assert_non_null(lines);
	assert_int_equal(lines->len, 1);
	assert_string_equal(g_ptr_array_index(lines, 0),
			    "profiles a and b both use port 8642 (API_SERVER_PORT)");
	assert_non_null(hermes_port_table_get_collisions(table, "b"));

	/* nothing changed on disk: nothing to redraw */
	others = hermes_port_table_update(table, "c");
	assert_int_equal(g_strv_length(others), 0);
	g_clear_pointer(&others, g_strfreev);

	/* a new profile on the same port joins the line of both others */
	{
		g_autofree gchar *d = create_profile(f, "d");
		write_env(d, "API_SERVER_PORT=8642\n");
	}
	others = hermes_port_table_update(table, "d");
	assert_int_equal(g_strv_length(others), 2);
	g_clear_pointer(&others, g_strfreev);
	lines = hermes_port_table_get_collisions(table, "d");
	assert_string_equal(g_ptr_array_index(lines, 0),
			    "profiles a, b and d all use port 8642 (API_SERVER_PORT)");

	/* a deleted profile leaves the table, and its collisions with it */
	assert_true(hermes_profile_delete(f->ctx, "d", &error));
	hermes_assert_no_error(error);
	write_env(b, "API_SERVER_PORT=8700\n");
	others = hermes_port_table_update(table, "d");
	assert_int_equal(g_strv_length(others), 2);
	g_clear_pointer(&others, g_strfreev);
	others = hermes_port_table_update(table, "b");
	assert_int_equal(g_strv_length(others), 1);
	assert_string_equal(others[0], "a");
	assert_null(hermes_port_table_get_collisions(table, "a"));
	assert_null(hermes_port_table_get_collisions(table, "d"));
	g_clear_pointer(&profiles, g_strfreev);
	profiles = hermes_port_table_get_profiles(table);
	assert_int_equal(g_strv_length(profiles), 4);
}

static void
test_port_hostile_env(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = create_profile(f, "alpha");
	g_autofree gchar *env_path = g_build_filename(home, ".env", NULL);
	g_autofree gchar *big = NULL;
	g_autofree gchar *other = NULL;
	const gchar text[] = "A=ok\nB=one\x01two\nC=x\x1by\nD=\x7f\nE=tab\there\nF=a\0G=hidden\n";

	/* control characters never reach a unit file, a plist or a run script */
	{
		g_autofree gchar *a = hermes_dotenv_get(text, sizeof(text) - 1, "A");
		g_autofree gchar *b = hermes_dotenv_get(text, sizeof(text) - 1, "B");
		g_autofree gchar *c = hermes_dotenv_get(text, sizeof(text) - 1, "C");
		g_autofree gchar *d = hermes_dotenv_get(text, sizeof(text) - 1, "D");
		g_autofree gchar *e = hermes_dotenv_get(text, sizeof(text) - 1, "E");
		g_autofree gchar *g = hermes_dotenv_get(text, sizeof(text) - 1, "G");
		assert_string_equal(a, "ok");
		assert_null(b);
		assert_null(c);
		assert_null(d);
		assert_string_equal(e, "tab\there");
		assert_null(g);
	}
	/* a link, a FIFO or an oversized file is no .env at all, and never hangs */
	g_unlink(env_path);
	other = g_build_filename(f->root, "elsewhere.env", NULL);
	hermes_test_write_file(other, "API_SERVER_PORT=8700\n", 0600);
	assert_int_equal(symlink(other, env_path), 0);
	assert_int_equal(hermes_profile_explicit_port(home), 0);
	g_unlink(env_path);
	assert_int_equal(mkfifo(env_path, 0600), 0);
	alarm(10);
	assert_int_equal(hermes_profile_explicit_port(home), 0);
	alarm(0);
	g_unlink(env_path);
	big = g_strnfill(HERMES_SAFE_MAX_ENV, '#');
	hermes_test_write_file(env_path, big, 0600);
	{
		g_autofree gchar *huge = g_strconcat(big, "\nAPI_SERVER_PORT=8701\n", NULL);
		hermes_test_write_file(env_path, huge, 0600);
	}
	assert_int_equal(hermes_profile_explicit_port(home), 0);
}

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_port_parse),
		T(test_port_explicit_env),
		T(test_port_invalid_env_ignored),
		T(test_port_hostile_env),
		T(test_port_hash_stable),
		T(test_port_steps_past_other_profiles),
		T(test_port_wraps_in_range),
		T(test_port_steps_past_bound),
		T(test_port_collisions),
		T(test_port_table_update),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
