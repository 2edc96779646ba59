/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The cluster's node agent as its shipped systemd user unit: data/
 * hermes-cluster-agent.service.in rendered with this build's `hermes` for
 * @bindir@/hermes, installed into a real `systemd --user`
 * (tests/systemd-user-harness.sh) with its EnvironmentFile in
 * %E/hermes/cluster-agent.env pointing at a real one-member etcd on
 * loopback (tests/etcd-test.c), then driven as a user would: `systemctl
 * --user start`, `hermes -p demo gateway start --cluster`, `systemctl --user
 * stop`. The agent picks the machine's backend itself (nothing in its
 * environment names one): under a user manager that is systemd, so its
 * gateway is a user unit beside it.
 */

#include "etcd-test.h"
#include "systemd-test.h"

#define AGENT_UNIT "hermes-cluster-agent.service"
#define AGENT_NODE "sd-node"
/* the agent's lease (seconds); three times that under valgrind, as in cluster-agent */
#define AGENT_TTL_S 4
/* how long the agent may take to register, to run a gateway, to leave (seconds) */
#define AGENT_BOUND_S 30
/* the tail of the manager's log (every unit's output) a failure shows */
#define AGENT_LOG_TAIL 4000

typedef struct {
	Fixture *f; /* systemd-test.c's: the home (with profile demo), the bus */
	EtcdTestCluster *etcd;
	gchar **user_envp; /* an operator's shell: the home and the cluster, no backend named */
	gchar *gateway_unit;
	guint slow; /* 3 under valgrind: the agent runs under it too */
	gboolean done;
} AgentUnit;

static gint
agent_unit_setup(void **state)
{
	AgentUnit *a;
	fixture_setup(state);
	if (*state == NULL)
		return 0;
	a = g_new0(AgentUnit, 1);
	a->f = *state;
	a->gateway_unit = hermes_systemd_unit_name("demo");
	{
		const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
		a->slow = wrapper != NULL && wrapper[0] != '\0' ? 3 : 1;
	}
	a->user_envp = g_strdupv(a->f->envp);
	a->user_envp = g_environ_unsetenv(a->user_envp, "HERMES_SERVICE_MANAGER");
	*state = a;
	return 0;
}

/* the end of the manager's log, where the agent's lines are (units inherit its output) */
static void
agent_unit_print_log(void)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	if (!g_file_get_contents(hermes_test_env("SDH_LOG"), &text, &len, NULL))
		return;
	g_printerr("# ---- the user manager's log, its tail\n%s\n# ---- end\n",
		   len > AGENT_LOG_TAIL ? text + len - AGENT_LOG_TAIL : text);
}

static gint
agent_unit_teardown(void **state)
{
	AgentUnit *a = *state;
	if (a == NULL)
		return 0;
	/* a failed test leaves the agent running: it stops its gateway and leaves first */
	if (a->etcd != NULL && systemctl(a->f, 60 * a->slow, "stop", AGENT_UNIT) != 0)
		g_printerr("# teardown: systemctl --user stop %s: %s\n", AGENT_UNIT, a->f->err);
	if (a->etcd != NULL && !a->done)
		agent_unit_print_log();
	etcd_test_cluster_stop(a->etcd);
	g_strfreev(a->user_envp);
	g_free(a->gateway_unit);
	*state = a->f;
	g_free(a);
	return fixture_teardown(state);
}

/* the shipped unit with this build's hermes (under valgrind's wrapper in that setup) */
static gchar *
agent_unit_render(void)
{
	g_autofree gchar *template_path = g_build_filename(
		hermes_test_env("HERMES_TEST_SRCDIR"), "..", "data", AGENT_UNIT ".in", NULL);
	g_autofree gchar *template = read_text(template_path);
	g_autofree gchar *exec = NULL;
	g_auto(GStrv) parts = NULL;
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");

	hermes_assert_str_contains(template, "\nExecStart=@bindir@/hermes cluster agent\n");
	parts = g_strsplit(template, "@bindir@/hermes", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		if (strchr(parts[i], '@') != NULL)
			fail_msg("%s has a placeholder this test does not fill: %s",
				 template_path,
				 parts[i]);
	}
	if (wrapper != NULL && wrapper[0] != '\0')
		exec = g_strdup_printf(
			"%s --quiet %s", wrapper, hermes_test_env("HERMES_TEST_HERMES"));
	else
		exec = g_strdup(hermes_test_env("HERMES_TEST_HERMES"));
	return g_strjoinv(exec, parts);
}

/* one line of an EnvironmentFile: a value systemd takes as it is */
static void
agent_unit_env_line(GString *env, const gchar *name, const gchar *value)
{
	if (strpbrk(value, " \t\n\"'\\$") != NULL)
		fail_msg("%s=%s would need quoting in an EnvironmentFile", name, value);
	g_string_append_printf(env, "%s=%s\n", name, value);
}

/* the unit in the user unit dir, and %E/hermes/cluster-agent.env (%E: $XDG_CONFIG_HOME) */
static gchar *
agent_unit_install(AgentUnit *a)
{
	g_autofree gchar *unit = agent_unit_render();
	g_autofree gchar *unit_file = g_build_filename(unit_dir(), AGENT_UNIT, NULL);
	g_autofree gchar *env_dir =
		g_build_filename(hermes_test_env("XDG_CONFIG_HOME"), "hermes", NULL);
	g_autofree gchar *ttl = g_strdup_printf("%u", AGENT_TTL_S * a->slow);
	g_autoptr(GString) env = g_string_new("# written by tests/test-systemd-cluster-agent.c\n");

	hermes_test_write_file(unit_file, unit, 0644);
	/* Documentation=man:hermes(1) names the installed page; this build's is not installed */
	assert_verifies_with(unit_file, (const gchar *const[]){"--man=no", NULL});
	agent_unit_env_line(env, "HERMES_ETCD_ENDPOINTS", etcd_test_cluster_get_endpoints(a->etcd));
	agent_unit_env_line(env, "HERMES_HOME", a->f->root);
	agent_unit_env_line(env, "HERMES_CLUSTER_NODE", AGENT_NODE);
	agent_unit_env_line(env, "HERMES_CLUSTER_TTL", ttl);
	/* the one setting an installed hermes does not need: where this build's backends are */
	agent_unit_env_line(
		env, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	assert_int_equal(g_mkdir_with_parents(env_dir, 0700), 0);
	{
		g_autofree gchar *env_file = g_build_filename(env_dir, "cluster-agent.env", NULL);
		hermes_test_write_file(env_file, env->str, 0600);
		return g_steal_pointer(&env_file);
	}
}

static gchar *
agent_unit_state(AgentUnit *a, const gchar *unit)
{
	return unit_str(a->f, unit, "ActiveState");
}

/* bounded: the node registered with the env file's name and lease, through the unit */
static void
agent_unit_wait_registered(AgentUnit *a)
{
	gint64 deadline = g_get_monotonic_time() + AGENT_BOUND_S * a->slow * G_USEC_PER_SEC;
	g_autoptr(JsonObject) status = NULL;
	JsonObject *node = NULL;

	for (;;) {
		g_autofree gchar *active = agent_unit_state(a, AGENT_UNIT);
		g_clear_pointer(&status, json_object_unref);
		status = hermes_test_cluster_status((const gchar *const *)a->user_envp);
		node = hermes_test_cluster_row(status, "nodes", "name", AGENT_NODE);
		if (node != NULL &&
		    g_strcmp0(json_object_get_string_member(node, "state"), "up") == 0)
			break;
		if (g_strcmp0(active, "active") != 0 && g_strcmp0(active, "activating") != 0)
			fail_msg("%s is %s before its node registered", AGENT_UNIT, active);
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s never registered node %s within %u s",
				 AGENT_UNIT,
				 AGENT_NODE,
				 AGENT_BOUND_S * a->slow);
		g_usleep(100 * 1000);
	}
	/* the lease is the env file's HERMES_CLUSTER_TTL: the unit read it */
	assert_int_equal(json_object_get_int_member(node, "lease_granted_s"),
			 AGENT_TTL_S * a->slow);
}

/* bounded: the cluster says the node owns demo, and the user manager runs its unit */
static void
agent_unit_wait_running(AgentUnit *a)
{
	gint64 deadline = g_get_monotonic_time() + AGENT_BOUND_S * a->slow * G_USEC_PER_SEC;
	for (;;) {
		g_autofree gchar *owner = NULL;
		g_autofree gchar *node = hermes_test_cluster_look(
			(const gchar *const *)a->user_envp, AGENT_NODE, "demo", &owner);
		g_autofree gchar *active = agent_unit_state(a, a->gateway_unit);
		if (g_strcmp0(owner, AGENT_NODE) == 0 && g_strcmp0(active, "active") == 0)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("demo never ran under %s within %u s (node %s, owner %s, %s %s)",
				 AGENT_UNIT,
				 AGENT_BOUND_S * a->slow,
				 node != NULL ? node : "not registered",
				 owner != NULL ? owner : "none",
				 a->gateway_unit,
				 active);
		g_usleep(100 * 1000);
	}
}

/* what the operator sees of demo: up, on this node, with the user manager's MainPID */
static void
agent_unit_assert_user_view(AgentUnit *a)
{
	Fixture *f = a->f;
	g_autoptr(JsonObject) all = NULL;
	JsonObject *row;
	gint rc;

	rc = run_env(f,
		     a->user_envp,
		     (const gchar *const[]){"--json", "-p", "demo", "gateway", "status", NULL});
	assert_run_ok(f, rc, "gateway status --json");
	all = parse_object(f->out);
	assert_int_equal(json_array_get_length(json_object_get_array_member(all, "gateways")), 1);
	row = json_array_get_object_element(json_object_get_array_member(all, "gateways"), 0);
	assert_string_equal(json_object_get_string_member(row, "state"), "up");
	assert_string_equal(json_object_get_string_member(row, "node"), AGENT_NODE);
	assert_int_equal(json_object_get_int_member(row, "pid"),
			 service_u32(f, a->gateway_unit, "MainPID"));
	hermes_assert_str_contains(f->out, "\"backend\" : \"systemd\"");
	rc = run_env(f, a->user_envp, (const gchar *const[]){"status", NULL});
	assert_run_ok(f, rc, "status");
	if (!g_regex_match_simple("\\ndemo .* up .* " AGENT_NODE "\\n", f->out, 0, 0))
		fail_msg("`hermes status` does not show demo up on %s:\n%s", AGENT_NODE, f->out);
}

/* `systemctl --user stop`: the gateway stops, the node leaves the cluster, the unit ends clean */
static void
agent_unit_stop(AgentUnit *a)
{
	Fixture *f = a->f;
	gint64 deadline;
	g_autofree gchar *agent_state = NULL;
	g_autofree gchar *result = NULL;
	g_autofree gchar *log = NULL;
	gint rc = systemctl(f, AGENT_BOUND_S * a->slow, "stop", AGENT_UNIT);

	if (rc != 0)
		fail_msg("systemctl --user stop %s exited %d (124: not done within %u s): %s",
			 AGENT_UNIT,
			 rc,
			 AGENT_BOUND_S * a->slow,
			 f->err);
	agent_state = agent_unit_state(a, AGENT_UNIT);
	assert_string_equal(agent_state, "inactive");
	{
		g_autoptr(GVariant) value =
			unit_prop(f, AGENT_UNIT, "org.freedesktop.systemd1.Service", "Result");
		result = g_variant_dup_string(value, NULL);
	}
	assert_string_equal(result, "success");
	/* SIGTERM is a clean leave: exit 0 (under valgrind: no error either) */
	assert_int_equal(service_i32(f, AGENT_UNIT, "ExecMainStatus"), 0);
	{
		g_autofree gchar *gateway_state = agent_unit_state(a, a->gateway_unit);
		if (g_strcmp0(gateway_state, "active") == 0)
			fail_msg("%s still runs after its agent stopped", a->gateway_unit);
	}
	/* it gave its lease up itself (it did not just stop renewing it) */
	log = read_text(hermes_test_env("SDH_LOG"));
	hermes_assert_str_contains(log, "hermes cluster agent " AGENT_NODE ": left the cluster");
	/* so the cluster no longer lists the node nor an owner of demo; the intent stays */
	deadline = g_get_monotonic_time() + 5 * a->slow * G_USEC_PER_SEC;
	for (;;) {
		g_autofree gchar *owner = NULL;
		g_autofree gchar *node = hermes_test_cluster_look(
			(const gchar *const *)a->user_envp, AGENT_NODE, "demo", &owner);
		g_autoptr(JsonObject) status = NULL;
		if (node == NULL && owner == NULL) {
			status = hermes_test_cluster_status((const gchar *const *)a->user_envp);
			assert_string_equal(json_object_get_string_member(
						    hermes_test_cluster_row(
							    status, "gateways", "profile", "demo"),
						    "desired_state"),
					    "running");
			return;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("after the stop, cluster status still shows node %s as %s and "
				 "demo's owner as %s",
				 AGENT_NODE,
				 node != NULL ? node : "gone",
				 owner != NULL ? owner : "none");
		g_usleep(100 * 1000);
	}
}

/* every unit it names is one a user manager has: a system unit (network-online.target)
 * loads as not-found there and orders nothing */
static void
agent_unit_assert_dependencies(AgentUnit *a)
{
	const gchar *kinds[] = {"Requires", "Wants", "After", "BindsTo", "Requisite"};
	for (guint i = 0; i < G_N_ELEMENTS(kinds); i++) {
		g_autoptr(GVariant) names =
			unit_prop(a->f, AGENT_UNIT, "org.freedesktop.systemd1.Unit", kinds[i]);
		g_autofree const gchar **list = g_variant_get_strv(names, NULL);
		for (guint j = 0; list[j] != NULL; j++) {
			g_autofree gchar *load = unit_str(a->f, list[j], "LoadState");
			if (g_strcmp0(load, "loaded") != 0)
				fail_msg("%s has %s=%s, which the user manager does not have (%s)",
					 AGENT_UNIT,
					 kinds[i],
					 list[j],
					 load);
		}
	}
}

/* started while etcd does not answer: the agent stays up and keeps trying (no restart
 * loop), and registers once etcd is back */
static void
agent_unit_start_before_etcd(AgentUnit *a)
{
	Fixture *f = a->f;
	guint32 pid;
	gint rc;

	etcd_test_cluster_kill_member(a->etcd, 0);
	rc = systemctl(f, 60, "start", AGENT_UNIT);
	if (rc != 0)
		fail_msg("systemctl --user start %s exited %d: %s", AGENT_UNIT, rc, f->err);
	pid = service_u32(f, AGENT_UNIT, "MainPID");
	assert_true(pid > 0);
	/* longer than RestartSec=2: an agent that gave up would have been restarted */
	hermes_test_spin(3000);
	assert_unit_state(f, AGENT_UNIT, "active", NULL);
	assert_int_equal(service_u32(f, AGENT_UNIT, "MainPID"), pid);
	assert_int_equal(service_u32(f, AGENT_UNIT, "NRestarts"), 0);
	etcd_test_cluster_restart_member(a->etcd, 0);
}

static void
test_systemd_cluster_agent_unit(void **state)
{
	AgentUnit *a = *state;
	Fixture *f = a != NULL ? a->f : NULL;
	g_autofree gchar *env_file = NULL;
	g_autoptr(GVariant) env_files = NULL;
	gint rc;

	SKIP_UNLESS_HERE(f);
	a->etcd = etcd_test_cluster_start(1);
	if (a->etcd == NULL) {
		print_message("# skipped: etcd is not installed (HERMES_TEST_ETCD is empty)\n");
		skip();
	}
	a->user_envp = g_environ_setenv(a->user_envp,
					"HERMES_ETCD_ENDPOINTS",
					etcd_test_cluster_get_endpoints(a->etcd),
					TRUE);
	env_file = agent_unit_install(a);

	/* as a user does after installing it */
	assert_int_equal(systemctl(f, 60, "daemon-reload"), 0);
	agent_unit_assert_dependencies(a);
	agent_unit_start_before_etcd(a);
	/* %E is $XDG_CONFIG_HOME in a user manager: the unit reads the file written above */
	env_files =
		unit_prop(f, AGENT_UNIT, "org.freedesktop.systemd1.Service", "EnvironmentFiles");
	{
		g_autofree gchar *printed = g_variant_print(env_files, FALSE);
		hermes_assert_str_contains(printed, env_file);
	}
	agent_unit_wait_registered(a);
	assert_unit_state(f, AGENT_UNIT, "active", NULL);

	/* the operator asks the cluster; the agent claims demo and starts it on systemd */
	rc = run_env(f,
		     a->user_envp,
		     (const gchar *const[]){"-p", "demo", "gateway", "start", "--cluster", NULL});
	assert_run_ok(f, rc, "gateway start --cluster");
	agent_unit_wait_running(a);
	agent_unit_assert_user_view(a);

	agent_unit_stop(a);
	a->done = TRUE;
	/* nothing of the gateway is left: no unit, no process of this home */
	assert_nothing_left(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_systemd_cluster_agent_unit, agent_unit_setup, agent_unit_teardown),
	};
	return SYSTEMD_TEST_MAIN(argv[0], tests);
}
