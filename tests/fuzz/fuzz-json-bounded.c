/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * hermes_json_parse_bounded(), the one parser of the JSON state files
 * (gateway_state.json, gateway.pid, the planned-stop and takeover
 * markers): anything it accepts must be within its limits and write out
 * as JSON it accepts again; anything it refuses is HERMES_ERROR_INVALID_DATA.
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-state.h"

#define HERMES_FUZZ_JSON_MAX_DEPTH 64
#define HERMES_FUZZ_JSON_MAX_SIZE  (1024 * 1024)

/*
 * how many arrays and objects are nested (`1` is 0, `[1]` is 1); iterative,
 * so a parser that lets deep input through is reported, not a stack overflow
 */
static guint
hermes_fuzz_json_depth(JsonNode *root)
{
	g_autoptr(GPtrArray) nodes = g_ptr_array_new();
	g_autoptr(GArray) depths = g_array_new(FALSE, FALSE, sizeof(guint));
	guint deepest = 0;
	guint zero = 0;

	g_ptr_array_add(nodes, root);
	g_array_append_val(depths, zero);
	while (nodes->len > 0) {
		JsonNode *node = g_ptr_array_steal_index(nodes, nodes->len - 1);
		guint depth = g_array_index(depths, guint, depths->len - 1);
		g_array_set_size(depths, depths->len - 1);
		if (JSON_NODE_HOLDS_ARRAY(node) || JSON_NODE_HOLDS_OBJECT(node))
			deepest = MAX(deepest, depth + 1);
		if (JSON_NODE_HOLDS_ARRAY(node)) {
			JsonArray *array = json_node_get_array(node);
			for (guint i = 0; i < json_array_get_length(array); i++) {
				guint child = depth + 1;
				g_ptr_array_add(nodes, json_array_get_element(array, i));
				g_array_append_val(depths, child);
			}
		} else if (JSON_NODE_HOLDS_OBJECT(node)) {
			JsonObjectIter iter;
			JsonNode *member;
			json_object_iter_init(&iter, json_node_get_object(node));
			while (json_object_iter_next(&iter, NULL, &member)) {
				guint child = depth + 1;
				g_ptr_array_add(nodes, member);
				g_array_append_val(depths, child);
			}
		}
	}
	return deepest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) again = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GError) error_again = NULL;
	g_autofree gchar *text = NULL;

	hermes_fuzz_init();
	root = hermes_json_parse_bounded((const gchar *)data, size, &error_local);
	if (root == NULL) {
		g_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		return 0;
	}
	g_assert_no_error(error_local);
	g_assert_cmpuint(size, <=, HERMES_FUZZ_JSON_MAX_SIZE);
	g_assert_cmpuint(hermes_fuzz_json_depth(root), <=, HERMES_FUZZ_JSON_MAX_DEPTH);
	text = json_to_string(root, FALSE);
	g_assert_nonnull(text);
	/* escapes can make the text longer than the input; only then may it be refused */
	again = hermes_json_parse_bounded(text, strlen(text), &error_again);
	if (strlen(text) <= HERMES_FUZZ_JSON_MAX_SIZE) {
		g_assert_no_error(error_again);
		g_assert_nonnull(again);
		g_assert_true(json_node_equal(root, again));
	}
	return 0;
}
