/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * gateway_state.json, which hermes-agent writes too: the input is the
 * file, read through every reader the CLI and hermes-svcd use. What
 * hermes-svcd exports (desired_state, the prior state) must be UTF-8.
 */

#include "config.h"

#include "hermes-fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *path = NULL;
	g_autoptr(JsonObject) state = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GError) error_prior = NULL;
	g_autofree gchar *desired = NULL;
	g_autofree gchar *prior = NULL;

	hermes_fuzz_init();
	path = hermes_fuzz_write_file(HERMES_GATEWAY_STATE_FILE, data, size);
	state = hermes_gateway_state_load(hermes_fuzz_home(), &error_local);
	if (state == NULL) {
		g_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	} else {
		g_assert_no_error(error_local);
		(void)hermes_json_get_string(state, "desired_state");
		(void)hermes_json_get_string(state, "gateway_state");
		(void)hermes_json_get_int(state, "pid", -1);
		(void)hermes_json_get_int(state, "port", -1);
	}
	desired = hermes_gateway_state_get_desired(hermes_fuzz_home());
	prior = hermes_gateway_state_prior(hermes_fuzz_home(), &error_prior);
	/* a corrupt file is an error, never a guess */
	if (state == NULL) {
		g_assert_null(desired);
		g_assert_null(prior);
		g_assert_error(error_prior, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	} else {
		g_assert_no_error(error_prior);
	}
	/* hermes-svcd puts both on the bus as D-Bus strings */
	g_assert_true(desired == NULL || g_utf8_validate(desired, -1, NULL));
	g_assert_true(prior == NULL || g_utf8_validate(prior, -1, NULL));
	return 0;
}
