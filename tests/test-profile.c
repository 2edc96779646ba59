/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-context.h"
#include "hermes-error.h"
#include "hermes-profile.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmpdir;	    /* removed in teardown */
	gchar *root;	    /* <tmpdir>/root, the profile root HERMES_HOME points at */
	HermesContext *ctx; /* HERMES_HOME=<root>; the process environment is never touched */
	gchar *outside;	    /* a second temp dir, for symlink tests */
} ProfileFixture;

static int
test_setup(void **state)
{
	ProfileFixture *fx = g_new0(ProfileFixture, 1);
	fx->tmpdir = hermes_test_mkdtemp();
	fx->root = g_build_filename(fx->tmpdir, "root", NULL);
	if (g_mkdir(fx->root, 0700) != 0)
		fail_msg("cannot create %s: %s", fx->root, g_strerror(errno));
	fx->ctx = hermes_context_new();
	hermes_context_setenv(fx->ctx, "HERMES_HOME", fx->root);
	*state = fx;
	return 0;
}

static int
test_teardown(void **state)
{
	ProfileFixture *fx = *state;
	g_clear_object(&fx->ctx);
	hermes_test_rmtree(fx->tmpdir);
	hermes_test_rmtree(fx->outside);
	g_free(fx->tmpdir);
	g_free(fx->root);
	g_free(fx->outside);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

static gchar *
test_read_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return contents;
}

static guint
test_file_mode(const gchar *path)
{
	GStatBuf st;
	if (g_stat(path, &st) != 0)
		fail_msg("cannot stat %s: %s", path, g_strerror(errno));
	return st.st_mode & 07777;
}

/* a named profile as hermes-agent would leave it: a directory with SOUL.md */
static void
test_make_profile_dir(ProfileFixture *fx, const gchar *name)
{
	g_autofree gchar *soul = g_build_filename(fx->root, "profiles", name, "SOUL.md", NULL);
	hermes_test_write_file(soul, "# Soul\n", 0644);
}

static void
test_profile_name_valid(void **state)
{
	g_autofree gchar *longest = g_strnfill(HERMES_PROFILE_NAME_MAX, 'a');
	const gchar *good[] = {"demo", "a", "0abc", "a-b_c", "default", "9", "a--", "x_"};

	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		if (!hermes_profile_name_validate(good[i], &error))
			fail_msg("'%s' refused: %s", good[i], error->message);
	}
	assert_int_equal(strlen(longest), 64);
	assert_true(hermes_profile_name_validate(longest, NULL));
}

static void
test_profile_name_invalid(void **state)
{
	g_autofree gchar *too_long = g_strnfill(HERMES_PROFILE_NAME_MAX + 1, 'a');
	const struct {
		const gchar *name;
		const gchar *problem;
	} cases[] = {
		{NULL, "empty"},
		{"", "empty"},
		{"../x", "start with a lowercase letter or a digit"},
		{"-a", "start with a lowercase letter or a digit"},
		{"_a", "start with a lowercase letter or a digit"},
		{"UP", "try 'up'"},
		{"Demo", "lowercase (try 'demo')"},
		{too_long, "at most 64"},
		{"a b", "only lowercase letters, digits, '-' and '_'"},
		{"a/b", "only lowercase letters, digits, '-' and '_'"},
		{"a.b", "only lowercase letters, digits, '-' and '_'"},
		{"a\n", "only lowercase letters, digits, '-' and '_'"},
		{"\xc3\xa9", "start with a lowercase letter or a digit"},
		{"caf\xc3\xa9", "only lowercase letters, digits, '-' and '_'"},
		{"hermes", "reserved"},
		{"test", "reserved"},
		{"tmp", "reserved"},
		{"root", "reserved"},
		{"sudo", "reserved"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		if (hermes_profile_name_validate(cases[i].name, &error))
			fail_msg("'%s' accepted", cases[i].name);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		hermes_assert_str_contains(error->message, "invalid profile name");
		hermes_assert_str_contains(error->message, cases[i].problem);
	}
	/* NULL error is allowed */
	assert_false(hermes_profile_name_validate("Bad", NULL));
}

static void
test_profile_root_hermes_home(void **state)
{
	ProfileFixture *fx = *state;
	g_autofree gchar *root = hermes_profile_get_root(fx->ctx);
	g_autofree gchar *name = hermes_profile_get_current_name(fx->ctx);

	assert_string_equal(root, fx->root);
	assert_string_equal(name, "default");
}

static void
test_profile_root_inside_profile(void **state)
{
	ProfileFixture *fx = *state;
	const gchar *suffixes[] = {"", "/", "/./"};

	/* a supervised gateway runs with HERMES_HOME=<root>/profiles/<name> */
	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree gchar *home =
			g_strdup_printf("%s/profiles/foo%s", fx->tmpdir, suffixes[i]);
		g_autofree gchar *root = NULL;
		g_autofree gchar *name = NULL;
		hermes_context_setenv(fx->ctx, "HERMES_HOME", home);
		root = hermes_profile_get_root(fx->ctx);
		name = hermes_profile_get_current_name(fx->ctx);
		assert_string_equal(root, fx->tmpdir);
		assert_string_equal(name, "foo");
	}
}

static void
test_profile_root_home(void **state)
{
	ProfileFixture *fx = *state;
	g_autofree gchar *expected = g_build_filename(fx->tmpdir, ".hermes", NULL);
	g_autofree gchar *root = NULL;
	g_autofree gchar *root2 = NULL;
	g_autofree gchar *name = NULL;

	hermes_context_setenv(fx->ctx, "HERMES_HOME", NULL);
	hermes_context_setenv(fx->ctx, "HOME", fx->tmpdir);
	root = hermes_profile_get_root(fx->ctx);
	assert_string_equal(root, expected);
	name = hermes_profile_get_current_name(fx->ctx);
	assert_string_equal(name, "default");

	/* an empty HERMES_HOME is the same as none */
	hermes_context_setenv(fx->ctx, "HERMES_HOME", "");
	root2 = hermes_profile_get_root(fx->ctx);
	assert_string_equal(root2, expected);
}

static void
test_profile_lookup(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) def = hermes_profile_lookup(fx->ctx, "default", &error);
	g_autoptr(HermesProfile) demo = NULL;
	g_autoptr(HermesProfile) bad = NULL;
	g_autofree gchar *home = g_build_filename(fx->root, "profiles", "demo", NULL);
	g_autofree gchar *listing = NULL;

	hermes_assert_no_error(error);
	assert_string_equal(hermes_profile_get_name(def), "default");
	assert_string_equal(hermes_profile_get_home(def), fx->root);
	assert_true(hermes_profile_is_default(def));
	demo = hermes_profile_lookup(fx->ctx, "demo", &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_profile_get_name(demo), "demo");
	assert_string_equal(hermes_profile_get_home(demo), home);
	assert_false(hermes_profile_is_default(demo));
	bad = hermes_profile_lookup(fx->ctx, "../demo", &error);
	assert_null(bad);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	/* a lookup never writes */
	listing = hermes_test_list_dir(fx->root);
	assert_string_equal(listing, "");
}

static void
test_profile_create(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = hermes_profile_create(fx->ctx, "demo", &error);
	g_autofree gchar *home = g_build_filename(fx->root, "profiles", "demo", NULL);
	g_autofree gchar *soul = g_build_filename(home, "SOUL.md", NULL);
	g_autofree gchar *env = g_build_filename(home, ".env", NULL);
	g_autofree gchar *logs = g_build_filename(home, "logs", NULL);
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *soul_text = NULL;
	g_autofree gchar *listing = NULL;

	hermes_assert_no_error(error);
	assert_non_null(profile);
	assert_string_equal(hermes_profile_get_name(profile), "demo");
	assert_string_equal(hermes_profile_get_home(profile), home);
	assert_false(hermes_profile_is_default(profile));
	assert_true(hermes_profile_exists(profile));

	assert_true(g_file_test(home, G_FILE_TEST_IS_DIR));
	assert_true(g_file_test(soul, G_FILE_TEST_IS_REGULAR));
	soul_text = test_read_file(soul);
	assert_true(strlen(soul_text) > 0);
	/* secrets live in .env: nobody else may read it */
	assert_true(g_file_test(env, G_FILE_TEST_IS_REGULAR));
	assert_int_equal(test_file_mode(env), 0600);
	assert_true(g_file_test(logs, G_FILE_TEST_IS_DIR));
	/* no staging directory is left next to it */
	listing = hermes_test_list_dir(profiles);
	assert_string_equal(listing, "demo");
}

static void
test_profile_create_copies_root_soul(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *root_soul = g_build_filename(fx->root, "SOUL.md", NULL);
	g_autofree gchar *soul = g_build_filename(fx->root, "profiles", "demo", "SOUL.md", NULL);
	g_autofree gchar *soul_text = NULL;
	const gchar *text = "# Soul\n\nYou are the root agent, terse and kind.\n";

	hermes_test_write_file(root_soul, text, 0644);
	profile = hermes_profile_create(fx->ctx, "demo", &error);
	hermes_assert_no_error(error);
	soul_text = test_read_file(soul);
	assert_string_equal(soul_text, text);
}

static void
test_profile_create_from_inside_profile(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *foo = g_build_filename(fx->root, "profiles", "foo", NULL);
	g_autofree gchar *bar = g_build_filename(fx->root, "profiles", "bar", NULL);
	g_autofree gchar *listing = NULL;

	/* a gateway of profile foo creating a profile makes a sibling, not a child */
	test_make_profile_dir(fx, "foo");
	hermes_context_setenv(fx->ctx, "HERMES_HOME", foo);
	profile = hermes_profile_create(fx->ctx, "bar", &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_profile_get_home(profile), bar);
	assert_true(g_file_test(bar, G_FILE_TEST_IS_DIR));
	listing = hermes_test_list_dir(foo);
	assert_string_equal(listing, "SOUL.md");
}

static void
test_profile_create_default(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = hermes_profile_create(fx->ctx, "default", &error);
	g_autofree gchar *listing = NULL;

	assert_null(profile);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	hermes_assert_str_contains(error->message, "default");
	listing = hermes_test_list_dir(fx->root);
	assert_string_equal(listing, "");
}

static void
test_profile_create_existing(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) first = hermes_profile_create(fx->ctx, "demo", &error);
	g_autoptr(HermesProfile) second = NULL;
	g_autoptr(HermesProfile) third = NULL;
	g_autofree gchar *soul = g_build_filename(fx->root, "profiles", "demo", "SOUL.md", NULL);
	g_autofree gchar *manual = g_build_filename(fx->root, "profiles", "manual", NULL);
	g_autofree gchar *manual_file = g_build_filename(manual, "notes.txt", NULL);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autofree gchar *soul_text = NULL;
	g_autofree gchar *notes = NULL;

	hermes_assert_no_error(error);
	assert_non_null(first);
	hermes_test_write_file(soul, "my own soul\n", 0644);
	hermes_test_write_file(manual_file, "hands off\n", 0644);
	before = hermes_test_snapshot_tree(fx->root);

	second = hermes_profile_create(fx->ctx, "demo", &error);
	assert_null(second);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	hermes_assert_str_contains(error->message, "demo");
	g_clear_error(&error);
	/* a directory without the marker is still in the way */
	third = hermes_profile_create(fx->ctx, "manual", &error);
	assert_null(third);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);

	after = hermes_test_snapshot_tree(fx->root);
	assert_string_equal(after, before);
	soul_text = test_read_file(soul);
	assert_string_equal(soul_text, "my own soul\n");
	notes = test_read_file(manual_file);
	assert_string_equal(notes, "hands off\n");
}

static void
test_profile_create_invalid_writes_nothing(void **state)
{
	ProfileFixture *fx = *state;
	g_autofree gchar *too_long = g_strnfill(HERMES_PROFILE_NAME_MAX + 1, 'a');
	const gchar *bad[] = {NULL,
			      "",
			      ".",
			      "..",
			      "../x",
			      "../../x",
			      "a/b",
			      "/abs",
			      "UP",
			      "-rf",
			      ".hidden",
			      "a.b",
			      "\xc3\xa9",
			      "hermes",
			      "test",
			      "tmp",
			      "root",
			      "sudo",
			      too_long};
	g_autofree gchar *tmp_before = hermes_test_snapshot_tree(fx->tmpdir);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesProfile) profile = hermes_profile_create(fx->ctx, bad[i], &error);
		g_autofree gchar *tmp_after = NULL;
		g_autofree gchar *root_after = NULL;
		if (profile != NULL)
			fail_msg("profile '%s' was created", bad[i]);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		/* not even profiles/ may appear, and nothing escapes the root */
		root_after = hermes_test_list_dir(fx->root);
		if (g_strcmp0(root_after, "") != 0)
			fail_msg("'%s' left '%s' in the root", bad[i], root_after);
		tmp_after = hermes_test_snapshot_tree(fx->tmpdir);
		assert_string_equal(tmp_after, tmp_before);
	}
}

static void
test_profile_create_profiles_is_file(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *listing = NULL;
	g_autofree gchar *contents = NULL;

	/* stops root as well as anyone: a path component is a regular file */
	hermes_test_write_file(profiles, "not a directory\n", 0644);
	profile = hermes_profile_create(fx->ctx, "demo", &error);
	assert_null(profile);
	assert_non_null(error);
	assert_int_equal(error->domain, HERMES_ERROR);
	hermes_assert_str_contains(error->message, profiles);
	listing = hermes_test_list_dir(fx->root);
	assert_string_equal(listing, "profiles");
	contents = test_read_file(profiles);
	assert_string_equal(contents, "not a directory\n");
}

static void
test_profile_create_fails_after_staging(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *home = g_build_filename(profiles, "demo", NULL);
	g_autofree gchar *nowhere = g_build_filename(fx->tmpdir, "nowhere", NULL);
	g_autofree gchar *listing = NULL;
	g_autofree gchar *target = NULL;

	/*
	 * A dangling symlink in place of the profile: the existence check
	 * follows it and passes, so the staging tree is fully built and only
	 * the final no-replace rename fails.
	 */
	assert_int_equal(g_mkdir(profiles, 0755), 0);
	assert_int_equal(symlink(nowhere, home), 0);
	profile = hermes_profile_create(fx->ctx, "demo", &error);
	assert_null(profile);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	/* the staging tree is cleaned up and the link is left alone */
	listing = hermes_test_list_dir(profiles);
	assert_string_equal(listing, "demo");
	assert_true(g_file_test(home, G_FILE_TEST_IS_SYMLINK));
	target = g_file_read_link(home, NULL);
	assert_string_equal(target, nowhere);
	assert_false(g_file_test(nowhere, G_FILE_TEST_EXISTS));
}

static void
test_profile_list(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) profiles = NULL;
	g_autoptr(GString) names = g_string_new(NULL);
	g_autofree gchar *nosoul = g_build_filename(fx->root, "profiles", "nosoul", NULL);
	g_autofree gchar *soul_dir =
		g_build_filename(fx->root, "profiles", "souldir", "SOUL.md", NULL);
	g_autofree gchar *stray = g_build_filename(fx->root, "profiles", "stray-file", NULL);
	g_autofree gchar *zeta_home = g_build_filename(fx->root, "profiles", "zeta", NULL);

	test_make_profile_dir(fx, "zeta");
	test_make_profile_dir(fx, "alpha");
	test_make_profile_dir(fx, "mid-1");
	test_make_profile_dir(fx, "0first");
	/* none of these is a profile */
	assert_int_equal(g_mkdir_with_parents(nosoul, 0755), 0);
	assert_int_equal(g_mkdir_with_parents(soul_dir, 0755), 0);
	hermes_test_write_file(stray, "x", 0644);
	test_make_profile_dir(fx, "UPPER");
	test_make_profile_dir(fx, ".hidden");
	test_make_profile_dir(fx, ".demo.new-a1b2c3");
	test_make_profile_dir(fx, ".demo.deleted-0badf00d");
	test_make_profile_dir(fx, "default");
	test_make_profile_dir(fx, "hermes");
	test_make_profile_dir(fx, "has.dot");

	profiles = hermes_profile_list(fx->ctx, &error);
	hermes_assert_no_error(error);
	assert_non_null(profiles);
	for (guint i = 0; i < profiles->len; i++) {
		HermesProfile *p = g_ptr_array_index(profiles, i);
		g_string_append_printf(names, "%s%s", i > 0 ? "," : "", hermes_profile_get_name(p));
	}
	/* default first, then by name */
	assert_string_equal(names->str, "default,0first,alpha,mid-1,zeta");
	assert_true(hermes_profile_is_default(g_ptr_array_index(profiles, 0)));
	assert_string_equal(hermes_profile_get_home(g_ptr_array_index(profiles, 0)), fx->root);
	assert_string_equal(hermes_profile_get_home(g_ptr_array_index(profiles, 4)), zeta_home);
}

static void
test_profile_list_empty(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) profiles = NULL;
	g_autoptr(GPtrArray) profiles2 = NULL;
	g_autofree gchar *listing = NULL;

	/* no profiles/ directory yet: only the default, and nothing is created */
	profiles = hermes_profile_list(fx->ctx, &error);
	hermes_assert_no_error(error);
	assert_int_equal(profiles->len, 1);
	assert_string_equal(hermes_profile_get_name(g_ptr_array_index(profiles, 0)), "default");
	listing = hermes_test_list_dir(fx->root);
	assert_string_equal(listing, "");

	test_make_profile_dir(fx, "only");
	profiles2 = hermes_profile_list(fx->ctx, &error);
	hermes_assert_no_error(error);
	assert_int_equal(profiles2->len, 2);
	assert_string_equal(hermes_profile_get_name(g_ptr_array_index(profiles2, 1)), "only");
}

static void
test_profile_delete(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = hermes_profile_create(fx->ctx, "demo", &error);
	g_autoptr(HermesProfile) keep = NULL;
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *deep =
		g_build_filename(profiles, "demo", "sessions", "2026", "01", "chat.jsonl", NULL);
	g_autofree gchar *listing = NULL;

	hermes_assert_no_error(error);
	keep = hermes_profile_create(fx->ctx, "keep", &error);
	hermes_assert_no_error(error);
	hermes_test_write_file(deep, "{}\n", 0600);

	assert_true(hermes_profile_delete(fx->ctx, "demo", &error));
	hermes_assert_no_error(error);
	assert_false(hermes_profile_exists(profile));
	assert_false(g_file_test(hermes_profile_get_home(profile), G_FILE_TEST_EXISTS));
	/* no ".demo.deleted-*" graveyard is left, and the sibling is untouched */
	listing = hermes_test_list_dir(profiles);
	assert_string_equal(listing, "keep");
	assert_true(hermes_profile_exists(keep));
}

static void
test_profile_delete_default(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *soul = g_build_filename(fx->root, "SOUL.md", NULL);
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	hermes_test_write_file(soul, "root\n", 0644);
	test_make_profile_dir(fx, "demo");
	before = hermes_test_snapshot_tree(fx->root);
	assert_false(hermes_profile_delete(fx->ctx, "default", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	hermes_assert_str_contains(error->message, "default");
	after = hermes_test_snapshot_tree(fx->root);
	assert_string_equal(after, before);
}

static void
test_profile_delete_missing(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *listing = NULL;

	assert_false(hermes_profile_delete(fx->ctx, "ghost", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	hermes_assert_str_contains(error->message, "ghost");
	g_clear_error(&error);
	assert_false(hermes_profile_delete(fx->ctx, "../root", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	assert_true(g_file_test(fx->root, G_FILE_TEST_IS_DIR));
	listing = hermes_test_list_dir(fx->root);
	assert_string_equal(listing, "");
}

static void
test_profile_delete_symlink(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *home = g_build_filename(profiles, "linked", NULL);
	g_autofree gchar *precious = NULL;
	g_autofree gchar *listing = NULL;

	/* a profile that is a link elsewhere: deleting it must not empty the target */
	fx->outside = hermes_test_mkdtemp();
	precious = g_build_filename(fx->outside, "SOUL.md", NULL);
	hermes_test_write_file(precious, "elsewhere\n", 0644);
	assert_int_equal(g_mkdir(profiles, 0755), 0);
	assert_int_equal(symlink(fx->outside, home), 0);

	/* a link is not a profile of this home: refused, and nothing is removed */
	assert_false(hermes_profile_delete(fx->ctx, "linked", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "symbolic link");
	assert_true(g_file_test(precious, G_FILE_TEST_IS_REGULAR));
	listing = hermes_test_list_dir(profiles);
	assert_string_equal(listing, "linked");
}

static void
test_profile_delete_not_a_profile(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_build_filename(fx->root, "profiles", "data", NULL);
	g_autofree gchar *keep = g_build_filename(dir, "keep.txt", NULL);

	/* a directory someone put at profiles/<name> without the marker */
	assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
	hermes_test_write_file(keep, "mine\n", 0644);
	assert_false(hermes_profile_delete(fx->ctx, "data", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "not a profile");
	assert_true(g_file_test(keep, G_FILE_TEST_IS_REGULAR));
}

static void
test_profile_linked_profile_not_listed(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(HermesProfile) linked = NULL;
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *home = g_build_filename(profiles, "other", NULL);
	g_autofree gchar *soul = NULL;

	/* a profile of another home, linked in: not a profile of this one */
	fx->outside = hermes_test_mkdtemp();
	soul = g_build_filename(fx->outside, "SOUL.md", NULL);
	hermes_test_write_file(soul, "other home\n", 0644);
	assert_int_equal(g_mkdir(profiles, 0755), 0);
	assert_int_equal(symlink(fx->outside, home), 0);
	list = hermes_profile_list(fx->ctx, &error);
	hermes_assert_no_error(error);
	assert_int_equal(list->len, 1);
	linked = hermes_profile_lookup(fx->ctx, "other", &error);
	assert_false(hermes_profile_exists(linked));
}

static void
test_profile_create_soul_link_not_copied(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *root_soul = g_build_filename(fx->root, "SOUL.md", NULL);
	g_autofree gchar *secret = NULL;
	g_autofree gchar *copied = NULL;
	g_autofree gchar *soul = NULL;

	/* SOUL.md -> a secret: a new 0644 profile must not receive it */
	fx->outside = hermes_test_mkdtemp();
	secret = g_build_filename(fx->outside, "id_rsa", NULL);
	hermes_test_write_file(secret, "PRIVATE KEY\n", 0600);
	assert_int_equal(symlink(secret, root_soul), 0);
	profile = hermes_profile_create(fx->ctx, "fresh", &error);
	hermes_assert_no_error(error);
	soul = g_build_filename(hermes_profile_get_home(profile), "SOUL.md", NULL);
	assert_true(g_file_get_contents(soul, &copied, NULL, NULL));
	assert_null(strstr(copied, "PRIVATE KEY"));
}

static void
test_profile_create_under_linked_profiles_refused(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *profiles = g_build_filename(fx->root, "profiles", NULL);
	g_autofree gchar *listing = NULL;

	fx->outside = hermes_test_mkdtemp();
	assert_int_equal(symlink(fx->outside, profiles), 0);
	profile = hermes_profile_create(fx->ctx, "fresh", &error);
	assert_null(profile);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	listing = hermes_test_list_dir(fx->outside);
	assert_string_equal(listing, "");
}

static void
test_profile_exists(void **state)
{
	ProfileFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) def = NULL;
	g_autoptr(HermesProfile) demo = NULL;
	g_autoptr(HermesProfile) gone = NULL;
	g_autofree gchar *home = g_build_filename(fx->root, "profiles", "demo", NULL);
	g_autofree gchar *soul = g_build_filename(home, "SOUL.md", NULL);
	g_autofree gchar *missing = g_build_filename(fx->tmpdir, "missing-root", NULL);

	def = hermes_profile_lookup(fx->ctx, "default", &error);
	hermes_assert_no_error(error);
	assert_true(hermes_profile_exists(def));
	demo = hermes_profile_lookup(fx->ctx, "demo", &error);
	hermes_assert_no_error(error);
	assert_false(hermes_profile_exists(demo));
	/* a bare directory is not a profile yet: SOUL.md is the marker */
	assert_int_equal(g_mkdir_with_parents(home, 0755), 0);
	assert_false(hermes_profile_exists(demo));
	hermes_test_write_file(soul, "# Soul\n", 0644);
	assert_true(hermes_profile_exists(demo));

	/* the default profile exists exactly when its root directory does */
	hermes_context_setenv(fx->ctx, "HERMES_HOME", missing);
	gone = hermes_profile_lookup(fx->ctx, "default", &error);
	hermes_assert_no_error(error);
	assert_false(hermes_profile_exists(gone));
	assert_int_equal(g_mkdir(missing, 0700), 0);
	assert_true(hermes_profile_exists(gone));
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define PROFILE_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		PROFILE_TEST(test_profile_name_valid),
		PROFILE_TEST(test_profile_name_invalid),
		PROFILE_TEST(test_profile_root_hermes_home),
		PROFILE_TEST(test_profile_root_inside_profile),
		PROFILE_TEST(test_profile_root_home),
		PROFILE_TEST(test_profile_lookup),
		PROFILE_TEST(test_profile_create),
		PROFILE_TEST(test_profile_create_copies_root_soul),
		PROFILE_TEST(test_profile_create_from_inside_profile),
		PROFILE_TEST(test_profile_create_default),
		PROFILE_TEST(test_profile_create_existing),
		PROFILE_TEST(test_profile_create_invalid_writes_nothing),
		PROFILE_TEST(test_profile_create_profiles_is_file),
		PROFILE_TEST(test_profile_create_fails_after_staging),
		PROFILE_TEST(test_profile_list),
		PROFILE_TEST(test_profile_list_empty),
		PROFILE_TEST(test_profile_delete),
		PROFILE_TEST(test_profile_delete_default),
		PROFILE_TEST(test_profile_delete_missing),
		PROFILE_TEST(test_profile_delete_symlink),
		PROFILE_TEST(test_profile_delete_not_a_profile),
		PROFILE_TEST(test_profile_linked_profile_not_listed),
		PROFILE_TEST(test_profile_create_soul_link_not_copied),
		PROFILE_TEST(test_profile_create_under_linked_profiles_refused),
		PROFILE_TEST(test_profile_exists),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
