/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A HermesGatewayReport as others read it: the JSON of `hermes status
 * --json`, and the report read back from hermes-svcd's properties
 * (data/ai.hermes.ServiceManager1.xml; the status service's fill is the
 * other direction), so `hermes status --dbus` renders the very report
 * `hermes status` does.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-gateway-report-private.h"

/*****************************************************************************/
/* read back from hermes-svcd's properties */

static const gchar *
hermes_gateway_report_dict_string(GVariantDict *dict, const gchar *key)
{
	const gchar *value = NULL;
	if (!g_variant_dict_lookup(dict, key, "&s", &value))
		return NULL;
	return value;
}

static gchar *
hermes_gateway_report_dict_dup(GVariantDict *dict, const gchar *key)
{
	const gchar *value = hermes_gateway_report_dict_string(dict, key);
	return value != NULL && value[0] != '\0' ? g_strdup(value) : NULL;
}

/* the supervisor's view, as the daemon published it */
static HermesGatewayStatus *
hermes_gateway_report_status_from_dbus(const gchar *profile, GVariantDict *dict)
{
	HermesGatewayStatus *status = hermes_gateway_status_new(profile);
	g_autoptr(GVariant) details = NULL;
	gint64 value = 0;
	gint32 code = -1;
	gint32 signal_num = 0;
	gint32 restarts = -1;
	GVariantIter iter;
	const gchar *key;
	const gchar *text;

	hermes_gateway_status_set_state(
		status,
		hermes_gateway_state_from_string(hermes_gateway_report_dict_string(dict, "State")));
	hermes_gateway_status_set_wanted(
		status,
		hermes_gateway_wanted_from_string(
			hermes_gateway_report_dict_string(dict, "Wanted")));
	hermes_gateway_status_set_pid(status,
				      g_variant_dict_lookup(dict, "Pid", "x", &value) ? value : -1);
	hermes_gateway_status_set_since(
		status, g_variant_dict_lookup(dict, "Since", "x", &value) ? value : 0);
	hermes_gateway_status_set_ready(
		status,
		hermes_tristate_from_string(hermes_gateway_report_dict_string(dict, "Ready")),
		g_variant_dict_lookup(dict, "ReadySince", "x", &value) ? value : 0);
	if (g_variant_dict_lookup(dict, "LastExit", "(ii)", &code, &signal_num))
		hermes_gateway_status_set_last_exit(status, code, signal_num);
	if (g_variant_dict_lookup(dict, "Restarts", "i", &restarts))
		hermes_gateway_status_set_restarts(status, restarts);
	details = g_variant_dict_lookup_value(dict, "Details", G_VARIANT_TYPE("a{ss}"));
	if (details != NULL) {
		g_variant_iter_init(&iter, details);
		while (g_variant_iter_next(&iter, "{&s&s}", &key, &text))
			hermes_gateway_status_set_raw(status, key, text);
	}
	text = hermes_gateway_report_dict_string(dict, "ReasonText");
	hermes_gateway_status_set_reason(status,
					 hermes_gateway_reason_from_string(
						 hermes_gateway_report_dict_string(dict, "Reason")),
					 text != NULL && text[0] != '\0' ? text : NULL);
	return status;
}

/* the daemon's problems; a daemon without Problems has only the lines of Problem */
static void
hermes_gateway_report_problems_from_dbus(HermesGatewayReport *self, GVariantDict *dict)
{
	g_autoptr(GVariant) problems =
		g_variant_dict_lookup_value(dict, "Problems", G_VARIANT_TYPE("a(sss)"));
	const gchar *problem = hermes_gateway_report_dict_string(dict, "Problem");
	GVariantIter iter;
	const gchar *code;
	const gchar *text;
	const gchar *fix;

	if (problems != NULL) {
		g_variant_iter_init(&iter, problems);
		while (g_variant_iter_next(&iter, "(&s&s&s)", &code, &text, &fix))
			g_ptr_array_add(
				self->problems,
				hermes_gateway_problem_new(
					hermes_gateway_problem_code_from_string(code), text, fix));
		return;
	}
	if (problem != NULL && problem[0] != '\0') {
		g_auto(GStrv) lines = g_strsplit(problem, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++)
			g_ptr_array_add(self->problems,
					hermes_gateway_problem_new(
						HERMES_GATEWAY_PROBLEM_OTHER, lines[i], NULL));
	}
}

/* a status the daemon could not read is an error here too */
static void
hermes_gateway_report_error_from_problems(HermesGatewayReport *self)
{
	for (guint i = 0; i < self->problems->len && self->error == NULL; i++) {
		HermesGatewayProblem *problem = g_ptr_array_index(self->problems, i);
		if (hermes_gateway_problem_get_code(problem) ==
		    HERMES_GATEWAY_PROBLEM_SUPERVISOR_GONE)
			self->error = g_error_new_literal(HERMES_ERROR,
							  HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
							  hermes_gateway_problem_get_text(problem));
		else if (hermes_gateway_problem_get_code(problem) ==
			 HERMES_GATEWAY_PROBLEM_STATUS_FAILED)
			self->error = g_error_new_literal(HERMES_ERROR,
							  HERMES_ERROR_FAILED,
							  hermes_gateway_problem_get_text(problem));
	}
}

/**
 * hermes_gateway_report_new_from_dbus:
 * @profile: (nullable): the profile; %NULL to take it from @properties
 * @properties: (nullable): the `a{sv}` properties of an
 *   `ai.hermes.ServiceManager1.Gateway` object; %NULL for a profile the
 *   daemon has no object for (a profile without a slot)
 *
 * The report hermes-svcd published, as hermes_gateway_report_new() made
 * it there, so `hermes status --dbus` renders what `hermes status` does.
 *
 * Returns: (transfer full) (nullable): the report, or %NULL when neither
 *   @profile nor @properties names a profile
 */
HermesGatewayReport *
hermes_gateway_report_new_from_dbus(const gchar *profile, GVariant *properties)
{
	g_autoptr(GVariantDict) dict = NULL;
	HermesGatewayReport *self;
	gboolean registered = FALSE;
	gint32 port = 0;

	g_return_val_if_fail(properties == NULL ||
				     g_variant_is_of_type(properties, G_VARIANT_TYPE_VARDICT),
			     NULL);
	dict = g_variant_dict_new(properties);
	if (profile == NULL)
		profile = hermes_gateway_report_dict_string(dict, "Profile");
	if (profile == NULL || profile[0] == '\0')
		return NULL;
	self = hermes_gateway_report_alloc(profile);
	if (properties == NULL) {
		hermes_gateway_report_diagnose(self, NULL, NULL);
		return self;
	}
	if (g_variant_dict_lookup(dict, "Registered", "b", &registered) && registered) {
		self->status = hermes_gateway_report_status_from_dbus(profile, dict);
		self->reason = hermes_gateway_status_get_reason(self->status, &self->reason_text);
	} else {
		/* without a slot only the report can explain it (a multiplexed profile) */
		self->reason = hermes_gateway_reason_from_string(
			hermes_gateway_report_dict_string(dict, "Reason"));
		self->reason_text = hermes_gateway_report_dict_dup(dict, "ReasonText");
	}
	self->desired = hermes_gateway_report_dict_dup(dict, "DesiredState");
	self->runtime = hermes_gateway_report_dict_dup(dict, "RuntimeState");
	if (g_variant_dict_lookup(dict, "Port", "u", &port) && port > 0)
		self->port = port;
	hermes_gateway_report_problems_from_dbus(self, dict);
	hermes_gateway_report_error_from_problems(self);
	return self;
}

/*****************************************************************************/
/* JSON */

static void
hermes_gateway_report_set_string_or_null(JsonObject *obj, const gchar *name, const gchar *value)
{
	if (value != NULL)
		json_object_set_string_member(obj, name, value);
	else
		json_object_set_null_member(obj, name);
}

static JsonArray *
hermes_gateway_report_problems_to_json(const HermesGatewayReport *self)
{
	JsonArray *array = json_array_new();
	for (guint i = 0; i < self->problems->len; i++) {
		HermesGatewayProblem *problem = g_ptr_array_index(self->problems, i);
		JsonObject *obj = json_object_new();
		json_object_set_string_member(obj,
					      "code",
					      hermes_gateway_problem_code_to_string(
						      hermes_gateway_problem_get_code(problem)));
		json_object_set_string_member(
			obj, "text", hermes_gateway_problem_get_text(problem));
		hermes_gateway_report_set_string_or_null(
			obj, "fix", hermes_gateway_problem_get_fix(problem));
		json_array_add_object_element(array, obj);
	}
	return array;
}

/**
 * hermes_gateway_report_to_json:
 * @self: a #HermesGatewayReport
 *
 * One member of the `gateways` array of `hermes status --json`: the
 * members of hermes_gateway_status_to_json() (only `profile` and `state`
 * without a status), then `registered`, `desired_state`, `runtime_state`,
 * `port`, `warnings` (the problems' lines), `reason` and `problems`.
 * Unknown values are `null`.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
hermes_gateway_report_to_json(const HermesGatewayReport *self)
{
	JsonNode *node;
	JsonObject *obj;
	JsonArray *warnings;

	g_return_val_if_fail(self != NULL, NULL);
	if (self->status != NULL) {
		node = hermes_gateway_status_to_json(self->status);
		obj = json_node_get_object(node);
	} else {
		node = json_node_new(JSON_NODE_OBJECT);
		obj = json_object_new();
		json_node_take_object(node, obj);
		json_object_set_string_member(obj, "profile", self->profile);
		json_object_set_string_member(obj, "state", "unregistered");
	}
	json_object_set_boolean_member(obj, "registered", self->status != NULL);
	hermes_gateway_report_set_string_or_null(obj, "desired_state", self->desired);
	hermes_gateway_report_set_string_or_null(obj, "runtime_state", self->runtime);
	if (self->port > 0)
		json_object_set_int_member(obj, "port", self->port);
	else
		json_object_set_null_member(obj, "port");
	warnings = json_array_new();
	for (guint i = 0; i < self->problems->len; i++) {
		HermesGatewayProblem *problem = g_ptr_array_index(self->problems, i);
		json_array_add_string_element(warnings, hermes_gateway_problem_get_text(problem));
	}
	json_object_set_array_member(obj, "warnings", warnings);
	if (self->reason != HERMES_GATEWAY_REASON_NONE) {
		JsonObject *reason = json_object_new();
		json_object_set_string_member(
			reason, "code", hermes_gateway_reason_to_string(self->reason));
		hermes_gateway_report_set_string_or_null(reason, "text", self->reason_text);
		json_object_set_object_member(obj, "reason", reason);
	} else {
		json_object_set_null_member(obj, "reason");
	}
	json_object_set_array_member(obj, "problems", hermes_gateway_report_problems_to_json(self));
	/* only when a door asked the cluster: the document is unchanged otherwise */
	if (self->node != NULL)
		json_object_set_string_member(obj, "node", self->node);
	return node;
}

/**
 * hermes_gateway_report_list_to_json:
 * @backend: (nullable): the backend's name
 * @mode: (nullable): how it runs
 * @reports: (element-type HermesGatewayReport): the rows
 *
 * The document of `hermes status --json`, hermes-svcd's `/api/gateways`
 * and every other door that lists gateways: `manager` (`backend`, `mode`)
 * and `gateways`, one hermes_gateway_report_to_json() each.
 *
 * Returns: (transfer full): the JSON object
 */
JsonNode *
hermes_gateway_report_list_to_json(const gchar *backend, const gchar *mode, GPtrArray *reports)
{
	JsonNode *root = json_node_new(JSON_NODE_OBJECT);
	JsonObject *obj = json_object_new();
	JsonObject *manager = json_object_new();
	JsonArray *gateways = json_array_new();

	g_return_val_if_fail(reports != NULL, NULL);
	json_node_take_object(root, obj);
	if (backend != NULL)
		json_object_set_string_member(manager, "backend", backend);
	else
		json_object_set_null_member(manager, "backend");
	if (mode != NULL && mode[0] != '\0')
		json_object_set_string_member(manager, "mode", mode);
	else
		json_object_set_null_member(manager, "mode");
	json_object_set_object_member(obj, "manager", manager);
	for (guint i = 0; i < reports->len; i++)
		json_array_add_element(
			gateways, hermes_gateway_report_to_json(g_ptr_array_index(reports, i)));
	json_object_set_array_member(obj, "gateways", gateways);
	return root;
}
