/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * hermes_cluster_plan(): where each gateway of a cluster should run, from
 * views made of the keys etcd would hold (no etcd needed: the rule is a
 * pure function every node agent applies to the same view). 30 gateways
 * over 3 nodes spread out; a node that dies gives up only its own; a node
 * that joins takes no running gateway; a drained node keeps none; a move
 * and a capacity are honoured, and labels a gateway requires; a gateway no
 * node may take is in no plan.
 * Then hermes_cluster_decide(): what one node agent does about that plan
 * (claims, stops before releases, restarts, keys of an earlier lease).
 */

#include "config.h"

#include "hermes-cluster-decide.h"
#include "hermes-cluster-placement.h"
#include "hermes-cluster-private.h"
#include "hermes-etcd-kv.h"
#include "hermes-test.h"

/* the keys of a cluster, as a range under /hermes-svc/ would return them */
typedef struct {
	GPtrArray *kvs;
} Keys;

static Keys *
keys_new(void)
{
	Keys *k = g_new0(Keys, 1);
	k->kvs = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_etcd_kv_free);
	return k;
}

static void
keys_free(Keys *k)
{
	g_ptr_array_unref(k->kvs);
	g_free(k);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Keys, keys_free)

static void
keys_add(Keys *k, const gchar *kind, const gchar *name, const gchar *value, gint64 lease)
{
	HermesEtcdKv *kv = g_new0(HermesEtcdKv, 1);
	kv->key = g_strdup_printf("/hermes-svc/%s/%s", kind, name);
	kv->value = g_strdup(value);
	kv->lease = lease;
	g_ptr_array_add(k->kvs, kv);
}

static void
keys_node(Keys *k, const gchar *node, gint64 capacity)
{
	g_autofree gchar *value = g_strdup_printf("{\"capacity\": %" G_GINT64_FORMAT "}", capacity);
	keys_add(k, "nodes", node, value, 42);
}

static void
keys_running(Keys *k, guint n)
{
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		keys_add(k, "desired", name, "{\"desired_state\": \"running\"}", 0);
	}
}

static void
keys_owner(Keys *k, const gchar *profile, const gchar *node)
{
	g_autofree gchar *value = g_strdup_printf("{\"node\": \"%s\"}", node);
	keys_add(k, "owners", profile, value, 42);
}

static GHashTable *
plan_of(Keys *k, HermesClusterView **view)
{
	*view = hermes_cluster_view_new(HERMES_CLUSTER_DEFAULT_PREFIX, k->kvs, 1);
	return hermes_cluster_plan(*view);
}

static guint
count_on(GHashTable *plan, const gchar *node)
{
	GHashTableIter iter;
	gpointer value;
	guint n = 0;
	g_hash_table_iter_init(&iter, plan);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		n += g_strcmp0(value, node) == 0;
	return n;
}

/* 30 over 3: every one placed, each node some, the same answer every time */
static void
test_placement_spread(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(HermesClusterView) again_view = NULL;
	g_autoptr(GHashTable) plan = NULL;
	g_autoptr(GHashTable) again = NULL;

	keys_node(k, "n1", 0);
	keys_node(k, "n2", 0);
	keys_node(k, "n3", 0);
	keys_running(k, 30);
	keys_add(k, "desired", "quiet", "{\"desired_state\": \"stopped\"}", 0);
	plan = plan_of(k, &view);
	assert_int_equal(g_hash_table_size(plan), 30);
	assert_false(g_hash_table_contains(plan, "quiet"));
	for (guint i = 1; i <= 3; i++) {
		g_autofree gchar *node = g_strdup_printf("n%u", i);
		print_message("# %s: %u gateways\n", node, count_on(plan, node));
		assert_in_range(count_on(plan, node), 4, 18);
	}
	again = plan_of(k, &again_view);
	for (guint i = 0; i < 30; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		assert_string_equal(g_hash_table_lookup(plan, name),
				    g_hash_table_lookup(again, name));
	}
}

/* n2 dies (its lease and owner keys gone): only its gateways move */
static void
test_placement_node_dies(void **state)
{
	g_autoptr(Keys) before = keys_new();
	g_autoptr(Keys) after = keys_new();
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(HermesClusterView) view_after = NULL;
	g_autoptr(GHashTable) plan = NULL;
	g_autoptr(GHashTable) plan_after = NULL;

	for (Keys **k = (Keys *[]){before, after, NULL}; *k != NULL; k++) {
		keys_node(*k, "n1", 0);
		keys_node(*k, "n3", 0);
		keys_running(*k, 30);
	}
	keys_node(before, "n2", 0);
	plan = plan_of(before, &view);
	/* after: n1 and n3 own what they ran; n2's owners went with its lease */
	for (guint i = 0; i < 30; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		const gchar *node = g_hash_table_lookup(plan, name);
		if (g_strcmp0(node, "n2") != 0)
			keys_owner(after, name, node);
	}
	plan_after = plan_of(after, &view_after);
	assert_int_equal(g_hash_table_size(plan_after), 30);
	assert_int_equal(count_on(plan_after, "n2"), 0);
	for (guint i = 0; i < 30; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		const gchar *was = g_hash_table_lookup(plan, name);
		if (g_strcmp0(was, "n2") != 0)
			assert_string_equal(g_hash_table_lookup(plan_after, name), was);
	}
}

/* a node joins: running gateways stay; a drained node keeps nothing */
static void
test_placement_join_and_drain(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(GHashTable) plan = NULL;

	keys_node(k, "n1", 0);
	keys_node(k, "n2", 0);
	keys_node(k, "n9", 0); /* new: owns nothing */
	keys_running(k, 10);
	for (guint i = 0; i < 10; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		keys_owner(k, name, i < 5 ? "n1" : "n2");
	}
	keys_add(k, "drain", "n2", "{}", 0);
	plan = plan_of(k, &view);
	assert_int_equal(count_on(plan, "n2"), 0);
	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *name = g_strdup_printf("p%02u", i);
		assert_string_equal(g_hash_table_lookup(plan, name), "n1");
	}
	/* n2's five went to n1 and n9 */
	assert_int_equal(count_on(plan, "n1") + count_on(plan, "n9"), 10);
}

/* a move wins over the owner; a capacity is never passed; nobody may: no plan */
static void
test_placement_move_and_capacity(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(Keys) none = keys_new();
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(HermesClusterView) view_none = NULL;
	g_autoptr(GHashTable) plan = NULL;
	g_autoptr(GHashTable) plan_none = NULL;

	keys_node(k, "small", 2);
	keys_node(k, "big", 0);
	keys_running(k, 12);
	keys_owner(k, "p00", "big");
	keys_add(k, "placement", "p00", "{\"node\": \"small\"}", 0);
	plan = plan_of(k, &view);
	assert_string_equal(g_hash_table_lookup(plan, "p00"), "small");
	assert_int_equal(count_on(plan, "small"), 2);
	assert_int_equal(count_on(plan, "big"), 10);

	/* the only node is drained */
	keys_node(none, "n1", 0);
	keys_add(none, "drain", "n1", "{}", 0);
	keys_running(none, 3);
	plan_none = plan_of(none, &view_none);
	assert_int_equal(g_hash_table_size(plan_none), 0);
}

/* a gateway goes only to a node with every label it requires; none has them: nowhere */
static void
test_placement_labels(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(GHashTable) plan = NULL;
	g_autoptr(GError) error = NULL;

	keys_add(k, "nodes", "cpu1", "{\"labels\": {\"zone\": \"a\"}}", 42);
	keys_add(k, "nodes", "gpu1", "{\"labels\": {\"gpu\": \"yes\", \"zone\": \"a\"}}", 42);
	keys_add(k, "nodes", "gpu2", "{\"labels\": {\"gpu\": \"yes\", \"zone\": \"b\"}}", 42);
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *name = g_strdup_printf("g%02u", i);
		keys_add(k,
			 "desired",
			 name,
			 "{\"desired_state\": \"running\", \"require\": {\"gpu\": \"yes\"}}",
			 0);
	}
	keys_add(k,
		 "desired",
		 "pinned",
		 "{\"desired_state\": \"running\", \"require\": {\"gpu\": \"yes\", \"zone\": "
		 "\"b\"}}",
		 0);
	keys_add(k,
		 "desired",
		 "nowhere",
		 "{\"desired_state\": \"running\", \"require\": {\"tpu\": \"yes\"}}",
		 0);
	/* a label that is not one is left out, not matched */
	keys_add(k,
		 "desired",
		 "odd",
		 "{\"desired_state\": \"running\", \"require\": {\"Bad Key\": 1}}",
		 0);
	plan = plan_of(k, &view);
	for (guint i = 0; i < 20; i++) {
		g_autofree gchar *name = g_strdup_printf("g%02u", i);
		const gchar *node = g_hash_table_lookup(plan, name);
		assert_non_null(node);
		assert_true(g_str_has_prefix(node, "gpu"));
	}
	assert_string_equal(g_hash_table_lookup(plan, "pinned"), "gpu2");
	assert_null(g_hash_table_lookup(plan, "nowhere"));
	assert_non_null(g_hash_table_lookup(plan, "odd"));
	/* what the CLI accepts */
	assert_true(hermes_cluster_label_validate("topology.kubernetes.io/zone=eu-1a", NULL));
	assert_false(hermes_cluster_label_validate("gpu", &error));
	assert_false(hermes_cluster_label_validate("GPU=yes", NULL));
	assert_false(hermes_cluster_label_validate("gpu=y es", NULL));
}

/* the gateways an agent runs: profile -> the generation it started */
static GHashTable *
running_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
running_add(GHashTable *running, const gchar *profile, gint64 generation)
{
	gint64 *value = g_new(gint64, 1);
	*value = generation;
	g_hash_table_replace(running, g_strdup(profile), value);
}

/* "kind profile" for each act, in order, joined by commas */
static gchar *
acts_text(GPtrArray *acts)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < acts->len; i++) {
		const HermesClusterAct *act = g_ptr_array_index(acts, i);
		g_string_append_printf(out,
				       "%s%s %s%s",
				       i > 0 ? "," : "",
				       hermes_cluster_act_kind_to_string(act->kind),
				       act->profile,
				       act->release ? "+release" : "");
	}
	return g_string_free(out, FALSE);
}

static gchar *
decide_text(Keys *k, const gchar *node, gint64 lease, GHashTable *running)
{
	g_autoptr(HermesClusterView) view = NULL;
	g_autoptr(GHashTable) plan = plan_of(k, &view);
	g_autoptr(GPtrArray) acts = hermes_cluster_decide(view, plan, node, lease, running);
	return acts_text(acts);
}

/* a node claims what the plan gives it, and only that; the other claims the rest */
static void
test_decide_claims_its_share(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(GHashTable) none = running_new();
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;
	g_autofree gchar *all = NULL;
	g_auto(GStrv) parts = NULL;

	keys_node(k, "a", 0);
	keys_node(k, "b", 0);
	keys_running(k, 8);
	a = decide_text(k, "a", 42, none);
	b = decide_text(k, "b", 42, none);
	all = g_strjoin(",", a, b, NULL);
	parts = g_strsplit(all, ",", -1);
	/* every profile claimed exactly once over both nodes, nothing else */
	assert_int_equal(g_strv_length(parts), 8);
	for (guint i = 0; i < 8; i++) {
		g_autofree gchar *want = g_strdup_printf("claim p%02u", i);
		assert_true(g_strv_contains((const gchar *const *)parts, want));
	}
	assert_true(a[0] != '\0' && b[0] != '\0');
}

/* drained: every gateway stops before it is released, and no node claims one while
 * its owner key stands (the owner releases it only once down) */
static void
test_decide_drain_stops_then_releases(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(GHashTable) running = running_new();
	g_autoptr(GHashTable) none = running_new();
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;

	keys_node(k, "a", 0);
	keys_node(k, "b", 0);
	keys_add(k, "drain", "a", "{}", 0);
	keys_running(k, 2);
	keys_owner(k, "p00", "a");
	keys_owner(k, "p01", "a");
	running_add(running, "p00", 0);
	running_add(running, "p01", 0);
	a = decide_text(k, "a", 42, running);
	assert_string_equal(a, "stop p00+release,stop p01+release");
	b = decide_text(k, "b", 42, none);
	assert_string_equal(b, "");
}

/* keys of an earlier lease are not the node's: it runs nothing under them, claims
 * nothing they hold, and stops what it still runs */
static void
test_decide_earlier_lease(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(GHashTable) running = running_new();
	g_autoptr(GHashTable) none = running_new();
	g_autofree gchar *idle = NULL;
	g_autofree gchar *busy = NULL;

	keys_node(k, "a", 0);
	keys_running(k, 1);
	keys_owner(k, "p00", "a"); /* lease 42 */
	idle = decide_text(k, "a", 43, none);
	assert_string_equal(idle, "");
	running_add(running, "p00", 0);
	busy = decide_text(k, "a", 43, running);
	assert_string_equal(busy, "stop p00");
}

/* a restart's generation restarts it; a stopped intent stops and releases it; a
 * profile the cluster forgot stops; an owned one not running here starts */
static void
test_decide_restart_stop_forget(void **state)
{
	g_autoptr(Keys) k = keys_new();
	g_autoptr(GHashTable) running = running_new();
	g_autofree gchar *acts = NULL;

	keys_node(k, "a", 0);
	keys_add(k, "desired", "p00", "{\"desired_state\": \"running\", \"generation\": 3}", 0);
	keys_add(k, "desired", "p01", "{\"desired_state\": \"stopped\"}", 0);
	keys_add(k, "desired", "p02", "{\"desired_state\": \"running\"}", 0);
	keys_owner(k, "p00", "a");
	keys_owner(k, "p01", "a");
	keys_owner(k, "p02", "a");
	running_add(running, "p00", 2);
	running_add(running, "p01", 0);
	running_add(running, "gone", 0);
	acts = decide_text(k, "a", 42, running);
	assert_string_equal(acts, "stop gone,stop p01+release,restart p00,start p02");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_spread),
		cmocka_unit_test(test_placement_node_dies),
		cmocka_unit_test(test_placement_join_and_drain),
		cmocka_unit_test(test_placement_move_and_capacity),
		cmocka_unit_test(test_placement_labels),
		cmocka_unit_test(test_decide_claims_its_share),
		cmocka_unit_test(test_decide_drain_stops_then_releases),
		cmocka_unit_test(test_decide_earlier_lease),
		cmocka_unit_test(test_decide_restart_stop_forget),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
