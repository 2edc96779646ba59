/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What an etcd member (or anything answering on its URL) sends the cluster
 * client: the body of a `/v3/kv/range` answer, decoded as the client does
 * (bounded JSON, etcd's refusals, integers as strings, base64 keys and
 * values), then read as the cluster's view under the prefix `/hermes-svc/`.
 * Whatever comes in, every name the view holds passes its rule, each node
 * is listed once, and the gateways counted on nodes are the owned ones.
 * The same bytes are also read as one line of a watch stream.
 */

#include "config.h"

#include "hermes-cluster.h"
#include "hermes-etcd-kv.h"
#include "hermes-fuzz.h"
#include "hermes-profile.h"

static void
hermes_fuzz_check_view(HermesClusterView *view)
{
	guint owned = 0;
	guint with_owner = 0;

	for (guint i = 0; i < view->nodes->len; i++) {
		const HermesClusterNode *node = g_ptr_array_index(view->nodes, i);
		g_assert_true(hermes_cluster_node_name_validate(node->name, NULL));
		if (i > 0)
			g_assert_cmpint(g_strcmp0(((HermesClusterNode *)g_ptr_array_index(
							   view->nodes, i - 1))
							  ->name,
						  node->name),
					<,
					0);
		g_assert_true(node->capacity >= 0);
		owned += node->owned;
	}
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		g_assert_true(hermes_profile_name_validate(profile->name, NULL));
		g_assert_true(profile->desired == NULL ||
			      g_str_equal(profile->desired, "running") ||
			      g_str_equal(profile->desired, "stopped"));
		if (profile->owner != NULL) {
			g_assert_true(hermes_cluster_node_name_validate(profile->owner, NULL));
			with_owner++;
		}
	}
	g_assert_cmpuint(owned, ==, with_owner);
}

/* the same bytes as one line of a watch stream: a kind it knows, or an error */
static void
hermes_fuzz_check_watch(const gchar *data, gsize size)
{
	g_autoptr(GError) error = NULL;
	HermesEtcdWatchKind kind = HERMES_ETCD_WATCH_LOST;
	gint64 revision = 0;

	if (!hermes_etcd_decode_watch(data, size, &kind, &revision, &error)) {
		g_assert_true(error != NULL && error->domain == HERMES_ERROR);
		return;
	}
	g_assert_true(kind == HERMES_ETCD_WATCH_CREATED || kind == HERMES_ETCD_WATCH_EVENTS ||
		      kind == HERMES_ETCD_WATCH_PROGRESS || kind == HERMES_ETCD_WATCH_CANCELED);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) answer = NULL;
	g_autoptr(GPtrArray) kvs = NULL;
	g_autoptr(HermesClusterView) view = NULL;
	gint64 revision = 0;

	hermes_fuzz_init();
	hermes_fuzz_check_watch((const gchar *)data, size);
	answer = hermes_etcd_decode_response((const gchar *)data, size, &error);
	if (answer == NULL) {
		g_assert_nonnull(error);
		g_assert_true(error->domain == HERMES_ERROR);
		return 0;
	}
	kvs = hermes_etcd_decode_range(answer, &revision, &error);
	if (kvs == NULL) {
		g_assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA));
		return 0;
	}
	for (guint i = 0; i < kvs->len; i++) {
		const HermesEtcdKv *kv = g_ptr_array_index(kvs, i);
		g_assert_nonnull(kv->key);
		g_assert_true(kv->value == NULL || g_utf8_validate(kv->value, -1, NULL));
	}
	view = hermes_cluster_view_new(HERMES_CLUSTER_DEFAULT_PREFIX, kvs, revision);
	g_assert_cmpint(view->revision, ==, revision);
	hermes_fuzz_check_view(view);
	return 0;
}
