/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A small reader of XML plists: the backend checks whose home an existing
 * plist pins, the tests read back what launchd would run.
 */

#include "config.h"

#include "hermes-launchd-plist-reader.h"

typedef enum {
	HERMES_LAUNCHD_FRAME_DICT,
	HERMES_LAUNCHD_FRAME_ARRAY,
} HermesLaunchdFrameKind;

typedef struct {
	HermesLaunchdFrameKind kind;
	GVariantBuilder builder;
	gchar *key;	  /* a dict's key waiting for its value */
	GHashTable *seen; /* a dict's keys so far: duplicates are refused */
} HermesLaunchdFrame;

typedef struct {
	GPtrArray *frames; /* HermesLaunchdFrame */
	GString *text;
	gboolean in_plist;
	gboolean in_leaf;
	GVariant *result;
} HermesLaunchdReader;

static void
hermes_launchd_frame_free(gpointer data)
{
	HermesLaunchdFrame *frame = data;
	g_variant_builder_clear(&frame->builder);
	g_free(frame->key);
	if (frame->seen != NULL)
		g_hash_table_unref(frame->seen);
	g_free(frame);
}

static gboolean
hermes_launchd_reader_fail(GError **error, const gchar *message)
{
	g_set_error_literal(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, message);
	return FALSE;
}

static HermesLaunchdFrame *
hermes_launchd_reader_top(HermesLaunchdReader *reader)
{
	if (reader->frames->len == 0)
		return NULL;
	return g_ptr_array_index(reader->frames, reader->frames->len - 1);
}

/* a finished value goes into its container, or becomes the result */
static gboolean
hermes_launchd_reader_add(HermesLaunchdReader *reader, GVariant *value, GError **error)
{
	HermesLaunchdFrame *top = hermes_launchd_reader_top(reader);
	g_autoptr(GVariant) owned = g_variant_ref_sink(value);

	if (top == NULL) {
		if (reader->result != NULL)
			return hermes_launchd_reader_fail(error, "more than one top-level value");
		reader->result = g_steal_pointer(&owned);
		return TRUE;
	}
	if (top->kind == HERMES_LAUNCHD_FRAME_ARRAY) {
		g_variant_builder_add(&top->builder, "v", owned);
		return TRUE;
	}
	if (top->key == NULL)
		return hermes_launchd_reader_fail(error, "a dict value without a key");
	g_variant_builder_add(&top->builder, "{sv}", top->key, owned);
	g_clear_pointer(&top->key, g_free);
	return TRUE;
}

static gboolean
hermes_launchd_reader_is_leaf(const gchar *name)
{
	const gchar *leaves[] = {"key", "string", "integer", "real", "date", "data"};
	for (guint i = 0; i < G_N_ELEMENTS(leaves); i++) {
		if (g_strcmp0(name, leaves[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
hermes_launchd_reader_start(GMarkupParseContext *context,
			    const gchar *name,
			    const gchar **attr_names,
			    const gchar **attr_values,
			    gpointer user_data,
			    GError **error)
{
	HermesLaunchdReader *reader = user_data;
	HermesLaunchdFrame *top = hermes_launchd_reader_top(reader);

	if (reader->in_leaf) {
		hermes_launchd_reader_fail(error, "an element inside a text element");
		return;
	}
	if (g_strcmp0(name, "plist") == 0) {
		if (reader->in_plist || reader->result != NULL) {
			hermes_launchd_reader_fail(error, "a nested <plist>");
			return;
		}
		reader->in_plist = TRUE;
		return;
	}
	if (!reader->in_plist) {
		hermes_launchd_reader_fail(error, "the root element is not <plist>");
		return;
	}
	if (attr_names[0] != NULL) {
		hermes_launchd_reader_fail(error, "attributes on a plist value");
		return;
	}
	if (top != NULL && top->kind == HERMES_LAUNCHD_FRAME_DICT &&
	    (g_strcmp0(name, "key") == 0) == (top->key != NULL)) {
		hermes_launchd_reader_fail(error, "a dict must alternate <key> and value");
		return;
	}
	if (g_strcmp0(name, "key") == 0 &&
	    (top == NULL || top->kind != HERMES_LAUNCHD_FRAME_DICT)) {
		hermes_launchd_reader_fail(error, "a <key> outside a <dict>");
		return;
	}
	if (g_strcmp0(name, "dict") == 0 || g_strcmp0(name, "array") == 0) {
		HermesLaunchdFrame *frame = g_new0(HermesLaunchdFrame, 1);
		gboolean dict = g_strcmp0(name, "dict") == 0;
		frame->kind = dict ? HERMES_LAUNCHD_FRAME_DICT : HERMES_LAUNCHD_FRAME_ARRAY;
		g_variant_builder_init(&frame->builder,
				       dict ? G_VARIANT_TYPE("a{sv}") : G_VARIANT_TYPE("av"));
		if (dict)
			frame->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		g_ptr_array_add(reader->frames, frame);
		return;
	}
	if (hermes_launchd_reader_is_leaf(name)) {
		reader->in_leaf = TRUE;
		g_string_truncate(reader->text, 0);
		return;
	}
	if (g_strcmp0(name, "true") == 0 || g_strcmp0(name, "false") == 0)
		return;
	g_set_error(error,
		    G_MARKUP_ERROR,
		    G_MARKUP_ERROR_UNKNOWN_ELEMENT,
		    "<%s> is not a plist element",
		    name);
}

static GVariant *
hermes_launchd_reader_integer(const gchar *text, GError **error)
{
	gint64 value = 0;
	g_autoptr(GError) error_local = NULL;
	if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &value, &error_local)) {
		g_set_error(error,
			    G_MARKUP_ERROR,
			    G_MARKUP_ERROR_INVALID_CONTENT,
			    "<integer>%s</integer>: %s",
			    text,
			    error_local->message);
		return NULL;
	}
	return g_variant_new_int64(value);
}

static void
hermes_launchd_reader_end(GMarkupParseContext *context,
			  const gchar *name,
			  gpointer user_data,
			  GError **error)
{
	HermesLaunchdReader *reader = user_data;
	HermesLaunchdFrame *top = hermes_launchd_reader_top(reader);
	GVariant *value = NULL;

	if (g_strcmp0(name, "plist") == 0) {
		reader->in_plist = FALSE;
		if (reader->result == NULL)
			hermes_launchd_reader_fail(error, "an empty <plist>");
		return;
	}
	reader->in_leaf = FALSE;
	if (g_strcmp0(name, "key") == 0) {
		if (g_hash_table_contains(top->seen, reader->text->str)) {
			g_set_error(error,
				    G_MARKUP_ERROR,
				    G_MARKUP_ERROR_INVALID_CONTENT,
				    "the key '%s' appears twice in one dict",
				    reader->text->str);
			return;
		}
		g_hash_table_add(top->seen, g_strdup(reader->text->str));
		top->key = g_strdup(reader->text->str);
		return;
	}
	if (g_strcmp0(name, "dict") == 0 || g_strcmp0(name, "array") == 0) {
		HermesLaunchdFrame *frame =
			g_ptr_array_steal_index(reader->frames, reader->frames->len - 1);
		if (frame->key != NULL) {
			hermes_launchd_frame_free(frame);
			hermes_launchd_reader_fail(error, "a dict key without a value");
			return;
		}
		value = g_variant_builder_end(&frame->builder);
		hermes_launchd_frame_free(frame);
	} else if (g_strcmp0(name, "true") == 0 || g_strcmp0(name, "false") == 0) {
		value = g_variant_new_boolean(g_strcmp0(name, "true") == 0);
	} else if (g_strcmp0(name, "integer") == 0) {
		value = hermes_launchd_reader_integer(reader->text->str, error);
		if (value == NULL)
			return;
	} else {
		/* string, and the kinds hermes-svc never writes (real, date, data) as text */
		value = g_variant_new_string(reader->text->str);
	}
	hermes_launchd_reader_add(reader, value, error);
}

static void
hermes_launchd_reader_text(GMarkupParseContext *context,
			   const gchar *text,
			   gsize len,
			   gpointer user_data,
			   GError **error)
{
	HermesLaunchdReader *reader = user_data;
	if (reader->in_leaf) {
		g_string_append_len(reader->text, text, (gssize)len);
		return;
	}
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isspace(text[i])) {
			hermes_launchd_reader_fail(error, "text outside a text element");
			return;
		}
	}
}

/**
 * hermes_launchd_plist_parse:
 * @text: an XML plist
 * @length: its length, or -1 if NUL-terminated
 * @error: return location for a #GError
 *
 * Reads the XML plists hermes-svc writes (and any other XML plist without
 * binary data): `dict` becomes `a{sv}`, `array` `av`, `string` `s`,
 * `integer` `x`, `true`/`false` `b`; `real`, `date` and `data` are kept as
 * their text. Duplicate keys, stray text and unknown elements are errors.
 *
 * Returns: (transfer full) (nullable): the top-level value
 */
GVariant *
hermes_launchd_plist_parse(const gchar *text, gssize length, GError **error)
{
	const GMarkupParser parser = {
		hermes_launchd_reader_start,
		hermes_launchd_reader_end,
		hermes_launchd_reader_text,
		NULL,
		NULL,
	};
	HermesLaunchdReader reader = {NULL, NULL, FALSE, FALSE, NULL};
	g_autoptr(GMarkupParseContext) context = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	reader.frames = g_ptr_array_new_with_free_func(hermes_launchd_frame_free);
	reader.text = g_string_new(NULL);
	context =
		g_markup_parse_context_new(&parser, G_MARKUP_PREFIX_ERROR_POSITION, &reader, NULL);
	ok = g_markup_parse_context_parse(context, text, length, &error_local) &&
	     g_markup_parse_context_end_parse(context, &error_local);
	g_ptr_array_unref(reader.frames);
	g_string_free(reader.text, TRUE);
	if (ok && reader.result == NULL)
		g_set_error_literal(
			&error_local, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY, "no <plist> value");
	if (error_local != NULL) {
		g_clear_pointer(&reader.result, g_variant_unref);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "not a plist: %s",
			    error_local->message);
		return NULL;
	}
	return reader.result;
}
