/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The node agent (issue 14) on a real 3-member etcd with three nodes, each a
 * real s6 tree and its `hermes cluster agent`, all on one shared
 * HERMES_HOME (cluster-agent-test.h). Every gateway logs its start and stop;
 * every case checks that no two runs of one profile ever overlap, that no
 * runner had to replace another (the one-host lock would hide an overlap
 * from the log), and that `cluster status` names the node the log shows.
 * The cases: 30 gateways spread over 3 nodes; a node killed (agent, tree and
 * gateways, kill -9): its gateways run elsewhere within TTL + 3 s; a node cut
 * off from etcd (its proxy killed, or gone silent) fences at its renew
 * deadline, has stopped its gateways before its lease ends, and they come
 * back elsewhere; the etcd leader killed: nothing moves; drain and move; the
 * whole cluster (etcd and agents) restarted: every gateway's desired state
 * is restored. Every case ends with SIGTERM to the agents: exit 0, nothing
 * left running, owned or registered.
 *
 * HERMES_TEST_ONLY=<cmocka pattern> runs some cases; HERMES_TEST_AGENT_LOGS=1
 * prints the agents' and the gateways' logs after a success too.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "cluster-agent-test.h"

#define SKIP_WITHOUT_CLUSTER(f)              \
	do {                                 \
		if (agent_fixture_skip(f)) { \
			skip();              \
			return;              \
		}                            \
	} while (0)

/* the bound of a failover the issue gives: the lease's TTL and 3 s */
#define FAILOVER_SLACK_S 3

static guint
count_on(GHashTable *placed, const gchar *node)
{
	GHashTableIter iter;
	gpointer value;
	guint n = 0;
	g_hash_table_iter_init(&iter, placed);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (g_strcmp0(value, node) == 0)
			n++;
	}
	return n;
}

/* the profiles @placed puts on @node, sorted */
static GStrv
profiles_on(GHashTable *placed, const gchar *node)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key;
	gpointer value;
	g_hash_table_iter_init(&iter, placed);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (g_strcmp0(value, node) == 0)
			g_ptr_array_add(names, g_strdup(key));
	}
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	g_ptr_array_add(names, NULL);
	return (GStrv)g_ptr_array_free(g_steal_pointer(&names), FALSE);
}

/* the gateway log's lines after the first @from, for a message */
static const gchar *
new_lines(AgentFixture *f, guint from)
{
	static gchar text[600];
	g_autofree gchar *all = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_file_get_contents(f->gateway_log, &all, NULL, NULL);
	lines = g_strsplit(all != NULL ? all : "", "\n", -1);
	for (guint i = from; i < g_strv_length(lines) && i < from + 8; i++)
		g_string_append_printf(out, "%s%s", out->len > 0 ? "; " : "", lines[i]);
	g_strlcpy(text, out->str, sizeof(text));
	return text;
}

static gint64
after_s(gdouble seconds)
{
	return g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
}

/* every profile wanted running placed once, the cluster agreeing */
static GHashTable *
place_all(AgentFixture *f, const gchar *const *profiles)
{
	gint64 started = g_get_monotonic_time();
	GHashTable *placed;
	agent_set_desired(f, profiles, TRUE);
	placed = agent_wait_placed(f,
				   profiles,
				   NULL,
				   NULL,
				   after_s(30.0 * agent_slow()),
				   "every gateway wanted running, placed");
	print_message("# %u gateways placed in %.1f s: node-a %u, node-b %u, node-c %u\n",
		      g_strv_length((GStrv)profiles),
		      (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC,
		      count_on(placed, "node-a"),
		      count_on(placed, "node-b"),
		      count_on(placed, "node-c"));
	return placed;
}

/* each of @profiles not in @moved still runs where @before put it, in the same run */
static void
assert_unmoved(AgentFixture *f,
	       GHashTable *before,
	       GHashTable *after,
	       const gchar *const *profiles,
	       const gchar *const *moved)
{
	g_autoptr(AgentLog) log = agent_log_read(f);
	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autoptr(GPtrArray) runs = NULL;
		if (moved != NULL && g_strv_contains(moved, profiles[i]))
			continue;
		if (g_strcmp0(g_hash_table_lookup(before, profiles[i]),
			      g_hash_table_lookup(after, profiles[i])) != 0)
			fail_msg("%s moved from %s to %s, though its node was fine",
				 profiles[i],
				 (const gchar *)g_hash_table_lookup(before, profiles[i]),
				 (const gchar *)g_hash_table_lookup(after, profiles[i]));
		runs = agent_log_runs_of(log, profiles[i]);
		if (runs->len != 1)
			fail_msg("%s was stopped and started again (%u runs), though its node "
				 "was fine",
				 profiles[i],
				 runs->len);
	}
}

/* SIGTERM to every agent left: each exits 0 having stopped its gateways, deleted its
 * owner keys and revoked its lease */
static void
stop_gracefully(AgentFixture *f)
{
	guint all[AGENT_TEST_NODES] = {0, 1, 2};
	g_autoptr(AgentLog) log = NULL;
	g_autoptr(GHashTable) running = NULL;
	g_autoptr(GHashTable) owners = NULL;
	g_autoptr(JsonObject) status = NULL;
	JsonArray *nodes;
	gint64 started = g_get_monotonic_time();
	gint worst = agent_nodes_term_agents(f, all, AGENT_TEST_NODES, TRUE);

	print_message("# the agents exited %.1f s after SIGTERM\n",
		      (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	if (worst != 0)
		fail_msg("an agent exited %d after SIGTERM, not 0 (99: valgrind found errors)",
			 worst);
	log = agent_log_read(f);
	running = agent_log_running(log);
	if (g_hash_table_size(running) > 0) {
		g_autofree gchar **names = (gchar **)g_hash_table_get_keys_as_array(running, NULL);
		g_autofree gchar *list = g_strjoinv(" ", names);
		fail_msg("gateways still run after every agent exited: %s", list);
	}
	owners = agent_status_owners(f);
	if (g_hash_table_size(owners) > 0) {
		g_autofree gchar **names = (gchar **)g_hash_table_get_keys_as_array(owners, NULL);
		g_autofree gchar *list = g_strjoinv(" ", names);
		fail_msg("owner keys are left after every agent exited: %s", list);
	}
	/* a drained node stays listed (its drain key is intent), but down */
	status = agent_status(f);
	nodes = json_object_get_array_member(status, "nodes");
	for (guint i = 0; i < json_array_get_length(nodes); i++) {
		JsonObject *row = json_array_get_object_element(nodes, i);
		if (g_strcmp0(json_object_get_string_member(row, "state"), "down") != 0)
			fail_msg("%s is still registered after every agent exited: %s",
				 json_object_get_string_member(row, "name"),
				 f->out);
	}
	agent_assert_no_overlap(f);
	agent_assert_no_takeover(f);
}

/*****************************************************************************/

/* the checker: one profile on two nodes at once is caught, one after the other is not */
static void
harness_checker(AgentFixture *f)
{
	g_autoptr(AgentLog) log = NULL;
	g_autoptr(AgentLog) fine = NULL;
	g_autoptr(AgentLog) killed = NULL;
	g_autoptr(GPtrArray) runs = NULL;
	g_autofree gchar *overlap = NULL;
	gchar *none;

	log = agent_log_parse("p1 node-a start 100.5\n"
			      "p1 node-b start 101.000000001\n"
			      "p1 node-a stop 102.0\n"
			      "p1 node-b stop 103.0\n",
			      NULL);
	overlap = agent_log_find_overlap(log, 100 * G_USEC_PER_SEC);
	assert_non_null(overlap);
	hermes_assert_str_contains(overlap, "gateway p1 ran twice at once: on node-a from 0.500 s");
	fine = agent_log_parse("p1 node-a start 100.5\n"
			       "p2 node-b start 100.6\n"
			       "p1 node-a stop 102.0\n"
			       "p1 node-b start 102.000001\n"
			       "p1 node-b stop 103.0\n"
			       "p1 node-c stop 104.0\n"
			       "p1 node-c start 10",
			       NULL);
	none = agent_log_find_overlap(fine, 0);
	if (none != NULL)
		fail_msg("a false overlap: %s", none);
	assert_int_equal(fine->lines, 6);
	runs = agent_log_runs_of(fine, "p1");
	assert_int_equal(runs->len, 3);
	/* a run still open on a node the test killed ends when the node died */
	f->nodes[0].killed_at = 200 * G_USEC_PER_SEC;
	killed = agent_log_parse("p1 node-a start 150.0\n"
				 "p1 node-b start 199.0\n",
				 f);
	f->nodes[0].killed_at = 0;
	g_clear_pointer(&overlap, g_free);
	overlap = agent_log_find_overlap(killed, 0);
	assert_non_null(overlap);
	hermes_assert_str_contains(overlap, "(its node killed)");
}

/* the proxy: a member answers through it; once killed, nobody does (exit 68) */
static void
harness_proxy(AgentFixture *f)
{
	g_autofree gchar *proxy = agent_proxy_start(f, 1);
	assert_int_equal(AGENT_HERMES(f, "cluster", "status", "--endpoints", proxy), 0);
	agent_proxy_kill(f);
	assert_int_equal(AGENT_HERMES(f, "cluster", "status", "--endpoints", proxy), 68);
}

/* `hermes -p p01 gateway @verb` on node-b's tree */
static void
harness_gateway(GStrv envp, const gchar *verb)
{
	assert_int_equal(
		hermes_test_run_hermes((const gchar *const *)envp,
				       NULL,
				       (const gchar *[]){"-p", "p01", "gateway", verb, NULL},
				       NULL,
				       NULL),
		0);
}

static void
harness_wait_p01_on_node_b(AgentFixture *f)
{
	gint64 deadline = after_s(15.0);
	for (;;) {
		g_autoptr(AgentLog) now = agent_log_read(f);
		g_autoptr(GHashTable) running = agent_log_running(now);
		if (g_strcmp0(g_hash_table_lookup(running, "p01"), "node-b") == 0)
			break;
		if (g_get_monotonic_time() > deadline)
			fail_msg("the payload of p01 did not log its start on node-b");
		g_usleep(50000);
	}
}

static void
harness_assert_p01_ran_on_node_b(AgentFixture *f)
{
	g_autoptr(AgentLog) now = agent_log_read(f);
	g_autoptr(GPtrArray) p01 = agent_log_runs_of(now, "p01");
	AgentInterval *iv;
	assert_int_equal(p01->len, 1);
	iv = g_ptr_array_index(p01, 0);
	assert_string_equal(iv->node, "node-b");
	assert_true(iv->start_us > f->t0);
	assert_true(iv->stop_us >= iv->start_us);
}

/* a node's tree: the payload knows its profile and its node, and logs both lines */
static void
harness_tree(AgentFixture *f)
{
	g_auto(GStrv) envp = NULL;

	g_strfreev(agent_make_profiles(f, 1));
	agent_node_start_tree(f, 1);
	envp = g_strdupv(f->envp);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", f->nodes[1].scandir, TRUE);
	harness_gateway(envp, "start");
	harness_wait_p01_on_node_b(f);
	harness_gateway(envp, "stop");
	harness_assert_p01_ran_on_node_b(f);
}

/* the harness itself, without any agent: the checker sees an overlap, the proxy forwards
 * and dies, a node's tree runs the payload with its node's name */
static void
test_cluster_agent_harness(void **state)
{
	AgentFixture *f = *state;

	SKIP_WITHOUT_CLUSTER(f);
	harness_checker(f);
	harness_proxy(f);
	harness_tree(f);
	/* a node killed: nothing of it is left */
	agent_node_kill(f, 1);
	f->done = TRUE;
}

/* 30 gateways over 3 nodes: each on exactly one node, every node some, the cluster agreeing */
static void
test_cluster_agent_spread(void **state)
{
	AgentFixture *f = *state;
	g_auto(GStrv) profiles = NULL;
	g_autoptr(GHashTable) placed = NULL;
	g_autoptr(JsonObject) status = NULL;
	JsonArray *nodes;

	SKIP_WITHOUT_CLUSTER(f);
	profiles = agent_make_profiles(f, 30);
	agent_start_all(f);
	placed = place_all(f, (const gchar *const *)profiles);
	for (guint i = 0; i < AGENT_TEST_NODES; i++) {
		if (count_on(placed, f->nodes[i].name) < 3)
			fail_msg("rendezvous placed %u of 30 gateways on %s (node-a %u, node-b %u, "
				 "node-c %u)",
				 count_on(placed, f->nodes[i].name),
				 f->nodes[i].name,
				 count_on(placed, "node-a"),
				 count_on(placed, "node-b"),
				 count_on(placed, "node-c"));
	}
	/* each node's count in the status is what runs there */
	status = agent_status(f);
	nodes = json_object_get_array_member(status, "nodes");
	assert_int_equal(json_array_get_length(nodes), AGENT_TEST_NODES);
	for (guint i = 0; i < json_array_get_length(nodes); i++) {
		JsonObject *row = json_array_get_object_element(nodes, i);
		const gchar *name = json_object_get_string_member(row, "name");
		assert_string_equal(json_object_get_string_member(row, "state"), "up");
		assert_int_equal(json_object_get_int_member(row, "gateways"),
				 count_on(placed, name));
		assert_int_equal(json_object_get_int_member(row, "lease_granted_s"),
				 f->nodes[name[5] - 'a'].ttl_s);
	}
	stop_gracefully(f);
	f->done = TRUE;
}

/* kill -9 of one node's agent, tree and gateways: its gateways run on the others within
 * TTL + 3 s, never twice; the others' gateways stay where they are */
static void
test_cluster_agent_failover(void **state)
{
	AgentFixture *f = *state;
	g_auto(GStrv) profiles = NULL;
	g_auto(GStrv) lost = NULL;
	g_autoptr(GHashTable) placed = NULL;
	g_autoptr(GHashTable) after = NULL;
	g_autoptr(AgentLog) log = NULL;
	gdouble worst_s = 0;
	gint64 killed_at;
	guint victim;

	SKIP_WITHOUT_CLUSTER(f);
	profiles = agent_make_profiles(f, 12);
	agent_start_all(f);
	placed = place_all(f, (const gchar *const *)profiles);
	/* the unwrapped node with the most gateways (node-a may run under valgrind) */
	victim = count_on(placed, "node-b") >= count_on(placed, "node-c") ? 1 : 2;
	lost = profiles_on(placed, f->nodes[victim].name);
	assert_true(g_strv_length(lost) > 0);

	killed_at = g_get_real_time();
	agent_node_kill(f, victim);
	after = agent_wait_placed(
		f,
		(const gchar *const *)profiles,
		NULL,
		f->nodes[victim].name,
		after_s((AGENT_TEST_TTL_S + FAILOVER_SLACK_S) * agent_slow() + 5.0),
		"the killed node's gateways, elsewhere");
	assert_int_equal(count_on(after, f->nodes[victim].name), 0);
	/* the bound, from the gateways' own start lines */
	log = agent_log_read(f);
	for (guint i = 0; lost[i] != NULL; i++) {
		g_autoptr(GPtrArray) runs = agent_log_runs_of(log, lost[i]);
		AgentInterval *now = g_ptr_array_index(runs, runs->len - 1);
		gdouble took_s = (gdouble)(now->start_us - killed_at) / G_USEC_PER_SEC;
		assert_true(runs->len >= 2);
		worst_s = MAX(worst_s, took_s);
		if (took_s > (AGENT_TEST_TTL_S + FAILOVER_SLACK_S) * agent_slow())
			fail_msg("%s started on %s %.2f s after %s was killed, over TTL + %d s "
				 "(%d s)",
				 lost[i],
				 now->node,
				 took_s,
				 f->nodes[victim].name,
				 FAILOVER_SLACK_S,
				 AGENT_TEST_TTL_S + FAILOVER_SLACK_S);
	}
	print_message("# %u gateways of %s failed over, the last %.2f s after the kill\n",
		      g_strv_length(lost),
		      f->nodes[victim].name,
		      worst_s);
	assert_unmoved(
		f, placed, after, (const gchar *const *)profiles, (const gchar *const *)lost);
	stop_gracefully(f);
	f->done = TRUE;
}

/* what the cut-off node's agent said when it fenced ("no lease renewal for N ms"), or -1 */
static gint64
fence_said_ms(AgentNode *n)
{
	g_autofree gchar *text = NULL;
	const gchar *at;
	if (!g_file_get_contents(n->agent_log, &text, NULL, NULL) ||
	    (at = strstr(text, "no lease renewal for ")) == NULL)
		return -1;
	return g_ascii_strtoll(at + strlen("no lease renewal for "), NULL, 10);
}

/* one fencing case, as it goes: what was placed, what node-c lost, and when */
typedef struct {
	GStrv profiles;
	GStrv lost;
	GHashTable *placed;
	GHashTable *after;
	gint64 cut_at;
	gint64 lease_gone_at;
	gdouble first_stop_s;
	gdouble last_stop_s;
	gdouble last_start_s;
} FencingRun;

static void
fencing_run_clear(FencingRun *run)
{
	g_clear_pointer(&run->profiles, g_strfreev);
	g_clear_pointer(&run->lost, g_strfreev);
	g_clear_pointer(&run->placed, g_hash_table_unref);
	g_clear_pointer(&run->after, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FencingRun, fencing_run_clear)

/* three nodes, node-c through the proxy, twelve gateways placed, some on node-c */
static void
fencing_start(AgentFixture *f, FencingRun *run)
{
	g_autofree gchar *proxy = NULL;

	run->profiles = agent_make_profiles(f, 12);
	for (guint i = 0; i < AGENT_TEST_NODES; i++)
		agent_node_start_tree(f, i);
	agent_node_start_agent(f, 0, NULL);
	agent_node_start_agent(f, 1, NULL);
	proxy = agent_proxy_start(f, 2);
	agent_node_start_agent(f, 2, proxy);
	agent_wait_nodes_up(f, AGENT_TEST_NODES, 15 * agent_slow());
	run->placed = place_all(f, (const gchar *const *)run->profiles);
	run->lost = profiles_on(run->placed, "node-c");
	assert_true(g_strv_length(run->lost) > 0);
}

/* node-c cut off: its lease ends, its gateways come up elsewhere */
static void
fencing_cut(AgentFixture *f, FencingRun *run, gboolean silent)
{
	run->cut_at = g_get_real_time();
	if (silent)
		agent_proxy_silence(f);
	else
		agent_proxy_kill(f);
	/* its lease ends within the TTL of its last renewal: its key (and its owner keys,
	 * on the same lease) go then, and only then may another node claim its gateways */
	run->lease_gone_at =
		agent_etcd_wait_gone(f,
				     "/hermes-svc/nodes/node-c",
				     (AGENT_TEST_TTL_S + FAILOVER_SLACK_S) * agent_slow());
	run->after = agent_wait_placed(
		f,
		(const gchar *const *)run->profiles,
		NULL,
		"node-c",
		after_s((AGENT_TEST_TTL_S + FAILOVER_SLACK_S) * agent_slow() + 5.0),
		"the cut-off node's gateways, elsewhere");
	assert_int_equal(count_on(run->after, "node-c"), 0);
}

/* node-c stopped each before its lease ended: nobody else may have claimed one by
 * then; the overlap and takeover checks see the rest */
static void
fencing_assert_stopped_in_time(AgentFixture *f, FencingRun *run)
{
	g_autoptr(AgentLog) log = agent_log_read(f);
	for (guint i = 0; run->lost[i] != NULL; i++) {
		g_autoptr(GPtrArray) runs = agent_log_runs_of(log, run->lost[i]);
		AgentInterval *fenced = NULL;
		AgentInterval *now = g_ptr_array_index(runs, runs->len - 1);
		gdouble stop_s;
		for (guint k = 0; k < runs->len; k++) {
			AgentInterval *iv = g_ptr_array_index(runs, k);
			if (g_strcmp0(iv->node, "node-c") == 0 && iv->start_us < run->cut_at)
				fenced = iv;
		}
		if (fenced == NULL) {
			fail_msg("node-c's log has no run of %s from before the cut", run->lost[i]);
			return;
		}
		stop_s = (gdouble)(fenced->stop_us - run->cut_at) / G_USEC_PER_SEC;
		if (fenced->stop_us == 0 || fenced->stop_us >= run->lease_gone_at)
			fail_msg("node-c stopped %s %.2f s after it was cut off, not before its "
				 "lease ended (%.2f s after the cut)",
				 run->lost[i],
				 stop_s,
				 (gdouble)(run->lease_gone_at - run->cut_at) / G_USEC_PER_SEC);
		run->first_stop_s = MIN(run->first_stop_s, stop_s);
		run->last_stop_s = MAX(run->last_stop_s, stop_s);
		run->last_start_s = MAX(run->last_start_s,
					(gdouble)(now->start_us - run->cut_at) / G_USEC_PER_SEC);
		assert_string_not_equal(now->node, "node-c");
	}
}

static void
fencing_report(AgentFixture *f, FencingRun *run, gboolean silent)
{
	print_message("# node-c cut off%s: it said it fenced %" G_GINT64_FORMAT
		      " ms after its last renewal (renew deadline %d ms); its %u gateways "
		      "stopped from %.2f s to %.2f s after the cut, its lease ended at %.2f s, "
		      "its gateways ran elsewhere within %.2f s\n",
		      silent ? " (silent)" : "",
		      fence_said_ms(&f->nodes[2]),
		      AGENT_TEST_TTL_S * 2000 / 3,
		      g_strv_length(run->lost),
		      run->first_stop_s,
		      run->last_stop_s,
		      (gdouble)(run->lease_gone_at - run->cut_at) / G_USEC_PER_SEC,
		      run->last_start_s);
}

/*
 * The renew deadline is the contract (docs/cluster.md), not only the lease's end:
 * fencing starts 2/3 of the TTL after the last renewal. When that renewal was sent
 * only the agent knows, so its own words are held to it: a timer may be a little
 * late, not a renewal period; and the first stop comes soon after.
 */
static void
fencing_assert_renew_deadline(AgentFixture *f, FencingRun *run)
{
	/* a deadline met, then one payload told to stop through s6 and the runner */
	gdouble fence_bound_s = AGENT_TEST_TTL_S * 2.0 / 3.0 + 0.5 * agent_slow();
	gint64 fenced_ms = fence_said_ms(&f->nodes[2]);

	if (fenced_ms < 0)
		fail_msg("node-c stopped its gateways but never said it fenced: %s",
			 f->nodes[2].agent_log);
	if (fenced_ms > AGENT_TEST_TTL_S * 2000 / 3 + 250 * (gint64)agent_slow())
		fail_msg("node-c fenced %" G_GINT64_FORMAT " ms after its last renewal, not at "
			 "its renew deadline (%d ms, 2/3 of the TTL): its gateways stopped from "
			 "%.2f to %.2f s after the cut, its lease ended %.2f s after it",
			 fenced_ms,
			 AGENT_TEST_TTL_S * 2000 / 3,
			 run->first_stop_s,
			 run->last_stop_s,
			 (gdouble)(run->lease_gone_at - run->cut_at) / G_USEC_PER_SEC);
	if (run->first_stop_s > fence_bound_s)
		fail_msg("node-c began to stop its gateways %.2f s after it was cut off, over "
			 "%.2f s (its renew deadline, which came before the cut, and %.1f s)",
			 run->first_stop_s,
			 fence_bound_s,
			 0.5 * agent_slow());
}

/* in touch again (the same proxy port): it registers again and takes nothing back */
static void
fencing_rejoin(AgentFixture *f, FencingRun *run)
{
	g_autoptr(AgentLog) log = NULL;
	g_autoptr(GHashTable) rejoined = NULL;
	guint lines;

	agent_proxy_kill(f);
	g_free(agent_proxy_start(f, 2));
	agent_wait_nodes_up(f, AGENT_TEST_NODES, (AGENT_TEST_TTL_S + 15) * agent_slow());
	log = agent_log_read(f);
	lines = log->lines;
	g_usleep(AGENT_TEST_TTL_S * G_USEC_PER_SEC);
	rejoined = agent_wait_placed(f,
				     (const gchar *const *)run->profiles,
				     NULL,
				     "node-c",
				     after_s(10.0),
				     "node-c back in touch");
	g_clear_pointer(&log, agent_log_free);
	log = agent_log_read(f);
	if (log->lines != lines)
		fail_msg("gateways moved when node-c came back: %s", new_lines(f, lines));
}

/*
 * node-c talks to etcd through the proxy; the proxy is killed (@silent: it cuts what is
 * open and answers nothing more). node-c must start stopping its gateways by its renew
 * deadline (2/3 of the TTL after its last renewal, which came before the cut), have them
 * all stopped before its lease ends, and they come back on the others, never twice.
 */
static void
fencing_case(AgentFixture *f, gboolean silent)
{
	g_auto(FencingRun) run = {.first_stop_s = G_MAXDOUBLE};

	fencing_start(f, &run);
	fencing_cut(f, &run, silent);
	fencing_assert_stopped_in_time(f, &run);
	fencing_report(f, &run, silent);
	fencing_assert_renew_deadline(f, &run);
	assert_unmoved(f,
		       run.placed,
		       run.after,
		       (const gchar *const *)run.profiles,
		       (const gchar *const *)run.lost);
	if (f->nodes[2].agent == NULL || g_subprocess_get_identifier(f->nodes[2].agent) == NULL)
		fail_msg("the agent of node-c exited when it lost etcd: %s", f->nodes[2].agent_log);
	fencing_rejoin(f, &run);
	stop_gracefully(f);
	f->done = TRUE;
}

/* the proxy killed: node-c's calls are refused at once */
static void
test_cluster_agent_fencing(void **state)
{
	AgentFixture *f = *state;
	SKIP_WITHOUT_CLUSTER(f);
	fencing_case(f, FALSE);
}

/* the proxy silent: node-c's open connections are cut, and new ones hang unanswered */
static void
test_cluster_agent_fencing_silent(void **state)
{
	AgentFixture *f = *state;
	SKIP_WITHOUT_CLUSTER(f);
	fencing_case(f, TRUE);
}

/* the etcd leader killed: the agents carry on with the other two members, nothing moves */
static void
test_cluster_agent_member_lost(void **state)
{
	AgentFixture *f = *state;
	g_auto(GStrv) profiles = NULL;
	g_autoptr(GHashTable) placed = NULL;
	g_autoptr(GHashTable) after = NULL;
	g_autoptr(AgentLog) before = NULL;
	gint64 until;
	guint leader;

	SKIP_WITHOUT_CLUSTER(f);
	profiles = agent_make_profiles(f, 12);
	agent_start_all(f);
	placed = place_all(f, (const gchar *const *)profiles);
	before = agent_log_read(f);
	leader = agent_etcd_leader(f);
	etcd_test_cluster_kill_member(f->etcd, leader);
	print_message("# killed etcd member %u, the leader\n", leader);
	/* nothing starts or stops for two leases' time */
	until = after_s(2.0 * AGENT_TEST_TTL_S);
	while (g_get_monotonic_time() < until) {
		g_autoptr(AgentLog) now = agent_log_read(f);
		if (now->lines != before->lines)
			fail_msg("gateways started or stopped after one etcd member was lost: %s",
				 new_lines(f, before->lines));
		g_usleep(100000);
	}
	after = agent_wait_placed(f,
				  (const gchar *const *)profiles,
				  NULL,
				  NULL,
				  after_s(10.0),
				  "every gateway where it was, one member down");
	assert_unmoved(f, placed, after, (const gchar *const *)profiles, NULL);
	agent_wait_nodes_up(f, AGENT_TEST_NODES, 5);
	etcd_test_cluster_restart_member(f->etcd, leader);
	stop_gracefully(f);
	f->done = TRUE;
}

/* the node @placed puts the most gateways on (the first of those, if several) */
static const gchar *
busiest_node(AgentFixture *f, GHashTable *placed)
{
	const gchar *node = NULL;
	guint most = 0;
	for (guint i = 0; i < AGENT_TEST_NODES; i++) {
		if (count_on(placed, f->nodes[i].name) > most) {
			most = count_on(placed, f->nodes[i].name);
			node = f->nodes[i].name;
		}
	}
	return node;
}

/* `cluster status` lists @node as drained */
static void
assert_drained_state(AgentFixture *f, const gchar *node)
{
	g_autoptr(JsonObject) status = agent_status(f);
	JsonArray *nodes = json_object_get_array_member(status, "nodes");
	for (guint i = 0; i < json_array_get_length(nodes); i++) {
		JsonObject *row = json_array_get_object_element(nodes, i);
		if (g_strcmp0(json_object_get_string_member(row, "name"), node) == 0)
			assert_string_equal(json_object_get_string_member(row, "state"), "drained");
	}
}

/* `cluster drain @node`: its gateways (@drained_profiles) run elsewhere, nothing else
 * moves; returns where every gateway runs then */
static GHashTable *
drain_node(AgentFixture *f,
	   GStrv profiles,
	   GHashTable *placed,
	   const gchar *node,
	   GStrv drained_profiles)
{
	GHashTable *drained;
	gint64 started = g_get_monotonic_time();

	if (AGENT_HERMES(f, "cluster", "drain", node) != 0)
		fail_msg("cluster drain %s: %s", node, f->err);
	drained = agent_wait_placed(f,
				    (const gchar *const *)profiles,
				    NULL,
				    node,
				    after_s(20.0 * agent_slow()),
				    "the drained node's gateways, elsewhere");
	print_message("# %s drained of %u gateways in %.1f s\n",
		      node,
		      g_strv_length(drained_profiles),
		      (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	assert_unmoved(f,
		       placed,
		       drained,
		       (const gchar *const *)profiles,
		       (const gchar *const *)drained_profiles);
	assert_drained_state(f, node);
	return drained;
}

/* @mover runs on @target by @deadline; nothing else moved since @drained but the drained
 * node's gateways, which have two runs already */
static void
wait_moved(AgentFixture *f,
	   GStrv profiles,
	   GHashTable *drained,
	   GStrv drained_profiles,
	   const gchar *mover,
	   const gchar *target,
	   gint64 deadline)
{
	for (;;) {
		g_autoptr(GHashTable) moved = agent_wait_placed(
			f, (const gchar *const *)profiles, NULL, NULL, deadline, "moving");
		if (g_strcmp0(g_hash_table_lookup(moved, mover), target) == 0) {
			/* the drained node's gateways have two runs already: leave them out */
			g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
			g_auto(GStrv) expected = NULL;
			g_strv_builder_addv(builder, (const gchar **)drained_profiles);
			g_strv_builder_add(builder, mover);
			expected = g_strv_builder_end(builder);
			assert_unmoved(f,
				       drained,
				       moved,
				       (const gchar *const *)profiles,
				       (const gchar *const *)expected);
			break;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s runs on %s, not on %s, after cluster move",
				 mover,
				 (const gchar *)g_hash_table_lookup(moved, mover),
				 target);
		g_usleep(100000);
	}
}

/* move: a gateway of one undrained node to the other */
static void
move_one(AgentFixture *f,
	 GStrv profiles,
	 GHashTable *drained,
	 GStrv drained_profiles,
	 const gchar *node)
{
	const gchar *target = NULL;
	const gchar *mover = NULL;
	gint64 started;

	for (guint i = 0; i < AGENT_TEST_NODES && target == NULL; i++) {
		if (g_strcmp0(f->nodes[i].name, node) != 0)
			target = f->nodes[i].name;
	}
	for (guint i = 0; profiles[i] != NULL && mover == NULL; i++) {
		if (g_strcmp0(g_hash_table_lookup(drained, profiles[i]), target) != 0)
			mover = profiles[i];
	}
	assert_non_null(mover);
	started = g_get_monotonic_time();
	if (AGENT_HERMES(f, "cluster", "move", mover, target) != 0)
		fail_msg("cluster move %s %s: %s", mover, target, f->err);
	wait_moved(f,
		   profiles,
		   drained,
		   drained_profiles,
		   mover,
		   target,
		   after_s(20.0 * agent_slow()));
	print_message("# %s moved to %s in %.1f s\n",
		      mover,
		      target,
		      (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
}

/* drain: every gateway of the node runs elsewhere, never twice; move: one gateway goes to
 * the node asked for; nothing else moves */
static void
test_cluster_agent_drain_move(void **state)
{
	AgentFixture *f = *state;
	g_auto(GStrv) profiles = NULL;
	g_auto(GStrv) drained_profiles = NULL;
	g_autoptr(GHashTable) placed = NULL;
	g_autoptr(GHashTable) drained = NULL;
	const gchar *node;

	SKIP_WITHOUT_CLUSTER(f);
	profiles = agent_make_profiles(f, 12);
	agent_start_all(f);
	placed = place_all(f, (const gchar *const *)profiles);
	node = busiest_node(f, placed);
	drained_profiles = profiles_on(placed, node);
	drained = drain_node(f, profiles, placed, node, drained_profiles);
	move_one(f, profiles, drained, drained_profiles, node);
	stop_gracefully(f);
	f->done = TRUE;
}

/* @profiles wanted running but @stopped, cut to the running ten, placed */
static GHashTable *
restart_place(AgentFixture *f, GStrv profiles, const gchar *const *stopped)
{
	agent_set_desired(f, (const gchar *const *)profiles, TRUE);
	agent_set_desired(f, stopped, FALSE);
	/* p01..p10 wanted running, p11 and p12 stopped */
	g_free(profiles[10]);
	g_free(profiles[11]);
	profiles[10] = profiles[11] = NULL;
	return agent_wait_placed(f,
				 (const gchar *const *)profiles,
				 stopped,
				 NULL,
				 after_s(30.0 * agent_slow()),
				 "ten running, two stopped");
}

/* each run in @log stopped before its node's lease could end after @down_at */
static void
assert_stopped_within_leases(AgentFixture *f, AgentLog *log, gint64 down_at)
{
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		guint ttl = f->nodes[iv->node[5] - 'a'].ttl_s;
		if (iv->stop_us > down_at + (gint64)ttl * G_USEC_PER_SEC)
			fail_msg("%s stopped on %s %.2f s after etcd went away, "
				 "after its lease (%u s) could have expired",
				 iv->profile,
				 iv->node,
				 (gdouble)(iv->stop_us - down_at) / G_USEC_PER_SEC,
				 ttl);
	}
}

/* nobody can renew: every gateway stops, each before its node's lease could end */
static void
wait_all_stopped(AgentFixture *f, gint64 down_at)
{
	gint64 deadline = after_s(3.0 * AGENT_TEST_TTL_S * agent_slow());
	for (;;) {
		g_autoptr(AgentLog) log = agent_log_read(f);
		g_autoptr(GHashTable) running = agent_log_running(log);
		if (g_hash_table_size(running) == 0) {
			assert_stopped_within_leases(f, log, down_at);
			break;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%u gateways still run %.1f s after every etcd member died",
				 g_hash_table_size(running),
				 (gdouble)(g_get_real_time() - down_at) / G_USEC_PER_SEC);
		g_usleep(100000);
	}
}

/* SIGTERM with etcd gone: the agents cannot clean up in etcd but must not hang */
static void
term_agents_etcd_down(AgentFixture *f)
{
	guint all[AGENT_TEST_NODES] = {0, 1, 2};
	gint64 started = g_get_monotonic_time();
	gint rc = agent_nodes_term_agents(f, all, AGENT_TEST_NODES, TRUE);
	print_message("# with etcd down the agents exited %d within %.1f s of SIGTERM\n",
		      rc,
		      (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	assert_int_equal(rc, 0);
}

static gpointer
restart_first_member(gpointer data)
{
	etcd_test_cluster_restart_member(data, 0);
	return NULL;
}

/* a lone member of a dead cluster does not answer until a quorum has seen it
 * (etcd 3.4 publishes itself first), so two come back at once, then the third */
static void
restart_etcd(AgentFixture *f)
{
	GThread *restarting = g_thread_new("etcd-restart", restart_first_member, f->etcd);
	etcd_test_cluster_restart_member(f->etcd, 1);
	g_thread_join(restarting);
	etcd_test_cluster_restart_member(f->etcd, 2);
}

/* every etcd member killed: the agents stop their gateways (no lease can be renewed) and
 * stop on SIGTERM all the same; etcd and the agents restarted: every gateway's desired
 * state is back, the stopped ones stay stopped */
static void
test_cluster_agent_restart(void **state)
{
	AgentFixture *f = *state;
	g_auto(GStrv) profiles = NULL;
	g_autoptr(GHashTable) placed = NULL;
	g_autoptr(GHashTable) restored = NULL;
	const gchar *stopped[] = {"p11", "p12", NULL};
	gint64 down_at;
	gint64 started;

	SKIP_WITHOUT_CLUSTER(f);
	profiles = agent_make_profiles(f, 12);
	agent_start_all(f);
	placed = restart_place(f, profiles, stopped);

	for (guint i = 0; i < 3; i++)
		etcd_test_cluster_kill_member(f->etcd, i);
	down_at = g_get_real_time();
	wait_all_stopped(f, down_at);
	term_agents_etcd_down(f);

	restart_etcd(f);
	started = g_get_monotonic_time();
	for (guint i = 0; i < AGENT_TEST_NODES; i++)
		agent_node_start_agent(f, i, NULL);
	/* the old leases end one TTL after etcd is back; then everything runs again */
	restored = agent_wait_placed(f,
				     (const gchar *const *)profiles,
				     stopped,
				     NULL,
				     after_s((3.0 * AGENT_TEST_TTL_S + 20.0) * agent_slow()),
				     "the desired state after the restart");
	print_message("# restored %u gateways %.1f s after the agents started again\n",
		      g_hash_table_size(restored),
		      (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	stop_gracefully(f);
	f->done = TRUE;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, agent_fixture_setup, agent_fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cluster_agent_harness),
		T(test_cluster_agent_spread),
		T(test_cluster_agent_failover),
		T(test_cluster_agent_fencing),
		T(test_cluster_agent_fencing_silent),
		T(test_cluster_agent_member_lost),
		T(test_cluster_agent_drain_move),
		T(test_cluster_agent_restart),
	};
	/* HERMES_TEST_ONLY=test_cluster_agent_fencing runs one case (a cmocka pattern) */
	const gchar *only = g_getenv("HERMES_TEST_ONLY");
	hermes_test_init();
	signal(SIGPIPE, SIG_IGN);
	if (only != NULL && only[0] != '\0')
		cmocka_set_test_filter(only);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
