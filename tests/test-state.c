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

#include "hermes-error.h"
#include "hermes-state.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmpdir;
	gchar *outside;
	mode_t saved_umask;
} StateFixture;

static int
test_setup(void **state)
{
	StateFixture *fx = g_new0(StateFixture, 1);
	fx->tmpdir = hermes_test_mkdtemp();
	fx->saved_umask = umask(022);
	umask(fx->saved_umask);
	*state = fx;
	return 0;
}

static int
test_teardown(void **state)
{
	StateFixture *fx = *state;
	umask(fx->saved_umask);
	hermes_test_rmtree(fx->tmpdir);
	hermes_test_rmtree(fx->outside);
	g_free(fx->tmpdir);
	g_free(fx->outside);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

static guint
test_file_mode(const gchar *path)
{
	GStatBuf st;
	if (g_stat(path, &st) != 0)
		fail_msg("cannot stat %s: %s", path, g_strerror(errno));
	return st.st_mode & 07777;
}

static gchar *
test_read_file(const gchar *path, gsize *len)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, len, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return contents;
}

static void
test_write_atomic_mode_0600(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "secret.json", NULL);
	gboolean ret;

	/* a permissive umask must not widen a secret file */
	umask(002);
	ret = hermes_file_write_atomic(path, "{}", -1, 0600, &error);
	umask(fx->saved_umask);
	hermes_assert_no_error(error);
	assert_true(ret);
	assert_int_equal(test_file_mode(path), 0600);
}

static void
test_write_atomic_mode_0644(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "public.json", NULL);
	gboolean ret;

	/* a strict umask must not narrow a file other users need to read */
	umask(077);
	ret = hermes_file_write_atomic(path, "{}", -1, 0644, &error);
	umask(fx->saved_umask);
	hermes_assert_no_error(error);
	assert_true(ret);
	assert_int_equal(test_file_mode(path), 0644);

	umask(022);
	ret = hermes_file_write_atomic(path, "{}", -1, 0600, &error);
	umask(fx->saved_umask);
	hermes_assert_no_error(error);
	assert_true(ret);
	assert_int_equal(test_file_mode(path), 0600);
}

static void
test_write_atomic_replaces(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "state.json", NULL);
	g_autofree gchar *contents = NULL;
	g_autofree gchar *listing = NULL;

	hermes_test_write_file(path, "old contents that are longer than the new ones", 0644);
	assert_true(hermes_file_write_atomic(path, "new", -1, 0644, &error));
	hermes_assert_no_error(error);
	contents = test_read_file(path, NULL);
	assert_string_equal(contents, "new");

	/* no temporary is left next to the file, after several writes */
	for (guint i = 0; i < 3; i++) {
		assert_true(hermes_file_write_atomic(path, "again", -1, 0600, &error));
		hermes_assert_no_error(error);
	}
	listing = hermes_test_list_dir(fx->tmpdir);
	assert_string_equal(listing, "state.json");
}

static void
test_write_atomic_missing_dir(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "missing", "state.json", NULL);
	g_autofree gchar *listing = NULL;

	assert_false(hermes_file_write_atomic(path, "x", -1, 0644, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	hermes_assert_str_contains(error->message, path);
	listing = hermes_test_list_dir(fx->tmpdir);
	assert_string_equal(listing, "");
}

static void
test_write_atomic_not_a_dir(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *file = g_build_filename(fx->tmpdir, "file", NULL);
	g_autofree gchar *path = g_build_filename(file, "state.json", NULL);
	g_autofree gchar *listing = NULL;
	g_autofree gchar *contents = NULL;

	/* a path component that is a regular file stops root too */
	hermes_test_write_file(file, "keep", 0644);
	assert_false(hermes_file_write_atomic(path, "x", -1, 0644, &error));
	assert_non_null(error);
	assert_int_equal(error->domain, HERMES_ERROR);
	listing = hermes_test_list_dir(fx->tmpdir);
	assert_string_equal(listing, "file");
	contents = test_read_file(file, NULL);
	assert_string_equal(contents, "keep");
}

static void
test_write_atomic_length(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "blob", NULL);
	g_autofree gchar *contents = NULL;
	g_autofree gchar *contents2 = NULL;
	g_autofree gchar *contents3 = NULL;
	const gchar data[] = "ab\0cd";
	gsize len = 0;

	/* an explicit length keeps the bytes after an embedded NUL */
	assert_true(hermes_file_write_atomic(path, data, 5, 0644, &error));
	hermes_assert_no_error(error);
	contents = test_read_file(path, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(contents, data, 5);

	/* -1 means a C string: it stops at the NUL */
	assert_true(hermes_file_write_atomic(path, data, -1, 0644, &error));
	hermes_assert_no_error(error);
	contents2 = test_read_file(path, &len);
	assert_int_equal(len, 2);
	assert_string_equal(contents2, "ab");

	/* an empty file is a valid result */
	assert_true(hermes_file_write_atomic(path, "", 0, 0644, &error));
	hermes_assert_no_error(error);
	contents3 = test_read_file(path, &len);
	assert_int_equal(len, 0);
}

static void
test_remove_tree_nested(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *top = g_build_filename(fx->tmpdir, "top", NULL);
	g_autofree gchar *deep = g_build_filename(top, "a", "b", "c", "file", NULL);
	g_autofree gchar *hidden = g_build_filename(top, "a", ".hidden", NULL);
	g_autofree gchar *empty = g_build_filename(top, "empty", NULL);
	g_autofree gchar *listing = NULL;

	hermes_test_write_file(deep, "x", 0644);
	hermes_test_write_file(hidden, "x", 0600);
	assert_int_equal(g_mkdir(empty, 0755), 0);
	assert_true(hermes_file_remove_tree(top, &error));
	hermes_assert_no_error(error);
	assert_false(g_file_test(top, G_FILE_TEST_EXISTS));
	listing = hermes_test_list_dir(fx->tmpdir);
	assert_string_equal(listing, "");
}

static void
test_remove_tree_file(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "plain", NULL);

	hermes_test_write_file(path, "x", 0644);
	assert_true(hermes_file_remove_tree(path, &error));
	hermes_assert_no_error(error);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_remove_tree_symlink(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *outside_file = NULL;
	g_autofree gchar *top = g_build_filename(fx->tmpdir, "top", NULL);
	g_autofree gchar *link_dir = g_build_filename(top, "link-to-dir", NULL);
	g_autofree gchar *sub = g_build_filename(top, "sub", NULL);
	g_autofree gchar *link_file = g_build_filename(sub, "link-to-file", NULL);
	g_autofree gchar *contents = NULL;

	fx->outside = hermes_test_mkdtemp();
	outside_file = g_build_filename(fx->outside, "precious", NULL);
	hermes_test_write_file(outside_file, "keep me", 0644);
	assert_int_equal(g_mkdir_with_parents(sub, 0755), 0);
	assert_int_equal(symlink(fx->outside, link_dir), 0);
	assert_int_equal(symlink(outside_file, link_file), 0);

	assert_true(hermes_file_remove_tree(top, &error));
	hermes_assert_no_error(error);
	assert_false(g_file_test(top, G_FILE_TEST_EXISTS));
	/* the link went, not what it pointed to */
	assert_true(g_file_test(fx->outside, G_FILE_TEST_IS_DIR));
	contents = test_read_file(outside_file, NULL);
	assert_string_equal(contents, "keep me");
}

static void
test_remove_tree_symlink_top(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *outside_file = NULL;
	g_autofree gchar *link = g_build_filename(fx->tmpdir, "link", NULL);

	fx->outside = hermes_test_mkdtemp();
	outside_file = g_build_filename(fx->outside, "precious", NULL);
	hermes_test_write_file(outside_file, "keep me", 0644);
	assert_int_equal(symlink(fx->outside, link), 0);

	/* removing a link to a directory removes the link only */
	assert_true(hermes_file_remove_tree(link, &error));
	hermes_assert_no_error(error);
	assert_false(g_file_test(link, G_FILE_TEST_EXISTS));
	assert_true(g_file_test(outside_file, G_FILE_TEST_IS_REGULAR));
}

static void
test_remove_tree_missing(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "no", "such", "thing", NULL);

	assert_true(hermes_file_remove_tree(path, &error));
	hermes_assert_no_error(error);
}

static void
test_json_load_ok(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) object = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "ok.json", NULL);

	hermes_test_write_file(path, "{\"a\": 1, \"b\": \"two\"}", 0644);
	object = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	assert_non_null(object);
	assert_int_equal(json_object_get_int_member(object, "a"), 1);
	assert_string_equal(json_object_get_string_member(object, "b"), "two");
}

static void
test_json_load_missing(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) object = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "missing.json", NULL);

	object = hermes_json_file_load(path, &error);
	assert_null(object);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
}

static void
test_json_load_invalid(void **state)
{
	StateFixture *fx = *state;
	const struct {
		const gchar *what;
		const gchar *contents;
	} cases[] = {
		{"empty", ""},
		{"blank", "  \n\t\n"},
		{"truncated", "{\"a\": 1"},
		{"array", "[1, 2, 3]"},
		{"string", "\"just a string\""},
		{"garbage", "\x01\x02 not json at all"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) object = NULL;
		g_autofree gchar *name = g_strdup_printf("%s.json", cases[i].what);
		g_autofree gchar *path = g_build_filename(fx->tmpdir, name, NULL);

		hermes_test_write_file(path, cases[i].contents, 0644);
		object = hermes_json_file_load(path, &error);
		if (object != NULL)
			fail_msg("%s: loaded an object", cases[i].what);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		/* the user learns which file is broken */
		hermes_assert_str_contains(error->message, path);
	}
}

static const gchar test_gateway_state[] =
	"{\n"
	"  \"pid\": 4242,\n"
	"  \"kind\": \"hermes-gateway\",\n"
	"  \"argv\": [\"/usr/bin/hermes\", \"gateway\", \"run\"],\n"
	"  \"start_time\": 1718000000.25,\n"
	"  \"gateway_state\": \"running\",\n"
	"  \"exit_reason\": null,\n"
	"  \"restart_requested\": false,\n"
	"  \"active_agents\": 0,\n"
	"  \"platforms\": {\n"
	"    \"telegram\": {\"state\": \"connected\", \"error_code\": null,\n"
	"                   \"updated_at\": \"2026-01-02T03:04:05.000006+00:00\"},\n"
	"    \"discord\": {\"state\": \"disconnected\", \"error_message\": \"token \\u00e9\"}\n"
	"  },\n"
	"  \"desired_state\": \"running\",\n"
	"  \"updated_at\": \"2026-01-02T03:04:05.000006+00:00\",\n"
	"  \"x-future-key\": {\"nested\": [1, 2.5, true, null, {\"deep\": \"yes\"}]}\n"
	"}\n";

static JsonObject *
test_parse_object(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("cannot parse test JSON: %s", error->message);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static void
test_json_update_creates(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) changes = json_object_new();
	g_autoptr(JsonObject) object = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "gateway_state.json", NULL);
	g_autofree gchar *listing = NULL;

	json_object_set_string_member(changes, "desired_state", "stopped");
	json_object_set_null_member(changes, "not_there");
	assert_true(hermes_json_file_update(path, changes, 0600, &error));
	hermes_assert_no_error(error);
	assert_int_equal(test_file_mode(path), 0600);
	object = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	assert_int_equal(json_object_get_size(object), 1);
	assert_string_equal(json_object_get_string_member(object, "desired_state"), "stopped");
	listing = hermes_test_list_dir(fx->tmpdir);
	assert_string_equal(listing, "gateway_state.json");
}

static void
test_json_update_preserves_unknown(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) changes = json_object_new();
	g_autoptr(JsonObject) before = test_parse_object(test_gateway_state);
	g_autoptr(JsonObject) after = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "gateway_state.json", NULL);
	JsonObjectIter iter;
	const gchar *name;
	JsonNode *value;
	guint n_checked = 0;

	hermes_test_write_file(path, test_gateway_state, 0644);
	json_object_set_string_member(changes, "desired_state", "stopped");
	assert_true(hermes_json_file_update(path, changes, 0644, &error));
	hermes_assert_no_error(error);

	after = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	assert_string_equal(json_object_get_string_member(after, "desired_state"), "stopped");
	/* hermes-agent owns the other keys: every one survives unchanged */
	assert_int_equal(json_object_get_size(after), json_object_get_size(before));
	json_object_iter_init(&iter, before);
	while (json_object_iter_next(&iter, &name, &value)) {
		JsonNode *now;
		if (g_strcmp0(name, "desired_state") == 0)
			continue;
		now = json_object_get_member(after, name);
		if (now == NULL)
			fail_msg("key '%s' was lost", name);
		if (!json_node_equal(value, now)) {
			g_autofree gchar *was = json_to_string(value, FALSE);
			g_autofree gchar *is = json_to_string(now, FALSE);
			fail_msg("key '%s' changed from %s to %s", name, was, is);
		}
		n_checked++;
	}
	assert_int_equal(n_checked, json_object_get_size(before) - 1);
}

static void
test_json_update_null_removes(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) changes = json_object_new();
	g_autoptr(JsonObject) after = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "gateway_state.json", NULL);

	hermes_test_write_file(path, test_gateway_state, 0644);
	json_object_set_null_member(changes, "restart_requested");
	json_object_set_null_member(changes, "platforms");
	json_object_set_int_member(changes, "active_agents", 3);
	assert_true(hermes_json_file_update(path, changes, 0644, &error));
	hermes_assert_no_error(error);

	after = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	assert_false(json_object_has_member(after, "restart_requested"));
	assert_false(json_object_has_member(after, "platforms"));
	assert_int_equal(json_object_get_int_member(after, "active_agents"), 3);
	/* a null already in the file is data, not a removal request */
	assert_true(json_object_has_member(after, "exit_reason"));
	assert_true(json_object_get_null_member(after, "exit_reason"));
	assert_int_equal(json_object_get_int_member(after, "pid"), 4242);
}

static void
test_json_update_corrupt_untouched(void **state)
{
	StateFixture *fx = *state;
	const gchar *corrupt[] = {"{\"a\": 1", "", "[\"not\", \"an\", \"object\"]"};

	for (guint i = 0; i < G_N_ELEMENTS(corrupt); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) changes = json_object_new();
		g_autofree gchar *path = g_build_filename(fx->tmpdir, "gateway_state.json", NULL);
		g_autofree gchar *contents = NULL;
		g_autofree gchar *listing = NULL;
		gsize len = 0;

		hermes_test_write_file(path, corrupt[i], 0640);
		json_object_set_string_member(changes, "desired_state", "stopped");
		assert_false(hermes_json_file_update(path, changes, 0600, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		hermes_assert_str_contains(error->message, path);
		/* the broken file stays for a human to look at, byte for byte */
		contents = test_read_file(path, &len);
		assert_int_equal(len, strlen(corrupt[i]));
		assert_memory_equal(contents, corrupt[i], len);
		assert_int_equal(test_file_mode(path), 0640);
		listing = hermes_test_list_dir(fx->tmpdir);
		assert_string_equal(listing, "gateway_state.json");
	}
}

static void
test_json_update_mode(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) changes = json_object_new();
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "gateway_state.json", NULL);

	hermes_test_write_file(path, test_gateway_state, 0666);
	json_object_set_string_member(changes, "desired_state", "running");
	assert_true(hermes_json_file_update(path, changes, 0600, &error));
	hermes_assert_no_error(error);
	assert_int_equal(test_file_mode(path), 0600);

	assert_true(hermes_json_file_update(path, changes, 0644, &error));
	hermes_assert_no_error(error);
	assert_int_equal(test_file_mode(path), 0644);
}

static void
test_json_save_round_trip(void **state)
{
	StateFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) object = test_parse_object(test_gateway_state);
	g_autoptr(JsonObject) loaded = NULL;
	g_autoptr(JsonNode) a = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonNode) b = json_node_new(JSON_NODE_OBJECT);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "saved.json", NULL);

	assert_true(hermes_json_file_save(path, object, 0600, &error));
	hermes_assert_no_error(error);
	assert_int_equal(test_file_mode(path), 0600);
	loaded = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	json_node_set_object(a, object);
	json_node_set_object(b, loaded);
	assert_true(json_node_equal(a, b));
}

static void
test_time_format_iso8601(void **state)
{
	const struct {
		gint64 us;
		const gchar *text;
	} cases[] = {
		{0, "1970-01-01T00:00:00.000000+00:00"},
		{1, "1970-01-01T00:00:00.000001+00:00"},
		{1000007, "1970-01-01T00:00:01.000007+00:00"},
		{G_GINT64_CONSTANT(1700000000123456), "2023-11-14T22:13:20.123456+00:00"},
		{G_GINT64_CONSTANT(1709210096999999), "2024-02-29T12:34:56.999999+00:00"},
		/* before the epoch the fraction still counts up from the second below */
		{-1, "1969-12-31T23:59:59.999999+00:00"},
		{-1500000, "1969-12-31T23:59:58.500000+00:00"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = hermes_time_format_iso8601(cases[i].us);
		assert_string_equal(text, cases[i].text);
	}
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define STATE_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		STATE_TEST(test_write_atomic_mode_0600),
		STATE_TEST(test_write_atomic_mode_0644),
		STATE_TEST(test_write_atomic_replaces),
		STATE_TEST(test_write_atomic_missing_dir),
		STATE_TEST(test_write_atomic_not_a_dir),
		STATE_TEST(test_write_atomic_length),
		STATE_TEST(test_remove_tree_nested),
		STATE_TEST(test_remove_tree_file),
		STATE_TEST(test_remove_tree_symlink),
		STATE_TEST(test_remove_tree_symlink_top),
		STATE_TEST(test_remove_tree_missing),
		STATE_TEST(test_json_load_ok),
		STATE_TEST(test_json_load_missing),
		STATE_TEST(test_json_load_invalid),
		STATE_TEST(test_json_update_creates),
		STATE_TEST(test_json_update_preserves_unknown),
		STATE_TEST(test_json_update_null_removes),
		STATE_TEST(test_json_update_corrupt_untouched),
		STATE_TEST(test_json_update_mode),
		STATE_TEST(test_json_save_round_trip),
		STATE_TEST(test_time_format_iso8601),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
