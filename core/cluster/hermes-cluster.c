/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The cluster as every door sees it: the one owner of the key layout under
 * the prefix (docs/cluster.md) and of what each key's value means.
 *
 *   <prefix>desired/<profile>    {"desired_state", "generation", "updated_at", "updated_by"}
 *   <prefix>nodes/<node>         {"capacity", "registered_at"}, bound to the node's lease
 *   <prefix>owners/<profile>     {"node", "since"}, bound to the owning node's lease
 *   <prefix>drain/<node>         {"since"}: place nothing new there, move off what runs
 *   <prefix>placement/<profile>  {"node"}: where `hermes cluster move` wants it
 *
 * Intent (desired, drain, placement) outlives every node; what a node has
 * (its registration, its owners) goes with its lease, so a dead node's
 * gateways are free to run elsewhere once its lease ends. Values are JSON
 * read through the bounded parser: anyone who can write the prefix is
 * outside input.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "hermes-cluster-private.h"
#include "hermes-error.h"
#include "hermes-profile.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

#define HERMES_CLUSTER_PREFIX_MAX 128
/* the password file holds one line */
#define HERMES_CLUSTER_PASSWORD_MAX 4096

struct _HermesCluster {
	GObject parent_instance;
	HermesContext *ctx;
	HermesEtcdClient *client;
	gchar *prefix;
};

G_DEFINE_TYPE(HermesCluster, hermes_cluster, G_TYPE_OBJECT)

static void
hermes_cluster_finalize(GObject *object)
{
	HermesCluster *self = HERMES_CLUSTER(object);
	g_clear_object(&self->ctx);
	g_clear_object(&self->client);
	g_free(self->prefix);
	G_OBJECT_CLASS(hermes_cluster_parent_class)->finalize(object);
}

static void
hermes_cluster_class_init(HermesClusterClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_cluster_finalize;
}

static void
hermes_cluster_init(HermesCluster *self)
{
}

/**
 * hermes_cluster_node_name_validate:
 * @node: (nullable): a node's name
 * @error: return location for a #GError
 *
 * A node is named as a host is: `[a-z0-9][a-z0-9.-]{0,62}`.
 *
 * Returns: %TRUE if valid, else %HERMES_ERROR_INVALID_ARGUMENT
 */
gboolean
hermes_cluster_node_name_validate(const gchar *node, GError **error)
{
	gsize len = node != NULL ? strlen(node) : 0;
	gboolean ok =
		len > 0 && len <= 63 && (g_ascii_islower(node[0]) || g_ascii_isdigit(node[0]));
	for (gsize i = 1; ok && i < len; i++)
		ok = g_ascii_islower(node[i]) || g_ascii_isdigit(node[i]) || node[i] == '-' ||
		     node[i] == '.';
	if (!ok)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a node name: lowercase letters, digits, '-' and '.', "
			    "at most 63, starting with a letter or digit",
			    node != NULL ? node : "");
	return ok;
}

static gboolean
hermes_cluster_check_prefix(const gchar *prefix, GError **error)
{
	gsize len = strlen(prefix);
	gboolean ok = len >= 2 && len <= HERMES_CLUSTER_PREFIX_MAX && prefix[0] == '/' &&
		      prefix[len - 1] == '/';
	for (gsize i = 0; ok && i < len; i++)
		ok = g_ascii_isgraph(prefix[i]);
	if (!ok)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "HERMES_ETCD_PREFIX '%s' must start and end with '/', without spaces, "
			    "at most %d characters",
			    prefix,
			    HERMES_CLUSTER_PREFIX_MAX);
	return ok;
}

/* HERMES_ETCD_USER with HERMES_ETCD_PASSWORD_FILE; the CA, certificate and key */
static gboolean
hermes_cluster_setup_credentials(HermesCluster *self, GError **error)
{
	const gchar *user = hermes_context_getenv(self->ctx, "HERMES_ETCD_USER");
	const gchar *password_file = hermes_context_getenv(self->ctx, "HERMES_ETCD_PASSWORD_FILE");

	if (user != NULL && user[0] != '\0') {
		g_autofree gchar *password = NULL;
		gsize len = 0;
		if (password_file == NULL) {
			g_set_error_literal(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_ARGUMENT,
					    "HERMES_ETCD_USER needs HERMES_ETCD_PASSWORD_FILE");
			return FALSE;
		}
		/* a regular file, no link, size-capped, like every file we read */
		password = hermes_safe_file_read(
			NULL, password_file, HERMES_CLUSTER_PASSWORD_MAX, &len, error);
		if (password == NULL) {
			g_prefix_error(error, "HERMES_ETCD_PASSWORD_FILE: ");
			return FALSE;
		}
		password[strcspn(password, "\r\n")] = '\0';
		if (!hermes_etcd_client_set_auth(self->client, user, password, error))
			return FALSE;
		memset(password, 0, len);
	}
	return hermes_etcd_client_set_tls(self->client,
					  hermes_context_getenv(self->ctx, "HERMES_ETCD_CACERT"),
					  hermes_context_getenv(self->ctx, "HERMES_ETCD_CERT"),
					  hermes_context_getenv(self->ctx, "HERMES_ETCD_KEY"),
					  error);
}

/**
 * hermes_cluster_new:
 * @ctx: the caller's context: HERMES_ETCD_ENDPOINTS, HERMES_ETCD_PREFIX, the
 *   credentials (docs/cluster.md)
 * @endpoints: (nullable): client URLs, separated by commas; %NULL for
 *   HERMES_ETCD_ENDPOINTS
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the cluster, not asked anything yet, or %NULL
 *   with %HERMES_ERROR_INVALID_ARGUMENT
 */
HermesCluster *
hermes_cluster_new(HermesContext *ctx, const gchar *endpoints, GError **error)
{
	g_autoptr(HermesCluster) self = g_object_new(HERMES_TYPE_CLUSTER, NULL);
	const gchar *prefix = hermes_context_getenv(ctx, "HERMES_ETCD_PREFIX");

	self->ctx = g_object_ref(ctx);
	if (endpoints == NULL)
		endpoints = hermes_context_getenv(ctx, "HERMES_ETCD_ENDPOINTS");
	if (endpoints == NULL || endpoints[0] == '\0') {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "no etcd cluster given: use --endpoints URL[,URL...] or set "
				    "HERMES_ETCD_ENDPOINTS");
		return NULL;
	}
	self->prefix = g_strdup(
		prefix != NULL && prefix[0] != '\0' ? prefix : HERMES_CLUSTER_DEFAULT_PREFIX);
	if (!hermes_cluster_check_prefix(self->prefix, error))
		return NULL;
	self->client = hermes_etcd_client_new(endpoints, error);
	if (self->client == NULL || !hermes_cluster_setup_credentials(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

HermesEtcdClient *
hermes_cluster_get_client(HermesCluster *self)
{
	g_return_val_if_fail(HERMES_IS_CLUSTER(self), NULL);
	return self->client;
}

const gchar *
hermes_cluster_get_prefix(HermesCluster *self)
{
	g_return_val_if_fail(HERMES_IS_CLUSTER(self), NULL);
	return self->prefix;
}

/**
 * hermes_cluster_key:
 * @self: the cluster
 * @kind: `desired`, `nodes`, `owners`, `drain` or `placement`
 * @name: (nullable): a profile's or node's name; %NULL for the kind's prefix
 *
 * Returns: (transfer full): the key
 */
gchar *
hermes_cluster_key(HermesCluster *self, const gchar *kind, const gchar *name)
{
	return g_strconcat(self->prefix, kind, "/", name, NULL);
}

gchar *
hermes_cluster_now_text(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	return g_date_time_format_iso8601(now);
}

/* the JSON object of a value, or %NULL when it is not one */
JsonObject *
hermes_cluster_parse_value(const gchar *value)
{
	g_autoptr(JsonNode) node = NULL;
	if (value == NULL)
		return NULL;
	node = hermes_json_parse_bounded(value, strlen(value), NULL);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	return json_object_ref(json_node_get_object(node));
}

gchar *
hermes_cluster_value_text(JsonObject *object)
{
	g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), object);
	return json_to_string(node, FALSE);
}

/* the value of one key, parsed; %NULL (no error) when absent or not an object */
static JsonObject *
hermes_cluster_get(HermesCluster *self, const gchar *key, gboolean *found, GError **error)
{
	g_autoptr(GPtrArray) kvs = hermes_etcd_client_range(self->client, key, FALSE, NULL, error);
	*found = FALSE;
	if (kvs == NULL || kvs->len == 0)
		return NULL;
	*found = TRUE;
	return hermes_cluster_parse_value(((HermesEtcdKv *)g_ptr_array_index(kvs, 0))->value);
}

/**
 * hermes_cluster_set_desired:
 * @self: the cluster
 * @profile: a valid profile name
 * @desired: `running` or `stopped`
 * @restart: also ask the owner to restart it (the generation goes up)
 * @require: (nullable): labels its node must have (`KEY=VALUE`); %NULL keeps
 *   what an earlier intent required
 * @error: return location for a #GError
 *
 * Records the operator's intent for @profile; a node agent acts on it.
 *
 * Returns: %TRUE when etcd holds it
 */
gboolean
hermes_cluster_set_desired(HermesCluster *self,
			   const gchar *profile,
			   const gchar *desired,
			   gboolean restart,
			   const gchar *const *require,
			   GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *now = hermes_cluster_now_text();
	g_autofree gchar *by = g_strdup_printf("%s@%s", g_get_user_name(), g_get_host_name());
	g_autofree gchar *text = NULL;
	g_autoptr(JsonObject) old = NULL;
	g_autoptr(JsonObject) value = json_object_new();
	g_autoptr(JsonObject) labels = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean found = FALSE;
	gint64 generation = 0;

	g_return_val_if_fail(HERMES_IS_CLUSTER(self), FALSE);
	g_return_val_if_fail(
		g_strcmp0(desired, "running") == 0 || g_strcmp0(desired, "stopped") == 0, FALSE);
	if (!hermes_profile_name_validate(profile, error))
		return FALSE;
	if (require != NULL) {
		labels = hermes_cluster_labels_to_json(require, error);
		if (labels == NULL)
			return FALSE;
	}
	key = hermes_cluster_key(self, "desired", profile);
	old = hermes_cluster_get(self, key, &found, &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (old != NULL)
		generation = hermes_json_get_int(old, "generation", 0);
	/* two restarts at once may make one step: either way the gateway restarts */
	if (restart)
		generation++;
	json_object_set_string_member(value, "desired_state", desired);
	json_object_set_int_member(value, "generation", generation);
	json_object_set_string_member(value, "updated_at", now);
	json_object_set_string_member(value, "updated_by", by);
	if (labels == NULL && old != NULL) {
		JsonNode *kept = json_object_get_member(old, "require");
		if (kept != NULL && JSON_NODE_HOLDS_OBJECT(kept))
			labels = json_object_ref(json_node_get_object(kept));
	}
	if (labels != NULL && json_object_get_size(labels) > 0)
		json_object_set_object_member(value, "require", json_object_ref(labels));
	text = hermes_cluster_value_text(value);
	return hermes_etcd_client_put(self->client, key, text, 0, error);
}

/**
 * hermes_cluster_register_node:
 * @self: the cluster
 * @node: the node's name
 * @capacity: how many gateways it may run, 0 for no limit
 * @labels: (nullable): what it has, `KEY=VALUE` each
 * @ttl_s: its lease's time to live
 * @error: return location for a #GError
 *
 * Registers @node under a new lease, only if no live node has its name.
 *
 * Returns: the lease (keep it alive), or 0 with %HERMES_ERROR_ALREADY_EXISTS
 *   when a node of that name is registered
 */
gint64
hermes_cluster_register_node(HermesCluster *self,
			     const gchar *node,
			     gint64 capacity,
			     const gchar *const *labels,
			     gint64 ttl_s,
			     GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *now = hermes_cluster_now_text();
	g_autofree gchar *text = NULL;
	g_autofree gchar *boot_id = hermes_context_get_boot_id(self->ctx);
	g_autoptr(JsonObject) value = json_object_new();
	g_autoptr(JsonObject) labels_json = NULL;
	gboolean created = FALSE;
	gint64 lease;

	g_return_val_if_fail(HERMES_IS_CLUSTER(self), 0);
	if (!hermes_cluster_node_name_validate(node, error))
		return 0;
	labels_json = hermes_cluster_labels_to_json(labels, error);
	if (labels_json == NULL)
		return 0;
	lease = hermes_etcd_client_lease_grant(self->client, ttl_s, error);
	if (lease == 0)
		return 0;
	key = hermes_cluster_key(self, "nodes", node);
	json_object_set_int_member(value, "capacity", capacity);
	json_object_set_string_member(value, "registered_at", now);
	/* who registered it: a later run on this machine takes over from a dead one */
	json_object_set_string_member(value, "host", g_get_host_name());
	json_object_set_int_member(value, "pid", getpid());
	json_object_set_string_member(value, "boot_id", boot_id);
	if (json_object_get_size(labels_json) > 0)
		json_object_set_object_member(value, "labels", json_object_ref(labels_json));
	text = hermes_cluster_value_text(value);
	if (!hermes_etcd_client_create(self->client, key, text, lease, &created, error) ||
	    !created) {
		(void)hermes_etcd_client_lease_revoke(self->client, lease, NULL);
		if (error != NULL && *error == NULL)
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "a node named '%s' is registered already",
				    node);
		return 0;
	}
	return lease;
}

/**
 * hermes_cluster_set_drained:
 * @self: the cluster
 * @node: a node that is registered now, or (to undrain) that is drained
 * @drained: drain or undrain
 * @error: return location for a #GError
 *
 * Returns: %TRUE when recorded; %HERMES_ERROR_NOT_FOUND for an unknown node
 */
gboolean
hermes_cluster_set_drained(HermesCluster *self, const gchar *node, gboolean drained, GError **error)
{
	g_autoptr(HermesClusterView) view = NULL;
	g_autofree gchar *key = NULL;
	HermesClusterNode *known;

	g_return_val_if_fail(HERMES_IS_CLUSTER(self), FALSE);
	if (!hermes_cluster_node_name_validate(node, error))
		return FALSE;
	view = hermes_cluster_read_keys(self, error);
	if (view == NULL)
		return FALSE;
	known = hermes_cluster_view_find_node(view, node);
	if (known == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "no node '%s' in the cluster: `hermes cluster status` lists them",
			    node);
		return FALSE;
	}
	key = hermes_cluster_key(self, "drain", node);
	if (drained) {
		g_autofree gchar *now = hermes_cluster_now_text();
		g_autoptr(JsonObject) value = json_object_new();
		g_autofree gchar *text = NULL;
		json_object_set_string_member(value, "since", now);
		text = hermes_cluster_value_text(value);
		return hermes_etcd_client_put(self->client, key, text, 0, error);
	}
	return hermes_etcd_client_delete(self->client, key, error);
}

/**
 * hermes_cluster_move:
 * @self: the cluster
 * @profile: a profile the cluster knows
 * @node: a live node that is not drained
 * @error: return location for a #GError
 *
 * Asks for @profile to run on @node from now on.
 *
 * Returns: %TRUE when recorded
 */
gboolean
hermes_cluster_move(HermesCluster *self, const gchar *profile, const gchar *node, GError **error)
{
	g_autoptr(HermesClusterView) view = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(JsonObject) value = json_object_new();
	HermesClusterNode *target;

	g_return_val_if_fail(HERMES_IS_CLUSTER(self), FALSE);
	if (!hermes_profile_name_validate(profile, error) ||
	    !hermes_cluster_node_name_validate(node, error))
		return FALSE;
	view = hermes_cluster_read_keys(self, error);
	if (view == NULL)
		return FALSE;
	if (hermes_cluster_view_find_profile(view, profile) == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "the cluster has no gateway '%s': start it with "
			    "`hermes -p %s gateway start --cluster` first",
			    profile,
			    profile);
		return FALSE;
	}
	target = hermes_cluster_view_find_node(view, node);
	if (target == NULL || !target->alive || target->drained) {
		g_set_error(error,
			    HERMES_ERROR,
			    target == NULL ? HERMES_ERROR_NOT_FOUND : HERMES_ERROR_INVALID_ARGUMENT,
			    target == NULL ? "no node '%s' in the cluster"
					   : "node '%s' is drained or down: it takes no gateway",
			    node);
		return FALSE;
	}
	key = hermes_cluster_key(self, "placement", profile);
	json_object_set_string_member(value, "node", node);
	text = hermes_cluster_value_text(value);
	return hermes_etcd_client_put(self->client, key, text, 0, error);
}
