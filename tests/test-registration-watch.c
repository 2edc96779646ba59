/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * HermesRegistrationWatch on a real directory: what a backend hears when
 * slots and units come and go, however they are written or removed.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "hermes-backend.h"
#include "hermes-test.h"

#define WAIT_MS 5000

typedef struct {
	gchar *dir;
	HermesRegistrationWatch *watch;
	GHashTable *seen; /* profile -> "present" or "gone", the last word */
} Fixture;

static gchar *
name_cb(const gchar *entry, gpointer user_data)
{
	return g_str_has_prefix(entry, "gw-") ? g_strdup(entry + 3) : NULL;
}

static void
changed_cb(HermesRegistrationWatch *watch,
	   const gchar *profile,
	   gboolean present,
	   gpointer user_data)
{
	Fixture *f = user_data;
	g_hash_table_insert(f->seen, g_strdup(profile), g_strdup(present ? "present" : "gone"));
}

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	f->dir = hermes_test_mkdtemp();
	f->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	f->watch = hermes_registration_watch_new(f->dir, name_cb, f, NULL, &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_registration_watch_get_dir(f->watch), f->dir);
	g_signal_connect(f->watch, "changed", G_CALLBACK(changed_cb), f);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	g_clear_object(&f->watch);
	hermes_test_rmtree(f->dir);
	g_hash_table_unref(f->seen);
	g_free(f->dir);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/* bounded: the monitor reports within its rate limit, never later than WAIT_MS */
static void
wait_word(Fixture *f, const gchar *profile, const gchar *word)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	while (g_strcmp0(g_hash_table_lookup(f->seen, profile), word) != 0) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s was never reported %s (last: %s)",
				 profile,
				 word,
				 (const gchar *)g_hash_table_lookup(f->seen, profile));
		hermes_test_spin(10);
	}
	g_hash_table_remove(f->seen, profile);
}

static gchar *
path_in(Fixture *f, const gchar *name)
{
	return g_build_filename(f->dir, name, NULL);
}

static void
test_watch_create_rename_remove(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *a = path_in(f, "gw-alpha");
	g_autofree gchar *tmp = path_in(f, ".gw-beta.tmp");
	g_autofree gchar *b = path_in(f, "gw-beta");
	g_autofree gchar *away = path_in(f, ".gw-alpha.removed");
	g_autofree gchar *other = path_in(f, "unrelated.service");

	/* a slot directory appears */
	assert_int_equal(g_mkdir(a, 0755), 0);
	wait_word(f, "alpha", "present");
	/* an atomic write: a temporary renamed onto the name */
	hermes_test_write_file(tmp, "unit\n", 0644);
	assert_int_equal(g_rename(tmp, b), 0);
	wait_word(f, "beta", "present");
	/* an unregister that renames the slot away before removing it */
	assert_int_equal(g_rename(a, away), 0);
	wait_word(f, "alpha", "gone");
	/* a plain removal */
	assert_int_equal(g_unlink(b), 0);
	wait_word(f, "beta", "gone");
	/* names that register nothing say nothing */
	hermes_test_write_file(other, "x\n", 0644);
	hermes_test_spin(300);
	assert_int_equal(g_hash_table_size(f->seen), 0);
}

/* a link planted under a registration's name is present (its owner's business), never followed */
static void
test_watch_link(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *link = path_in(f, "gw-linked");
	assert_int_equal(symlink("/nonexistent/target", link), 0);
	wait_word(f, "linked", "present");
	assert_int_equal(g_unlink(link), 0);
	wait_word(f, "linked", "gone");
}

/* a directory that is not there cannot be watched: an error, not a watch that never fires */
static void
test_watch_missing_dir(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *missing = path_in(f, "no/such/dir");
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesRegistrationWatch) watch =
		hermes_registration_watch_new(missing, name_cb, f, NULL, &error);
	assert_null(watch);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	hermes_assert_str_contains(error->message, missing);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_watch_create_rename_remove),
		T(test_watch_link),
		T(test_watch_missing_dir),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
