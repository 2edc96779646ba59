/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The safe file layer against the files a hostile user plants under a home:
 * links (last component and on the way), FIFOs, devices, huge and deeply
 * nested files, paths that climb out. Every case runs twice: through openat2
 * and through the O_NOFOLLOW walk old kernels get.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"
#include "hermes-test.h"

typedef struct {
	gchar *root;	/* the trusted home */
	gchar *outside; /* what an attacker wants read, written or removed */
	gchar *secret;
} SafeFixture;

static int
test_setup_common(void **state, gboolean walk)
{
	SafeFixture *fx = g_new0(SafeFixture, 1);
	g_autofree gchar *profiles = NULL;
	fx->root = hermes_test_mkdtemp();
	fx->outside = hermes_test_mkdtemp();
	fx->secret = g_build_filename(fx->outside, "secret.json", NULL);
	hermes_test_write_file(fx->secret, "{\"token\":\"s3cret\"}", 0600);
	profiles = g_build_filename(fx->root, "profiles", NULL);
	g_mkdir(profiles, 0755);
	hermes_safe_file_force_walk(walk);
	*state = fx;
	return 0;
}

static int
test_setup(void **state)
{
	return test_setup_common(state, FALSE);
}

static int
test_setup_walk(void **state)
{
	return test_setup_common(state, TRUE);
}

static int
test_teardown(void **state)
{
	SafeFixture *fx = *state;
	hermes_safe_file_force_walk(FALSE);
	hermes_test_rmtree(fx->root);
	hermes_test_rmtree(fx->outside);
	g_free(fx->root);
	g_free(fx->outside);
	g_free(fx->secret);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

static gchar *
test_path(SafeFixture *fx, const gchar *rel)
{
	return g_build_filename(fx->root, rel, NULL);
}

static void
test_read_plain(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "profiles/state.json");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;

	hermes_test_write_file(path, "{\"a\":1}", 0644);
	text = hermes_safe_file_read(fx->root, path, 64, &len, &error);
	hermes_assert_no_error(error);
	assert_string_equal(text, "{\"a\":1}");
	assert_int_equal(len, 7);
	/* relative to the root works too */
	g_free(text);
	text = hermes_safe_file_read(fx->root, "profiles/state.json", 64, NULL, &error);
	hermes_assert_no_error(error);
	assert_string_equal(text, "{\"a\":1}");
}

static void
test_read_missing(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "profiles/nope.json");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = hermes_safe_file_read(fx->root, path, 64, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
}

static void
test_read_symlink_last(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "gateway_state.json");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	assert_int_equal(symlink(fx->secret, path), 0);
	text = hermes_safe_file_read(fx->root, path, 1024, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "symbolic link");
	/* the NULL root (own directory) guards the last component as well */
	g_clear_error(&error);
	text = hermes_safe_file_read(NULL, path, 1024, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
}

static void
test_read_symlink_on_the_way(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *link = test_path(fx, "profiles/p1");
	g_autofree gchar *path = test_path(fx, "profiles/p1/secret.json");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	/* a profile directory that is a link into another home */
	assert_int_equal(symlink(fx->outside, link), 0);
	text = hermes_safe_file_read(fx->root, path, 1024, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
}

static void
test_read_fifo_does_not_hang(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, ".env");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	assert_int_equal(mkfifo(path, 0644), 0);
	/* a blocking open would wait for a writer forever: the alarm makes that a failure */
	alarm(10);
	text = hermes_safe_file_read(fx->root, path, 1024, NULL, &error);
	alarm(0);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	hermes_assert_str_contains(error->message, "not a regular file");
}

static void
test_read_oversized(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "gateway_state.json");
	g_autofree gchar *big = g_strnfill(HERMES_SAFE_MAX_STATE + 1, ' ');
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	hermes_test_write_file(path, big, 0644);
	text = hermes_safe_file_read(fx->root, path, HERMES_SAFE_MAX_STATE, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	hermes_assert_str_contains(error->message, "larger than");
}

static void
test_read_outside_root(void **state)
{
	SafeFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *climb = g_strdup_printf("%s/profiles/../../x", fx->root);
	g_autofree gchar *text = hermes_safe_file_read(fx->root, fx->secret, 1024, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	text = hermes_safe_file_read(fx->root, climb, 1024, NULL, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
}

static void
test_replace_replaces_link_not_target(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "gateway_state.json");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *secret = NULL;
	GStatBuf st;

	assert_int_equal(symlink(fx->secret, path), 0);
	assert_true(hermes_safe_file_replace(fx->root, path, "{}", -1, 0644, &error));
	hermes_assert_no_error(error);
	/* the link itself was replaced by a regular file; the target is untouched */
	assert_int_equal(g_lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_true(g_file_get_contents(fx->secret, &secret, NULL, NULL));
	assert_string_equal(secret, "{\"token\":\"s3cret\"}");
}

static void
test_replace_through_linked_dir_refused(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *link = test_path(fx, "profiles/p1");
	g_autofree gchar *path = test_path(fx, "profiles/p1/new.json");
	g_autofree gchar *landed = g_build_filename(fx->outside, "new.json", NULL);
	g_autoptr(GError) error = NULL;

	assert_int_equal(symlink(fx->outside, link), 0);
	assert_false(hermes_safe_file_replace(fx->root, path, "{}", -1, 0644, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	assert_false(g_file_test(landed, G_FILE_TEST_EXISTS));
}

static void
test_replace_leaves_no_temporary(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "profiles/x.json");
	g_autofree gchar *listing = NULL;
	g_autofree gchar *profiles = test_path(fx, "profiles");
	g_autoptr(GError) error = NULL;

	assert_true(hermes_safe_file_replace(fx->root, path, "one", -1, 0600, &error));
	assert_true(hermes_safe_file_replace(fx->root, path, "two", -1, 0600, &error));
	hermes_assert_no_error(error);
	listing = hermes_test_list_dir(profiles);
	assert_string_equal(listing, "x.json");
}

/*
 * A writer killed between naming its temporary and renaming it leaves
 * `.<base>.<8 hex>`; the next replace of the same file removes it. One a live
 * writer holds (its flock) stays, and so does anything not of that shape.
 */
static void
test_replace_sweeps_killed_writers_temporaries(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "profiles/x.json");
	g_autofree gchar *dead = test_path(fx, "profiles/.x.json.0123abcd");
	g_autofree gchar *live = test_path(fx, "profiles/.x.json.89abcdef");
	g_autofree gchar *profiles = test_path(fx, "profiles");
	g_autofree gchar *listing = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *others[] = {".x.json.0123ABCD", ".x.json.tmp-0123abcd", ".y.json.0123abcd"};
	gint live_fd;

	hermes_test_write_file(dead, "half", 0600);
	hermes_test_write_file(live, "being written", 0600);
	for (guint i = 0; i < G_N_ELEMENTS(others); i++) {
		g_autofree gchar *other = g_build_filename(profiles, others[i], NULL);
		hermes_test_write_file(other, "not a temporary of x.json", 0600);
	}
	live_fd = open(live, O_RDONLY | O_CLOEXEC);
	assert_true(live_fd >= 0);
	assert_int_equal(flock(live_fd, LOCK_EX), 0);
	assert_true(hermes_safe_file_replace(fx->root, path, "new", -1, 0600, &error));
	hermes_assert_no_error(error);
	close(live_fd);
	listing = hermes_test_list_dir(profiles);
	assert_string_equal(
		listing,
		".x.json.0123ABCD|.x.json.89abcdef|.x.json.tmp-0123abcd|.y.json.0123abcd|x.json");
}

static void
test_append_refuses_link_and_fifo(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *log = test_path(fx, "s6-svscan.log");
	g_autofree gchar *fifo = test_path(fx, "boot.log");
	g_autofree gchar *target = g_build_filename(fx->outside, "appended", NULL);
	g_autoptr(GError) error = NULL;
	gint fd;

	assert_int_equal(symlink(target, log), 0);
	fd = hermes_safe_file_open_append(fx->root, log, 0644, &error);
	assert_int_equal(fd, -1);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	assert_false(g_file_test(target, G_FILE_TEST_EXISTS));
	g_clear_error(&error);

	assert_int_equal(mkfifo(fifo, 0644), 0);
	alarm(10);
	fd = hermes_safe_file_open_append(fx->root, fifo, 0644, &error);
	alarm(0);
	assert_int_equal(fd, -1);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
}

static void
test_append_refuses_hard_link(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *log = test_path(fx, "boot.log");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *secret = NULL;
	gint fd;

	/* same file system: a hard link to a file outside the home */
	if (link(fx->secret, log) != 0)
		skip();
	fd = hermes_safe_file_open_append(fx->root, log, 0644, &error);
	assert_int_equal(fd, -1);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "hard link");
	assert_true(g_file_get_contents(fx->secret, &secret, NULL, NULL));
	assert_string_equal(secret, "{\"token\":\"s3cret\"}");
}

static void
test_append_creates_and_appends(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *log = test_path(fx, "profiles/boot.log");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	for (guint i = 0; i < 2; i++) {
		gint fd = hermes_safe_file_open_append(fx->root, log, 0640, &error);
		hermes_assert_no_error(error);
		assert_int_equal(write(fd, "line\n", 5), 5);
		close(fd);
	}
	assert_true(g_file_get_contents(log, &text, NULL, NULL));
	assert_string_equal(text, "line\nline\n");
}

static void
test_remove_tree_never_follows(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *dir = test_path(fx, "profiles/gone");
	g_autofree gchar *inner = test_path(fx, "profiles/gone/sub");
	g_autofree gchar *link = test_path(fx, "profiles/gone/sub/escape");
	g_autoptr(GError) error = NULL;

	g_mkdir_with_parents(inner, 0755);
	assert_int_equal(symlink(fx->outside, link), 0);
	assert_true(hermes_safe_remove_tree(fx->root, dir, &error));
	hermes_assert_no_error(error);
	assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(fx->secret, G_FILE_TEST_IS_REGULAR));
	/* missing is fine */
	assert_true(hermes_safe_remove_tree(fx->root, dir, &error));
	hermes_assert_no_error(error);
}

static void
test_remove_tree_through_linked_parent_refused(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *link = test_path(fx, "profiles/p1");
	g_autofree gchar *path = test_path(fx, "profiles/p1/secret.json");
	g_autoptr(GError) error = NULL;

	assert_int_equal(symlink(fx->outside, link), 0);
	assert_false(hermes_safe_remove_tree(fx->root, path, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	assert_true(g_file_test(fx->secret, G_FILE_TEST_IS_REGULAR));
}

static void
test_stat_reports_link(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *link = test_path(fx, "SOUL.md");
	g_autoptr(GError) error = NULL;
	struct stat st;

	assert_int_equal(symlink(fx->secret, link), 0);
	assert_true(hermes_safe_file_stat(fx->root, link, &st, &error));
	assert_true(S_ISLNK(st.st_mode));
}

static void
test_json_deep_nesting_refused(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "gateway_state.json");
	g_autofree gchar *deep = g_strnfill(100000, '[');
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) object = NULL;
	g_autoptr(JsonNode) node = NULL;

	hermes_test_write_file(path, deep, 0644);
	object = hermes_json_file_load_beneath(fx->root, path, &error);
	assert_null(object);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	hermes_assert_str_contains(error->message, "nested deeper");
	g_clear_error(&error);
	/* brackets inside strings are data, not nesting */
	{
		g_autofree gchar *inner = g_strnfill(200, '[');
		g_autofree gchar *text = g_strdup_printf("{\"a\":\"%s\"}", inner);
		node = hermes_json_parse_bounded(text, strlen(text), &error);
	}
	hermes_assert_no_error(error);
	assert_non_null(node);
}

static void
test_json_update_refuses_linked_state(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *path = test_path(fx, "gateway_state.json");
	g_autoptr(JsonObject) changes = json_object_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *secret = NULL;

	/* a root-only JSON file must never be merged into one the user reads */
	assert_int_equal(symlink(fx->secret, path), 0);
	json_object_set_string_member(changes, "desired_state", "stopped");
	assert_false(hermes_json_file_update_beneath(fx->root, path, changes, 0644, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	assert_true(g_file_get_contents(fx->secret, &secret, NULL, NULL));
	assert_string_equal(secret, "{\"token\":\"s3cret\"}");
}

static void
test_json_int_range(void **state)
{
	g_autoptr(GError) error = NULL;
	const gchar *text = "{\"pid\":4294967297,\"port\":80,\"neg\":-1}";
	g_autoptr(JsonNode) node = hermes_json_parse_bounded(text, strlen(text), &error);
	JsonObject *object;
	hermes_assert_no_error(error);
	object = json_node_get_object(node);
	assert_int_equal(hermes_json_get_int_in_range(object, "pid", 1, 4194304, 0), 0);
	assert_int_equal(hermes_json_get_int_in_range(object, "port", 1, 65535, 0), 80);
	assert_int_equal(hermes_json_get_int_in_range(object, "neg", 1, 65535, 7), 7);
	assert_int_equal(hermes_json_get_int_in_range(object, "none", 1, 65535, 9), 9);
}

/* @rel beneath @fd is refused with @code, and nothing is read */
static void
assert_read_at_refused(gint fd, const gchar *dir, const gchar *rel, gint code)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	/* a FIFO must be refused, never waited on: the alarm makes a hang a failure */
	alarm(10);
	text = hermes_safe_file_read_at(fd, dir, rel, 1024, NULL, &error);
	alarm(0);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, code);
}

/* the _at functions: the same refusals beneath a directory fd the layer opened */
static void
test_at_refuses_what_read_refuses(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *dir = test_path(fx, "profiles/p1");
	g_autofree gchar *plain = test_path(fx, "profiles/p1/state.json");
	g_autofree gchar *link = test_path(fx, "profiles/p1/link.json");
	g_autofree gchar *fifo = test_path(fx, "profiles/p1/.env");
	g_autofree gchar *big = test_path(fx, "profiles/p1/big");
	g_autofree gchar *bytes = g_strnfill(2048, ' ');
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	gint fd;

	g_mkdir(dir, 0755);
	hermes_test_write_file(plain, "{}", 0644);
	hermes_test_write_file(big, bytes, 0644);
	assert_int_equal(symlink(fx->secret, link), 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	fd = hermes_safe_open_dir(fx->root, dir, &error);
	hermes_assert_no_error(error);
	assert_true(fd >= 0);

	text = hermes_safe_file_read_at(fd, dir, "state.json", 1024, &len, &error);
	hermes_assert_no_error(error);
	assert_string_equal(text, "{}");
	assert_int_equal(len, 2);
	g_clear_pointer(&text, g_free);
	/* refusals name the whole path, as hermes_safe_file_read() does */
	text = hermes_safe_file_read_at(fd, dir, "link.json", 1024, NULL, &error);
	assert_null(text);
	hermes_assert_str_contains(error->message, link);
	assert_read_at_refused(fd, dir, "link.json", HERMES_ERROR_PERMISSION_DENIED);
	assert_read_at_refused(fd, dir, ".env", HERMES_ERROR_INVALID_DATA);
	assert_read_at_refused(fd, dir, "big", HERMES_ERROR_INVALID_DATA);
	assert_read_at_refused(fd, dir, "missing", HERMES_ERROR_NOT_FOUND);
	/* nothing climbs out of the directory, nor starts from / */
	assert_read_at_refused(fd, dir, "../../../x", HERMES_ERROR_PERMISSION_DENIED);
	assert_read_at_refused(fd, dir, fx->secret, HERMES_ERROR_PERMISSION_DENIED);
	close(fd);
}

static void
test_at_never_follows_a_directory_link(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *profiles = test_path(fx, "profiles");
	g_autofree gchar *link = test_path(fx, "profiles/p1");
	g_autoptr(GError) error = NULL;
	struct stat st;
	gint fd;

	/* a profile directory that is a link into another home */
	assert_int_equal(symlink(fx->outside, link), 0);
	fd = hermes_safe_open_dir(fx->root, profiles, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_safe_open_dir_at(fd, profiles, "p1", &error), -1);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	assert_read_at_refused(fd, profiles, "p1/secret.json", HERMES_ERROR_PERMISSION_DENIED);
	assert_false(hermes_safe_file_stat_at(fd, profiles, "p1/secret.json", &st, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	/* the link itself is reported as a link */
	assert_true(hermes_safe_file_stat_at(fd, profiles, "p1", &st, &error));
	hermes_assert_no_error(error);
	assert_true(S_ISLNK(st.st_mode));
	close(fd);
}

static void
test_at_opens_a_search_only_directory(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *dir = test_path(fx, "profiles/p1");
	g_autofree gchar *inner = test_path(fx, "profiles/p1/supervise");
	g_autofree gchar *file = test_path(fx, "profiles/p1/supervise/status");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	struct stat st;
	gint fd;
	gint sub;

	g_mkdir(dir, 0755);
	g_mkdir(inner, 0755);
	hermes_test_write_file(file, "up", 0644);
	fd = hermes_safe_open_dir(fx->root, dir, &error);
	hermes_assert_no_error(error);
	/* O_PATH: a group that may only traverse supervise/ (0710) still reaches status */
	sub = hermes_safe_open_dir_at(fd, dir, "supervise", &error);
	hermes_assert_no_error(error);
	assert_true(sub >= 0);
	text = hermes_safe_file_read_at(sub, inner, "status", 64, NULL, &error);
	hermes_assert_no_error(error);
	assert_string_equal(text, "up");
	assert_true(hermes_safe_file_stat_at(fd, dir, "supervise/status", &st, &error));
	hermes_assert_no_error(error);
	assert_true(S_ISREG(st.st_mode));
	assert_false(hermes_safe_file_stat_at(fd, dir, "supervise/lock", &st, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	close(sub);
	close(fd);
}

static guint
count_entries(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	return n;
}

/* a set is replaced whole or not at all: one file that cannot be written keeps the others */
static void
test_replace_set_all_or_nothing(void **state)
{
	SafeFixture *fx = *state;
	g_autofree gchar *dir = test_path(fx, "profiles/slot");
	g_autofree gchar *a = g_build_filename(dir, "run", NULL);
	g_autofree gchar *b = g_build_filename(dir, "finish", NULL);
	g_autofree gchar *c = g_build_filename(dir, "log", "run", NULL);
	g_autofree gchar *log_dir = g_build_filename(dir, "log", NULL);
	const gchar *paths[] = {a, b, c};
	const gchar *contents[] = {"new run\n", "new finish\n", "new log\n"};
	const guint modes[] = {0755, 0700, 0755};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	g_mkdir(dir, 0755);
	hermes_test_write_file(a, "old run\n", 0755);
	hermes_test_write_file(b, "old finish\n", 0755);
	/* log/ is missing: the third file cannot be written */
	assert_false(hermes_safe_files_replace_set(fx->root, paths, contents, modes, 3, &error));
	assert_non_null(error);
	g_file_get_contents(a, &text, NULL, NULL);
	assert_string_equal(text, "old run\n");
	g_clear_pointer(&text, g_free);
	g_file_get_contents(b, &text, NULL, NULL);
	assert_string_equal(text, "old finish\n");
	g_clear_pointer(&text, g_free);
	assert_int_equal(count_entries(dir), 2); /* no temporary left */

	/* with log/ there, all three, with their modes */
	g_clear_error(&error);
	g_mkdir(log_dir, 0755);
	assert_true(hermes_safe_files_replace_set(fx->root, paths, contents, modes, 3, &error));
	hermes_assert_no_error(error);
	for (guint i = 0; i < 3; i++) {
		GStatBuf st;
		g_file_get_contents(paths[i], &text, NULL, NULL);
		assert_string_equal(text, contents[i]);
		g_clear_pointer(&text, g_free);
		assert_int_equal(g_stat(paths[i], &st), 0);
		assert_int_equal(st.st_mode & 07777, modes[i]);
	}
	assert_int_equal(count_entries(dir), 3); /* run, finish, log/ */
}

#define SAFE_TEST(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)
#define WALK_TEST(fn) cmocka_unit_test_setup_teardown(fn, test_setup_walk, test_teardown)
#define BOTH(fn)      SAFE_TEST(fn), WALK_TEST(fn)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_read_plain),
		BOTH(test_read_missing),
		BOTH(test_read_symlink_last),
		BOTH(test_read_symlink_on_the_way),
		BOTH(test_read_fifo_does_not_hang),
		BOTH(test_read_oversized),
		BOTH(test_read_outside_root),
		BOTH(test_replace_replaces_link_not_target),
		BOTH(test_replace_through_linked_dir_refused),
		BOTH(test_replace_leaves_no_temporary),
		BOTH(test_replace_sweeps_killed_writers_temporaries),
		BOTH(test_replace_set_all_or_nothing),
		BOTH(test_append_refuses_link_and_fifo),
		BOTH(test_append_refuses_hard_link),
		BOTH(test_append_creates_and_appends),
		BOTH(test_remove_tree_never_follows),
		BOTH(test_remove_tree_through_linked_parent_refused),
		BOTH(test_stat_reports_link),
		BOTH(test_at_refuses_what_read_refuses),
		BOTH(test_at_never_follows_a_directory_link),
		BOTH(test_at_opens_a_search_only_directory),
		BOTH(test_json_deep_nesting_refused),
		BOTH(test_json_update_refuses_linked_state),
		SAFE_TEST(test_json_int_range),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
