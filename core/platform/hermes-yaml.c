/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A YAML document as hermes-agent's `yaml.safe_load()` (PyYAML) sees it, so
 * hermes-svc reads the keys of `config.yaml` it shares with hermes-agent the
 * way upstream does, anchors, aliases and `<<` merge keys included.
 *
 * libyaml (Debian's libyaml-0-2) tokenises and parses; its events become a
 * small tree, with aliases as shared pointers (never copied, so an alias
 * bomb costs nothing). What PyYAML refuses, this refuses, with
 * %HERMES_ERROR_INVALID_DATA: a syntax error, more than one document, an
 * undefined alias or a duplicate anchor, a collection as a mapping key,
 * `<<` merging anything but mappings, `<<` or `=` as a value, a scalar that
 * cannot be constructed (hermes-yaml-scalar.c). The input is read as UTF-8
 * (Python opens the file so), whatever a BOM says.
 *
 * Bounds: the caller caps the size (the safe file layer reads at most
 * 1 MiB); collections nest at most %HERMES_YAML_MAX_DEPTH deep, merges of
 * merges as well, and a document holds at most %HERMES_YAML_MAX_NODES
 * nodes. A cycle of merges (which PyYAML settles by the order it happens
 * to flatten in) is refused.
 */

#include "config.h"

#include <string.h>
#include <yaml.h>

#include "hermes-error.h"
#include "hermes-yaml-private.h"

typedef struct {
	yaml_parser_t parser;
	HermesYamlDocument *doc;
	GPtrArray *open; /* the collections being read, innermost last */
	guint documents;
} HermesYamlParse;

static void
hermes_yaml_node_free(HermesYamlNode *node)
{
	g_free(node->value);
	if (node->items != NULL)
		g_ptr_array_unref(node->items);
	g_free(node);
}

/**
 * hermes_yaml_document_free:
 * @self: (nullable): a document
 */
void
hermes_yaml_document_free(HermesYamlDocument *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->nodes);
	g_hash_table_unref(self->anchors);
	g_free(self);
}

/* always FALSE, so a check can return it */
gboolean
hermes_yaml_fail(gsize line, GError **error, const gchar *what)
{
	g_set_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "line %zu: %s", line + 1, what);
	return FALSE;
}

/* a new node where the parser is: the root, or the next item of the innermost collection */
static HermesYamlNode *
hermes_yaml_add(HermesYamlParse *p, HermesYamlType type, const yaml_event_t *event, GError **error)
{
	HermesYamlNode *node;
	if (p->doc->nodes->len >= HERMES_YAML_MAX_NODES) {
		g_autofree gchar *what =
			g_strdup_printf("more than %u nodes", HERMES_YAML_MAX_NODES);
		hermes_yaml_fail(event->start_mark.line, error, what);
		return NULL;
	}
	node = g_new0(HermesYamlNode, 1);
	node->type = type;
	node->merge_height = -1;
	node->line = event->start_mark.line;
	g_ptr_array_add(p->doc->nodes, node);
	return node;
}

static gboolean
hermes_yaml_attach(HermesYamlParse *p, HermesYamlNode *node)
{
	if (p->open->len == 0) {
		p->doc->root = node;
		return TRUE;
	}
	g_ptr_array_add(((HermesYamlNode *)g_ptr_array_index(p->open, p->open->len - 1))->items,
			node);
	return TRUE;
}

/* PyYAML registers an anchor where its node starts, and refuses a second one */
static gboolean
hermes_yaml_anchor(HermesYamlParse *p,
		   const yaml_char_t *anchor,
		   HermesYamlNode *node,
		   GError **error)
{
	if (anchor == NULL)
		return TRUE;
	if (g_hash_table_contains(p->doc->anchors, anchor))
		return hermes_yaml_fail(node->line, error, "found duplicate anchor");
	g_hash_table_insert(p->doc->anchors, g_strdup((const gchar *)anchor), node);
	return TRUE;
}

static gboolean
hermes_yaml_on_scalar(HermesYamlParse *p, const yaml_event_t *event, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	HermesYamlScalar scalar;
	HermesYamlNode *node;

	if (!hermes_yaml_scalar_resolve((const gchar *)event->data.scalar.tag,
					event->data.scalar.plain_implicit,
					(const gchar *)event->data.scalar.value,
					event->data.scalar.length,
					&scalar,
					&error_local))
		return hermes_yaml_fail(event->start_mark.line, error, error_local->message);
	node = hermes_yaml_add(p, scalar.type, event, error);
	if (node == NULL)
		return FALSE;
	node->truthy = scalar.truthy;
	node->special = scalar.special;
	node->value = g_memdup2(event->data.scalar.value, event->data.scalar.length + 1);
	node->length = event->data.scalar.length;
	return hermes_yaml_anchor(p, event->data.scalar.anchor, node, error) &&
	       hermes_yaml_attach(p, node);
}

static gboolean
hermes_yaml_on_start(HermesYamlParse *p,
		     const yaml_event_t *event,
		     HermesYamlType type,
		     GError **error)
{
	const yaml_char_t *tag = type == HERMES_YAML_SEQUENCE ? event->data.sequence_start.tag
							      : event->data.mapping_start.tag;
	const yaml_char_t *anchor = type == HERMES_YAML_SEQUENCE ? event->data.sequence_start.anchor
								 : event->data.mapping_start.anchor;
	HermesYamlNode *node;

	if (p->open->len >= HERMES_YAML_MAX_DEPTH) {
		g_autofree gchar *what =
			g_strdup_printf("nested more than %u levels deep", HERMES_YAML_MAX_DEPTH);
		return hermes_yaml_fail(event->start_mark.line, error, what);
	}
	node = hermes_yaml_add(p, type, event, error);
	if (node == NULL)
		return FALSE;
	node->items = g_ptr_array_new();
	/* checked once the document is whole: a merged mapping's tag is never used */
	if (tag != NULL && g_strcmp0((const gchar *)tag, "!") != 0)
		node->value = g_strdup((const gchar *)tag);
	if (!hermes_yaml_anchor(p, anchor, node, error) || !hermes_yaml_attach(p, node))
		return FALSE;
	g_ptr_array_add(p->open, node);
	return TRUE;
}

static gboolean
hermes_yaml_on_event(HermesYamlParse *p, const yaml_event_t *event, GError **error)
{
	HermesYamlNode *node;
	switch (event->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++p->documents > 1)
			return hermes_yaml_fail(
				event->start_mark.line, error, "expected a single document");
		return TRUE;
	case YAML_SCALAR_EVENT:
		return hermes_yaml_on_scalar(p, event, error);
	case YAML_SEQUENCE_START_EVENT:
		return hermes_yaml_on_start(p, event, HERMES_YAML_SEQUENCE, error);
	case YAML_MAPPING_START_EVENT:
		return hermes_yaml_on_start(p, event, HERMES_YAML_MAPPING, error);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		g_ptr_array_set_size(p->open, p->open->len - 1);
		return TRUE;
	case YAML_ALIAS_EVENT:
		node = g_hash_table_lookup(p->doc->anchors, event->data.alias.anchor);
		if (node == NULL)
			return hermes_yaml_fail(
				event->start_mark.line, error, "found undefined alias");
		return hermes_yaml_attach(p, node);
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_DOCUMENT_END_EVENT:
	default:
		return TRUE;
	}
}

static gboolean
hermes_yaml_read_events(HermesYamlParse *p, GError **error)
{
	gboolean done = FALSE;
	while (!done) {
		yaml_event_t event;
		gboolean ok;
		if (!yaml_parser_parse(&p->parser, &event)) {
			g_autofree gchar *what = g_strdup_printf(
				"%s%s%s",
				p->parser.problem != NULL ? p->parser.problem : "syntax error",
				p->parser.context != NULL ? " " : "",
				p->parser.context != NULL ? p->parser.context : "");
			return hermes_yaml_fail(p->parser.problem_mark.line, error, what);
		}
		ok = hermes_yaml_on_event(p, &event, error);
		done = event.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&event);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/**
 * hermes_yaml_document_parse:
 * @data: the document's bytes
 * @length: how many; the caller bounds it
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the document, or %NULL with
 *   %HERMES_ERROR_INVALID_DATA naming the line and the problem
 */
HermesYamlDocument *
hermes_yaml_document_parse(const gchar *data, gsize length, GError **error)
{
	g_autoptr(HermesYamlDocument) doc = g_new0(HermesYamlDocument, 1);
	g_autoptr(GPtrArray) open = g_ptr_array_new();
	HermesYamlParse p = {.doc = doc, .open = open};
	gboolean ok;

	g_return_val_if_fail(data != NULL || length == 0, NULL);
	doc->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_yaml_node_free);
	doc->anchors = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!yaml_parser_initialize(&p.parser)) {
		g_set_error_literal(
			error, HERMES_ERROR, HERMES_ERROR_FAILED, "cannot set up the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&p.parser, (const guchar *)(data != NULL ? data : ""), length);
	yaml_parser_set_encoding(&p.parser, YAML_UTF8_ENCODING);
	ok = hermes_yaml_read_events(&p, error) && hermes_yaml_scan_check(data, length, error) &&
	     hermes_yaml_document_check(doc, error);
	yaml_parser_delete(&p.parser);
	return ok ? g_steal_pointer(&doc) : NULL;
}

/*****************************************************************************/
/* reading it */

/**
 * hermes_yaml_document_get_root:
 * @self: a document
 *
 * Returns: (nullable): its root node; %NULL for an empty document (Python's `None`)
 */
const HermesYamlNode *
hermes_yaml_document_get_root(const HermesYamlDocument *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->root;
}

/**
 * hermes_yaml_node_get_type:
 * @node: a node
 *
 * Returns: the Python type the node constructs (a set is "other")
 */
HermesYamlType
hermes_yaml_node_get_type(const HermesYamlNode *node)
{
	g_return_val_if_fail(node != NULL, HERMES_YAML_NULL);
	return node->python_set ? HERMES_YAML_OTHER : node->type;
}

/**
 * hermes_yaml_node_is_true:
 * @node: a node
 *
 * Python's `bool()` of the constructed value. A mapping is its entries
 * after merging: `{<<: {}}` is empty, so false.
 *
 * Returns: the truth value
 */
gboolean
hermes_yaml_node_is_true(const HermesYamlNode *node)
{
	g_return_val_if_fail(node != NULL, FALSE);
	if (node->type == HERMES_YAML_SEQUENCE)
		return node->items->len > 0;
	/* a mapping's was worked out with its merges (hermes_yaml_flatten) */
	return node->truthy;
}

/**
 * hermes_yaml_node_get_string:
 * @node: a node
 * @length: (out): the length of the text, which may hold NULs
 *
 * Returns: (nullable): the text of a string node, else %NULL
 */
const gchar *
hermes_yaml_node_get_string(const HermesYamlNode *node, gsize *length)
{
	g_return_val_if_fail(node != NULL && length != NULL, NULL);
	*length = node->type == HERMES_YAML_STR ? node->length : 0;
	return node->type == HERMES_YAML_STR ? node->value : NULL;
}

static gboolean
hermes_yaml_key_is(const HermesYamlNode *node, const gchar *key)
{
	return node->type == HERMES_YAML_STR && node->special != HERMES_YAML_SPECIAL_MERGE &&
	       node->length == strlen(key) && memcmp(node->value, key, node->length) == 0;
}

/* @searched: mappings already looked through without finding @key */
static const HermesYamlNode *
hermes_yaml_lookup_in(const HermesYamlNode *mapping, const gchar *key, GHashTable *searched)
{
	if (!g_hash_table_add(searched, (gpointer)mapping))
		return NULL;
	for (guint i = mapping->items->len; i >= 2; i -= 2) {
		if (hermes_yaml_key_is(g_ptr_array_index(mapping->items, i - 2), key))
			return g_ptr_array_index(mapping->items, i - 1);
	}
	for (guint i = mapping->items->len; i >= 2; i -= 2) {
		const HermesYamlNode *merge = g_ptr_array_index(mapping->items, i - 2);
		const HermesYamlNode *source = g_ptr_array_index(mapping->items, i - 1);
		const HermesYamlNode *found = NULL;
		if (merge->special != HERMES_YAML_SPECIAL_MERGE)
			continue;
		if (source->type == HERMES_YAML_MAPPING)
			found = hermes_yaml_lookup_in(source, key, searched);
		for (guint j = 0; source->type == HERMES_YAML_SEQUENCE && found == NULL &&
				  j < source->items->len;
		     j++)
			found = hermes_yaml_lookup_in(
				g_ptr_array_index(source->items, j), key, searched);
		if (found != NULL)
			return found;
	}
	return NULL;
}

/**
 * hermes_yaml_mapping_lookup:
 * @mapping: a mapping node
 * @key: a string key
 *
 * The value Python's dict has for @key after SafeConstructor's merging:
 * the last explicit entry wins; then the merged mappings, the later `<<`
 * before the earlier one and, within a list, the first mapping first.
 * Each mapping is looked through once, however many merges share it.
 *
 * Returns: (nullable): the value node, or %NULL when the key is absent
 */
const HermesYamlNode *
hermes_yaml_mapping_lookup(const HermesYamlNode *mapping, const gchar *key)
{
	g_autoptr(GHashTable) searched = NULL;
	g_return_val_if_fail(mapping != NULL && key != NULL, NULL);
	if (hermes_yaml_node_get_type(mapping) != HERMES_YAML_MAPPING)
		return NULL;
	searched = g_hash_table_new(NULL, NULL);
	return hermes_yaml_lookup_in(mapping, key, searched);
}
