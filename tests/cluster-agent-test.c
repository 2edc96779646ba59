/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the node agent's test machine room: see cluster-agent-test.h */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster-agent-test.h"

/* how long an agent may take to exit after SIGTERM, a tree after "t" */
#define AGENT_TEST_EXIT_S 20
/* the tail of an agent's stderr that a failed test shows */
#define AGENT_TEST_TAIL 3000
/* a failure message as a whole: cmocka prints at most 1023 bytes of one */
#define AGENT_TEST_MESSAGE_MAX 900

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

/* the pids of every process carrying @marker in its environment */
static GArray *
agent_marked_processes(const gchar *marker)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *env = NULL;
		gsize len = 0;
		pid_t pid;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		pid = (pid_t)g_ascii_strtoll(entry, NULL, 10);
		if (pid == getpid())
			continue;
		path = g_strdup_printf("/proc/%s/environ", entry);
		if (!g_file_get_contents(path, &env, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(env + off) + 1) {
			if (g_strcmp0(env + off, marker) == 0) {
				g_array_append_val(pids, pid);
				break;
			}
		}
	}
	return pids;
}

/* SIGKILL every process of the node until none is left (a supervisor may fork meanwhile) */
static void
agent_sweep(AgentNode *n)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	for (;;) {
		g_autoptr(GArray) left = agent_marked_processes(n->marker);
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

/* waits for @proc to exit, at most @timeout_s; FALSE when it still runs */
static gboolean
agent_wait_exit(GSubprocess *proc, guint timeout_s)
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

static gboolean
agent_scanner_send(const gchar *scandir, const gchar *command)
{
	g_autofree gchar *fifo = g_build_filename(scandir, ".s6-svscan", "control", NULL);
	gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	gboolean ok;
	if (fd < 0)
		return FALSE;
	ok = write(fd, command, strlen(command)) == (gssize)strlen(command);
	close(fd);
	return ok;
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
			agent_wait_exit(n->agent, AGENT_TEST_EXIT_S);
			g_clear_object(&n->agent);
		}
		if (n->svscan != NULL) {
			if (!agent_scanner_send(n->scandir, "t") ||
			    !agent_wait_exit(n->svscan, AGENT_TEST_EXIT_S)) {
				g_subprocess_force_exit(n->svscan);
				agent_wait_exit(n->svscan, AGENT_TEST_EXIT_S);
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
	while (!agent_scanner_send(n->scandir, "")) {
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
		if (!agent_wait_exit(agent, AGENT_TEST_EXIT_S * agent_slow())) {
			g_subprocess_force_exit(agent);
			agent_wait_exit(agent, AGENT_TEST_EXIT_S);
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
		agent_wait_exit(n->agent, AGENT_TEST_EXIT_S);
		g_clear_object(&n->agent);
	}
	if (n->svscan != NULL) {
		g_subprocess_force_exit(n->svscan);
		agent_wait_exit(n->svscan, AGENT_TEST_EXIT_S);
		g_clear_object(&n->svscan);
	}
	agent_sweep(n);
	n->killed_at = g_get_real_time();
}

/* an agent that exited on its own ends the test at once, with its last words */
static void
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
/* the proxy: a forked child forwarding 127.0.0.1:<port> to one member */

#define AGENT_PROXY_CONNS 32
#define AGENT_PROXY_BUF	  32768

typedef struct {
	gint fd[2];		       /* [0] the agent's side, [1] the member's; -1: free */
	gchar buf[2][AGENT_PROXY_BUF]; /* buf[d]: read from fd[d], to be written to fd[1 - d] */
	gsize len[2];
} AgentProxyConn;

/* the child's only memory: nothing is allocated after fork() */
static AgentProxyConn agent_proxy_conns[AGENT_PROXY_CONNS];

static void
agent_proxy_close(AgentProxyConn *c)
{
	for (guint d = 0; d < 2; d++) {
		/* what one side said before it closed still goes to the other, if it can */
		if (c->len[d] > 0 && c->fd[1 - d] >= 0)
			(void)send(c->fd[1 - d], c->buf[d], c->len[d], MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	for (guint d = 0; d < 2; d++) {
		if (c->fd[d] >= 0)
			close(c->fd[d]);
		c->fd[d] = -1;
		c->len[d] = 0;
	}
}

/* SIGUSR1: the network goes silent */
static volatile sig_atomic_t agent_proxy_silent = 0;

static void
agent_proxy_silence_cb(gint sig)
{
	agent_proxy_silent = 1;
}

/* async-signal-safe calls only: the test process has threads */
static void G_GNUC_NORETURN
agent_proxy_child(gint listen_fd, guint16 target_port, pid_t parent)
{
	struct sigaction action;
	sigset_t usr1;
	sigset_t open_mask;
	struct sockaddr_in target;
	struct rlimit limit;
	gint devnull;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	/* the client's limit: valgrind keeps its own descriptors above it */
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur > 65536)
		limit.rlim_cur = 1024;
	for (gint fd = 3; fd < (gint)limit.rlim_cur; fd++) {
		if (fd != listen_fd)
			close(fd);
	}
	memset(&target, 0, sizeof(target));
	target.sin_family = AF_INET;
	target.sin_port = htons(target_port);
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (guint i = 0; i < AGENT_PROXY_CONNS; i++)
		agent_proxy_conns[i].fd[0] = agent_proxy_conns[i].fd[1] = -1;
	memset(&action, 0, sizeof(action));
	action.sa_handler = agent_proxy_silence_cb;
	sigaction(SIGUSR1, &action, NULL);
	/* SIGUSR1 comes only inside ppoll(), so the flag is never missed */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &open_mask);
	sigdelset(&open_mask, SIGUSR1);
	for (;;) {
		if (agent_proxy_silent) {
			/* what was open is cut; what connects now is accepted by the kernel (the
			 * backlog) and never answered, as behind a link that drops everything */
			for (guint i = 0; i < AGENT_PROXY_CONNS; i++) {
				if (agent_proxy_conns[i].fd[0] >= 0)
					agent_proxy_close(&agent_proxy_conns[i]);
			}
			for (;;)
				pause();
		}
		struct pollfd pfd[1 + 2 * AGENT_PROXY_CONNS];
		guint where[1 + 2 * AGENT_PROXY_CONNS];
		guint nfds = 1;

		pfd[0].fd = listen_fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		for (guint i = 0; i < AGENT_PROXY_CONNS; i++) {
			AgentProxyConn *c = &agent_proxy_conns[i];
			if (c->fd[0] < 0)
				continue;
			for (guint d = 0; d < 2; d++) {
				pfd[nfds].fd = c->fd[d];
				pfd[nfds].events = 0;
				pfd[nfds].revents = 0;
				if (c->len[d] < AGENT_PROXY_BUF)
					pfd[nfds].events |= POLLIN;
				if (c->len[1 - d] > 0)
					pfd[nfds].events |= POLLOUT;
				where[nfds] = i * 2 + d;
				nfds++;
			}
		}
		if (ppoll(pfd, nfds, NULL, &open_mask) < 0)
			continue;
		if ((pfd[0].revents & POLLIN) != 0) {
			gint cfd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (cfd >= 0) {
				AgentProxyConn *c = NULL;
				gint sfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
				for (guint i = 0; i < AGENT_PROXY_CONNS && c == NULL; i++) {
					if (agent_proxy_conns[i].fd[0] < 0)
						c = &agent_proxy_conns[i];
				}
				/* loopback: a blocking connect answers at once */
				if (c == NULL || sfd < 0 ||
				    connect(sfd, (struct sockaddr *)&target, sizeof(target)) != 0) {
					close(cfd);
					if (sfd >= 0)
						close(sfd);
				} else {
					fcntl(sfd, F_SETFL, fcntl(sfd, F_GETFL) | O_NONBLOCK);
					c->fd[0] = cfd;
					c->fd[1] = sfd;
					c->len[0] = c->len[1] = 0;
				}
			}
		}
		for (guint k = 1; k < nfds; k++) {
			AgentProxyConn *c = &agent_proxy_conns[where[k] / 2];
			guint d = where[k] % 2;
			if (c->fd[0] < 0 || c->fd[d] != pfd[k].fd)
				continue;
			if ((pfd[k].revents & (POLLERR | POLLNVAL)) != 0) {
				agent_proxy_close(c);
				continue;
			}
			if ((pfd[k].revents & (POLLIN | POLLHUP)) != 0 &&
			    c->len[d] < AGENT_PROXY_BUF) {
				gssize got = read(c->fd[d],
						  c->buf[d] + c->len[d],
						  AGENT_PROXY_BUF - c->len[d]);
				if (got > 0) {
					c->len[d] += (gsize)got;
				} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
					/* one side is done: so is the connection */
					agent_proxy_close(c);
					continue;
				}
			}
			if ((pfd[k].revents & POLLOUT) != 0 && c->len[1 - d] > 0) {
				gssize put = send(c->fd[d],
						  c->buf[1 - d],
						  c->len[1 - d],
						  MSG_NOSIGNAL | MSG_DONTWAIT);
				if (put > 0) {
					memmove(c->buf[1 - d],
						c->buf[1 - d] + put,
						c->len[1 - d] - (gsize)put);
					c->len[1 - d] -= (gsize)put;
				} else if (put < 0 && errno != EAGAIN && errno != EINTR) {
					agent_proxy_close(c);
				}
			}
		}
	}
}

gchar *
agent_proxy_start(AgentFixture *f, guint member)
{
	const gchar *url = etcd_test_cluster_get_endpoint(f->etcd, member);
	const gchar *colon = strrchr(url, ':');
	guint16 target_port = (guint16)g_ascii_strtoull(colon + 1, NULL, 10);
	struct sockaddr_in addr;
	socklen_t addr_len = sizeof(addr);
	gint one = 1;
	gint fd;
	pid_t parent = getpid();
	pid_t pid;

	assert_int_equal(f->proxy, 0);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	/* the same port again after a kill: the agent's endpoint does not change */
	addr.sin_port = htons(f->proxy_port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 64) != 0)
		fail_msg(
			"the proxy cannot listen on port %u: %s", f->proxy_port, g_strerror(errno));
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
	f->proxy_port = ntohs(addr.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		agent_proxy_child(fd, target_port, parent);
	close(fd);
	f->proxy = pid;
	return g_strdup_printf("http://127.0.0.1:%u", f->proxy_port);
}

void
agent_proxy_silence(AgentFixture *f)
{
	assert_true(f->proxy > 0);
	assert_int_equal(kill(f->proxy, SIGUSR1), 0);
}

void
agent_proxy_kill(AgentFixture *f)
{
	if (f->proxy <= 0)
		return;
	kill(f->proxy, SIGKILL);
	waitpid(f->proxy, NULL, 0);
	f->proxy = 0;
}

/*****************************************************************************/
/* etcd */

/* the member's view: TRUE and its leader flag when it answers */
static gboolean
agent_member_is_leader(SoupSession *session, const gchar *url, gboolean *leader)
{
	g_autofree gchar *uri = g_strconcat(url, "/v3/maintenance/status", NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) request = g_bytes_new_static("{}", 2);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;
	JsonObject *header;

	soup_message_set_request_body_from_bytes(msg, "application/json", request);
	body = soup_session_send_and_read(session, msg, NULL, NULL);
	if (body == NULL || soup_message_get_status(msg) != SOUP_STATUS_OK)
		return FALSE;
	if (!json_parser_load_from_data(
		    parser, g_bytes_get_data(body, NULL), (gssize)g_bytes_get_size(body), NULL) ||
	    json_parser_get_root(parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return FALSE;
	root = json_node_get_object(json_parser_get_root(parser));
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
	g_autofree gchar *uri = g_strconcat(url, "/v3/kv/range", NULL);
	g_autofree gchar *key64 = g_base64_encode((const guchar *)key, strlen(key));
	g_autofree gchar *json = g_strdup_printf("{\"key\":\"%s\"}", key64);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) request = g_bytes_new(json, strlen(json));
	g_autoptr(GBytes) body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;

	soup_message_set_request_body_from_bytes(msg, "application/json", request);
	body = soup_session_send_and_read(session, msg, NULL, NULL);
	if (body == NULL || soup_message_get_status(msg) != SOUP_STATUS_OK)
		return FALSE;
	if (!json_parser_load_from_data(
		    parser, g_bytes_get_data(body, NULL), (gssize)g_bytes_get_size(body), NULL) ||
	    json_parser_get_root(parser) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return FALSE;
	root = json_node_get_object(json_parser_get_root(parser));
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

/*****************************************************************************/
/* the gateway log */

static void
agent_interval_free(gpointer data)
{
	AgentInterval *iv = data;
	g_free(iv->profile);
	g_free(iv->node);
	g_free(iv);
}

void
agent_log_free(AgentLog *log)
{
	if (log == NULL)
		return;
	g_ptr_array_unref(log->intervals);
	g_free(log);
}

/* "1796662436.642841055" -> µs; -1 when it is not that */
static gint64
agent_parse_time(const gchar *text)
{
	const gchar *dot = strchr(text, '.');
	gchar frac[7] = "000000";
	gint64 sec;
	if (dot == NULL || dot == text)
		return -1;
	for (const gchar *p = text; p < dot; p++) {
		if (!g_ascii_isdigit(*p))
			return -1;
	}
	for (guint i = 0; dot[1 + i] != '\0'; i++) {
		if (!g_ascii_isdigit(dot[1 + i]))
			return -1;
		if (i < 6)
			frac[i] = dot[1 + i];
	}
	sec = g_ascii_strtoll(text, NULL, 10);
	return sec * G_USEC_PER_SEC + g_ascii_strtoll(frac, NULL, 10);
}

static gint
agent_interval_cmp(gconstpointer a, gconstpointer b)
{
	const AgentInterval *x = *(const AgentInterval *const *)a;
	const AgentInterval *y = *(const AgentInterval *const *)b;
	gint64 xs = x->start_us != 0 ? x->start_us : x->stop_us;
	gint64 ys = y->start_us != 0 ? y->start_us : y->stop_us;
	if (xs != ys)
		return xs < ys ? -1 : 1;
	return g_strcmp0(x->node, y->node);
}

AgentLog *
agent_log_parse(const gchar *text, const AgentFixture *f)
{
	g_autoptr(AgentLog) log = g_new0(AgentLog, 1);
	g_autoptr(GHashTable) open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = g_strv_length(lines);

	log->intervals = g_ptr_array_new_with_free_func(agent_interval_free);
	/* the last element is what follows the last newline: a line still being written */
	for (guint i = 0; i + 1 < n; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], " ", -1);
		g_autofree gchar *key = NULL;
		AgentInterval *iv;
		gint64 t;

		if (g_strv_length(fields) != 4 || (t = agent_parse_time(fields[3])) < 0 ||
		    (g_strcmp0(fields[2], "start") != 0 && g_strcmp0(fields[2], "stop") != 0))
			fail_msg("gateway log line %u does not parse: '%s'", i + 1, lines[i]);
		log->lines++;
		key = g_strdup_printf("%s %s", fields[0], fields[1]);
		iv = g_hash_table_lookup(open, key);
		if (g_strcmp0(fields[2], "start") == 0) {
			/* a run before it on this node ended without its line (SIGKILL) */
			if (iv != NULL)
				iv->stop_us = t;
			iv = g_new0(AgentInterval, 1);
			iv->profile = g_strdup(fields[0]);
			iv->node = g_strdup(fields[1]);
			iv->start_us = t;
			g_ptr_array_add(log->intervals, iv);
			g_hash_table_replace(open, g_steal_pointer(&key), iv);
		} else if (iv != NULL) {
			iv->stop_us = t;
			g_hash_table_remove(open, key);
		} else {
			/* told to stop before it wrote its start: a run of no length */
			iv = g_new0(AgentInterval, 1);
			iv->profile = g_strdup(fields[0]);
			iv->node = g_strdup(fields[1]);
			iv->stop_us = t;
			g_ptr_array_add(log->intervals, iv);
		}
	}
	/* what ran on a node the test killed ended, at the latest, once its processes were gone */
	for (guint i = 0; f != NULL && i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		for (guint k = 0; k < AGENT_TEST_NODES; k++) {
			const AgentNode *node = &f->nodes[k];
			if (node->killed_at != 0 && iv->stop_us == 0 &&
			    g_strcmp0(iv->node, node->name) == 0 &&
			    iv->start_us <= node->killed_at) {
				iv->stop_us = node->killed_at;
				iv->by_kill = TRUE;
			}
		}
	}
	g_ptr_array_sort(log->intervals, agent_interval_cmp);
	return g_steal_pointer(&log);
}

AgentLog *
agent_log_read(AgentFixture *f)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(f->gateway_log, &text, NULL, &error))
		fail_msg("cannot read the gateway log: %s", error->message);
	return agent_log_parse(text, f);
}

static gint64
agent_interval_end(const AgentInterval *iv)
{
	return iv->stop_us != 0 ? iv->stop_us : G_MAXINT64;
}

gchar *
agent_log_find_overlap(AgentLog *log, gint64 t0)
{
	/* profile -> its run that ends last so far (runs come by start) */
	g_autoptr(GHashTable) last = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		AgentInterval *prev;
		if (iv->start_us == 0)
			continue;
		prev = g_hash_table_lookup(last, iv->profile);
		if (prev != NULL && agent_interval_end(prev) > iv->start_us) {
			g_autofree gchar *until =
				prev->stop_us == 0
					? g_strdup("and still runs")
					: g_strdup_printf(
						  "to %.3f s%s",
						  (gdouble)(prev->stop_us - t0) / G_USEC_PER_SEC,
						  prev->by_kill ? " (its node killed)" : "");
			return g_strdup_printf(
				"gateway %s ran twice at once: on %s from %.3f s %s, and on %s "
				"from %.3f s (seconds since the setup)",
				iv->profile,
				prev->node,
				(gdouble)(prev->start_us - t0) / G_USEC_PER_SEC,
				until,
				iv->node,
				(gdouble)(iv->start_us - t0) / G_USEC_PER_SEC);
		}
		if (prev == NULL || agent_interval_end(iv) > agent_interval_end(prev))
			g_hash_table_insert(last, iv->profile, iv);
	}
	return NULL;
}

void
agent_assert_no_overlap(AgentFixture *f)
{
	g_autoptr(AgentLog) log = agent_log_read(f);
	g_autofree gchar *overlap = agent_log_find_overlap(log, f->t0);
	if (overlap != NULL)
		fail_msg("%s", overlap);
}

GHashTable *
agent_log_running(AgentLog *log)
{
	GHashTable *running = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		if (iv->stop_us != 0)
			continue;
		g_hash_table_replace(
			running,
			g_strdup(iv->profile),
			g_strdup(g_hash_table_contains(running, iv->profile) ? "*" : iv->node));
	}
	return running;
}

GPtrArray *
agent_log_runs_of(AgentLog *log, const gchar *profile)
{
	GPtrArray *runs = g_ptr_array_new();
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		if (g_strcmp0(iv->profile, profile) == 0)
			g_ptr_array_add(runs, iv);
	}
	return runs;
}

/* what is still wrong for agent_wait_placed(), or NULL */
static gchar *
agent_placed_problems(GHashTable *running,
		      GHashTable *owners,
		      const gchar *const *profiles,
		      const gchar *const *stopped,
		      const gchar *avoid)
{
	g_autoptr(GString) problems = g_string_new(NULL);
	for (guint i = 0; profiles[i] != NULL; i++) {
		const gchar *node = g_hash_table_lookup(running, profiles[i]);
		const gchar *owner =
			owners != NULL ? g_hash_table_lookup(owners, profiles[i]) : NULL;
		if (node == NULL)
			g_string_append_printf(problems, " %s runs nowhere;", profiles[i]);
		else if (g_strcmp0(node, "*") == 0)
			g_string_append_printf(problems, " %s runs twice;", profiles[i]);
		else if (g_strcmp0(node, avoid) == 0)
			g_string_append_printf(
				problems, " %s still runs on %s;", profiles[i], node);
		else if (owners != NULL && g_strcmp0(owner, node) != 0)
			g_string_append_printf(problems,
					       " %s runs on %s but cluster status says %s;",
					       profiles[i],
					       node,
					       owner != NULL ? owner : "no node");
	}
	for (guint i = 0; stopped != NULL && stopped[i] != NULL; i++) {
		if (g_hash_table_contains(running, stopped[i]))
			g_string_append_printf(
				problems,
				" %s (wanted stopped) runs on %s;",
				stopped[i],
				(const gchar *)g_hash_table_lookup(running, stopped[i]));
		if (owners != NULL && g_hash_table_contains(owners, stopped[i]))
			g_string_append_printf(
				problems,
				" %s (wanted stopped) is owned by %s;",
				stopped[i],
				(const gchar *)g_hash_table_lookup(owners, stopped[i]));
	}
	if (problems->len == 0)
		return NULL;
	if (problems->len > AGENT_TEST_MESSAGE_MAX - 100) {
		g_string_truncate(problems, AGENT_TEST_MESSAGE_MAX - 100);
		g_string_append(problems, "...");
	}
	return g_string_free(g_steal_pointer(&problems), FALSE);
}

GHashTable *
agent_wait_placed(AgentFixture *f,
		  const gchar *const *profiles,
		  const gchar *const *stopped,
		  const gchar *avoid,
		  gint64 deadline_us,
		  const gchar *what)
{
	for (;;) {
		g_autoptr(AgentLog) log = agent_log_read(f);
		g_autofree gchar *overlap = agent_log_find_overlap(log, f->t0);
		g_autoptr(GHashTable) running = NULL;
		g_autoptr(GHashTable) owners = NULL;
		g_autofree gchar *problems = NULL;

		if (overlap != NULL)
			fail_msg("%s: %s", what, overlap);
		agent_assert_alive(f);
		running = agent_log_running(log);
		problems = agent_placed_problems(running, NULL, profiles, stopped, avoid);
		/* the log looks right: does the cluster say the same? */
		if (problems == NULL) {
			owners = agent_status_owners(f);
			problems = agent_placed_problems(running, owners, profiles, stopped, avoid);
		}
		if (problems == NULL)
			return g_steal_pointer(&running);
		if (g_get_monotonic_time() > deadline_us)
			fail_msg("%s: not there in time:%s", what, problems);
		g_usleep(100000);
	}
}

/* every file of every gateway's log directory, for words a runner wrote */
void
agent_assert_no_takeover(AgentFixture *f)
{
	g_autofree gchar *root = g_build_filename(f->home, "logs", "gateways", NULL);
	g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
	const gchar *profile;
	while (dir != NULL && (profile = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *pdir = g_build_filename(root, profile, NULL);
		g_autoptr(GDir) files = g_dir_open(pdir, 0, NULL);
		const gchar *name;
		while (files != NULL && (name = g_dir_read_name(files)) != NULL) {
			g_autofree gchar *path = g_build_filename(pdir, name, NULL);
			g_autofree gchar *text = NULL;
			const gchar *hit;
			if (!g_file_get_contents(path, &text, NULL, NULL))
				continue;
			hit = strstr(text, "replacing the gateway with PID");
			if (hit != NULL) {
				const gchar *bol = hit;
				const gchar *eol = strchr(hit, '\n');
				while (bol > text && bol[-1] != '\n')
					bol--;
				fail_msg("gateway %s: one runner replaced another (two nodes "
					 "started "
					 "it; the one-host lock hid the overlap): %.*s",
					 profile,
					 (gint)(eol != NULL ? eol - bol : (gssize)strlen(bol)),
					 bol);
			}
		}
	}
}
