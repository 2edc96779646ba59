/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the node agent's test machine room: see cluster-agent-test.h. This file holds the
 * fixture, the nodes (trees and agents), the operator's commands and etcd's view; the
 * proxy is in cluster-agent-proxy.c, the gateway log's checks in cluster-agent-log.c */

#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cluster-agent-test.h"

/* how long an agent may take to exit after SIGTERM, a tree after "t" */
#define AGENT_TEST_EXIT_S 20
/* the tail of an agent's stderr that a failed test shows */
#define AGENT_TEST_TAIL 3000

static const gchar *const agent_node_names[AGENT_TEST_NODES] = {"node-a", "node-b", "node-c"};

guint
agent_slow(void)
{
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	return wrapper != NULL && wrapper[0] != '\0' ? 3 : 1;
}

gdouble
agent_rel(const AgentFixture *f, gint64 us)
{
	return (gdouble)(us - f->t0) / G_USEC_PER_SEC;
}

/*****************************************************************************/
/* the fixture */

/* the payload every gateway runs: one line when it starts, one when it is told to stop */
static const gchar agent_payload_template[] =
	"#!/bin/sh\n"
	"# a gateway of the node agent's test: its profile is its home's name\n"
	"p=${HERMES_HOME##*/}\n"
	"log='%s'\n"
	"trap 'echo \"$p $HERMES_TEST_NODE stop $(date +%%s.%%N)\" >>\"$log\"; "
	"kill $! 2>/dev/null; exit 0' TERM INT\n"
	"echo \"$p $HERMES_TEST_NODE start $(date +%%s.%%N)\" >>\"$log\"\n"
	"while :; do sleep 1000 & wait $!; done\n";

static gboolean
agent_have_s6_backend(void)
{
	const gchar *dirs = g_getenv("HERMES_TEST_BACKEND_DIRS");
	g_auto(GStrv) parts = g_strsplit(dirs != NULL ? dirs : "", ":", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *so = g_build_filename(parts[i], "libhermes-backend-s6.so", NULL);
		if (g_file_test(so, G_FILE_TEST_EXISTS))
			return TRUE;
	}
	return FALSE;
}

gint
agent_fixture_setup(void **state)
{
	AgentFixture *f = g_new0(AgentFixture, 1);
	const gchar *s6_bin = g_getenv("HERMES_TEST_S6_BIN_DIR");
	g_autofree gchar *payload = NULL;

	*state = f;
	f->t0 = g_get_real_time();
	f->tmp = hermes_test_mkdtemp();
	f->home = g_build_filename(f->tmp, "home", NULL);
	g_assert_cmpint(g_mkdir(f->home, 0700), ==, 0);
	f->gateway_log = g_build_filename(f->tmp, "gateways.log", NULL);
	f->payload = g_build_filename(f->tmp, "payload.sh", NULL);
	payload = g_strdup_printf(agent_payload_template, f->gateway_log);
	hermes_test_write_file(f->payload, payload, 0755);
	hermes_test_write_file(f->gateway_log, "", 0644);
	for (guint i = 0; i < AGENT_TEST_NODES; i++) {
		AgentNode *n = &f->nodes[i];
		n->name = g_strdup(agent_node_names[i]);
		n->scandir = g_build_filename(f->tmp, n->name, "service", NULL);
		g_assert_cmpint(g_mkdir_with_parents(n->scandir, 0755), ==, 0);
		n->marker = g_strdup_printf("HERMES_TEST_AGENT_NODE=%s/%s", f->tmp, n->name);
		n->ttl_s = AGENT_TEST_TTL_S;
	}
	/* without s6 (programs and backend) there is no machine to run a gateway on */
	if (s6_bin == NULL || s6_bin[0] == '\0' || !agent_have_s6_backend())
		return 0;
	f->etcd = etcd_test_cluster_start(3);
	if (f->etcd == NULL)
		return 0;
	f->envp = hermes_test_hermes_environ(f->home);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_ETCD_PREFIX");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SCANDIR");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_GATEWAY_COMMAND");
	f->envp = g_environ_setenv(
		f->envp, "HERMES_ETCD_ENDPOINTS", etcd_test_cluster_get_endpoints(f->etcd), TRUE);
	return 0;
}

gboolean
agent_fixture_skip(AgentFixture *f)
{
	return f->etcd == NULL;
}

/* SIGKILL every process of the node until none is left (a supervisor may fork meanwhile) */
static void
agent_sweep(AgentNode *n)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	for (;;) {
		g_autoptr(GArray) left = hermes_test_processes_with_env(n->marker);
		if (left->len == 0)
			return;
		if (g_get_monotonic_time() > deadline) {
			g_printerr("# %u processes of %s survive SIGKILL\n", left->len, n->name);
			return;
		}
		for (guint i = 0; i < left->len; i++)
			kill(g_array_index(left, pid_t, i), SIGKILL);
		g_usleep(20000);
	}
}

static void
agent_print_tail(const gchar *title, const gchar *path)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	const gchar *from;
	if (path == NULL || !g_file_get_contents(path, &text, &len, NULL))
		return;
	from = len > AGENT_TEST_TAIL ? text + len - AGENT_TEST_TAIL : text;
	g_printerr("# ---- %s (%s)%s\n%s\n# ---- end of %s\n",
		   title,
		   path,
		   from != text ? ", its tail" : "",
		   from,
		   title);
}

gint
agent_fixture_teardown(void **state)
{
	AgentFixture *f = *state;
	guint all[AGENT_TEST_NODES] = {0, 1, 2};

	/* agents first: each stops its gateways; the trees then take the rest down */
	if (f->envp != NULL)
		(void)agent_nodes_term_agents(f, all, AGENT_TEST_NODES, FALSE);
	for (guint i = 0; i < AGENT_TEST_NODES; i++) {
		AgentNode *n = &f->nodes[i];
		if (n->agent != NULL) {
			g_subprocess_force_exit(n->agent);
			hermes_test_subprocess_wait(n->agent, AGENT_TEST_EXIT_S);
			g_clear_object(&n->agent);
		}
		if (n->svscan != NULL) {
			if (!hermes_test_s6_send(n->scandir, "t") ||
			    !hermes_test_subprocess_wait(n->svscan, AGENT_TEST_EXIT_S)) {
				g_subprocess_force_exit(n->svscan);
				hermes_test_subprocess_wait(n->svscan, AGENT_TEST_EXIT_S);
			}
			g_clear_object(&n->svscan);
		}
		agent_sweep(n);
	}
	agent_proxy_kill(f);
	etcd_test_cluster_stop(f->etcd);
	/* HERMES_TEST_AGENT_LOGS=1 shows them after a success too */
	if ((!f->done || g_strcmp0(g_getenv("HERMES_TEST_AGENT_LOGS"), "1") == 0) &&
	    f->envp != NULL) {
		for (guint i = 0; i < AGENT_TEST_NODES; i++) {
			for (guint run = 1; run <= f->nodes[i].runs; run++) {
				g_autofree gchar *title =
					g_strdup_printf("agent %s, run %u", f->nodes[i].name, run);
				g_autofree gchar *path = g_strdup_printf(
					"%s/%s/agent-%u.log", f->tmp, f->nodes[i].name, run);
				agent_print_tail(title, path);
			}
		}
		agent_print_tail("gateway log", f->gateway_log);
		g_printerr("# (times in the gateway log are real time; the setup was at %.6f)\n",
			   (gdouble)f->t0 / G_USEC_PER_SEC);
	}
	hermes_test_rmtree(f->tmp);
	for (guint i = 0; i < AGENT_TEST_NODES; i++) {
		AgentNode *n = &f->nodes[i];
		g_free(n->name);
		g_free(n->scandir);
		g_free(n->marker);
		g_free(n->agent_log);
	}
	g_free(f->tmp);
	g_free(f->home);
	g_free(f->gateway_log);
	g_free(f->payload);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	return 0;
}

/*****************************************************************************/
/* the operator's commands */

gint
agent_hermes(AgentFixture *f, const gchar *const *args)
{
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	return hermes_test_run_hermes((const gchar *const *)f->envp, NULL, args, &f->out, &f->err);
}

JsonObject *
agent_status(AgentFixture *f)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonNode *root;
	gint rc = AGENT_HERMES(f, "--json", "cluster", "status");
	if (rc != 0)
		fail_msg("cluster status exited %d: %s", rc, f->err);
	if (!json_parser_load_from_data(parser, f->out, -1, &error))
		fail_msg("cluster status --json is not JSON: %s", error->message);
	root = json_parser_get_root(parser);
	assert_true(root != NULL && JSON_NODE_HOLDS_OBJECT(root));
	return json_object_ref(json_node_get_object(root));
}

GHashTable *
agent_status_owners(AgentFixture *f)
{
	g_autoptr(JsonObject) status = agent_status(f);
	GHashTable *owners = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	JsonArray *rows = json_object_get_array_member(status, "gateways");
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		if (json_object_get_null_member(row, "node"))
			continue;
		g_hash_table_insert(owners,
				    g_strdup(json_object_get_string_member(row, "profile")),
				    g_strdup(json_object_get_string_member(row, "node")));
	}
	return owners;
}

GStrv
agent_make_profiles(AgentFixture *f, guint n)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	for (guint i = 1; i <= n; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		gint rc = AGENT_HERMES(f, "profile", "create", name);
		if (rc != 0)
			fail_msg("profile create %s exited %d: %s", name, rc, f->err);
		g_ptr_array_add(names, g_steal_pointer(&name));
	}
	g_ptr_array_add(names, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

void
agent_set_desired(AgentFixture *f, const gchar *const *profiles, gboolean running)
{
	g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	const gchar *hermes = hermes_test_env("HERMES_TEST_HERMES");

	g_subprocess_launcher_set_environ(launcher, f->envp);
	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		GSubprocess *proc = g_subprocess_launcher_spawn(launcher,
								&error,
								hermes,
								"-p",
								profiles[i],
								"gateway",
								running ? "start" : "stop",
								"--cluster",
								NULL);
		hermes_assert_no_error(error);
		g_ptr_array_add(procs, proc);
	}
	for (guint i = 0; i < procs->len; i++) {
		GSubprocess *proc = g_ptr_array_index(procs, i);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *err = NULL;
		g_subprocess_communicate_utf8(proc, NULL, NULL, NULL, &err, &error);
		hermes_assert_no_error(error);
		if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0)
			fail_msg("gateway %s --cluster of %s failed: %s",
				 running ? "start" : "stop",
				 profiles[i],
				 err);
	}
}

/*****************************************************************************/
/* the nodes */

void
agent_node_start_tree(AgentFixture *f, guint i)
{
	AgentNode *n = &f->nodes[i];
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *svscan =
		g_build_filename(hermes_test_env("HERMES_TEST_S6_BIN_DIR"), "s6-svscan", NULL);
	g_autofree gchar *log = g_strdup_printf("%s/%s/svscan.log", f->tmp, n->name);
	g_auto(GStrv) envp = g_strdupv(f->envp);
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	const gchar *eq = strchr(n->marker, '=');

	assert_null(n->svscan);
	/* inherited by every supervisor, runner and payload of this node */
	envp = g_environ_setenv(envp, "HERMES_GATEWAY_COMMAND", f->payload, TRUE);
	envp = g_environ_setenv(envp, "HERMES_TEST_NODE", n->name, TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", n->scandir, TRUE);
	envp = g_environ_unsetenv(envp, "HERMES_ETCD_ENDPOINTS");
	{
		g_autofree gchar *key = g_strndup(n->marker, (gsize)(eq - n->marker));
		envp = g_environ_setenv(envp, key, eq + 1, TRUE);
	}
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_stdout_file_path(launcher, log);
	n->svscan = g_subprocess_launcher_spawn(
		launcher, &error, svscan, "-c", "500", n->scandir, NULL);
	hermes_assert_no_error(error);
	/* "" writes nothing: it only proves the scanner reads its control FIFO */
	while (!hermes_test_s6_send(n->scandir, "")) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("s6-svscan of %s did not start on %s", n->name, n->scandir);
		g_usleep(5000);
	}
}

void
agent_node_start_agent(AgentFixture *f, guint i, const gchar *endpoints)
{
	AgentNode *n = &f->nodes[i];
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) envp = g_strdupv(f->envp);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	const gchar *eq = strchr(n->marker, '=');

	assert_null(n->agent);
	/* under valgrind one agent (node-a) runs wrapped, with a longer lease: valgrind's pace
	 * must not make it miss renewals; the others keep the short one */
	n->wrapped = i == 0 && wrapper != NULL && wrapper[0] != '\0';
	n->ttl_s = n->wrapped ? 3 * AGENT_TEST_TTL_S : AGENT_TEST_TTL_S;
	if (n->wrapped) {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint j = 0; parts[j] != NULL; j++)
			g_ptr_array_add(argv, g_strdup(parts[j]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	g_ptr_array_add(argv, g_strdup("cluster"));
	g_ptr_array_add(argv, g_strdup("agent"));
	g_ptr_array_add(argv, g_strdup("--node"));
	g_ptr_array_add(argv, g_strdup(n->name));
	g_ptr_array_add(argv, g_strdup("--ttl"));
	g_ptr_array_add(argv, g_strdup_printf("%u", n->ttl_s));
	g_ptr_array_add(argv, g_strdup("--endpoints"));
	g_ptr_array_add(
		argv,
		g_strdup(endpoints != NULL ? endpoints : etcd_test_cluster_get_endpoints(f->etcd)));
	g_ptr_array_add(argv, NULL);

	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", n->scandir, TRUE);
	{
		g_autofree gchar *key = g_strndup(n->marker, (gsize)(eq - n->marker));
		envp = g_environ_setenv(envp, key, eq + 1, TRUE);
	}
	n->runs++;
	g_free(n->agent_log);
	n->agent_log = g_strdup_printf("%s/%s/agent-%u.log", f->tmp, n->name, n->runs);
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_stdout_file_path(launcher, n->agent_log);
	n->agent =
		g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
}

gint
agent_nodes_term_agents(AgentFixture *f, const guint *nodes, guint n_nodes, gboolean strict)
{
	gint worst = 0;
	for (guint k = 0; k < n_nodes; k++) {
		AgentNode *n = &f->nodes[nodes[k]];
		if (n->agent != NULL)
			g_subprocess_send_signal(n->agent, SIGTERM);
	}
	for (guint k = 0; k < n_nodes; k++) {
		AgentNode *n = &f->nodes[nodes[k]];
		g_autoptr(GSubprocess) agent = g_steal_pointer(&n->agent);
		gint status;
		if (agent == NULL)
			continue;
		if (!hermes_test_subprocess_wait(agent, AGENT_TEST_EXIT_S * agent_slow())) {
			g_subprocess_force_exit(agent);
			hermes_test_subprocess_wait(agent, AGENT_TEST_EXIT_S);
			g_printerr("# the agent of %s did not exit within %u s of SIGTERM\n",
				   n->name,
				   AGENT_TEST_EXIT_S * agent_slow());
			/* teardown goes on whatever happened; a test fails */
			if (strict)
				fail_msg("the agent of %s did not exit within %u s of SIGTERM",
					 n->name,
					 AGENT_TEST_EXIT_S * agent_slow());
			worst = MAX(worst, 128 + SIGKILL);
			continue;
		}
		if (g_subprocess_get_if_signaled(agent)) {
			status = 128 + g_subprocess_get_term_sig(agent);
		} else {
			status = g_subprocess_get_exit_status(agent);
		}
		if (status != 0)
			g_printerr("# the agent of %s exited %d after SIGTERM\n", n->name, status);
		worst = MAX(worst, status);
	}
	return worst;
}

void
agent_node_kill(AgentFixture *f, guint i)
{
	AgentNode *n = &f->nodes[i];
	if (n->agent != NULL) {
		g_subprocess_force_exit(n->agent);
		hermes_test_subprocess_wait(n->agent, AGENT_TEST_EXIT_S);
		g_clear_object(&n->agent);
	}
	if (n->svscan != NULL) {
		g_subprocess_force_exit(n->svscan);
		hermes_test_subprocess_wait(n->svscan, AGENT_TEST_EXIT_S);
		g_clear_object(&n->svscan);
	}
	agent_sweep(n);
	n->killed_at = g_get_real_time();
}

void
agent_assert_alive(AgentFixture *f)
{
	for (guint i = 0; i < AGENT_TEST_NODES; i++) {
		AgentNode *n = &f->nodes[i];
		g_autofree gchar *text = NULL;
		gsize len = 0;
		if (n->agent == NULL || g_subprocess_get_identifier(n->agent) != NULL)
			continue;
		g_subprocess_wait(n->agent, NULL, NULL);
		g_file_get_contents(n->agent_log, &text, &len, NULL);
		fail_msg("the agent of %s exited (%s %d) by itself: ...%s",
			 n->name,
			 g_subprocess_get_if_signaled(n->agent) ? "signal" : "status",
			 g_subprocess_get_if_signaled(n->agent)
				 ? g_subprocess_get_term_sig(n->agent)
				 : g_subprocess_get_exit_status(n->agent),
			 text == NULL ? ""
			 : len > 500  ? text + len - 500
				      : text);
	}
}

void
agent_wait_nodes_up(AgentFixture *f, guint n_up, guint bound_s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)bound_s * G_USEC_PER_SEC;
	for (;;) {
		g_autoptr(JsonObject) status = NULL;
		agent_assert_alive(f);
		status = agent_status(f);
		JsonArray *nodes = json_object_get_array_member(status, "nodes");
		guint up = 0;
		for (guint i = 0; i < json_array_get_length(nodes); i++) {
			JsonObject *row = json_array_get_object_element(nodes, i);
			if (g_strcmp0(json_object_get_string_member(row, "state"), "up") == 0)
				up++;
		}
		if (up == n_up)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%u nodes up after %u s, not %u: %s", up, bound_s, n_up, f->out);
		g_usleep(100000);
	}
}

void
agent_start_all(AgentFixture *f)
{
	for (guint i = 0; i < AGENT_TEST_NODES; i++)
		agent_node_start_tree(f, i);
	for (guint i = 0; i < AGENT_TEST_NODES; i++)
		agent_node_start_agent(f, i, NULL);
	agent_wait_nodes_up(f, AGENT_TEST_NODES, 15 * agent_slow());
}

/*****************************************************************************/
/* etcd */

/* POST @body to @path of the member at @url: its JSON object, or NULL when it does not answer so */
static JsonObject *
agent_member_post(SoupSession *session, const gchar *url, const gchar *path, const gchar *body)
{
	g_autofree gchar *uri = g_strconcat(url, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) request = g_bytes_new(body, strlen(body));
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();

	soup_message_set_request_body_from_bytes(msg, "application/json", request);
	answer = soup_session_send_and_read(session, msg, NULL, NULL);
	if (answer == NULL || soup_message_get_status(msg) != SOUP_STATUS_OK)
		return NULL;
	if (!json_parser_load_from_data(parser,
					g_bytes_get_data(answer, NULL),
					(gssize)g_bytes_get_size(answer),
					NULL) ||
	    json_parser_get_root(parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return NULL;
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* the member's view: TRUE and its leader flag when it answers */
static gboolean
agent_member_is_leader(SoupSession *session, const gchar *url, gboolean *leader)
{
	g_autoptr(JsonObject) root =
		agent_member_post(session, url, "/v3/maintenance/status", "{}");
	JsonObject *header;

	if (root == NULL)
		return FALSE;
	header = json_object_get_object_member(root, "header");
	if (header == NULL)
		return FALSE;
	/* 64-bit ids are strings in etcd's JSON */
	*leader = g_strcmp0(json_object_get_string_member_with_default(header, "member_id", ""),
			    json_object_get_string_member_with_default(root, "leader", "0")) == 0;
	return TRUE;
}

guint
agent_etcd_leader(AgentFixture *f)
{
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);
	g_autoptr(SoupSession) session =
		soup_session_new_with_options("proxy-resolver", direct, "timeout", 2, NULL);
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	for (;;) {
		for (guint i = 0; i < 3; i++) {
			gboolean leader = FALSE;
			if (agent_member_is_leader(
				    session, etcd_test_cluster_get_endpoint(f->etcd, i), &leader) &&
			    leader)
				return i;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("no etcd member says it is the leader");
		g_usleep(50000);
	}
}

/* TRUE and whether @key exists, when the member at @url answers a range of it */
static gboolean
agent_member_has_key(SoupSession *session, const gchar *url, const gchar *key, gboolean *exists)
{
	g_autofree gchar *key64 = g_base64_encode((const guchar *)key, strlen(key));
	g_autofree gchar *json = g_strdup_printf("{\"key\":\"%s\"}", key64);
	g_autoptr(JsonObject) root = agent_member_post(session, url, "/v3/kv/range", json);

	if (root == NULL)
		return FALSE;
	/* proto3 leaves out an empty list */
	*exists = json_object_has_member(root, "kvs") &&
		  json_array_get_length(json_object_get_array_member(root, "kvs")) > 0;
	return TRUE;
}

gint64
agent_etcd_wait_gone(AgentFixture *f, const gchar *key, guint bound_s)
{
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);
	g_autoptr(SoupSession) session =
		soup_session_new_with_options("proxy-resolver", direct, "timeout", 1, NULL);
	gint64 deadline = g_get_monotonic_time() + (gint64)bound_s * G_USEC_PER_SEC;
	for (;;) {
		for (guint i = 0; i < 3; i++) {
			gboolean exists = TRUE;
			if (!agent_member_has_key(session,
						  etcd_test_cluster_get_endpoint(f->etcd, i),
						  key,
						  &exists))
				continue;
			if (!exists)
				return g_get_real_time();
			break;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s is still in etcd after %u s", key, bound_s);
		g_usleep(20000);
	}
}
