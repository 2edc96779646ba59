/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 backend's waits' one judgement (hermes_s6_wait_reached), without
 * s6: supervised, up, ready, respawned and down.
 */

#include "s6-status-test.h"

/* the waits' one judgement, without s6 */
static void
test_wait_reached(void **state)
{
	HermesS6Status st;
	HermesS6SlotFacts facts;

	test_st_default(&st, &facts);
	/* supervised needs a status and a held lock: a stale status after kill -9 is not enough */
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_SUPERVISED, &st, &facts, "", TRUE, 0));
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_SUPERVISED, &st, &facts, "", FALSE, 0));
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_SUPERVISED, NULL, &facts, "", TRUE, 0));
	/* up: a pid and not finishing, or the 'u' event of a gateway that died at once */
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_UP, &st, &facts, "", FALSE, 0));
	st.finishing = TRUE;
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_UP, &st, &facts, "", FALSE, 0));
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_UP, &st, &facts, "sud", FALSE, 0));
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_UP, NULL, &facts, "", FALSE, 0));
	st.finishing = FALSE;
	/* ready: readiness where the slot notifies, up where it does not */
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_READY, &st, &facts, "u", FALSE, 0));
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_READY, &st, &facts, "uU", FALSE, 0));
	st.ready = TRUE;
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_READY, &st, &facts, "", FALSE, 0));
	st.ready = FALSE;
	facts.notifies = FALSE;
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_READY, &st, &facts, "", FALSE, 0));
	/* respawned: another pid */
	assert_false(
		hermes_s6_wait_reached(HERMES_S6_WAIT_RESPAWNED, &st, &facts, "", FALSE, 4242));
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_RESPAWNED, &st, &facts, "", FALSE, 1));
	/* down: no pid, not finishing, and s6 wants it down (not a crash awaiting respawn) */
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_DOWN, &st, &facts, "dD", FALSE, 0));
	st.pid = 0;
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_DOWN, &st, &facts, "", FALSE, 0));
	st.wantup = FALSE;
	assert_true(hermes_s6_wait_reached(HERMES_S6_WAIT_DOWN, &st, &facts, "", FALSE, 0));
	st.finishing = TRUE;
	assert_false(hermes_s6_wait_reached(HERMES_S6_WAIT_DOWN, &st, &facts, "", FALSE, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		STATUS_TEST(test_wait_reached),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
