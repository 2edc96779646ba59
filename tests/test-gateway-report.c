/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* HermesGatewayReport over the fake backend, loaded by the real loader */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	HermesContext *ctx;
	HermesServiceManager *manager;
	HermesGatewayReport *report;
	GPtrArray *reports;
	JsonNode *json;
	gchar *text;
	GError *error;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree gchar *path = g_strdup_printf("%s:%s",
						 hermes_test_env("HERMES_TEST_PLUGIN_DIR"),
						 hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	f->tmp = hermes_test_mkdtemp();
	f->ctx = hermes_context_new();
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", path);
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->tmp);
	hermes_context_setenv(f->ctx, "HERMES_SUPERVISED_CHILD", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_REGISTRATION", NULL);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	g_clear_pointer(&f->report, hermes_gateway_report_unref);
	g_clear_pointer(&f->reports, g_ptr_array_unref);
	g_clear_pointer(&f->json, json_node_unref);
	g_clear_pointer(&f->text, g_free);
	g_clear_error(&f->error);
	g_clear_object(&f->manager);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f);
	return 0;
}

static void
use_fake(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	f->manager = hermes_backend_loader_new_manager(f->ctx, "fake", &error);
	hermes_assert_no_error(error);
}

static void
create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) p = hermes_profile_create(f->ctx, name, &error);
	hermes_assert_no_error(error);
	assert_non_null(p);
}

static gchar *
home_file(Fixture *f, const gchar *name, const gchar *file)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(f->ctx, name, NULL);
	return g_build_filename(hermes_profile_get_home(p), file, NULL);
}

static void
write_state(Fixture *f, const gchar *name, const gchar *json)
{
	g_autofree gchar *path = home_file(f, name, "gateway_state.json");
	hermes_test_write_file(path, json, 0644);
}

static HermesGatewayReport *
report_of(Fixture *f, const gchar *profile)
{
	g_clear_pointer(&f->report, hermes_gateway_report_unref);
	f->report = hermes_gateway_report_new(f->manager, profile, NULL, NULL);
	return f->report;
}

/* the only problem of @report, checked for code, text and fix */
static void
assert_problem(HermesGatewayReport *report,
	       guint index,
	       HermesGatewayProblemCode code,
	       const gchar *text,
	       const gchar *fix)
{
	GPtrArray *problems = hermes_gateway_report_get_problems(report);
	HermesGatewayProblem *problem;
	assert_true(index < problems->len);
	problem = g_ptr_array_index(problems, index);
	assert_int_equal(hermes_gateway_problem_get_code(problem), code);
	hermes_assert_str_contains(hermes_gateway_problem_get_text(problem), text);
	if (fix == NULL)
		assert_null(hermes_gateway_problem_get_fix(problem));
	else
		hermes_assert_str_contains(hermes_gateway_problem_get_fix(problem), fix);
}

static void
test_report_parked_with_reason(void **state)
{
	Fixture *f = *state;
	const gchar *text = NULL;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "alpha=parked,beta=failed");
	use_fake(f);

	report_of(f, "alpha");
	assert_true(hermes_gateway_report_get_registered(f->report));
	assert_string_equal(hermes_gateway_report_get_state(f->report), "parked");
	assert_int_equal(hermes_gateway_report_get_reason(f->report, &text),
			 HERMES_GATEWAY_REASON_CRASH_LOOP);
	assert_string_equal(text, "5 deaths within 60 s (fake)");
	assert_int_equal(hermes_gateway_report_get_problems(f->report)->len, 1);
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_PARKED,
		       "parked: 5 deaths within 60 s (fake)",
		       "hermes -p alpha gateway restart");

	/* no typed reason from the backend: core explains it from the exit code */
	report_of(f, "beta");
	assert_int_equal(hermes_gateway_report_get_reason(f->report, NULL),
			 HERMES_GATEWAY_REASON_FATAL_CONFIG);
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_FAILED,
		       "failed: exited 78 (fatal configuration error)",
		       "hermes -p beta gateway restart");
}

static void
test_report_meant_to_run(void **state)
{
	Fixture *f = *state;
	HermesIntentSource source = HERMES_INTENT_SOURCE_NONE;
	create_profile(f, "demo");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	use_fake(f);

	/* nothing recorded: nothing wrong */
	report_of(f, "demo");
	assert_int_equal(hermes_gateway_report_get_problems(f->report)->len, 0);
	assert_true(hermes_gateway_report_is_healthy(f->report, NULL));

	write_state(f, "demo", "{\"desired_state\":\"running\",\"port\":9300}");
	report_of(f, "demo");
	assert_int_equal(hermes_gateway_report_get_intent(f->report, &source), HERMES_INTENT_RUN);
	assert_int_equal(source, HERMES_INTENT_SOURCE_DESIRED);
	assert_string_equal(hermes_gateway_report_get_desired_state(f->report), "running");
	assert_int_equal(hermes_gateway_report_get_port(f->report), 9300);
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_NOT_UP,
		       "meant to run (desired_state=running) but not up",
		       "hermes -p demo gateway start");
	assert_false(hermes_gateway_report_is_healthy(f->report, &f->text));
	assert_string_equal(
		f->text, "gateway 'demo' is down; meant to run (desired_state=running) but not up");

	/* the gateway's own record counts when the operator left none */
	write_state(f, "demo", "{\"gateway_state\":\"running\"}");
	report_of(f, "demo");
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_NOT_UP,
		       "meant to run (gateway_state=running) but not up",
		       "gateway start");
}

static void
test_report_port_collision(void **state)
{
	Fixture *f = *state;
	const gchar *names[] = {"port", "b", "c"};
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		create_profile(f, names[i]);
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *env = home_file(f, names[i], ".env");
		hermes_test_write_file(env, "API_SERVER_PORT=8642\n", 0600);
	}
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "port,b,c");
	use_fake(f);

	f->reports = hermes_gateway_report_collect(f->manager, NULL, NULL, &f->error);
	hermes_assert_no_error(f->error);
	/* default first (it has no slot yet), then by name */
	assert_int_equal(f->reports->len, 4);
	assert_string_equal(hermes_gateway_report_get_profile(g_ptr_array_index(f->reports, 0)),
			    "default");
	assert_string_equal(hermes_gateway_report_get_profile(g_ptr_array_index(f->reports, 1)),
			    "b");
	for (guint i = 1; i < f->reports->len; i++) {
		HermesGatewayReport *report = g_ptr_array_index(f->reports, i);
		const gchar *profile = hermes_gateway_report_get_profile(report);
		GPtrArray *problems = hermes_gateway_report_get_problems(report);
		if (g_strcmp0(profile, "c") == 0) {
			assert_int_equal(problems->len, 0);
			continue;
		}
		assert_int_equal(problems->len, 1);
		assert_problem(report,
			       0,
			       HERMES_GATEWAY_PROBLEM_PORT_COLLISION,
			       "port collision: profiles b and port both use port 8642",
			       "set a free API_SERVER_PORT in ");
	}

	/* the same rows from a table read once, which the caller keeps current */
	{
		g_autoptr(HermesPortTable) ports = hermes_port_table_new(f->ctx, &f->error);
		g_autoptr(GPtrArray) rows = NULL;
		g_autofree gchar *env = home_file(f, "b", ".env");
		hermes_assert_no_error(f->error);
		rows = hermes_gateway_report_collect_with_ports(f->manager, ports, NULL, &f->error);
		hermes_assert_no_error(f->error);
		assert_int_equal(rows->len, f->reports->len);
		for (guint i = 0; i < rows->len; i++) {
			HermesGatewayReport *a = g_ptr_array_index(rows, i);
			HermesGatewayReport *b = g_ptr_array_index(f->reports, i);
			assert_string_equal(hermes_gateway_report_get_profile(a),
					    hermes_gateway_report_get_profile(b));
			assert_int_equal(hermes_gateway_report_get_problems(a)->len,
					 hermes_gateway_report_get_problems(b)->len);
		}
		/* b moves off the port: the table says so once b is read again */
		hermes_test_write_file(env, "API_SERVER_PORT=8643\n", 0600);
		g_clear_pointer(&f->report, hermes_gateway_report_unref);
		f->report =
			hermes_gateway_report_new_with_ports(f->manager, "port", NULL, ports, NULL);
		assert_int_equal(hermes_gateway_report_get_problems(f->report)->len, 1);
		g_strfreev(hermes_port_table_update(ports, "b"));
		g_clear_pointer(&f->report, hermes_gateway_report_unref);
		f->report =
			hermes_gateway_report_new_with_ports(f->manager, "port", NULL, ports, NULL);
		assert_int_equal(hermes_gateway_report_get_problems(f->report)->len, 0);
	}
}

/* a pid that surely is gone: a child that exited and was reaped */
static gint64
dead_pid(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

static void
test_report_stale_runtime(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *json = NULL;
	create_profile(f, "demo");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	use_fake(f);
	json = g_strdup_printf("{\"desired_state\":\"stopped\",\"gateway_state\":\"running\","
			       "\"pid\":%" G_GINT64_FORMAT "}",
			       dead_pid());
	write_state(f, "demo", json);
	report_of(f, "demo");
	assert_int_equal(hermes_gateway_report_get_problems(f->report)->len, 1);
	/* not meant to run: nothing to restart, the record is just old */
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_STALE_RUNTIME,
		       "stale runtime state: gateway_state=running but pid ",
		       NULL);
	assert_true(hermes_gateway_report_is_healthy(f->report, NULL));
	assert_string_equal(hermes_gateway_report_get_runtime_state(f->report), "running");
}

static void
test_report_no_slot(void **state)
{
	Fixture *f = *state;
	create_profile(f, "demo");
	use_fake(f);
	report_of(f, "demo");
	assert_false(hermes_gateway_report_get_registered(f->report));
	assert_null(hermes_gateway_report_get_status(f->report));
	assert_string_equal(hermes_gateway_report_get_state(f->report), "unregistered");
	assert_true(hermes_gateway_report_propagate_error(f->report, &f->error));
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_NO_SLOT,
		       "no slot with the supervisor: 'hermes gateway start' registers one",
		       "hermes -p demo gateway start");

	/* the D-Bus door says the same for a profile the daemon has no object for */
	g_clear_pointer(&f->report, hermes_gateway_report_unref);
	f->report = hermes_gateway_report_new_from_dbus("demo", NULL);
	assert_string_equal(hermes_gateway_report_get_state(f->report), "unregistered");
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_NO_SLOT,
		       "no slot with the supervisor",
		       "hermes -p demo gateway start");
}

static void
test_report_supervisor_gone(void **state)
{
	Fixture *f = *state;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "alpha");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "gone");
	use_fake(f);
	report_of(f, "alpha");
	assert_false(hermes_gateway_report_get_registered(f->report));
	assert_false(hermes_gateway_report_propagate_error(f->report, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	assert_string_equal(f->error->message,
			    "status of gateway 'alpha' failed (backend fake, "
			    "SupervisorUnavailable): the fake supervisor is not running");
	assert_int_equal(hermes_gateway_report_get_problems(f->report)->len, 1);
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_SUPERVISOR_GONE,
		       "the fake supervisor is not running",
		       "hermes supervisor status");

	/* any other failure to read the status */
	g_clear_error(&f->error);
	g_clear_object(&f->manager);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "status:alpha");
	use_fake(f);
	report_of(f, "alpha");
	assert_false(hermes_gateway_report_propagate_error(f->report, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_STATUS_FAILED,
		       "status of gateway 'alpha' failed (backend fake, CommandFailed)",
		       "hermes backends");
}

static void
test_report_state_file(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = NULL;
	create_profile(f, "demo");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	use_fake(f);
	write_state(f, "demo", "{broken");
	report_of(f, "demo");
	path = home_file(f, "demo", "gateway_state.json");
	assert_problem(f->report, 0, HERMES_GATEWAY_PROBLEM_STATE_FILE, path, "rm ");

	/* never read through a link */
	g_assert_no_errno(g_unlink(path));
	g_assert_no_errno(symlink("/etc/hostname", path));
	report_of(f, "demo");
	assert_problem(
		f->report, 0, HERMES_GATEWAY_PROBLEM_STATE_FILE, "is not a regular file", "rm ");
}

/* JSON carries the typed reason and the problems next to the old warnings */
static void
test_report_json(void **state)
{
	Fixture *f = *state;
	JsonObject *obj;
	JsonArray *problems;
	JsonObject *problem;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "alpha=parked");
	use_fake(f);
	report_of(f, "alpha");
	f->json = hermes_gateway_report_to_json(f->report);
	obj = json_node_get_object(f->json);
	assert_string_equal(json_object_get_string_member(obj, "state"), "parked");
	assert_true(json_object_get_boolean_member(obj, "registered"));
	assert_true(json_object_get_null_member(obj, "desired_state"));
	assert_string_equal(
		json_array_get_string_element(json_object_get_array_member(obj, "warnings"), 0),
		"parked: 5 deaths within 60 s (fake)");
	assert_string_equal(
		json_object_get_string_member(json_object_get_object_member(obj, "reason"), "code"),
		"crash-loop");
	problems = json_object_get_array_member(obj, "problems");
	assert_int_equal(json_array_get_length(problems), 1);
	problem = json_array_get_object_element(problems, 0);
	assert_string_equal(json_object_get_string_member(problem, "code"), "parked");
	assert_string_equal(json_object_get_string_member(problem, "fix"),
			    "hermes -p alpha gateway restart");
}

/* the properties hermes-svcd publishes, read back */
static void
test_report_from_dbus(void **state)
{
	Fixture *f = *state;
	g_auto(GVariantBuilder) props = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
	g_auto(GVariantBuilder) problems = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a(sss)"));
	g_autoptr(GVariant) variant = NULL;
	const gchar *text = NULL;

	g_variant_builder_add(&problems,
			      "(sss)",
			      "supervisor-gone",
			      "status of gateway 'alpha' failed",
			      "hermes supervisor start");
	g_variant_builder_add(&problems, "(sss)", "from-the-future", "something new", "");
	g_variant_builder_add(&props, "{sv}", "Profile", g_variant_new_string("alpha"));
	g_variant_builder_add(&props, "{sv}", "Registered", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&props, "{sv}", "State", g_variant_new_string("parked"));
	g_variant_builder_add(&props, "{sv}", "DesiredState", g_variant_new_string(""));
	g_variant_builder_add(&props, "{sv}", "Port", g_variant_new_uint32(9300));
	g_variant_builder_add(&props, "{sv}", "Reason", g_variant_new_string("crash-loop"));
	g_variant_builder_add(&props, "{sv}", "ReasonText", g_variant_new_string("5 deaths"));
	g_variant_builder_add(&props, "{sv}", "Problems", g_variant_builder_end(&problems));
	variant = g_variant_ref_sink(g_variant_builder_end(&props));

	f->report = hermes_gateway_report_new_from_dbus(NULL, variant);
	assert_non_null(f->report);
	assert_string_equal(hermes_gateway_report_get_profile(f->report), "alpha");
	assert_string_equal(hermes_gateway_report_get_state(f->report), "parked");
	assert_null(hermes_gateway_report_get_desired_state(f->report));
	assert_int_equal(hermes_gateway_report_get_port(f->report), 9300);
	assert_int_equal(hermes_gateway_report_get_reason(f->report, &text),
			 HERMES_GATEWAY_REASON_CRASH_LOOP);
	assert_string_equal(text, "5 deaths");
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_SUPERVISOR_GONE,
		       "status of gateway 'alpha' failed",
		       "hermes supervisor start");
	assert_problem(f->report, 1, HERMES_GATEWAY_PROBLEM_OTHER, "something new", NULL);
	assert_false(hermes_gateway_report_propagate_error(f->report, &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
}

/* one name rule for every door: upstream's whitespace and case, then validation */
static void
test_report_profile_normalize(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *coder = hermes_profile_name_normalize(" Coder\t", &f->error);
	g_autofree gchar *standard = hermes_profile_name_normalize("Default", &f->error);
	hermes_assert_no_error(f->error);
	assert_string_equal(coder, "coder");
	assert_string_equal(standard, "default");
	assert_null(hermes_profile_name_normalize("no way", &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&f->error);
	assert_null(hermes_profile_name_normalize("  ", &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
}

static HermesGatewayReport *
row_named(GPtrArray *rows, const gchar *profile)
{
	for (guint i = 0; i < rows->len; i++) {
		HermesGatewayReport *row = g_ptr_array_index(rows, i);
		if (g_strcmp0(hermes_gateway_report_get_profile(row), profile) == 0)
			return row;
	}
	fail_msg("no row for '%s'", profile);
	return NULL;
}

/* the reason of @report is the multiplexer's, and it has no problem */
static void
assert_multiplexed(HermesGatewayReport *report)
{
	const gchar *text = NULL;
	assert_int_equal(hermes_gateway_report_get_reason(report, &text),
			 HERMES_GATEWAY_REASON_MULTIPLEXED);
	hermes_assert_str_contains(text,
				   "served by the default profile's gateway (multiplexing is on: "
				   "gateway.multiplex_profiles in ");
	assert_int_equal(hermes_gateway_report_get_problems(report)->len, 0);
}

/*
 * hermes-agent's multiplexer on: a named gateway that is down (or has no
 * slot) is no problem, the reason says who serves it, and its health is the
 * default gateway's; one forced up is reported as any other
 */
static void
test_report_multiplexed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *config = g_build_filename(f->tmp, "config.yaml", NULL);
	g_autofree gchar *why = NULL;
	HermesGatewayReport *coder;

	create_profile(f, "coder");
	create_profile(f, "bare");
	create_profile(f, "solo");
	hermes_test_write_file(config, "gateway:\n  multiplex_profiles: true\n", 0644);
	write_state(f, "coder", "{\"desired_state\":\"running\"}");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "coder,default");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "solo=up");
	use_fake(f);

	f->reports = hermes_gateway_report_collect(f->manager, NULL, NULL, &f->error);
	hermes_assert_no_error(f->error);
	coder = row_named(f->reports, "coder");
	assert_string_equal(hermes_gateway_report_get_state(coder), "down");
	assert_multiplexed(coder);
	assert_multiplexed(row_named(f->reports, "bare"));
	assert_int_equal(hermes_gateway_report_get_reason(row_named(f->reports, "solo"), NULL),
			 HERMES_GATEWAY_REASON_NONE);
	/* meant to run, served by a gateway that is down: unhealthy, and it says why */
	assert_false(hermes_gateway_report_is_healthy(coder, &why));
	assert_string_equal(
		why, "gateway 'coder' is served by the default profile's gateway, which is down");
	f->json = hermes_gateway_report_to_json(coder);
	f->text = json_to_string(f->json, FALSE);
	hermes_assert_str_contains(f->text, "\"reason\":{\"code\":\"multiplexed\"");
	hermes_assert_str_contains(f->text, "\"problems\":[]");

	/* once the default gateway is up, coder is healthy; one report alone says the same */
	assert_true(hermes_service_manager_start(f->manager, "default", NULL, &f->error));
	hermes_assert_no_error(f->error);
	report_of(f, "coder");
	assert_multiplexed(f->report);
	assert_true(hermes_gateway_report_is_healthy(f->report, NULL));

	/* the variable turns it off: coder is a gateway meant to run that is not up again */
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", "0");
	report_of(f, "coder");
	assert_problem(f->report,
		       0,
		       HERMES_GATEWAY_PROBLEM_NOT_UP,
		       "meant to run (desired_state=running) but not up",
		       "hermes -p coder gateway start");
	assert_false(hermes_gateway_report_is_healthy(f->report, NULL));
}

/* hermes-svcd publishes the reason of a multiplexed profile without a slot too */
static void
test_report_multiplexed_from_dbus(void **state)
{
	Fixture *f = *state;
	g_auto(GVariantBuilder) props = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) variant = NULL;
	const gchar *text = NULL;

	g_variant_builder_add(&props, "{sv}", "Profile", g_variant_new_string("bare"));
	g_variant_builder_add(&props, "{sv}", "Registered", g_variant_new_boolean(FALSE));
	g_variant_builder_add(&props, "{sv}", "Reason", g_variant_new_string("multiplexed"));
	g_variant_builder_add(
		&props, "{sv}", "ReasonText", g_variant_new_string("served by the default"));
	variant = g_variant_ref_sink(g_variant_builder_end(&props));
	f->report = hermes_gateway_report_new_from_dbus(NULL, variant);
	assert_string_equal(hermes_gateway_report_get_state(f->report), "unregistered");
	assert_int_equal(hermes_gateway_report_get_reason(f->report, &text),
			 HERMES_GATEWAY_REASON_MULTIPLEXED);
	assert_string_equal(text, "served by the default");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_report_parked_with_reason, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_meant_to_run, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_port_collision, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_stale_runtime, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_no_slot, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_supervisor_gone, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_state_file, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_report_json, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_from_dbus, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_profile_normalize, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_multiplexed, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_report_multiplexed_from_dbus, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
