/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The etcd v3 requests hermes-svc makes (keys, the owner transaction,
 * leases), each one bounded call of hermes-etcd-client.c's transport.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-etcd-client-private.h"

/* etcd takes 64-bit integers as strings, as it writes them */
static void
hermes_etcd_set_int(JsonObject *object, const gchar *member, gint64 value)
{
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT, value);
	json_object_set_string_member(object, member, text);
}

static void
hermes_etcd_set_text(JsonObject *object, const gchar *member, const gchar *text)
{
	g_autofree gchar *b64 = hermes_etcd_encode(text);
	json_object_set_string_member(object, member, b64);
}

/**
 * hermes_etcd_client_range:
 * @self: a client
 * @key: a key, or a prefix
 * @prefix: every key starting with @key
 * @revision: (out) (optional): the revision the keys were read at
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type HermesEtcdKv): the keys in order
 */
GPtrArray *
hermes_etcd_client_range(
	HermesEtcdClient *self, const gchar *key, gboolean prefix, gint64 *revision, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), NULL);
	hermes_etcd_set_text(request, "key", key);
	if (prefix) {
		g_autofree gchar *end = hermes_etcd_prefix_end(key);
		json_object_set_string_member(request, "range_end", end);
	}
	answer = hermes_etcd_client_call(self, "/v3/kv/range", request, error);
	if (answer == NULL)
		return NULL;
	return hermes_etcd_decode_range(answer, revision, error);
}

static JsonObject *
hermes_etcd_put_request(const gchar *key, const gchar *value, gint64 lease)
{
	JsonObject *put = json_object_new();
	hermes_etcd_set_text(put, "key", key);
	hermes_etcd_set_text(put, "value", value);
	if (lease != 0)
		hermes_etcd_set_int(put, "lease", lease);
	return put;
}

/**
 * hermes_etcd_client_put:
 * @self: a client
 * @key: the key
 * @value: its value
 * @lease: a lease the key goes with, or 0
 * @error: return location for a #GError
 *
 * Returns: %TRUE when written; %HERMES_ERROR_NOT_FOUND when @lease expired
 */
gboolean
hermes_etcd_client_put(
	HermesEtcdClient *self, const gchar *key, const gchar *value, gint64 lease, GError **error)
{
	g_autoptr(JsonObject) request = hermes_etcd_put_request(key, value, lease);
	g_autoptr(JsonObject) answer = NULL;
	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	answer = hermes_etcd_client_call(self, "/v3/kv/put", request, error);
	return answer != NULL;
}

/**
 * hermes_etcd_client_delete:
 * @self: a client
 * @key: the key; gone already is no error
 * @error: return location for a #GError
 *
 * Returns: %TRUE unless etcd could not be asked
 */
gboolean
hermes_etcd_client_delete(HermesEtcdClient *self, const gchar *key, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	hermes_etcd_set_text(request, "key", key);
	answer = hermes_etcd_client_call(self, "/v3/kv/deleterange", request, error);
	return answer != NULL;
}

/**
 * hermes_etcd_client_create:
 * @self: a client
 * @key: the key
 * @value: its value
 * @lease: a lease the key goes with, or 0
 * @created: (out): whether this call made it: %FALSE when the key existed
 * @error: return location for a #GError
 *
 * Writes @key only if it does not exist, in one transaction: of two callers
 * racing, exactly one creates it (an owner key).
 *
 * Returns: %TRUE when etcd answered
 */
gboolean
hermes_etcd_client_create(HermesEtcdClient *self,
			  const gchar *key,
			  const gchar *value,
			  gint64 lease,
			  gboolean *created,
			  GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	JsonObject *compare = json_object_new();
	JsonObject *success = json_object_new();
	JsonArray *compares = json_array_new();
	JsonArray *successes = json_array_new();

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	*created = FALSE;
	hermes_etcd_set_text(compare, "key", key);
	json_object_set_string_member(compare, "result", "EQUAL");
	json_object_set_string_member(compare, "target", "CREATE");
	json_object_set_string_member(compare, "create_revision", "0");
	json_array_add_object_element(compares, compare);
	json_object_set_object_member(
		success, "request_put", hermes_etcd_put_request(key, value, lease));
	json_array_add_object_element(successes, success);
	json_object_set_array_member(request, "compare", compares);
	json_object_set_array_member(request, "success", successes);
	answer = hermes_etcd_client_call(self, "/v3/kv/txn", request, error);
	if (answer == NULL)
		return FALSE;
	*created = hermes_etcd_decode_flag(answer, "succeeded");
	return TRUE;
}

/**
 * hermes_etcd_client_delete_if_lease:
 * @self: a client
 * @key: a key
 * @lease: the lease it must be bound to
 * @deleted: (out): whether it was (%FALSE: absent, or bound to another lease)
 * @error: return location for a #GError
 *
 * One transaction: a key made under a lease that has since expired (and
 * made again by someone else) is never deleted by its first maker.
 *
 * Returns: %TRUE when etcd answered
 */
gboolean
hermes_etcd_client_delete_if_lease(
	HermesEtcdClient *self, const gchar *key, gint64 lease, gboolean *deleted, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	JsonObject *compare = json_object_new();
	JsonObject *success = json_object_new();
	JsonObject *range = json_object_new();
	JsonArray *compares = json_array_new();
	JsonArray *successes = json_array_new();

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	*deleted = FALSE;
	hermes_etcd_set_text(compare, "key", key);
	json_object_set_string_member(compare, "result", "EQUAL");
	json_object_set_string_member(compare, "target", "LEASE");
	hermes_etcd_set_int(compare, "lease", lease);
	json_array_add_object_element(compares, compare);
	hermes_etcd_set_text(range, "key", key);
	json_object_set_object_member(success, "request_delete_range", range);
	json_array_add_object_element(successes, success);
	json_object_set_array_member(request, "compare", compares);
	json_object_set_array_member(request, "success", successes);
	answer = hermes_etcd_client_call(self, "/v3/kv/txn", request, error);
	if (answer == NULL)
		return FALSE;
	*deleted = hermes_etcd_decode_flag(answer, "succeeded");
	return TRUE;
}

/**
 * hermes_etcd_client_lease_grant:
 * @self: a client
 * @ttl_s: seconds the lease lives without a keep-alive
 * @error: return location for a #GError
 *
 * Returns: the lease's id, or 0 with @error set
 */
gint64
hermes_etcd_client_lease_grant(HermesEtcdClient *self, gint64 ttl_s, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	gint64 id = 0;

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), 0);
	hermes_etcd_set_int(request, "TTL", ttl_s);
	answer = hermes_etcd_client_call(self, "/v3/lease/grant", request, error);
	if (answer == NULL || !hermes_etcd_decode_int(answer, "ID", &id, error))
		return 0;
	if (id == 0)
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd granted a lease without an id");
	return id;
}

/**
 * hermes_etcd_client_lease_keepalive:
 * @self: a client
 * @lease: a lease
 * @error: return location for a #GError
 *
 * Returns: the seconds the lease now lives, or 0 with %HERMES_ERROR_NOT_FOUND
 *   when it expired already (whatever was bound to it is gone)
 */
gint64
hermes_etcd_client_lease_keepalive(HermesEtcdClient *self, gint64 lease, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	JsonNode *result;
	gint64 ttl = 0;

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), 0);
	hermes_etcd_set_int(request, "ID", lease);
	answer = hermes_etcd_client_call(self, "/v3/lease/keepalive", request, error);
	if (answer == NULL)
		return 0;
	/* a stream of one: the gateway wraps each message in "result" */
	result = json_object_get_member(answer, "result");
	if (result == NULL || !JSON_NODE_HOLDS_OBJECT(result)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd answered a keep-alive without a result");
		return 0;
	}
	if (!hermes_etcd_decode_int(json_node_get_object(result), "TTL", &ttl, error))
		return 0;
	if (ttl <= 0)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "the etcd lease %" G_GINT64_MODIFIER "x has expired",
			    lease);
	return MAX(ttl, 0);
}

/**
 * hermes_etcd_client_lease_ttl:
 * @self: a client
 * @lease: a lease
 * @remaining_s: (out): seconds it still lives; -1 when it expired
 * @granted_s: (out) (optional): seconds it was granted for
 * @error: return location for a #GError
 *
 * Returns: %TRUE when etcd answered
 */
gboolean
hermes_etcd_client_lease_ttl(HermesEtcdClient *self,
			     gint64 lease,
			     gint64 *remaining_s,
			     gint64 *granted_s,
			     GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	gint64 granted = 0;

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	hermes_etcd_set_int(request, "ID", lease);
	answer = hermes_etcd_client_call(self, "/v3/kv/lease/timetolive", request, error);
	if (answer == NULL || !hermes_etcd_decode_int(answer, "TTL", remaining_s, error) ||
	    !hermes_etcd_decode_int(answer, "grantedTTL", &granted, error))
		return FALSE;
	if (granted_s != NULL)
		*granted_s = granted;
	return TRUE;
}

/**
 * hermes_etcd_client_lease_revoke:
 * @self: a client
 * @lease: a lease; every key bound to it goes at once
 * @error: return location for a #GError
 *
 * Returns: %TRUE when revoked or gone already
 */
gboolean
hermes_etcd_client_lease_revoke(HermesEtcdClient *self, gint64 lease, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonObject) answer = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	hermes_etcd_set_int(request, "ID", lease);
	answer = hermes_etcd_client_call(self, "/v3/kv/lease/revoke", request, &error_local);
	if (answer == NULL && !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}
