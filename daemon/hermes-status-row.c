/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A gateway's properties on the bus (ai.hermes.ServiceManager1.Gateway),
 * made from its row, the HermesGatewayReport the status service keeps,
 * whenever they are asked for: nothing of them is stored. They are the
 * report's fields as hermes_gateway_report_new_from_dbus() reads them back
 * (`hermes status --dbus`), with the values the generated skeleton held
 * when a field is unknown.
 */

#include "config.h"

#include "hermes-dbus-generated.h"
#include "hermes-status-service-private.h"

/* the properties of ai.hermes.ServiceManager1.Gateway, in the order of the XML */
typedef enum {
	HERMES_STATUS_ROW_PROFILE,
	HERMES_STATUS_ROW_REGISTERED,
	HERMES_STATUS_ROW_STATE,
	HERMES_STATUS_ROW_WANTED,
	HERMES_STATUS_ROW_DESIRED_STATE,
	HERMES_STATUS_ROW_RUNTIME_STATE,
	HERMES_STATUS_ROW_PID,
	HERMES_STATUS_ROW_SINCE,
	HERMES_STATUS_ROW_READY,
	HERMES_STATUS_ROW_READY_SINCE,
	HERMES_STATUS_ROW_LAST_EXIT,
	HERMES_STATUS_ROW_RESTARTS,
	HERMES_STATUS_ROW_PORT,
	HERMES_STATUS_ROW_PROBLEM,
	HERMES_STATUS_ROW_PROBLEMS,
	HERMES_STATUS_ROW_REASON,
	HERMES_STATUS_ROW_REASON_TEXT,
	HERMES_STATUS_ROW_DETAILS,
	HERMES_STATUS_ROW_LAST
} HermesStatusRowProperty;

static const gchar *const hermes_status_row_names[] = {
	"Profile",
	"Registered",
	"State",
	"Wanted",
	"DesiredState",
	"RuntimeState",
	"Pid",
	"Since",
	"Ready",
	"ReadySince",
	"LastExit",
	"Restarts",
	"Port",
	"Problem",
	"Problems",
	"Reason",
	"ReasonText",
	"Details",
};
G_STATIC_ASSERT(G_N_ELEMENTS(hermes_status_row_names) == HERMES_STATUS_ROW_LAST);

/* the table above against the XML the code was generated from, which may grow */
gboolean
hermes_status_row_names_match(void)
{
	GDBusPropertyInfo **properties =
		hermes_dbus_service_manager1_gateway_interface_info()->properties;
	guint i;
	for (i = 0; properties[i] != NULL; i++) {
		if (i >= HERMES_STATUS_ROW_LAST ||
		    g_strcmp0(properties[i]->name, hermes_status_row_names[i]) != 0)
			return FALSE;
	}
	return i == HERMES_STATUS_ROW_LAST;
}

static GVariant *
hermes_status_row_problems(HermesGatewayReport *report)
{
	GPtrArray *problems = hermes_gateway_report_get_problems(report);
	g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a(sss)"));
	for (guint i = 0; i < problems->len; i++) {
		HermesGatewayProblem *problem = g_ptr_array_index(problems, i);
		const gchar *fix = hermes_gateway_problem_get_fix(problem);
		g_variant_builder_add(&builder,
				      "(sss)",
				      hermes_gateway_problem_code_to_string(
					      hermes_gateway_problem_get_code(problem)),
				      hermes_gateway_problem_get_text(problem),
				      fix != NULL ? fix : "");
	}
	return g_variant_builder_end(&builder);
}

static GVariant *
hermes_status_row_details(HermesGatewayStatus *status)
{
	g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
	g_auto(GStrv) keys = status != NULL ? hermes_gateway_status_get_raw_keys(status) : NULL;
	for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
		g_variant_builder_add(
			&builder, "{ss}", keys[i], hermes_gateway_status_get_raw(status, keys[i]));
	return g_variant_builder_end(&builder);
}

/* what the supervisor said, @status, or the same "unknown"s when it said nothing */
static GVariant *
hermes_status_row_status_value(HermesGatewayStatus *status, HermesStatusRowProperty prop)
{
	gboolean known = status != NULL;
	switch (prop) {
	case HERMES_STATUS_ROW_REGISTERED:
		return g_variant_new_boolean(known);
	case HERMES_STATUS_ROW_WANTED:
		return g_variant_new_string(hermes_gateway_wanted_to_string(
			known ? hermes_gateway_status_get_wanted(status)
			      : HERMES_GATEWAY_WANTED_UNKNOWN));
	case HERMES_STATUS_ROW_PID:
		return g_variant_new_int64(known ? hermes_gateway_status_get_pid(status) : -1);
	case HERMES_STATUS_ROW_SINCE:
		return g_variant_new_int64(known ? MAX(hermes_gateway_status_get_since(status), 0)
						 : 0);
	case HERMES_STATUS_ROW_READY:
		return g_variant_new_string(hermes_tristate_to_string(
			known ? hermes_gateway_status_get_ready(status) : HERMES_TRISTATE_UNKNOWN));
	case HERMES_STATUS_ROW_READY_SINCE:
		return g_variant_new_int64(
			known ? MAX(hermes_gateway_status_get_ready_since(status), 0) : 0);
	case HERMES_STATUS_ROW_LAST_EXIT:
		return g_variant_new("(ii)",
				     known ? hermes_gateway_status_get_last_exit_code(status) : -1,
				     known ? hermes_gateway_status_get_last_signal(status) : 0);
	case HERMES_STATUS_ROW_RESTARTS:
		return g_variant_new_int32(known ? hermes_gateway_status_get_restarts(status) : -1);
	case HERMES_STATUS_ROW_DETAILS:
		return hermes_status_row_details(status);
	case HERMES_STATUS_ROW_PROFILE:
	case HERMES_STATUS_ROW_STATE:
	case HERMES_STATUS_ROW_DESIRED_STATE:
	case HERMES_STATUS_ROW_RUNTIME_STATE:
	case HERMES_STATUS_ROW_PORT:
	case HERMES_STATUS_ROW_PROBLEM:
	case HERMES_STATUS_ROW_PROBLEMS:
	case HERMES_STATUS_ROW_REASON:
	case HERMES_STATUS_ROW_REASON_TEXT:
	case HERMES_STATUS_ROW_LAST:
	default:
		break;
	}
	g_return_val_if_reached(NULL);
}

/* one property of @report, as hermes_gateway_report_new_from_dbus() reads it back */
static GVariant *
hermes_status_row_value(HermesGatewayReport *report, HermesStatusRowProperty prop)
{
	const gchar *text = NULL;
	HermesGatewayReason reason;
	switch (prop) {
	case HERMES_STATUS_ROW_PROFILE:
		return g_variant_new_string(hermes_gateway_report_get_profile(report));
	case HERMES_STATUS_ROW_STATE:
		return g_variant_new_string(hermes_gateway_report_get_state(report));
	case HERMES_STATUS_ROW_DESIRED_STATE:
		text = hermes_gateway_report_get_desired_state(report);
		return g_variant_new_string(text != NULL ? text : "");
	case HERMES_STATUS_ROW_RUNTIME_STATE:
		text = hermes_gateway_report_get_runtime_state(report);
		return g_variant_new_string(text != NULL ? text : "");
	case HERMES_STATUS_ROW_PORT: {
		gint64 port = hermes_gateway_report_get_port(report);
		return g_variant_new_uint32(port > 0 ? (guint32)port : 0);
	}
	case HERMES_STATUS_ROW_PROBLEM: {
		g_auto(GStrv) texts = hermes_gateway_report_get_problem_texts(report);
		return g_variant_new_take_string(g_strjoinv("\n", texts));
	}
	case HERMES_STATUS_ROW_PROBLEMS:
		return hermes_status_row_problems(report);
	case HERMES_STATUS_ROW_REASON:
		reason = hermes_gateway_report_get_reason(report, NULL);
		return g_variant_new_string(hermes_gateway_reason_to_string(reason));
	case HERMES_STATUS_ROW_REASON_TEXT:
		hermes_gateway_report_get_reason(report, &text);
		return g_variant_new_string(text != NULL ? text : "");
	case HERMES_STATUS_ROW_REGISTERED:
	case HERMES_STATUS_ROW_WANTED:
	case HERMES_STATUS_ROW_PID:
	case HERMES_STATUS_ROW_SINCE:
	case HERMES_STATUS_ROW_READY:
	case HERMES_STATUS_ROW_READY_SINCE:
	case HERMES_STATUS_ROW_LAST_EXIT:
	case HERMES_STATUS_ROW_RESTARTS:
	case HERMES_STATUS_ROW_DETAILS:
	case HERMES_STATUS_ROW_LAST:
	default:
		break;
	}
	return hermes_status_row_status_value(hermes_gateway_report_get_status(report), prop);
}

/* every property of @report, as GetAll has them */
static GVariant *
hermes_status_row_properties(HermesGatewayReport *report)
{
	GVariantBuilder builder;
	g_variant_builder_init(&builder, G_VARIANT_TYPE_VARDICT);
	for (guint i = 0; i < HERMES_STATUS_ROW_LAST; i++)
		g_variant_builder_add(&builder,
				      "{sv}",
				      hermes_status_row_names[i],
				      hermes_status_row_value(report, i));
	return g_variant_builder_end(&builder);
}

/* the one interface of a gateway with its properties, as InterfacesAdded has it */
GVariant *
hermes_status_row_interfaces(HermesGatewayReport *report)
{
	GVariantBuilder builder;
	g_variant_builder_init(&builder, G_VARIANT_TYPE("a{sa{sv}}"));
	g_variant_builder_add(&builder,
			      "{s@a{sv}}",
			      HERMES_STATUS_SERVICE_GATEWAY_INTERFACE,
			      hermes_status_row_properties(report));
	return g_variant_builder_end(&builder);
}

/* one property of @report by its name; %NULL for a name the interface does not have */
GVariant *
hermes_status_row_get(HermesGatewayReport *report, const gchar *name)
{
	for (guint i = 0; i < HERMES_STATUS_ROW_LAST; i++) {
		if (g_strcmp0(name, hermes_status_row_names[i]) == 0)
			return hermes_status_row_value(report, i);
	}
	return NULL;
}

/*
 * What differs between @before and @after: the a{sv} of PropertiesChanged,
 * %NULL when nothing does. Each property is compared as the generated
 * skeleton's setters compared them, value for value.
 */
GVariant *
hermes_status_row_diff(HermesGatewayReport *before, HermesGatewayReport *after)
{
	g_auto(GVariantBuilder) changed = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
	guint n_changed = 0;

	for (guint i = 0; i < HERMES_STATUS_ROW_LAST; i++) {
		g_autoptr(GVariant) old_value =
			g_variant_ref_sink(hermes_status_row_value(before, i));
		g_autoptr(GVariant) new_value =
			g_variant_ref_sink(hermes_status_row_value(after, i));
		if (g_variant_equal(old_value, new_value))
			continue;
		g_variant_builder_add(&changed, "{sv}", hermes_status_row_names[i], new_value);
		n_changed++;
	}
	return n_changed > 0 ? g_variant_builder_end(&changed) : NULL;
}
