/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* HermesGatewayControl over the fake backend, loaded by the real loader */

#include "config.h"

#include <glib/gstdio.h>

#include "hermes-home-lock.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	HermesContext *ctx;
	HermesServiceManager *manager;
	HermesGatewayControl *control;
	HermesGatewayResult *result;
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
	hermes_context_setenv(f->ctx, "HERMES_FAKE_REGISTRATION", NULL);
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", NULL);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	g_clear_pointer(&f->result, hermes_gateway_result_unref);
	g_clear_error(&f->error);
	g_clear_object(&f->control);
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
	f->control = hermes_gateway_control_new(f->manager);
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
home_of(Fixture *f, const gchar *name)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(f->ctx, name, NULL);
	return g_strdup(hermes_profile_get_home(p));
}

static gchar *
desired_of(Fixture *f, const gchar *name)
{
	g_autofree gchar *home = home_of(f, name);
	return hermes_gateway_state_get_desired(home);
}

static HermesGatewayResult *
act(Fixture *f, HermesGatewayAction action, const gchar *profile)
{
	g_clear_pointer(&f->result, hermes_gateway_result_unref);
	g_clear_error(&f->error);
	f->result = hermes_gateway_control_run(f->control, action, profile, 0, NULL);
	hermes_gateway_result_propagate_error(f->result, &f->error);
	return f->result;
}

/* a profile without a slot is registered, its intent recorded, then started */
static void
test_control_start_registers(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *desired = NULL;

	create_profile(f, "demo");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_no_error(f->error);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result), HERMES_GATEWAY_OUTCOME_DONE);
	assert_int_equal(hermes_gateway_result_get_action(f->result), HERMES_GATEWAY_ACTION_START);
	assert_true(hermes_gateway_result_get_registered(f->result));
	assert_string_equal(hermes_gateway_result_get_message(f->result),
			    "Started gateway 'demo' (backend fake)");
	hermes_assert_str_contains(hermes_gateway_result_get_notes(f->result)[0],
				   "Registered gateway 'demo' with fake");
	status = hermes_service_manager_get_status(f->manager, "demo", NULL, &f->error);
	hermes_assert_no_error(f->error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "running");

	/* a second start finds the slot: nothing registered, the running gateway kept */
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_no_error(f->error);
	assert_false(hermes_gateway_result_get_registered(f->result));
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = hermes_service_manager_get_status(f->manager, "demo", NULL, &f->error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
}

/* start brings an existing slot up to date first; when that fails nothing is signalled */
static void
test_control_start_refreshes(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *desired = NULL;

	create_profile(f, "demo");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "register:demo");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result),
			 HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED);
	hermes_assert_str_contains(hermes_gateway_result_get_message(f->result),
				   "cannot bring the registration of gateway 'demo' up to date");
	status = hermes_service_manager_get_status(f->manager, "demo", NULL, &f->error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	/* not attempted: the intent is not touched */
	desired = desired_of(f, "demo");
	assert_null(desired);
}

/* names are normalised as upstream does, then validated */
static void
test_control_names(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *name = NULL;

	name = hermes_gateway_control_normalize_name("  Coder\t", &f->error);
	hermes_assert_no_error(f->error);
	assert_string_equal(name, "coder");
	g_clear_pointer(&name, g_free);
	name = hermes_gateway_control_normalize_name("DEFAULT", &f->error);
	assert_string_equal(name, "default");
	g_clear_pointer(&name, g_free);
	assert_null(hermes_gateway_control_normalize_name("no way", &f->error));
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&f->error);

	create_profile(f, "coder");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, " Coder ");
	hermes_assert_no_error(f->error);
	assert_string_equal(hermes_gateway_result_get_profile(f->result), "coder");
	act(f, HERMES_GATEWAY_ACTION_STOP, "../etc");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result),
			 HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED);
}

/* a refusal puts the intent and the marker back; a stop writes the planned-stop marker first */
static void
test_control_refused_and_marker(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = NULL;
	g_autofree gchar *marker = NULL;
	g_autofree gchar *other_home = NULL;
	g_autofree gchar *other_marker = NULL;
	g_autofree gchar *desired = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;

	create_profile(f, "demo");
	create_profile(f, "other");
	home = home_of(f, "demo");
	marker = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	other_home = home_of(f, "other");
	other_marker = g_build_filename(other_home, HERMES_PLANNED_STOP_FILE, NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "restart,stop:other");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_no_error(f->error);
	assert_true(hermes_gateway_state_set_desired(home, "stopped", &f->error));

	act(f, HERMES_GATEWAY_ACTION_RESTART, "demo");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result),
			 HERMES_GATEWAY_OUTCOME_REFUSED);
	assert_string_equal(hermes_gateway_result_get_message(f->result),
			    "restart gateway 'demo' failed (backend fake, CommandFailed): fake "
			    "restart failed as asked");
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "stopped");
	g_clear_pointer(&desired, g_free);
	/* the refused restart took its marker back: a later crash must not pass for a stop */
	assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));

	/* the same for a refused stop, and the gateway keeps running */
	act(f, HERMES_GATEWAY_ACTION_START, "other");
	hermes_assert_no_error(f->error);
	act(f, HERMES_GATEWAY_ACTION_STOP, "other");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	assert_false(g_file_test(other_marker, G_FILE_TEST_EXISTS));
	g_clear_error(&f->error);
	status = hermes_service_manager_get_status(f->manager, "other", NULL, &f->error);
	hermes_assert_no_error(f->error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);

	act(f, HERMES_GATEWAY_ACTION_STOP, "demo");
	hermes_assert_no_error(f->error);
	assert_true(g_file_test(marker, G_FILE_TEST_EXISTS));
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "stopped");
	g_clear_pointer(&desired, g_free);

	/* stopping a gateway that is down needs no marker */
	g_unlink(marker);
	act(f, HERMES_GATEWAY_ACTION_STOP, "demo");
	hermes_assert_no_error(f->error);
	assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
}

/* stop and restart from inside a gateway are refused before anything is written */
static void
test_control_inside(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *desired = NULL;

	create_profile(f, "demo");
	hermes_context_setenv(f->ctx, "HERMES_SUPERVISED_CHILD", "1");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_STOP, "demo");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result),
			 HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED);
	desired = desired_of(f, "demo");
	assert_null(desired);
	act(f, HERMES_GATEWAY_ACTION_RESTART, "demo");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_no_error(f->error);
}

/* a corrupt state file: nothing is signalled and the file is left alone */
static void
test_control_corrupt_state(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;

	create_profile(f, "demo");
	home = home_of(f, "demo");
	path = g_build_filename(home, HERMES_GATEWAY_STATE_FILE, NULL);
	hermes_test_write_file(path, "{broken", 0644);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	hermes_assert_str_contains(f->error->message,
				   "start gateway 'demo' not attempted: cannot record");
	status = hermes_service_manager_get_status(f->manager, "demo", NULL, NULL);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	assert_true(g_file_get_contents(path, &contents, NULL, NULL));
	assert_string_equal(contents, "{broken");
}

/* with a timeout the asked state is awaited; without a slot stop is not registered */
static void
test_control_wait_and_no_slot(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *desired = NULL;

	create_profile(f, "demo");
	use_fake(f);
	g_clear_pointer(&f->result, hermes_gateway_result_unref);
	f->result = hermes_gateway_control_run(
		f->control, HERMES_GATEWAY_ACTION_START, "demo", 2000, NULL);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result), HERMES_GATEWAY_OUTCOME_DONE);

	create_profile(f, "bare");
	act(f, HERMES_GATEWAY_ACTION_STOP, "bare");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	assert_false(hermes_gateway_result_get_registered(f->result));
	desired = desired_of(f, "bare");
	assert_null(desired);
}

static void
write_root_config(Fixture *f, const gchar *text)
{
	g_autofree gchar *path = g_build_filename(f->tmp, "config.yaml", NULL);
	hermes_test_write_file(path, text, 0644);
}

static HermesGatewayState
state_of(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status =
		hermes_service_manager_get_status(f->manager, profile, NULL, &error);
	if (status == NULL)
		return HERMES_GATEWAY_STATE_UNKNOWN;
	return hermes_gateway_status_get_state(status);
}

/*
 * hermes-agent's multiplexer on: a named profile is refused start, stop and
 * restart before anything is registered, recorded or signalled; the default
 * profile, whose gateway serves it, is not
 */
static void
test_control_multiplexed_refused(void **state)
{
	Fixture *f = *state;
	const HermesGatewayAction actions[] = {HERMES_GATEWAY_ACTION_START,
					       HERMES_GATEWAY_ACTION_STOP,
					       HERMES_GATEWAY_ACTION_RESTART};
	g_autofree gchar *desired = NULL;
	g_autoptr(GError) error = NULL;

	create_profile(f, "coder");
	create_profile(f, "bare");
	write_root_config(f, "gateway:\n  multiplex_profiles: true\n");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "coder");
	use_fake(f);
	for (guint i = 0; i < G_N_ELEMENTS(actions); i++) {
		act(f, actions[i], "coder");
		hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_CONFIGURATION);
		assert_int_equal(hermes_gateway_result_get_outcome(f->result),
				 HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED);
		hermes_assert_str_contains(f->error->message,
					   "gateway 'coder' refused: the default "
					   "profile's gateway serves it");
		hermes_assert_str_contains(f->error->message,
					   "(multiplexing is on: gateway.multiplex_profiles in ");
		hermes_assert_str_contains(f->error->message, "--force' for one of its own");
		assert_null(strchr(f->error->message, '\n'));
	}
	hermes_assert_str_contains(f->error->message,
				   "use 'hermes gateway restart' for that gateway, or 'hermes -p "
				   "coder gateway restart --force'");
	/* nothing signalled, nothing recorded */
	assert_int_equal(state_of(f, "coder"), HERMES_GATEWAY_STATE_DOWN);
	desired = desired_of(f, "coder");
	assert_null(desired);
	/* and nothing registered for a profile without a slot */
	act(f, HERMES_GATEWAY_ACTION_START, "bare");
	hermes_assert_error(f->error, HERMES_ERROR, HERMES_ERROR_CONFIGURATION);
	assert_false(hermes_gateway_result_get_registered(f->result));
	assert_null(hermes_service_manager_get_status(f->manager, "bare", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	/* the multiplexer itself */
	act(f, HERMES_GATEWAY_ACTION_START, "default");
	hermes_assert_no_error(f->error);
	assert_int_equal(state_of(f, "default"), HERMES_GATEWAY_STATE_UP);
}

/* --force acts on the named profile's own gateway; the variable turns the rule off too */
static void
test_control_multiplexed_force(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *desired = NULL;

	create_profile(f, "coder");
	write_root_config(f, "multiplex_profiles: yes\n");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "coder");
	use_fake(f);
	hermes_gateway_control_set_flags(f->control, HERMES_GATEWAY_CONTROL_FLAG_FORCE);
	act(f, HERMES_GATEWAY_ACTION_START, "coder");
	hermes_assert_no_error(f->error);
	assert_int_equal(state_of(f, "coder"), HERMES_GATEWAY_STATE_UP);
	desired = desired_of(f, "coder");
	assert_string_equal(desired, "running");
	g_clear_pointer(&desired, g_free);
	act(f, HERMES_GATEWAY_ACTION_STOP, "coder");
	hermes_assert_no_error(f->error);
	assert_int_equal(state_of(f, "coder"), HERMES_GATEWAY_STATE_DOWN);

	/* without force, but GATEWAY_MULTIPLEX_PROFILES=0 beats the config */
	g_clear_object(&f->control);
	g_clear_object(&f->manager);
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", "0");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, "coder");
	hermes_assert_no_error(f->error);
	assert_int_equal(state_of(f, "coder"), HERMES_GATEWAY_STATE_UP);
}

typedef struct {
	guint calls;
	guint last_done;
	guint total;
} BatchSeen;

static void
batch_seen_cb(HermesGatewayResult *result, guint done, guint total, gpointer user_data)
{
	BatchSeen *seen = user_data;
	assert_non_null(result);
	seen->calls++;
	/* in the calling thread, counted up one by one */
	assert_int_equal(done, seen->last_done + 1);
	seen->last_done = done;
	seen->total = total;
}

/* many at once: each gets exactly the single action's outcome, in the given order */
static void
test_control_run_many(void **state)
{
	Fixture *f = *state;
	const gchar *names[] = {
		"p1", "Bad/Name", "p2", "p3", " P1 ", "p4", "p5", "p6", "p7", "p8", "p9", NULL};
	g_autoptr(GPtrArray) results = NULL;
	BatchSeen seen = {0};

	for (guint i = 1; i <= 9; i++) {
		g_autofree gchar *name = g_strdup_printf("p%u", i);
		create_profile(f, name);
	}
	use_fake(f);
	results = hermes_gateway_control_run_many(
		f->control, HERMES_GATEWAY_ACTION_START, names, 0, NULL, batch_seen_cb, &seen);
	assert_int_equal(results->len, g_strv_length((gchar **)names));
	/* the invalid name fails alone; " P1 " is p1 again, acted on once */
	assert_int_equal(seen.calls, 10);
	assert_int_equal(seen.total, 10);
	for (guint i = 0; names[i] != NULL; i++) {
		HermesGatewayResult *r = g_ptr_array_index(results, i);
		if (i == 1) {
			assert_int_equal(hermes_gateway_result_get_outcome(r),
					 HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED);
			continue;
		}
		assert_int_equal(hermes_gateway_result_get_outcome(r), HERMES_GATEWAY_OUTCOME_DONE);
		assert_true(hermes_gateway_result_get_action(r) == HERMES_GATEWAY_ACTION_START);
	}
	assert_ptr_equal(g_ptr_array_index(results, 0), g_ptr_array_index(results, 4));
	for (guint i = 1; i <= 9; i++) {
		g_autofree gchar *name = g_strdup_printf("p%u", i);
		g_autofree gchar *desired = desired_of(f, name);
		assert_int_equal(state_of(f, name), HERMES_GATEWAY_STATE_UP);
		assert_string_equal(desired, "running");
	}

	/* and back down, with the stop's planned-stop markers and intents */
	g_clear_pointer(&results, g_ptr_array_unref);
	results = hermes_gateway_control_run_many(
		f->control, HERMES_GATEWAY_ACTION_STOP, names + 2, 0, NULL, NULL, NULL);
	assert_int_equal(results->len, 9);
	for (guint i = 1; i <= 9; i++) {
		g_autofree gchar *name = g_strdup_printf("p%u", i);
		g_autofree gchar *desired = desired_of(f, name);
		assert_int_equal(state_of(f, name), HERMES_GATEWAY_STATE_DOWN);
		assert_string_equal(desired, "stopped");
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

/* a fence does not queue behind the home's lock: held by another (a node of a shared
 * home), an unordered stop still stops; the desired state is still recorded */
static void
test_control_unordered(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesHomeLock) held = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *desired = NULL;

	create_profile(f, "demo");
	use_fake(f);
	act(f, HERMES_GATEWAY_ACTION_START, "demo");
	hermes_assert_no_error(f->error);
	held = hermes_home_lock_acquire(
		f->tmp, f->tmp, HERMES_HOME_LOCK_RECONCILE, 1000, &f->error);
	hermes_assert_no_error(f->error);
	assert_non_null(held);
	hermes_gateway_control_set_flags(f->control, HERMES_GATEWAY_CONTROL_FLAG_UNORDERED);
	act(f, HERMES_GATEWAY_ACTION_STOP, "demo");
	hermes_assert_no_error(f->error);
	assert_int_equal(hermes_gateway_result_get_outcome(f->result), HERMES_GATEWAY_OUTCOME_DONE);
	status = hermes_service_manager_get_status(f->manager, "demo", NULL, &f->error);
	hermes_assert_no_error(f->error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "stopped");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_control_start_registers),
		T(test_control_start_refreshes),
		T(test_control_names),
		T(test_control_refused_and_marker),
		T(test_control_inside),
		T(test_control_corrupt_state),
		T(test_control_wait_and_no_slot),
		T(test_control_multiplexed_refused),
		T(test_control_multiplexed_force),
		T(test_control_run_many),
		T(test_control_unordered),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
