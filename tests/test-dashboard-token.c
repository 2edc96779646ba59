/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The dashboard's token file (core/dashboard): made once with mode 0600,
 * atomically (no temporary left beside it), read back the same, refused
 * when others may read it or it holds something else; the comparison takes
 * every byte into account; the address file comes and goes.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "hermes-svc.h"
#include "hermes-test.h"

static void
test_dashboard_token_made_private(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(tmp, HERMES_DASHBOARD_TOKEN_FILE, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *token = hermes_dashboard_token_ensure(tmp, &error);
	g_autofree gchar *again = NULL;
	g_autofree gchar *other_home = hermes_test_mkdtemp();
	g_autofree gchar *other = NULL;
	g_autofree gchar *names = NULL;
	GStatBuf st;

	hermes_assert_no_error(error);
	assert_non_null(token);
	assert_int_equal(strlen(token), 64);
	for (guint i = 0; token[i] != '\0'; i++)
		assert_true(g_ascii_isxdigit(token[i]) && !g_ascii_isupper(token[i]));
	assert_int_equal(g_stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	/* written by rename: nothing but the token is left in the directory */
	names = hermes_test_list_dir(tmp);
	assert_string_equal(names, HERMES_DASHBOARD_TOKEN_FILE);
	/* made once: the second caller reads the first one's */
	again = hermes_dashboard_token_ensure(tmp, &error);
	hermes_assert_no_error(error);
	assert_string_equal(token, again);
	/* and random: another home gets another token */
	other = hermes_dashboard_token_ensure(other_home, &error);
	hermes_assert_no_error(error);
	assert_string_not_equal(token, other);
	hermes_test_rmtree(tmp);
	hermes_test_rmtree(other_home);
}

static void
test_dashboard_token_refused(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *path = g_build_filename(tmp, HERMES_DASHBOARD_TOKEN_FILE, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *token = NULL;

	/* none yet: NOT_FOUND, which ensure turns into a new one */
	assert_null(hermes_dashboard_token_read(tmp, &error));
	assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND));
	g_clear_error(&error);
	token = hermes_dashboard_token_ensure(tmp, &error);
	hermes_assert_no_error(error);

	/* readable by others: a token that may have leaked is not used */
	assert_int_equal(g_chmod(path, 0644), 0);
	assert_null(hermes_dashboard_token_read(tmp, &error));
	assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED));
	hermes_assert_str_contains(error->message, "0644");
	g_clear_error(&error);
	assert_null(hermes_dashboard_token_ensure(tmp, &error));
	assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED));
	g_clear_error(&error);

	/* something else in the file */
	hermes_test_write_file(path, "not a token\n", 0600);
	assert_null(hermes_dashboard_token_read(tmp, &error));
	assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_FAILED));
	g_clear_error(&error);
	hermes_test_write_file(path, "", 0600);
	assert_null(hermes_dashboard_token_ensure(tmp, &error));
	assert_non_null(error);
	g_clear_error(&error);

	/* a link to another file is not followed */
	assert_int_equal(g_unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_null(hermes_dashboard_token_read(tmp, &error));
	assert_non_null(error);
	hermes_test_rmtree(tmp);
}

static void
test_dashboard_token_equal(void **state)
{
	const gchar *t = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	g_autofree gchar *last = g_strdup(t);
	g_autofree gchar *longer = g_strconcat(t, "0", NULL);
	g_autofree gchar *prefix = g_strndup(t, 63);

	last[63] = 'e';
	assert_true(hermes_dashboard_token_equal(t, t));
	assert_false(hermes_dashboard_token_equal(t, last));
	assert_false(hermes_dashboard_token_equal(t, prefix));
	assert_false(hermes_dashboard_token_equal(t, longer));
	assert_false(hermes_dashboard_token_equal(t, ""));
	assert_false(hermes_dashboard_token_equal(t, NULL));
	/* an empty token on file never matches, not even an empty one given */
	assert_false(hermes_dashboard_token_equal("", ""));
}

/* the comparison does not stop at the first difference: a rough check that
 * a mismatch in the first byte costs what one in the last byte does */
static void
test_dashboard_token_constant_time(void **state)
{
	const gchar *t = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	g_autofree gchar *first = g_strdup(t);
	g_autofree gchar *last = g_strdup(t);
	gint64 cost[2] = {G_MAXINT64, G_MAXINT64};
	const gchar *given[2];
	guint rounds = 200000;

	first[0] = 'x';
	last[63] = 'x';
	given[0] = first;
	given[1] = last;
	if (g_strcmp0(hermes_test_env("HERMES_TEST_SANITIZER"), "none") != 0 ||
	    g_getenv("HERMES_TEST_WRAPPER") != NULL)
		rounds = 20000;
	/* the best of five runs each, so a busy machine does not decide */
	for (guint run = 0; run < 5; run++) {
		for (guint k = 0; k < 2; k++) {
			gint64 t0 = g_get_monotonic_time();
			guint hits = 0;
			for (guint i = 0; i < rounds; i++)
				hits += hermes_dashboard_token_equal(t, given[k]);
			assert_int_equal(hits, 0);
			cost[k] = MIN(cost[k], g_get_monotonic_time() - t0);
		}
	}
	print_message("# first byte differs: %" G_GINT64_FORMAT " us, last byte: %" G_GINT64_FORMAT
		      " us\n",
		      cost[0],
		      cost[1]);
	/* an early exit would make the first case several times cheaper */
	assert_true(cost[0] * 3 >= cost[1]);
}

static void
test_dashboard_address(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;

	assert_null(hermes_dashboard_address_read(tmp, &error));
	assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND));
	g_clear_error(&error);
	assert_true(hermes_dashboard_address_write(tmp, "http://127.0.0.1:9119/", &error));
	hermes_assert_no_error(error);
	url = hermes_dashboard_address_read(tmp, &error);
	hermes_assert_no_error(error);
	assert_string_equal(url, "http://127.0.0.1:9119/");
	hermes_dashboard_address_remove(tmp);
	assert_null(hermes_dashboard_address_read(tmp, NULL));
	hermes_test_rmtree(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dashboard_token_made_private),
		cmocka_unit_test(test_dashboard_token_refused),
		cmocka_unit_test(test_dashboard_token_equal),
		cmocka_unit_test(test_dashboard_token_constant_time),
		cmocka_unit_test(test_dashboard_address),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
