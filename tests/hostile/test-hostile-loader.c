/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Backends a user can tamper with (issue 10): a truncated copy of a real
 * backend must be listed as refused with a reason and never crash the
 * process (no SIGBUS); a backend in a directory (or below a parent) others
 * may write, a writable backend file, or one in another user's directory is
 * refused. The scratch directories live next to this test binary, whose
 * parents are trusted, so a refusal is about the file and not about /tmp.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile-common.h"

typedef struct {
	HostileFixture *fx;
	gchar *scratch;
	gchar *real_s6;
	gchar *contents;
	gsize length;
} LoaderFixture;

static int
loader_setup(void **state)
{
	LoaderFixture *lf = g_new0(LoaderFixture, 1);
	g_autofree gchar *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *exe_dir = g_path_get_dirname(exe);
	g_auto(GStrv) dirs = g_strsplit(hermes_test_env("HERMES_TEST_BACKEND_DIRS"), ":", -1);
	void *inner = NULL;

	hostile_setup(&inner);
	lf->fx = inner;
	lf->scratch = g_build_filename(exe_dir, "loader-XXXXXX", NULL);
	if (g_mkdtemp_full(lf->scratch, 0755) == NULL)
		fail_msg("cannot make %s: %s", lf->scratch, g_strerror(errno));
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autofree gchar *so = g_build_filename(dirs[i], "libhermes-backend-s6.so", NULL);
		if (lf->real_s6 == NULL && g_file_test(so, G_FILE_TEST_IS_REGULAR))
			lf->real_s6 = g_steal_pointer(&so);
	}
	if (lf->real_s6 == NULL)
		fail_msg("no built s6 backend in HERMES_TEST_BACKEND_DIRS");
	if (!g_file_get_contents(lf->real_s6, &lf->contents, &lf->length, NULL))
		fail_msg("cannot read %s", lf->real_s6);
	*state = lf;
	return 0;
}

static int
loader_teardown(void **state)
{
	LoaderFixture *lf = *state;
	void *inner = lf->fx;
	hermes_test_rmtree(lf->scratch);
	g_free(lf->scratch);
	g_free(lf->real_s6);
	g_free(lf->contents);
	g_free(lf);
	return hostile_teardown(&inner);
}

/* a directory @name in the scratch area (mode @mode) holding libhermes-backend-s6.so made
 * of the first @length bytes of the real one, with file mode @file_mode */
static gchar *
plant_backend(LoaderFixture *lf, const gchar *name, guint mode, gsize length, guint file_mode)
{
	g_autofree gchar *dir = g_build_filename(lf->scratch, name, NULL);
	gchar *path = g_build_filename(dir, "libhermes-backend-s6.so", NULL);
	g_autoptr(GError) error = NULL;
	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(path, lf->contents, (gssize)length, &error))
		fail_msg("cannot write %s: %s", path, error->message);
	assert_int_equal(g_chmod(path, file_mode), 0);
	assert_int_equal(g_chmod(dir, mode), 0);
	return path;
}

/* `hermes --json backends` with @dir searched first; returns the entry for @path */
static JsonObject *
backends_entry(LoaderFixture *lf, const gchar *dir, const gchar *path, JsonParser **parser_out)
{
	g_autofree gchar *search = g_strdup_printf(
		"HERMES_BACKEND_PATH=%s:%s", dir, hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	gchar *env[] = {search, NULL};
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *backends;

	hostile_run_full(lf->fx, NULL, env, 0, (const gchar *const[]){"--json", "backends", NULL});
	hostile_assert_result(lf->fx, "backends", HOSTILE_CODES(0, 69));
	if (!json_parser_load_from_data(parser, lf->fx->out, -1, &error))
		fail_msg("backends --json is not JSON: %s: %s", error->message, lf->fx->out);
	backends = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
						"backends");
	for (guint i = 0; backends != NULL && i < json_array_get_length(backends); i++) {
		JsonObject *entry = json_array_get_object_element(backends, i);
		if (g_strcmp0(json_object_get_string_member(entry, "path"), path) == 0) {
			*parser_out = g_steal_pointer(&parser);
			return entry;
		}
	}
	fail_msg("backends does not list %s: %s", path, lf->fx->out);
	return NULL;
}

static void
assert_refused(LoaderFixture *lf, const gchar *path, const gchar *code)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *entry = backends_entry(lf, dir, path, &parser);
	const gchar *state = json_object_get_string_member(entry, "state");
	JsonNode *refusal = json_object_get_member(entry, "refusal");
	JsonNode *refusal_code = json_object_get_member(entry, "refusal_code");

	if (g_strcmp0(state, "refused") != 0)
		fail_msg("%s: state '%s', expected refused", path, state);
	if (refusal == NULL || JSON_NODE_HOLDS_NULL(refusal) ||
	    json_node_get_string(refusal) == NULL || json_node_get_string(refusal)[0] == '\0')
		fail_msg("%s: refused without a reason", path);
	if (code != NULL && (refusal_code == NULL || JSON_NODE_HOLDS_NULL(refusal_code) ||
			     g_strcmp0(json_node_get_string(refusal_code), code) != 0))
		fail_msg("%s: refusal_code %s, expected %s (%s)",
			 path,
			 refusal_code != NULL && !JSON_NODE_HOLDS_NULL(refusal_code)
				 ? json_node_get_string(refusal_code)
				 : "null",
			 code,
			 json_node_get_string(refusal));
	/* the real s6 later in the path is still found and chosen */
	if (strstr(lf->fx->out, "\"chosen\" : \"s6\"") == NULL)
		fail_msg("the real s6 backend was not chosen: %s", lf->fx->out);
}

/* every other command still runs with the bad file in the path */
static void
assert_commands_survive(LoaderFixture *lf, const gchar *dir)
{
	g_autofree gchar *search = g_strdup_printf(
		"HERMES_BACKEND_PATH=%s:%s", dir, hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	gchar *env[] = {search, NULL};
	hostile_run_full(lf->fx, NULL, env, 0, (const gchar *const[]){"backends", NULL});
	hostile_assert_result(lf->fx, "backends (table)", HOSTILE_CODES(0, 69));
	hermes_assert_str_contains(lf->fx->out, "refused");
	hostile_run_full(lf->fx, NULL, env, 0, (const gchar *const[]){"status", NULL});
	hostile_assert_result(lf->fx, "status", HOSTILE_CODES(0));
	hostile_run_full(
		lf->fx, NULL, env, 0, (const gchar *const[]){"profile", "create", "p1", NULL});
	hostile_assert_result(lf->fx, "profile create", HOSTILE_CODES(0, 4));
}

/* the control: an intact copy in a scratch directory loads, so refusals below are about
 * the file or directory and not about where the scratch area is */
static void
test_intact_copy_loads(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *path = plant_backend(lf, "intact", 0755, lf->length, 0644);
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *entry = backends_entry(lf, dir, path, &parser);
	assert_string_equal(json_object_get_string_member(entry, "state"), "loaded");
}

static void
truncated_case(LoaderFixture *lf, gsize length)
{
	g_autofree gchar *name = g_strdup_printf("truncated-%" G_GSIZE_FORMAT, length);
	g_autofree gchar *path = plant_backend(lf, name, 0755, length, 0644);
	g_autofree gchar *dir = g_path_get_dirname(path);
	print_message("# truncated to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes\n",
		      length,
		      lf->length);
	assert_refused(lf, path, NULL);
	assert_commands_survive(lf, dir);
}

static void
test_truncated_empty(void **state)
{
	truncated_case(*state, 0);
}

static void
test_truncated_header(void **state)
{
	truncated_case(*state, 64);
}

static void
test_truncated_program_headers(void **state)
{
	truncated_case(*state, 1024);
}

static void
test_truncated_page(void **state)
{
	truncated_case(*state, 4096);
}

static void
test_truncated_half(void **state)
{
	LoaderFixture *lf = *state;
	truncated_case(lf, lf->length / 2);
}

static void
test_truncated_tail(void **state)
{
	LoaderFixture *lf = *state;
	truncated_case(lf, lf->length - 4096);
}

static void
test_not_elf(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *dir = g_build_filename(lf->scratch, "text", NULL);
	g_autofree gchar *path = g_build_filename(dir, "libhermes-backend-s6.so", NULL);
	g_mkdir(dir, 0755);
	hostile_write(path, "INPUT(-lc)\n", 0644);
	assert_refused(lf, path, NULL);
	assert_commands_survive(lf, dir);
}

static void
test_dir_world_writable(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *path = plant_backend(lf, "world", 0777, lf->length, 0644);
	assert_refused(lf, path, "PermissionDenied");
}

static void
test_dir_group_writable(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *path = plant_backend(lf, "group", 0775, lf->length, 0644);
	assert_refused(lf, path, "PermissionDenied");
}

static void
test_file_writable(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *path = plant_backend(lf, "file", 0755, lf->length, 0666);
	assert_refused(lf, path, "PermissionDenied");
}

/* a trusted-looking directory below a parent anyone may write (and so swap) */
static void
test_parent_world_writable(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *path = plant_backend(lf, "open/backends", 0755, lf->length, 0644);
	g_autofree gchar *open = g_build_filename(lf->scratch, "open", NULL);
	assert_int_equal(g_chmod(open, 0777), 0);
	assert_refused(lf, path, "PermissionDenied");
}

static void
test_dir_other_user(void **state)
{
	LoaderFixture *lf = *state;
	struct passwd *pw;
	g_autofree gchar *path = NULL;
	g_autofree gchar *dir = NULL;
	if (getuid() != 0) {
		print_message("# skipped: not root, cannot give a directory to another user\n");
		return;
	}
	pw = getpwnam("hermes-ci");
	if (pw == NULL) {
		print_message("# skipped: no hermes-ci account (.ci/run creates it)\n");
		return;
	}
	path = plant_backend(lf, "theirs", 0755, lf->length, 0644);
	dir = g_path_get_dirname(path);
	assert_int_equal(chown(dir, pw->pw_uid, pw->pw_gid), 0);
	assert_refused(lf, path, "PermissionDenied");
}

/* the loader race: a trusted directory holding a good backend is swapped (RENAME_EXCHANGE)
 * with one holding the attacker's library, again and again, while hermes scans. What is
 * loaded must be what was checked: the attacker's file (group- and other-writable, so
 * refused whenever it is the one checked) must never be mapped, its constructor never run */
static void
test_rename_exchange_race(void **state)
{
	LoaderFixture *lf = *state;
	g_autofree gchar *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree gchar *exe_dir = g_path_get_dirname(exe);
	g_autofree gchar *evil_so = g_build_filename(exe_dir, "libhostile-evil-backend.so", NULL);
	g_autofree gchar *good = plant_backend(lf, "race-a", 0755, lf->length, 0644);
	g_autofree gchar *good_dir = g_path_get_dirname(good);
	g_autofree gchar *evil_dir = g_build_filename(lf->scratch, "race-b", NULL);
	g_autofree gchar *marks = g_build_filename(lf->fx->tmp, "marks", NULL);
	g_autofree gchar *marker = g_build_filename(marks, "evil-constructor-ran", NULL);
	g_autofree gchar *marker_env = g_strdup_printf("HERMES_HOSTILE_EVIL_MARKER=%s", marker);
	g_autofree gchar *search = g_strdup_printf(
		"HERMES_BACKEND_PATH=%s:%s", good_dir, hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	gchar *env[] = {search, marker_env, NULL};
	guint rounds = 150;
	pid_t swapper;

	g_mkdir(marks, 0755);
	g_mkdir(evil_dir, 0755);
	g_free(hermes_test_copy_file(evil_so, evil_dir, "libhermes-backend-s6.so", 0666));
	swapper = fork();
	assert_true(swapper >= 0);
	if (swapper == 0) {
		for (;;) {
			if (renameat2(AT_FDCWD, good_dir, AT_FDCWD, evil_dir, RENAME_EXCHANGE) != 0)
				_exit(errno == EINVAL ? 3 : 2);
		}
	}
	for (guint i = 0; i < rounds && !g_file_test(marker, G_FILE_TEST_EXISTS); i++) {
		/* unwrapped even under valgrind: valgrind's own bookkeeping of mapped files
		 * aborts when their directory is exchanged mid-load (seen in CI: aspacem
		 * "! is_freeslot(ix)"), which says nothing about hermes; the other loader
		 * cases run the same code under valgrind */
		hostile_run_unwrapped(
			lf->fx, env, (const gchar *const[]){"--json", "backends", NULL});
		if (lf->fx->signal != 0)
			break;
	}
	kill(swapper, SIGKILL);
	{
		gint status = 0;
		waitpid(swapper, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
			print_message("# skipped: this filesystem has no RENAME_EXCHANGE\n");
			return;
		}
	}
	if (g_file_test(marker, G_FILE_TEST_EXISTS))
		fail_msg("the loader mapped a file it did not check: the attacker's constructor "
			 "ran");
	hostile_assert_result(lf->fx, "backends during the race", HOSTILE_CODES(0, 69));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, loader_setup, loader_teardown)

int
main(void)
{
	/* fixes not landed yet: see README.md */
	const gchar *const pending[] = {
		NULL,
	};
	struct CMUnitTest tests[] = {
		T(test_intact_copy_loads),
		T(test_truncated_empty),
		T(test_truncated_header),
		T(test_truncated_program_headers),
		T(test_truncated_page),
		T(test_truncated_half),
		T(test_truncated_tail),
		T(test_not_elf),
		T(test_dir_world_writable),
		T(test_dir_group_writable),
		T(test_file_writable),
		T(test_parent_world_writable),
		T(test_dir_other_user),
		T(test_rename_exchange_race),
	};
	hermes_test_init();
	return _cmocka_run_group_tests("hostile",
				       tests,
				       hostile_apply_pending(tests, G_N_ELEMENTS(tests), pending),
				       NULL,
				       NULL);
}
