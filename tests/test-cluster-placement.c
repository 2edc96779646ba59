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
 * and a capacity are honoured; a gateway no node may take is in no plan.
 */

#include "config.h"

#include "hermes-cluster-placement.h"
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_spread),
		cmocka_unit_test(test_placement_node_dies),
		cmocka_unit_test(test_placement_join_and_drain),
		cmocka_unit_test(test_placement_move_and_capacity),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
