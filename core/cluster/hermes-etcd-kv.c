/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What etcd's v3 JSON gateway answers, decoded: anything in it came over the
 * network, so it goes through the bounded JSON parser, every number is
 * checked (the gateway writes 64-bit integers as strings, and proto3 leaves
 * out every member whose value is zero), and keys and values arrive in
 * base64 and are taken only when they are text. Pure functions: the fuzz
 * target (tests/fuzz/fuzz-etcd-response.c) drives them without a network.
 */

#include "config.h"

#include <string.h>

#include "hermes-error.h"
#include "hermes-etcd-kv.h"
#include "hermes-state.h"

void
hermes_etcd_kv_free(HermesEtcdKv *kv)
{
	if (kv == NULL)
		return;
	g_free(kv->key);
	g_free(kv->value);
	g_free(kv);
}

/**
 * hermes_etcd_encode:
 * @text: a key or value
 *
 * Returns: (transfer full): @text in base64, as the gateway takes bytes
 */
gchar *
hermes_etcd_encode(const gchar *text)
{
	return g_base64_encode((const guchar *)text, strlen(text));
}

/**
 * hermes_etcd_prefix_end:
 * @prefix: a non-empty key prefix
 *
 * Returns: (transfer full): the `range_end` that makes a range every key
 *   starting with @prefix (the prefix with its last byte plus one), in base64
 */
gchar *
hermes_etcd_prefix_end(const gchar *prefix)
{
	gsize len = strlen(prefix);
	g_autofree guchar *end = (guchar *)g_strndup(prefix, len);
	g_return_val_if_fail(len > 0, NULL);
	/* a trailing 0xff carries into the byte before it */
	while (len > 0 && end[len - 1] == 0xff)
		len--;
	if (len == 0)
		return g_base64_encode((const guchar *)"\0", 1);
	end[len - 1]++;
	return g_base64_encode(end, len);
}

/* a string member, "" when absent or of another type */
static const gchar *
hermes_etcd_string(JsonObject *object, const gchar *member)
{
	const gchar *text = hermes_json_get_string(object, member);
	return text != NULL ? text : "";
}

/* base64 that decodes to text without NUL, or %NULL: g_base64_decode() takes anything */
static gchar *
hermes_etcd_decode_text(const gchar *b64)
{
	g_autofree guchar *bytes = NULL;
	gsize len = 0;
	for (const gchar *p = b64; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '+' && *p != '/' && *p != '=')
			return NULL;
	}
	bytes = g_base64_decode(b64, &len);
	if (memchr(bytes, '\0', len) != NULL || !g_utf8_validate((const gchar *)bytes, len, NULL))
		return NULL;
	return g_strndup((const gchar *)bytes, len);
}

/**
 * hermes_etcd_decode_int:
 * @object: a decoded answer or a part of it
 * @member: the member's name
 * @value: (out): its value; 0 when the member is absent (proto3 leaves zero out)
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HERMES_ERROR_INVALID_DATA when the member is not an integer
 */
gboolean
hermes_etcd_decode_int(JsonObject *object, const gchar *member, gint64 *value, GError **error)
{
	JsonNode *node = json_object_get_member(object, member);
	*value = 0;
	if (node == NULL)
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING &&
	    g_ascii_string_to_signed(
		    json_node_get_string(node), 10, G_MININT64, G_MAXINT64, value, NULL))
		return TRUE;
	if (JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64) {
		*value = json_node_get_int(node);
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_DATA,
		    "etcd answered a '%s' that is not an integer",
		    member);
	return FALSE;
}

/* etcd's own refusal ({"error": …, "code": N, "message": …}) as our error */
static void
hermes_etcd_set_refusal(JsonObject *response, GError **error)
{
	const gchar *message = hermes_json_get_string(response, "message");
	if (message == NULL)
		message = hermes_json_get_string(response, "error");
	if (message == NULL)
		message = "";
	gint64 code = 0;
	HermesError kind = HERMES_ERROR_COMMAND_FAILED;
	(void)hermes_etcd_decode_int(response, "code", &code, NULL);
	/* gRPC's NOT_FOUND (5: a lease), PERMISSION_DENIED (7) and UNAUTHENTICATED (16) */
	if (code == 5)
		kind = HERMES_ERROR_NOT_FOUND;
	else if (code == 7 || code == 16)
		kind = HERMES_ERROR_PERMISSION_DENIED;
	/* etcd 3.4 says INVALID_ARGUMENT (3) when the credentials are missing or wrong */
	else if (strstr(message, "user name is empty") != NULL ||
		 strstr(message, "authentication failed") != NULL ||
		 strstr(message, "invalid auth token") != NULL)
		kind = HERMES_ERROR_PERMISSION_DENIED;
	g_set_error(error, HERMES_ERROR, kind, "etcd refused: %s", message);
}

/**
 * hermes_etcd_decode_response:
 * @body: (array length=length): the body of one answer
 * @length: its size
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the answer's object, or %NULL: not JSON within
 *   the bounds, not an object (%HERMES_ERROR_INVALID_DATA), or etcd's refusal
 *   (%HERMES_ERROR_COMMAND_FAILED, %HERMES_ERROR_PERMISSION_DENIED)
 */
JsonObject *
hermes_etcd_decode_response(const gchar *body, gsize length, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *response;

	root = hermes_json_parse_bounded(body, length, error);
	if (root == NULL) {
		g_prefix_error(error, "etcd's answer: ");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd's answer is no object");
		return NULL;
	}
	response = json_node_get_object(root);
	if (json_object_has_member(response, "error")) {
		hermes_etcd_set_refusal(response, error);
		return NULL;
	}
	return json_object_ref(response);
}

static HermesEtcdKv *
hermes_etcd_decode_kv(JsonNode *node, GError **error)
{
	g_autoptr(HermesEtcdKv) kv = g_new0(HermesEtcdKv, 1);
	JsonObject *object;

	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd answered a key that is no object");
		return NULL;
	}
	object = json_node_get_object(node);
	if (!hermes_etcd_decode_int(object, "create_revision", &kv->create_revision, error) ||
	    !hermes_etcd_decode_int(object, "mod_revision", &kv->mod_revision, error) ||
	    !hermes_etcd_decode_int(object, "lease", &kv->lease, error))
		return NULL;
	kv->key = hermes_etcd_decode_text(hermes_etcd_string(object, "key"));
	if (kv->key == NULL || kv->key[0] == '\0') {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd answered a key that is no text");
		return NULL;
	}
	/* a value that is not text is kept as absent: the reader says what it expected */
	kv->value = hermes_etcd_decode_text(hermes_etcd_string(object, "value"));
	return g_steal_pointer(&kv);
}

/**
 * hermes_etcd_decode_range:
 * @response: a decoded answer of `/v3/kv/range`
 * @revision: (out) (optional): the store's revision it was read at
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type HermesEtcdKv): the keys, or %NULL
 *   with %HERMES_ERROR_INVALID_DATA
 */
GPtrArray *
hermes_etcd_decode_range(JsonObject *response, gint64 *revision, GError **error)
{
	g_autoptr(GPtrArray) kvs =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_etcd_kv_free);
	JsonNode *header = json_object_get_member(response, "header");
	JsonNode *list = json_object_get_member(response, "kvs");
	gint64 rev = 0;

	if (header != NULL && JSON_NODE_HOLDS_OBJECT(header) &&
	    !hermes_etcd_decode_int(json_node_get_object(header), "revision", &rev, error))
		return NULL;
	if (revision != NULL)
		*revision = rev;
	if (list == NULL)
		return g_steal_pointer(&kvs);
	if (!JSON_NODE_HOLDS_ARRAY(list)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd answered 'kvs' that is no list");
		return NULL;
	}
	for (guint i = 0; i < json_array_get_length(json_node_get_array(list)); i++) {
		HermesEtcdKv *kv = hermes_etcd_decode_kv(
			json_array_get_element(json_node_get_array(list), i), error);
		if (kv == NULL)
			return NULL;
		g_ptr_array_add(kvs, kv);
	}
	return g_steal_pointer(&kvs);
}

/**
 * hermes_etcd_decode_flag:
 * @object: an object of etcd's answer
 * @member: a boolean member
 *
 * Returns: %TRUE only for a member that is the JSON true: anything else an
 *   answer holds is not (and no critical, as json-glib's getters give)
 */
gboolean
hermes_etcd_decode_flag(JsonObject *object, const gchar *member)
{
	JsonNode *node = json_object_get_member(object, member);
	return node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_BOOLEAN && json_node_get_boolean(node);
}

/**
 * hermes_etcd_decode_watch:
 * @line: one line of a `/v3/watch` stream (one JSON object)
 * @length: its length
 * @kind: (out): what it says
 * @revision: (out): the store's revision it was sent at
 * @error: return location for a #GError
 *
 * The events themselves are not decoded: a watcher only learns that it must
 * read the keys again (the agent reads the whole view, one range).
 *
 * Returns: %FALSE when the line is not a watch answer within the bounds
 */
gboolean
hermes_etcd_decode_watch(const gchar *line,
			 gsize length,
			 HermesEtcdWatchKind *kind,
			 gint64 *revision,
			 GError **error)
{
	g_autoptr(JsonObject) answer = hermes_etcd_decode_response(line, length, error);
	JsonNode *result;
	JsonObject *object;
	JsonNode *header;
	JsonNode *events;

	if (answer == NULL)
		return FALSE;
	result = json_object_get_member(answer, "result");
	header = result != NULL && JSON_NODE_HOLDS_OBJECT(result)
			 ? json_object_get_member(json_node_get_object(result), "header")
			 : NULL;
	if (header == NULL || !JSON_NODE_HOLDS_OBJECT(header)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd's watch answer has no result with a header");
		return FALSE;
	}
	object = json_node_get_object(result);
	if (!hermes_etcd_decode_int(json_node_get_object(header), "revision", revision, error))
		return FALSE;
	events = json_object_get_member(object, "events");
	if (hermes_etcd_decode_flag(object, "canceled"))
		*kind = HERMES_ETCD_WATCH_CANCELED;
	else if (hermes_etcd_decode_flag(object, "created"))
		*kind = HERMES_ETCD_WATCH_CREATED;
	else if (events != NULL && JSON_NODE_HOLDS_ARRAY(events) &&
		 json_array_get_length(json_node_get_array(events)) > 0)
		*kind = HERMES_ETCD_WATCH_EVENTS;
	else
		*kind = HERMES_ETCD_WATCH_PROGRESS;
	return TRUE;
}
