/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `HERMES_CLUSTER_AGENT=1 hermes boot reconcile`: the real `hermes` and a
 * real s6-svscan supervise the cluster node agent beside the gateways, on a
 * real etcd. The agent registers its node, runs the gateway the cluster
 * wants (and `hermes status` names its node), comes back when killed, and is
 * gone (its node with it) after a reconcile without the flag. The flag
 * without endpoints is one warning.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>

#include "etcd-test.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	EtcdTestCluster *etcd;
	GSubprocess *svcd;
	gchar *svcd_addr;
	gchar **envp;
	gchar *out;
	gchar *err;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_CLUSTER_NODE", "n1", TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_CLUSTER_TTL", "3", TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_CLUSTER_LABELS", "zone=a, disk=ssd", TRUE);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_CLUSTER_AGENT");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_ETCD_ENDPOINTS");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SUPERVISED_CHILD");
	/* the scanner's environment is the gateways' */
	g_setenv("HERMES_GATEWAY_COMMAND", "sleep 600", TRUE);
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	if (f->svcd != NULL) {
		g_subprocess_send_signal(f->svcd, SIGTERM);
		if (!hermes_test_subprocess_wait(f->svcd, 20))
			g_subprocess_force_exit(f->svcd);
		g_object_unref(f->svcd);
	}
	g_free(f->svcd_addr);
	hermes_test_s6_stop(f->scandir, &f->svscan);
	etcd_test_cluster_stop(f->etcd);
	hermes_test_rmtree(f->tmp);
	g_strfreev(f->envp);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gint
run_argv(Fixture *f, const gchar *const *args)
{
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	return hermes_test_run_hermes((const gchar *const *)f->envp, NULL, args, &f->out, &f->err);
}

#define run(f, ...) run_argv(f, (const gchar *const[]){__VA_ARGS__, NULL})

/* from `cluster status --json`: n1's state ("up", "down") or NULL when not listed,
 * and the node that runs @profile */
static gchar *
cluster_look(Fixture *f, const gchar *profile, gchar **owner)
{
	return hermes_test_cluster_look((const gchar *const *)f->envp, "n1", profile, owner);
}

/* bounded: the agent registered, owns @profile and its gateway is up here */
static void
wait_running(Fixture *f, const gchar *profile)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	for (;;) {
		g_autofree gchar *owner = NULL;
		g_autofree gchar *state = cluster_look(f, profile, &owner);
		if (g_strcmp0(state, "up") == 0 && g_strcmp0(owner, "n1") == 0 &&
		    run(f, "-p", profile, "gateway", "status") == 0 && strstr(f->out, "up") != NULL)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("the supervised agent never ran %s (node n1: %s, owner %s)",
				 profile,
				 state != NULL ? state : "not registered",
				 owner != NULL ? owner : "none");
		g_usleep(200 * 1000);
	}
}

/* the body of GET /api/gateways with the home's token, or NULL when nothing answers */
static gchar *
api_gateways(Fixture *f, const gchar *addr)
{
	g_autofree gchar *token_path = g_build_filename(f->root, "dashboard.token", NULL);
	g_autofree gchar *body = NULL;
	if (hermes_test_http_get(addr, token_path, "/api/gateways", &body) == 0)
		return NULL;
	return g_steal_pointer(&body);
}

/* bounded: hermes-svcd's rows say (or no longer say) that n1 owns demo */
static void
wait_api_node(Fixture *f, const gchar *addr, gboolean owned)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	for (;;) {
		g_autofree gchar *body = api_gateways(f, addr);
		gboolean has =
			body != NULL && g_regex_match_simple("\"node\" *: *\"n1\"", body, 0, 0);
		if (body != NULL && has == owned)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("hermes-svcd's /api/gateways %s n1 as demo's node: %s",
				 owned ? "never named" : "still names",
				 body != NULL ? body : "(no answer)");
		g_usleep(100 * 1000);
	}
}

static GPid
agent_pid(Fixture *f)
{
	return hermes_test_s6_slot_pid(f->scandir, "hermes-cluster-agent");
}

static void
test_cluster_agent_supervised_and_removed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *slot = g_build_filename(f->scandir, "hermes-cluster-agent", NULL);
	GPid first;

	f->etcd = etcd_test_cluster_start(1);
	if (f->etcd == NULL)
		skip();
	assert_int_equal(run(f, "profile", "create", "demo"), 0);

	/* asked for without a cluster: one warning, no slot */
	f->envp = g_environ_setenv(f->envp, "HERMES_CLUSTER_AGENT", "1", TRUE);
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	hermes_assert_str_contains(f->err, "HERMES_ETCD_ENDPOINTS is not");
	assert_false(g_file_test(slot, G_FILE_TEST_EXISTS));

	/* a profile the home says is wanted running, not in the cluster: on a cluster node
	 * the reconcile leaves it to the cluster (every node shares the home) */
	assert_int_equal(run(f, "profile", "create", "other"), 0);
	{
		g_autofree gchar *state_path =
			g_build_filename(f->root, "profiles", "other", "gateway_state.json", NULL);
		assert_true(g_file_set_contents(
			state_path, "{\"desired_state\": \"running\"}", -1, NULL));
	}
	f->envp = g_environ_setenv(
		f->envp, "HERMES_ETCD_ENDPOINTS", etcd_test_cluster_get_endpoints(f->etcd), TRUE);
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	hermes_assert_str_contains(f->out, "skipping (cluster node");
	hermes_assert_str_contains(f->out, "cluster: the node agent is supervised");
	assert_true(g_file_test(slot, G_FILE_TEST_IS_DIR));
	/* asked for first: a gateway this node lacks the label for is not run here */
	assert_int_equal(run(f, "profile", "create", "gpuonly"), 0);
	assert_int_equal(
		run(f, "-p", "gpuonly", "gateway", "start", "--cluster", "--require", "gpu=yes"),
		0);
	assert_int_equal(
		run(f, "-p", "demo", "gateway", "start", "--cluster", "--require", "zone=a"), 0);
	wait_running(f, "demo");
	{
		g_autofree gchar *owner = NULL;
		g_autofree gchar *node = cluster_look(f, "gpuonly", &owner);
		assert_string_equal(node, "up");
		assert_null(owner);
		/* the labels it registered with, from HERMES_CLUSTER_LABELS through the slot */
		assert_int_equal(run(f, "cluster", "status"), 0);
		hermes_assert_str_contains(f->out, "disk=ssd,zone=a");
	}
	/* `hermes status` in the cluster names the owning node; unreachable, it warns */
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out, "RUNTIME  NODE");
	assert_true(g_regex_match_simple("\\ndemo .* running +n1\\n", f->out, 0, 0));
	assert_int_equal(run(f, "--json", "-p", "demo", "gateway", "status"), 0);
	hermes_assert_str_contains(f->out, "\"node\" : \"n1\"");
	assert_int_equal(run(f, "status", "--endpoints", "http://127.0.0.1:1"), 0);
	hermes_assert_str_contains(f->err, "warning: no cluster nodes shown");
	assert_null(strstr(f->out, "NODE"));
	assert_int_equal(run(f, "-p", "other", "gateway", "status"), 0);
	if (strstr(f->out, " up ") != NULL)
		fail_msg("a cluster node's reconcile started a gateway the cluster did not give "
			 "it: %s",
			 f->out);
	/* no gateway: not listed */
	assert_int_equal(run(f, "gateway", "status", "--all"), 0);
	assert_null(strstr(f->out, "cluster-agent"));

	/* hermes-svcd in the cluster: its rows (the dashboard's) name the node, and follow
	 * the owner keys through its watch */
	{
		g_autofree gchar *addr = g_strdup_printf("127.0.0.1:%u", hermes_test_free_port());
		const gchar *argv[] = {
			hermes_test_env("HERMES_TEST_SVCD"), "--no-bus", "--http", addr, NULL};
		g_autoptr(GError) error = NULL;
		g_autoptr(GSubprocessLauncher) launcher =
			g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
		g_subprocess_launcher_set_environ(launcher, f->envp);
		f->svcd = g_subprocess_launcher_spawnv(launcher, argv, &error);
		hermes_assert_no_error(error);
		wait_api_node(f, addr, TRUE);
		f->svcd_addr = g_steal_pointer(&addr);
	}

	/* s6 brings it back when it dies, and the new run takes over from the dead one */
	first = agent_pid(f);
	assert_true(first > 0);
	assert_int_equal(kill(first, SIGKILL), 0);
	{
		gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
		while (agent_pid(f) == first || agent_pid(f) <= 0) {
			if (g_get_monotonic_time() > deadline)
				fail_msg("s6 did not restart the node agent");
			g_usleep(50 * 1000);
		}
	}
	wait_running(f, "demo");

	/* without the flag: the agent leaves the cluster (its gateway stops), the slot goes */
	f->envp = g_environ_unsetenv(f->envp, "HERMES_CLUSTER_AGENT");
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	wait_api_node(f, f->svcd_addr, FALSE);
	assert_false(g_file_test(slot, G_FILE_TEST_EXISTS));
	hermes_assert_str_contains(f->out, "summary total=");
	{
		g_autofree gchar *owner = NULL;
		g_autofree gchar *node = cluster_look(f, "demo", &owner);
		assert_null(node);
		assert_null(owner);
	}
	assert_int_equal(run(f, "-p", "demo", "gateway", "status"), 0);
	if (strstr(f->out, " up ") != NULL)
		fail_msg("the gateway still runs after its agent left: %s", f->out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_cluster_agent_supervised_and_removed, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
