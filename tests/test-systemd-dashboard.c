/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The web dashboard over the systemd backend: the real `hermes-svcd --no-bus
 * --http` against a real `systemd --user` (tests/systemd-user-harness.sh),
 * driven over HTTP with the token `hermes dashboard url` prints. The page
 * itself is driven in a browser over s6 (tests/browser/); what must hold for
 * every backend is the API the page reads and acts through.
 */

#include <libsoup/soup.h>

#include "systemd-test.h"

typedef struct {
	SoupSession *session;
	gchar *url;   /* http://127.0.0.1:PORT, no trailing slash */
	gchar *token; /* from the URL's #token= */
} Web;

/* one request, answered within the session's timeout; the status and the body */
static guint
web_call(Web *web, const gchar *method, const gchar *path, gchar **body)
{
	g_autofree gchar *uri = g_strconcat(web->url, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	g_autoptr(GBytes) bytes = NULL;
	g_autoptr(GError) error = NULL;

	soup_message_headers_replace(
		soup_message_get_request_headers(msg), "X-Hermes-Token", web->token);
	bytes = soup_session_send_and_read(web->session, msg, NULL, &error);
	hermes_assert_no_error(error);
	if (body != NULL)
		*body = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	return soup_message_get_status(msg);
}

/* the row of @profile in GET /api/gateways, as the page gets it */
static JsonObject *
web_row(Web *web, const gchar *profile)
{
	g_autofree gchar *body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonArray *rows;

	assert_int_equal(web_call(web, "GET", "/api/gateways", &body), 200);
	assert_true(json_parser_load_from_data(parser, body, -1, NULL));
	hermes_assert_str_contains(body, "\"backend\" : \"systemd\"");
	rows = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					    "gateways");
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		if (g_strcmp0(json_object_get_string_member(row, "profile"), profile) == 0)
			return json_object_ref(row);
	}
	fail_msg("no row for %s in %s", profile, body);
	return NULL;
}

/* hermes-svcd serving this home's dashboard, and its URL and token */
static GSubprocess *
web_start(Fixture *f, Web *web)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;
	gchar *hash;

	g_subprocess_launcher_set_environ(launcher, f->envp);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_SVCD"),
					   "--no-bus",
					   "--http",
					   "127.0.0.1:0",
					   NULL);
	hermes_assert_no_error(error);
	/* `hermes dashboard url` exits 3 until the daemon has recorded its address */
	for (guint i = 0; i < 300 && run(f, "dashboard", "url") != 0; i++)
		g_usleep(20 * 1000);
	hash = strstr(f->out, "#token=");
	assert_non_null(hash);
	web->url = g_strndup(f->out, (gsize)(hash - f->out));
	/* the page's URL ends in `/`; the API's paths start with one */
	if (g_str_has_suffix(web->url, "/"))
		web->url[strlen(web->url) - 1] = '\0';
	web->token = g_strdup(hash + strlen("#token="));
	g_strchomp(web->token);
	web->session = soup_session_new_with_options("timeout", 30, NULL);
	return proc;
}

/* a request that must be answered @status; the body says why when it is not */
static void
web_expect(Web *web, const gchar *method, const gchar *path, guint status)
{
	g_autofree gchar *body = NULL;
	guint got = web_call(web, method, path, &body);
	if (got != status)
		fail_msg("%s %s: %u, not %u: %s", method, path, got, status, body);
}

static gboolean
row_state_is(Web *web, const gchar *profile, const gchar *state)
{
	g_autoptr(JsonObject) row = web_row(web, profile);
	return g_strcmp0(json_object_get_string_member(row, "state"), state) == 0;
}

/* what the page shows and does, over systemd: the row, Stop, Start, Restart */
static void
test_systemd_dashboard_api(void **state)
{
	Fixture *f = *state;
	Web web = {0};
	g_autoptr(GSubprocess) svcd = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) row = NULL;
	g_autofree gchar *unit = NULL;
	gint64 pid;
	gint64 pid2;

	SKIP_UNLESS_HERE(f);
	unit = hermes_systemd_unit_name("demo");
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install");
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start");
	pid = service_u32(f, unit, "MainPID");
	svcd = web_start(f, &web);

	/* the row: up, with systemd's own MainPID */
	row = web_row(&web, "demo");
	assert_string_equal(json_object_get_string_member(row, "state"), "up");
	assert_int_equal(json_object_get_int_member(row, "pid"), pid);
	/* no token: refused, and nothing changes */
	g_free(web.token);
	web.token = g_strdup("0");
	web_expect(&web, "POST", "/api/gateways/demo/stop", 401);
	assert_unit_state(f, unit, "active", NULL);
	g_clear_pointer(&web.token, g_free);
	run(f, "dashboard", "url");
	web.token = g_strdup(strstr(f->out, "#token=") + strlen("#token="));
	g_strchomp(web.token);
	/* Stop: systemd stops the unit, the intent is recorded, the row says down */
	web_expect(&web, "POST", "/api/gateways/demo/stop", 200);
	assert_unit_state(f, unit, "inactive", NULL);
	for (guint i = 0; i < 250 && !row_state_is(&web, "demo", "down"); i++)
		g_usleep(20 * 1000);
	assert_true(row_state_is(&web, "demo", "down"));
	{
		g_autofree gchar *state_file =
			g_build_filename(f->root, "profiles", "demo", "gateway_state.json", NULL);
		g_autofree gchar *text = read_text(state_file);
		hermes_assert_str_contains(text, "\"desired_state\":\"stopped\"");
	}
	/* Start, then Restart: a new MainPID each time */
	web_expect(&web, "POST", "/api/gateways/demo/start", 200);
	assert_unit_state(f, unit, "active", NULL);
	pid = service_u32(f, unit, "MainPID");
	web_expect(&web, "POST", "/api/gateways/demo/restart", 200);
	pid2 = service_u32(f, unit, "MainPID");
	assert_true(pid2 > 0 && pid2 != pid);

	g_subprocess_send_signal(svcd, SIGTERM);
	assert_true(g_subprocess_wait(svcd, NULL, &error));
	assert_int_equal(g_subprocess_get_exit_status(svcd), 0);
	g_clear_object(&web.session);
	g_free(web.url);
	g_free(web.token);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "uninstall"), "uninstall");
	assert_nothing_left(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_dashboard_api),
	};
	return SYSTEMD_TEST_MAIN(argv[0], tests);
}
