/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private: a YAML document as hermes-agent's `yaml.safe_load()` sees it,
 * bounded, for the few keys of its `config.yaml` hermes-svc reads
 * (hermes-yaml.c builds it, hermes-yaml-check.c checks it as PyYAML's
 * constructor would, hermes-yaml-scalar.c resolves one scalar). Not
 * installed.
 */

#include <glib.h>

G_BEGIN_DECLS

/* deeper than this (collections, or merges of merges) is refused */
#define HERMES_YAML_MAX_DEPTH 64
/* scalars, sequences and mappings; hermes-agent's config has a few hundred */
#define HERMES_YAML_MAX_NODES 65536

typedef enum {
	HERMES_YAML_NULL,
	HERMES_YAML_BOOL,
	HERMES_YAML_INT,
	HERMES_YAML_FLOAT,
	HERMES_YAML_STR,
	HERMES_YAML_OTHER, /* a timestamp, binary or set */
	HERMES_YAML_SEQUENCE,
	HERMES_YAML_MAPPING,
} HermesYamlType;

typedef enum {
	HERMES_YAML_SPECIAL_NONE,
	HERMES_YAML_SPECIAL_MERGE, /* `<<`: only a mapping key may be one */
	HERMES_YAML_SPECIAL_VALUE, /* `=`: likewise (a key is then the string `=`) */
} HermesYamlSpecial;

typedef struct _HermesYamlNode HermesYamlNode;
typedef struct _HermesYamlDocument HermesYamlDocument;

struct _HermesYamlNode {
	HermesYamlType type; /* what the node is; a !!set mapping is still a mapping here */
	gboolean truthy;     /* mappings: after merging (hermes-yaml-check.c) */
	HermesYamlSpecial special;
	gboolean python_set; /* a mapping tagged !!set: merged like one, but not a dict */
	gint merge_height;   /* mappings: -1 not yet known, -2 being measured */
	guint visited;	     /* while checking */
	gchar *value;	     /* scalars; a collection's explicit tag */
	gsize length;
	GPtrArray *items; /* collections, borrowed: a mapping's alternate key and value */
	gsize line;
};

struct _HermesYamlDocument {
	GPtrArray *nodes;     /* owns every node */
	GHashTable *anchors;  /* name -> node */
	HermesYamlNode *root; /* NULL: an empty stream or document */
};

HermesYamlDocument *
hermes_yaml_document_parse(const gchar *data, gsize length, GError **error);
void
hermes_yaml_document_free(HermesYamlDocument *self);
const HermesYamlNode *
hermes_yaml_document_get_root(const HermesYamlDocument *self);

HermesYamlType
hermes_yaml_node_get_type(const HermesYamlNode *node);
gboolean
hermes_yaml_node_is_true(const HermesYamlNode *node);
const gchar *
hermes_yaml_node_get_string(const HermesYamlNode *node, gsize *length);
const HermesYamlNode *
hermes_yaml_mapping_lookup(const HermesYamlNode *mapping, const gchar *key);

gboolean
hermes_yaml_fail(gsize line, GError **error, const gchar *what);

/* hermes-yaml-check.c */
gboolean
hermes_yaml_scan_check(const gchar *data, gsize length, GError **error);
gboolean
hermes_yaml_document_check(HermesYamlDocument *doc, GError **error);

/* hermes-yaml-scalar.c */
typedef struct {
	HermesYamlType type;
	gboolean truthy; /* Python's bool() of the value */
	HermesYamlSpecial special;
} HermesYamlScalar;

gboolean
hermes_yaml_scalar_resolve(const gchar *tag,
			   gboolean plain_implicit,
			   const gchar *value,
			   gsize length,
			   HermesYamlScalar *scalar,
			   GError **error);
gchar *
hermes_yaml_python_strip(const gchar *text, gsize length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesYamlDocument, hermes_yaml_document_free)

G_END_DECLS
