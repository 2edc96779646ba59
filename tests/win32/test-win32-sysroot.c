/*
 * Proof that the mingw-w64 sysroot of contrib/mingw/build-deps.sh works: a
 * Windows program linking GLib, GIO, json-glib and cmocka from it, run by
 * Wine (contrib/mingw/wine-run.sh), checking what the Windows backend will
 * lean on: JSON in and out, atomic file replacement, child processes and
 * their output and exit codes, and the service control manager.
 */
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <io.h>
#include <json-glib/json-glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include <cmocka.h>

/* Everything a test allocates lives here, so that teardown frees it even
 * when a failed assertion longjmps out of the test. */
typedef struct {
	JsonParser *parser;
	JsonBuilder *builder;
	JsonGenerator *generator;
	JsonNode *root;
	gchar *text;
	GError *error;
	gchar *dir;
	gchar *path;
	GDir *listing;
	GSubprocess *process;
	SC_HANDLE scm;
	SC_HANDLE service;
	BYTE *services;
} Fixture;

static GLogWriterOutput
fail_on_warning(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) != 0) {
		for (gsize i = 0; i < n_fields; i++) {
			if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
				fail_msg("unexpected GLib log: %s", (const gchar *)fields[i].value);
		}
		fail_msg("unexpected GLib log without a message");
	}
	return g_log_writer_default(level, fields, n_fields, user_data);
}

static int
setup(void **state)
{
	*state = g_new0(Fixture, 1);
	return 0;
}

static int
teardown(void **state)
{
	Fixture *f = *state;

	g_clear_object(&f->parser);
	g_clear_object(&f->builder);
	g_clear_object(&f->generator);
	g_clear_pointer(&f->root, json_node_unref);
	g_clear_pointer(&f->text, g_free);
	g_clear_error(&f->error);
	g_clear_pointer(&f->listing, g_dir_close);
	if (f->path != NULL)
		(void)g_remove(f->path);
	if (f->dir != NULL)
		(void)g_rmdir(f->dir);
	g_clear_pointer(&f->path, g_free);
	g_clear_pointer(&f->dir, g_free);
	g_clear_object(&f->process);
	if (f->service != NULL)
		CloseServiceHandle(f->service);
	if (f->scm != NULL)
		CloseServiceHandle(f->scm);
	g_free(f->services);
	g_free(f);
	return 0;
}

static void
assert_no_error(GError *error)
{
	if (error != NULL)
		fail_msg("unexpected error: %s", error->message);
}

static void
test_json_parse_and_generate(void **state)
{
	Fixture *f = *state;
	JsonObject *object;
	JsonArray *ports;

	f->parser = json_parser_new();
	json_parser_load_from_data(
		f->parser,
		"{\"profile\": \"demo\", \"port\": 8642, \"ports\": [8642, 8643], \"up\": true}",
		-1,
		&f->error);
	assert_no_error(f->error);
	object = json_node_get_object(json_parser_get_root(f->parser));
	assert_string_equal(json_object_get_string_member(object, "profile"), "demo");
	assert_int_equal(json_object_get_int_member(object, "port"), 8642);
	assert_true(json_object_get_boolean_member(object, "up"));
	ports = json_object_get_array_member(object, "ports");
	assert_int_equal(json_array_get_length(ports), 2);
	assert_int_equal(json_array_get_int_element(ports, 1), 8643);

	f->builder = json_builder_new();
	json_builder_begin_object(f->builder);
	json_builder_set_member_name(f->builder, "profile");
	json_builder_add_string_value(f->builder, "démo \"quoted\"");
	json_builder_set_member_name(f->builder, "pid");
	json_builder_add_int_value(f->builder, 4242);
	json_builder_end_object(f->builder);
	f->root = json_builder_get_root(f->builder);
	f->generator = json_generator_new();
	json_generator_set_root(f->generator, f->root);
	f->text = json_generator_to_data(f->generator, NULL);
	assert_string_equal(f->text, "{\"profile\":\"démo \\\"quoted\\\"\",\"pid\":4242}");

	/* and back again */
	json_parser_load_from_data(f->parser, f->text, -1, &f->error);
	assert_no_error(f->error);
	object = json_node_get_object(json_parser_get_root(f->parser));
	assert_string_equal(json_object_get_string_member(object, "profile"), "démo \"quoted\"");

	assert_false(json_parser_load_from_data(f->parser, "{\"port\": ", -1, &f->error));
	assert_non_null(f->error);
	assert_true(f->error->domain == JSON_PARSER_ERROR);
}

static void
test_atomic_replace(void **state)
{
	Fixture *f = *state;
	const gchar *name;
	gsize length = 0;
	guint entries = 0;

	f->dir = g_dir_make_tmp("hermes-win32-XXXXXX", &f->error);
	assert_no_error(f->error);
	assert_non_null(f->dir);
	f->path = g_build_filename(f->dir, "state.json", NULL);

	assert_true(g_file_set_contents(f->path, "{\"v\":1}", -1, &f->error));
	assert_no_error(f->error);
	/* the second write replaces an existing file, which rename() alone refuses on Windows */
	assert_true(g_file_set_contents_full(f->path,
					     "{\"v\":2}",
					     -1,
					     G_FILE_SET_CONTENTS_CONSISTENT |
						     G_FILE_SET_CONTENTS_DURABLE,
					     0600,
					     &f->error));
	assert_no_error(f->error);

	assert_true(g_file_get_contents(f->path, &f->text, &length, &f->error));
	assert_no_error(f->error);
	assert_int_equal(length, 7);
	assert_string_equal(f->text, "{\"v\":2}");

	/* no temporary file left beside it */
	f->listing = g_dir_open(f->dir, 0, &f->error);
	assert_no_error(f->error);
	while ((name = g_dir_read_name(f->listing)) != NULL) {
		assert_string_equal(name, "state.json");
		entries++;
	}
	assert_int_equal(entries, 1);
}

static void
test_subprocess(void **state)
{
	Fixture *f = *state;

	f->process = g_subprocess_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE, &f->error, "cmd.exe", "/c", "echo", "hi", NULL);
	assert_no_error(f->error);
	assert_true(
		g_subprocess_communicate_utf8(f->process, NULL, NULL, &f->text, NULL, &f->error));
	assert_no_error(f->error);
	assert_string_equal(f->text, "hi\r\n");
	assert_true(g_subprocess_get_if_exited(f->process));
	assert_int_equal(g_subprocess_get_exit_status(f->process), 0);
	g_clear_object(&f->process);

	/* exit codes come through: the runner's restart rules depend on them */
	f->process = g_subprocess_new(
		G_SUBPROCESS_FLAGS_NONE, &f->error, "cmd.exe", "/c", "exit 75", NULL);
	assert_no_error(f->error);
	assert_true(g_subprocess_wait(f->process, NULL, &f->error));
	assert_no_error(f->error);
	assert_int_equal(g_subprocess_get_exit_status(f->process), 75);
}

static void
test_service_control_manager(void **state)
{
	Fixture *f = *state;
	DWORD needed = 0;
	DWORD count = 0;
	DWORD resume = 0;
	ENUM_SERVICE_STATUS_PROCESSW *entries;
	gboolean found_rpcss = FALSE;

	f->scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE);
	assert_non_null(f->scm);

	f->service = OpenServiceW(f->scm, L"hermes-no-such-service", SERVICE_QUERY_STATUS);
	assert_null(f->service);
	assert_int_equal(GetLastError(), ERROR_SERVICE_DOES_NOT_EXIST);

	assert_false(EnumServicesStatusExW(f->scm,
					   SC_ENUM_PROCESS_INFO,
					   SERVICE_WIN32,
					   SERVICE_STATE_ALL,
					   NULL,
					   0,
					   &needed,
					   &count,
					   &resume,
					   NULL));
	assert_int_equal(GetLastError(), ERROR_MORE_DATA);
	assert_true(needed > 0);
	f->services = g_malloc0(needed);
	assert_true(EnumServicesStatusExW(f->scm,
					  SC_ENUM_PROCESS_INFO,
					  SERVICE_WIN32,
					  SERVICE_STATE_ALL,
					  f->services,
					  needed,
					  &needed,
					  &count,
					  &resume,
					  NULL));
	assert_true(count > 0);
	entries = (ENUM_SERVICE_STATUS_PROCESSW *)f->services;
	for (DWORD i = 0; i < count; i++) {
		/* RpcSs runs in every Wine session, as on Windows */
		if (_wcsicmp(entries[i].lpServiceName, L"RpcSs") == 0) {
			found_rpcss = TRUE;
			assert_int_equal(entries[i].ServiceStatusProcess.dwCurrentState,
					 SERVICE_RUNNING);
			assert_true(entries[i].ServiceStatusProcess.dwProcessId != 0);
		}
	}
	print_message("# %lu services registered\n", (unsigned long)count);
	assert_true(found_rpcss);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_parse_and_generate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subprocess, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_control_manager, setup, teardown),
	};

	/* TAP lines must end in \n alone, not the \r\n of a text-mode stdout */
	_setmode(_fileno(stdout), _O_BINARY);
	g_log_set_writer_func(fail_on_warning, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
