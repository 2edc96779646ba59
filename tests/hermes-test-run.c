/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Running the real programs a test drives (`hermes`, an HTTP request, a
 * subprocess with a bounded wait) and reading what they printed.
 */

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "hermes-test.h"

/**
 * hermes_test_hermes_environ:
 * @hermes_home: the home the command acts on
 *
 * The environment a test gives the real `hermes`: its own home, the built
 * backends only, the built s6 programs, nothing from the developer's shell.
 *
 * Returns: (transfer full): a new environment
 */
gchar **
hermes_test_hermes_environ(const gchar *hermes_home)
{
	gchar **envp = g_get_environ();
	const gchar *s6_bin = g_getenv("HERMES_TEST_S6_BIN_DIR");
	envp = g_environ_setenv(envp, "HERMES_HOME", hermes_home, TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"), TRUE);
	envp = g_environ_unsetenv(envp, "HERMES_SERVICE_MANAGER");
	if (s6_bin != NULL)
		envp = g_environ_setenv(envp, "HERMES_S6_BIN_DIR", s6_bin, TRUE);
	return envp;
}

gint
hermes_test_run_hermes(const gchar *const *envp,
		       const gchar *cwd,
		       const gchar *const *args,
		       gchar **out,
		       gchar **err)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out_local = NULL;
	g_autofree gchar *err_local = NULL;

	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, (gchar **)envp);
	if (cwd != NULL)
		g_subprocess_launcher_set_cwd(launcher, cwd);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	if (proc == NULL)
		fail_msg("cannot run hermes: %s", error->message);
	if (!g_subprocess_communicate_utf8(proc, "", NULL, &out_local, &err_local, &error))
		fail_msg("cannot talk to hermes: %s", error->message);
	hermes_test_strip_valgrind(err_local);
	if (out != NULL)
		*out = g_steal_pointer(&out_local);
	if (err != NULL)
		*err = g_steal_pointer(&err_local);
	if (!g_subprocess_get_if_exited(proc))
		return 128 + g_subprocess_get_term_sig(proc);
	return g_subprocess_get_exit_status(proc);
}

/**
 * hermes_test_strip_valgrind:
 * @text: (nullable): stderr captured from a program run under valgrind
 *
 * Removes valgrind's own lines (`--PID-- …`, e.g. its warning about a
 * syscall it does not know, such as openat2 or pidfd_open, which the code
 * under test handles by falling back), so tests assert on the program's
 * words alone. Edits @text in place.
 */
void
hermes_test_strip_valgrind(gchar *text)
{
	gchar *out = text;
	const gchar *line = text;

	if (text == NULL)
		return;
	while (*line != '\0') {
		const gchar *end = strchr(line, '\n');
		gsize len = end != NULL ? (gsize)(end - line) + 1 : strlen(line);
		gboolean ours = FALSE;
		if (line[0] == '-' && line[1] == '-' && g_ascii_isdigit(line[2])) {
			const gchar *p = line + 2;
			while (g_ascii_isdigit(*p))
				p++;
			ours = p[0] == '-' && p[1] == '-';
		}
		if (!ours) {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = '\0';
}

guint
hermes_test_http_get(const gchar *addr, const gchar *token_path, const gchar *path, gchar **body)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autofree gchar *token = NULL;
	g_autofree gchar *request = NULL;
	g_autoptr(GString) reply = g_string_new(NULL);
	gchar chunk[4096];
	gssize n;
	guint status = 0;

	if (body != NULL)
		*body = NULL;
	if (!g_file_get_contents(token_path, &token, NULL, NULL))
		return 0;
	g_strstrip(token);
	g_socket_client_set_timeout(client, 5);
	conn = g_socket_client_connect_to_host(client, addr, 0, NULL, NULL);
	if (conn == NULL)
		return 0;
	request = g_strdup_printf(
		"GET %s HTTP/1.0\r\nHost: %s\r\nX-Hermes-Token: %s\r\n\r\n", path, addr, token);
	if (!g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
				       request,
				       strlen(request),
				       NULL,
				       NULL,
				       NULL))
		return 0;
	/* HTTP/1.0: the server closes once the reply is whole (bounded by the 5 s timeout) */
	while ((n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
					chunk,
					sizeof(chunk),
					NULL,
					NULL)) > 0)
		g_string_append_len(reply, chunk, n);
	sscanf(reply->str, "HTTP/1.%*d %u", &status);
	if (body != NULL)
		*body = g_strdup(reply->str);
	return status;
}

gboolean
hermes_test_subprocess_wait(GSubprocess *proc, guint timeout_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	/* GSubprocess reaps in GLib's worker thread: the identifier goes once it is reaped */
	while (g_subprocess_get_identifier(proc) != NULL) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(10000);
	}
	g_subprocess_wait(proc, NULL, NULL);
	return TRUE;
}

/**
 * hermes_test_cluster_status:
 * @envp: the environment of `hermes` (its home, backends and HERMES_ETCD_ENDPOINTS)
 *
 * `hermes --json cluster status`, parsed
 *
 * Returns: (transfer full) (nullable): its object, or %NULL when it did not exit 0
 *   or did not print one
 */
JsonObject *
hermes_test_cluster_status(const gchar *const *envp)
{
	const gchar *args[] = {"--json", "cluster", "status", NULL};
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *out = NULL;
	JsonNode *root;

	if (hermes_test_run_hermes(envp, NULL, args, &out, NULL) != 0 ||
	    !json_parser_load_from_data(parser, out, -1, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return NULL;
	return json_object_ref(json_node_get_object(root));
}

/* the row of @status's array @array whose member @key is @value, or NULL */
JsonObject *
hermes_test_cluster_row(JsonObject *status,
			const gchar *array,
			const gchar *key,
			const gchar *value)
{
	JsonArray *rows;
	if (status == NULL || !json_object_has_member(status, array))
		return NULL;
	rows = json_object_get_array_member(status, array);
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		if (g_strcmp0(json_object_get_string_member_with_default(row, key, NULL), value) ==
		    0)
			return row;
	}
	return NULL;
}

/**
 * hermes_test_cluster_look:
 * @envp: the environment of `hermes`
 * @node: a node's name
 * @profile: a profile's name
 * @owner: (out) (optional): the node that owns @profile, %NULL when none
 *
 * Returns: (transfer full) (nullable): @node's state in `cluster status` ("up",
 *   "draining"…), %NULL when it is not listed or the status failed
 */
gchar *
hermes_test_cluster_look(const gchar *const *envp,
			 const gchar *node,
			 const gchar *profile,
			 gchar **owner)
{
	g_autoptr(JsonObject) status = hermes_test_cluster_status(envp);
	JsonObject *row;

	if (owner != NULL) {
		row = hermes_test_cluster_row(status, "gateways", "profile", profile);
		*owner = row != NULL ? g_strdup(json_object_get_string_member_with_default(
					       row, "node", NULL))
				     : NULL;
	}
	row = hermes_test_cluster_row(status, "nodes", "name", node);
	return row != NULL ? g_strdup(json_object_get_string_member(row, "state")) : NULL;
}
