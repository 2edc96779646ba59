/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The supervise/status tests' glue: the fixture, a parse that must succeed,
 * the default running status, and mapping it onto the one status model.
 */

#include "s6-status-test.h"

int
test_setup(void **state)
{
	*state = g_new0(StatusFixture, 1);
	return 0;
}

int
test_teardown(void **state)
{
	StatusFixture *fx = *state;
	if (fx->status != NULL)
		hermes_gateway_status_unref(fx->status);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

void
test_parse_ok(const guint8 *data, gsize len, HermesS6Status *st)
{
	g_autoptr(GError) error = NULL;
	gboolean ret = hermes_s6_status_parse(data, len, st, &error);
	hermes_assert_no_error(error);
	assert_true(ret);
}

/* a running, wanted-up gateway that notifies readiness and never died */
void
test_st_default(HermesS6Status *st, HermesS6SlotFacts *facts)
{
	memset(st, 0, sizeof(*st));
	st->stamp_us = TEST_STAMP_US;
	st->ready_us = TEST_READY_US;
	st->pid = 4242;
	st->pgid = -1;
	st->wantup = TRUE;
	memset(facts, 0, sizeof(*facts));
	facts->supervised = TRUE;
	facts->normally_up = TRUE;
	facts->notifies = TRUE;
	facts->deaths = 0;
}

HermesGatewayStatus *
test_map(StatusFixture *fx, const HermesS6Status *st, const HermesS6SlotFacts *facts)
{
	if (fx->status != NULL)
		hermes_gateway_status_unref(fx->status);
	fx->status = hermes_s6_status_to_gateway("demo", st, facts);
	assert_non_null(fx->status);
	assert_string_equal(hermes_gateway_status_get_profile(fx->status), "demo");
	return fx->status;
}

void
test_assert_state(HermesGatewayStatus *status, HermesGatewayState expected)
{
	HermesGatewayState state = hermes_gateway_status_get_state(status);
	if (state != expected)
		fail_msg("state is %s, expected %s",
			 hermes_gateway_state_to_string(state),
			 hermes_gateway_state_to_string(expected));
}

int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
