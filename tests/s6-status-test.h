/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the supervise/status tests share (test-s6-status.c,
 * test-s6-status-map.c, test-s6-status-wait.c): a fixture holding the
 * mapped status, a status read from a real s6 2.11 service, parsing one,
 * and a default status and slot facts to map.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "hermes-error.h"
#include "hermes-gateway-status.h"
#include "hermes-s6-status.h"
#include "hermes-test.h"

typedef struct {
	HermesGatewayStatus *status;
} StatusFixture;

#define TEST_STAMP_US G_GINT64_CONSTANT(1700000000500000)
#define TEST_READY_US G_GINT64_CONSTANT(1700000001250000)

#define STATUS_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
test_setup(void **state);
int
test_teardown(void **state);
void
test_parse_ok(const guint8 *data, gsize len, HermesS6Status *st);
void
test_st_default(HermesS6Status *st, HermesS6SlotFacts *facts);
HermesGatewayStatus *
test_map(StatusFixture *fx, const HermesS6Status *st, const HermesS6SlotFacts *facts);
void
test_assert_state(HermesGatewayStatus *status, HermesGatewayState expected);
int
test_group_setup(void **state);

/* read from supervise/status of a running s6 2.11 service on this machine */
static const guint8 test_real_status[HERMES_S6_STATUS_SIZE] = {
	0x40, 0x00, 0x00, 0x00, 0x6b, 0x02, 0x0a, 0x6f, 0x35, 0x24, 0xeb, 0x29,
	0x40, 0x00, 0x00, 0x00, 0x6b, 0x02, 0x0a, 0x6f, 0x35, 0x1d, 0x3b, 0xbc,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x77, 0xc3, 0x00, 0x00, 0x04,
};
