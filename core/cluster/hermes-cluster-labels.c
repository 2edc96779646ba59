/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Labels: what a node says it has (`cluster agent --label gpu=yes`, kept in
 * its registration) and what a gateway requires (`gateway start --cluster
 * --require gpu=yes`, kept in its intent). Placement gives a gateway only
 * to nodes that have every label it requires. Each label is `KEY=VALUE`:
 * a key as Kubernetes' (`[a-z0-9][a-z0-9._/-]{0,62}`), a value of up to 63
 * of `[A-Za-z0-9._-]`; kept in etcd as one JSON object of strings.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hermes-cluster-private.h"
#include "hermes-error.h"
#include "hermes-state.h"

#define HERMES_CLUSTER_LABEL_PART_MAX 63
/* more than any placement rule needs, few enough that a value stays small */
#define HERMES_CLUSTER_LABELS_MAX 32

static gboolean
hermes_cluster_label_key_ok(const gchar *key, gsize len)
{
	gboolean ok = len > 0 && len <= HERMES_CLUSTER_LABEL_PART_MAX &&
		      (g_ascii_islower(key[0]) || g_ascii_isdigit(key[0]));
	for (gsize i = 1; ok && i < len; i++)
		ok = g_ascii_islower(key[i]) || g_ascii_isdigit(key[i]) ||
		     strchr("._/-", key[i]) != NULL;
	return ok;
}

static gboolean
hermes_cluster_label_value_ok(const gchar *value)
{
	gsize len = strlen(value);
	gboolean ok = len <= HERMES_CLUSTER_LABEL_PART_MAX;
	for (gsize i = 0; ok && i < len; i++)
		ok = g_ascii_isalnum(value[i]) || strchr("._-", value[i]) != NULL;
	return ok;
}

/**
 * hermes_cluster_label_validate:
 * @label: (nullable): `KEY=VALUE`
 * @error: return location for a #GError
 *
 * Returns: %TRUE if valid, else %HERMES_ERROR_INVALID_ARGUMENT
 */
gboolean
hermes_cluster_label_validate(const gchar *label, GError **error)
{
	const gchar *eq = label != NULL ? strchr(label, '=') : NULL;
	if (eq != NULL && hermes_cluster_label_key_ok(label, eq - label) &&
	    hermes_cluster_label_value_ok(eq + 1))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_ARGUMENT,
		    "'%s' is not a label: give KEY=VALUE, a key of lowercase letters, digits and "
		    "'._/-', a value of letters, digits and '._-', each at most 63",
		    label != NULL ? label : "");
	return FALSE;
}

/**
 * hermes_cluster_labels_to_json:
 * @labels: (nullable): `KEY=VALUE` each
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the labels as one JSON object (a key given twice:
 *   the last wins), or %NULL when one is not a label or there are too many
 */
JsonObject *
hermes_cluster_labels_to_json(const gchar *const *labels, GError **error)
{
	g_autoptr(JsonObject) object = json_object_new();
	for (guint i = 0; labels != NULL && labels[i] != NULL; i++) {
		g_autofree gchar *key = NULL;
		const gchar *eq;
		if (!hermes_cluster_label_validate(labels[i], error))
			return NULL;
		if (i >= HERMES_CLUSTER_LABELS_MAX) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "at most %d labels",
				    HERMES_CLUSTER_LABELS_MAX);
			return NULL;
		}
		eq = strchr(labels[i], '=');
		key = g_strndup(labels[i], eq - labels[i]);
		json_object_set_string_member(object, key, eq + 1);
	}
	return g_steal_pointer(&object);
}

/**
 * hermes_cluster_labels_from_json:
 * @value: (nullable): a key's value
 * @member: the member holding the labels
 *
 * What another writer put there that is not a label is left out.
 *
 * Returns: (transfer full) (nullable): `KEY=VALUE` each, sorted; %NULL for none
 */
GStrv
hermes_cluster_labels_from_json(JsonObject *value, const gchar *member)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) labels = NULL;
	JsonNode *node = value != NULL ? json_object_get_member(value, member) : NULL;
	g_autoptr(GList) keys = NULL;
	JsonObject *object;
	guint n = 0;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	object = json_node_get_object(node);
	keys = json_object_get_members(object);
	for (GList *l = keys; l != NULL && n < HERMES_CLUSTER_LABELS_MAX; l = l->next) {
		const gchar *text = hermes_json_get_string(object, l->data);
		g_autofree gchar *label =
			text != NULL ? g_strconcat(l->data, "=", text, NULL) : NULL;
		if (label == NULL || !hermes_cluster_label_validate(label, NULL))
			continue;
		g_strv_builder_add(builder, label);
		n++;
	}
	if (n == 0)
		return NULL;
	labels = g_strv_builder_end(builder);
	qsort(labels, n, sizeof(gchar *), (GCompareFunc)hermes_cluster_labels_cmp);
	return g_steal_pointer(&labels);
}

/* for qsort() over a GStrv */
gint
hermes_cluster_labels_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/**
 * hermes_cluster_labels_match:
 * @labels: (nullable): a node's labels
 * @require: (nullable): a gateway's required labels
 *
 * Returns: %TRUE when the node has every label the gateway requires
 */
gboolean
hermes_cluster_labels_match(const gchar *const *labels, const gchar *const *require)
{
	for (guint i = 0; require != NULL && require[i] != NULL; i++) {
		if (labels == NULL || !g_strv_contains(labels, require[i]))
			return FALSE;
	}
	return TRUE;
}
