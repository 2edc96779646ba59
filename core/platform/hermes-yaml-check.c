/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What PyYAML refuses that libyaml takes, so a file upstream cannot load is
 * not read here either.
 *
 * Its scanner is stricter in two ways config files meet (checked on
 * libyaml's tokens, before the parse): a tab only inside a quoted or block
 * scalar or a comment ("Do not use tabs in YAML!"), never between tokens
 * or in a plain scalar; and in a flow collection a plain scalar ends at
 * `?`, which then breaks the collection (`[http://x?a=b]`).
 *
 * Its SafeConstructor, checked on the tree hermes-yaml.c built, refuses:
 *  - a mapping key that is a collection ("found unhashable key");
 *  - `<<` merging anything but a mapping or a list of mappings;
 *  - `<<` or `=` anywhere but as a key (no constructor for their tags);
 *  - a tag a constructed collection cannot have (`!!map` on a list, `!foo`),
 *    and `!!omap`/`!!pairs` items that are not one-pair mappings.
 * Only what PyYAML constructs is checked: a mapping merged with `<<` lends
 * its entries, never itself, so its tag is not looked at.
 *
 * Merges are also measured: each mapping's truth value after merging, and
 * chains of merges longer than %HERMES_YAML_MAX_DEPTH (or a cycle) refused.
 */

#include "config.h"

#include <string.h>
#include <yaml.h>

#include "hermes-yaml-private.h"

#define HERMES_YAML_TAG "tag:yaml.org,2002:"

/*****************************************************************************/
/* the scanner */

typedef struct {
	gsize start; /* in characters, as libyaml counts (a CRLF is two) */
	gsize end;
	gboolean tabs; /* a quoted or block scalar */
} HermesYamlSpan;

/* the tokens' spans; FALSE with @error for a `?` inside a plain scalar of a flow collection */
static gboolean
hermes_yaml_scan_spans(yaml_parser_t *parser, GArray *spans, GError **error)
{
	gint flow = 0;
	for (;;) {
		yaml_token_t token;
		gsize line;
		HermesYamlSpan span;
		gboolean plain_question;
		/* a syntax error: the parse reports it */
		if (!yaml_parser_scan(parser, &token))
			return TRUE;
		if (token.type == YAML_STREAM_END_TOKEN) {
			yaml_token_delete(&token);
			return TRUE;
		}
		if (token.type == YAML_FLOW_SEQUENCE_START_TOKEN ||
		    token.type == YAML_FLOW_MAPPING_START_TOKEN)
			flow++;
		if (token.type == YAML_FLOW_SEQUENCE_END_TOKEN ||
		    token.type == YAML_FLOW_MAPPING_END_TOKEN)
			flow--;
		span.start = token.start_mark.index;
		span.end = token.end_mark.index;
		line = token.start_mark.line;
		span.tabs = token.type == YAML_SCALAR_TOKEN &&
			    token.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		plain_question =
			token.type == YAML_SCALAR_TOKEN && flow > 0 && !span.tabs &&
			memchr(token.data.scalar.value, '?', token.data.scalar.length) != NULL;
		g_array_append_val(spans, span);
		yaml_token_delete(&token);
		if (plain_question)
			return hermes_yaml_fail(
				line, error, "'?' in a plain scalar of a flow collection");
	}
}

/* every tab must be in a span that allows it, or in a comment */
static gboolean
hermes_yaml_check_tabs(const gchar *data, gsize length, GArray *spans, GError **error)
{
	const gchar *end = data + length;
	gsize index = 0;
	gsize line = 0;
	guint s = 0;
	gboolean comment = FALSE;

	for (const gchar *c = data; c < end; c = g_utf8_next_char(c), index++) {
		const HermesYamlSpan *span;
		while (s < spans->len && g_array_index(spans, HermesYamlSpan, s).end <= index)
			s++;
		span = s < spans->len ? &g_array_index(spans, HermesYamlSpan, s) : NULL;
		if (span != NULL && span->start <= index) {
			if (*c == '\t' && !span->tabs)
				return hermes_yaml_fail(
					line, error, "found a tab outside a quoted scalar");
		} else if (*c == '#') {
			comment = TRUE;
		} else if (*c == '\t' && !comment) {
			return hermes_yaml_fail(line, error, "found a tab between tokens");
		}
		if (*c == '\n' || *c == '\r')
			comment = FALSE;
		if (*c == '\n')
			line++;
	}
	return TRUE;
}

/**
 * hermes_yaml_scan_check:
 * @data: the document's bytes, UTF-8
 * @length: how many
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HERMES_ERROR_INVALID_DATA where PyYAML's scanner
 *   would stop and libyaml's would not (see the top of the file)
 */
gboolean
hermes_yaml_scan_check(const gchar *data, gsize length, GError **error)
{
	g_autoptr(GArray) spans = NULL;
	yaml_parser_t parser;
	gboolean ok;

	/* most configs have neither */
	if (memchr(data, '\t', length) == NULL && memchr(data, '?', length) == NULL)
		return TRUE;
	if (!yaml_parser_initialize(&parser))
		return TRUE;
	spans = g_array_new(FALSE, FALSE, sizeof(HermesYamlSpan));
	yaml_parser_set_input_string(&parser, (const guchar *)data, length);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	ok = hermes_yaml_scan_spans(&parser, spans, error) &&
	     hermes_yaml_check_tabs(data, length, spans, error);
	yaml_parser_delete(&parser);
	return ok;
}

/*****************************************************************************/
/* the constructor */

/* how a node is used; a node may be used both ways (an alias) */
enum {
	HERMES_YAML_USE_CONSTRUCTED = 1 << 0, /* becomes a Python value */
	HERMES_YAML_USE_MERGED = 1 << 1,      /* lends its entries to a mapping */
};

typedef struct {
	GPtrArray *todo; /* node, use, node, use, … */
	GError **error;
} HermesYamlWalk;

static void
hermes_yaml_walk_push(HermesYamlWalk *walk, HermesYamlNode *node, guint use)
{
	if ((node->visited & use) != 0)
		return;
	node->visited |= use;
	g_ptr_array_add(walk->todo, node);
	g_ptr_array_add(walk->todo, GUINT_TO_POINTER(use));
}

/* the short name of a standard tag, else NULL */
static const gchar *
hermes_yaml_tag_name(const gchar *tag)
{
	return tag != NULL && g_str_has_prefix(tag, HERMES_YAML_TAG) ? tag + strlen(HERMES_YAML_TAG)
								     : NULL;
}

/* a key: a collection is unhashable; `=` is the string "="; `<<` merges */
static gboolean
hermes_yaml_walk_pair(HermesYamlWalk *walk, HermesYamlNode *key, HermesYamlNode *value)
{
	gboolean mergeable =
		value->type == HERMES_YAML_MAPPING || value->type == HERMES_YAML_SEQUENCE;

	if (key->type == HERMES_YAML_SEQUENCE || key->type == HERMES_YAML_MAPPING)
		return hermes_yaml_fail(key->line, walk->error, "found unhashable key");
	if (key->special != HERMES_YAML_SPECIAL_MERGE) {
		if (key->special == HERMES_YAML_SPECIAL_NONE)
			hermes_yaml_walk_push(walk, key, HERMES_YAML_USE_CONSTRUCTED);
		hermes_yaml_walk_push(walk, value, HERMES_YAML_USE_CONSTRUCTED);
		return TRUE;
	}
	for (guint j = 0; value->type == HERMES_YAML_SEQUENCE && j < value->items->len; j++) {
		HermesYamlNode *source = g_ptr_array_index(value->items, j);
		mergeable = source->type == HERMES_YAML_MAPPING;
		if (!mergeable)
			break;
		hermes_yaml_walk_push(walk, source, HERMES_YAML_USE_MERGED);
	}
	if (!mergeable)
		return hermes_yaml_fail(value->line,
					walk->error,
					"expected a mapping or list of mappings for merging");
	if (value->type == HERMES_YAML_MAPPING)
		hermes_yaml_walk_push(walk, value, HERMES_YAML_USE_MERGED);
	return TRUE;
}

/* !!omap and !!pairs: a list of one-pair mappings, each pair constructed as a tuple */
static gboolean
hermes_yaml_walk_pairs(HermesYamlWalk *walk, HermesYamlNode *node)
{
	for (guint i = 0; i < node->items->len; i++) {
		HermesYamlNode *item = g_ptr_array_index(node->items, i);
		HermesYamlNode *key;
		if (item->type != HERMES_YAML_MAPPING || item->items->len != 2)
			return hermes_yaml_fail(
				item->line, walk->error, "expected a mapping of length 1");
		key = g_ptr_array_index(item->items, 0);
		hermes_yaml_walk_push(walk, key, HERMES_YAML_USE_CONSTRUCTED);
		hermes_yaml_walk_push(
			walk, g_ptr_array_index(item->items, 1), HERMES_YAML_USE_CONSTRUCTED);
	}
	return TRUE;
}

/* a node PyYAML constructs: its tag must fit what it is */
static gboolean
hermes_yaml_walk_constructed(HermesYamlWalk *walk, HermesYamlNode *node)
{
	const gchar *name = hermes_yaml_tag_name(node->value);
	gboolean plain = node->value == NULL;

	if (node->type != HERMES_YAML_SEQUENCE && node->type != HERMES_YAML_MAPPING) {
		if (node->special != HERMES_YAML_SPECIAL_NONE)
			return hermes_yaml_fail(node->line, walk->error, "'<<' or '=' as a value");
		return TRUE;
	}
	if (node->type == HERMES_YAML_SEQUENCE &&
	    (g_strcmp0(name, "omap") == 0 || g_strcmp0(name, "pairs") == 0))
		return hermes_yaml_walk_pairs(walk, node);
	if (!plain && !(node->type == HERMES_YAML_SEQUENCE && g_strcmp0(name, "seq") == 0) &&
	    !(node->type == HERMES_YAML_MAPPING &&
	      (g_strcmp0(name, "map") == 0 || g_strcmp0(name, "set") == 0)))
		return hermes_yaml_fail(
			node->line, walk->error, "could not construct a collection with this tag");
	for (guint i = 0; node->type == HERMES_YAML_SEQUENCE && i < node->items->len; i++)
		hermes_yaml_walk_push(
			walk, g_ptr_array_index(node->items, i), HERMES_YAML_USE_CONSTRUCTED);
	return TRUE;
}

static gboolean
hermes_yaml_walk_one(HermesYamlWalk *walk, HermesYamlNode *node, guint use)
{
	if (use == HERMES_YAML_USE_CONSTRUCTED && !hermes_yaml_walk_constructed(walk, node))
		return FALSE;
	if (node->type != HERMES_YAML_MAPPING)
		return TRUE;
	/* constructed or merged alike, its entries become entries of a dict */
	for (guint i = 0; i + 1 < node->items->len; i += 2) {
		if (!hermes_yaml_walk_pair(walk,
					   g_ptr_array_index(node->items, i),
					   g_ptr_array_index(node->items, i + 1)))
			return FALSE;
	}
	return TRUE;
}

/*
 * The longest chain of merges from @node (more than the depth bound, or a
 * cycle, is too long), and on the way its truth value after merging: both
 * once per mapping, however many merges share it.
 */
static gint
hermes_yaml_flatten(HermesYamlNode *node, guint level)
{
	gint height = 0;
	if (node->merge_height >= 0)
		return node->merge_height;
	if (node->merge_height == -2 || level > HERMES_YAML_MAX_DEPTH)
		return G_MAXINT / 2;
	node->merge_height = -2;
	node->truthy = FALSE;
	for (guint i = 0; i + 1 < node->items->len; i += 2) {
		HermesYamlNode *key = g_ptr_array_index(node->items, i);
		HermesYamlNode *value = g_ptr_array_index(node->items, i + 1);
		if (key->special != HERMES_YAML_SPECIAL_MERGE) {
			node->truthy = TRUE;
			continue;
		}
		/* a mapping, or a list of mappings (hermes_yaml_walk_pair) */
		for (guint j = 0; j < (value->type == HERMES_YAML_MAPPING ? 1 : value->items->len);
		     j++) {
			HermesYamlNode *source = value->type == HERMES_YAML_MAPPING
							 ? value
							 : g_ptr_array_index(value->items, j);
			height = MAX(height, 1 + hermes_yaml_flatten(source, level + 1));
			node->truthy = node->truthy || source->truthy;
		}
	}
	node->merge_height = MIN(height, G_MAXINT / 2);
	return node->merge_height;
}

/**
 * hermes_yaml_document_check:
 * @doc: a document hermes-yaml.c read
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HERMES_ERROR_INVALID_DATA for what PyYAML would refuse
 */
gboolean
hermes_yaml_document_check(HermesYamlDocument *doc, GError **error)
{
	g_autoptr(GPtrArray) todo = g_ptr_array_new();
	HermesYamlWalk walk = {todo, error};

	if (doc->root != NULL)
		hermes_yaml_walk_push(&walk, doc->root, HERMES_YAML_USE_CONSTRUCTED);
	/* each node at most once per use: linear, whatever the aliases share */
	while (todo->len > 0) {
		guint use = GPOINTER_TO_UINT(g_ptr_array_index(todo, todo->len - 1));
		HermesYamlNode *node = g_ptr_array_index(todo, todo->len - 2);
		g_ptr_array_set_size(todo, todo->len - 2);
		if (!hermes_yaml_walk_one(&walk, node, use))
			return FALSE;
	}
	/* only now: every merge is known to be of mappings */
	for (guint i = 0; i < doc->nodes->len; i++) {
		HermesYamlNode *node = g_ptr_array_index(doc->nodes, i);
		if (node->type != HERMES_YAML_MAPPING || node->visited == 0)
			continue;
		node->python_set = g_strcmp0(hermes_yaml_tag_name(node->value), "set") == 0;
		if (hermes_yaml_flatten(node, 0) > HERMES_YAML_MAX_DEPTH) {
			g_autofree gchar *what = g_strdup_printf(
				"merges nested more than %u levels deep, or in a cycle",
				HERMES_YAML_MAX_DEPTH);
			return hermes_yaml_fail(node->line, error, what);
		}
	}
	return TRUE;
}
