/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * supervise/status decoding (35- and 43-byte layouts, a fixture read from
 * a real s6 2.11 service) and its mapping onto the one status model.
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

static int
test_setup(void **state)
{
	*state = g_new0(StatusFixture, 1);
	return 0;
}

static int
test_teardown(void **state)
{
	StatusFixture *fx = *state;
	if (fx->status != NULL)
		hermes_gateway_status_unref(fx->status);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

/*****************************************************************************/
/* packing a status the way s6_svstatus_pack() does */

#define TEST_FLAG_PAUSED    0x01
#define TEST_FLAG_FINISHING 0x02
#define TEST_FLAG_WANTUP    0x04
#define TEST_FLAG_READY	    0x08

/* skalibs without --enable-tai-clock: label = 2^62 + 10 + 27 leap seconds + unix time */
#define TEST_TAI_OFFSET ((G_GUINT64_CONSTANT(1) << 62) + 37)

typedef struct {
	gint64 stamp_s;
	guint32 stamp_ns;
	gint64 ready_s;
	guint32 ready_ns;
	guint64 pid;
	guint64 pgid; /* only in the 43-byte layout */
	guint16 wstat;
	guint8 flags;
} TestStatus;

static void
test_put_be(guint8 *p, guint64 value, guint bytes)
{
	for (guint i = 0; i < bytes; i++)
		p[i] = (guint8)(value >> (8 * (bytes - 1 - i)));
}

static void
test_put_tai64n(guint8 *p, gint64 unix_s, guint32 ns)
{
	test_put_be(p, (guint64)unix_s + TEST_TAI_OFFSET, 8);
	test_put_be(p + 8, ns, 4);
}

/* @len is 35 or 43 */
static void
test_pack(const TestStatus *in, guint8 *out, gsize len)
{
	gsize tail = 32;

	memset(out, 0xee, len);
	test_put_tai64n(out, in->stamp_s, in->stamp_ns);
	test_put_tai64n(out + 12, in->ready_s, in->ready_ns);
	test_put_be(out + 24, in->pid, 8);
	if (len == HERMES_S6_STATUS_SIZE_PGID) {
		test_put_be(out + 32, in->pgid, 8);
		tail = 40;
	}
	test_put_be(out + tail, in->wstat, 2);
	out[tail + 2] = in->flags;
}

static const TestStatus test_status_sample = {
	.stamp_s = 1700000000,
	.stamp_ns = 123456789,
	.ready_s = 1700000002,
	.ready_ns = 999999999,
	.pid = 30659,
	.pgid = 30650,
	.wstat = (3 << 8),
	.flags = TEST_FLAG_WANTUP | TEST_FLAG_READY,
};

static void
test_parse_ok(const guint8 *data, gsize len, HermesS6Status *st)
{
	g_autoptr(GError) error = NULL;
	gboolean ret = hermes_s6_status_parse(data, len, st, &error);
	hermes_assert_no_error(error);
	assert_true(ret);
}

static void
test_parse_35(void **state)
{
	guint8 data[HERMES_S6_STATUS_SIZE];
	HermesS6Status st;

	test_pack(&test_status_sample, data, sizeof(data));
	test_parse_ok(data, sizeof(data), &st);
	assert_int_equal(st.stamp_us, G_GINT64_CONSTANT(1700000000123456));
	assert_int_equal(st.ready_us, G_GINT64_CONSTANT(1700000002999999));
	assert_int_equal(st.pid, 30659);
	assert_int_equal(st.pgid, -1);
	assert_int_equal(st.wstat, 3 << 8);
	assert_false(st.paused);
	assert_false(st.finishing);
	assert_true(st.wantup);
	assert_true(st.ready);
}

static void
test_parse_43(void **state)
{
	guint8 data[HERMES_S6_STATUS_SIZE_PGID];
	HermesS6Status st;

	test_pack(&test_status_sample, data, sizeof(data));
	test_parse_ok(data, sizeof(data), &st);
	assert_int_equal(st.stamp_us, G_GINT64_CONSTANT(1700000000123456));
	assert_int_equal(st.ready_us, G_GINT64_CONSTANT(1700000002999999));
	assert_int_equal(st.pid, 30659);
	assert_int_equal(st.pgid, 30650);
	assert_int_equal(st.wstat, 3 << 8);
	assert_false(st.paused);
	assert_false(st.finishing);
	assert_true(st.wantup);
	assert_true(st.ready);
}

/* every flag bit lands in its own field, in both layouts */
static void
test_parse_flags(void **state)
{
	const gsize sizes[] = {HERMES_S6_STATUS_SIZE, HERMES_S6_STATUS_SIZE_PGID};

	for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
		for (guint flags = 0; flags < 16; flags++) {
			guint8 data[HERMES_S6_STATUS_SIZE_PGID];
			TestStatus in = test_status_sample;
			HermesS6Status st;

			/* the high bits are not ours: they must not leak into the four */
			in.flags = (guint8)(flags | 0xf0);
			in.wstat = 0xffff;
			test_pack(&in, data, sizes[s]);
			test_parse_ok(data, sizes[s], &st);
			assert_int_equal(st.paused, (flags & TEST_FLAG_PAUSED) != 0);
			assert_int_equal(st.finishing, (flags & TEST_FLAG_FINISHING) != 0);
			assert_int_equal(st.wantup, (flags & TEST_FLAG_WANTUP) != 0);
			assert_int_equal(st.ready, (flags & TEST_FLAG_READY) != 0);
			assert_int_equal(st.wstat, 0xffff);
		}
	}
}

static void
test_parse_no_process(void **state)
{
	guint8 data[HERMES_S6_STATUS_SIZE];
	TestStatus in = {0};
	HermesS6Status st;

	/* never up: a zero ready stamp, no pid */
	in.stamp_s = 1700000000;
	memset(data, 0, sizeof(data));
	test_put_tai64n(data, in.stamp_s, 0);
	test_parse_ok(data, sizeof(data), &st);
	assert_int_equal(st.stamp_us, G_GINT64_CONSTANT(1700000000000000));
	assert_int_equal(st.ready_us, 0);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.wstat, 0);
	assert_false(st.wantup);
}

static void
test_parse_truncated(void **state)
{
	const gsize sizes[] = {0, 1, 34, 36, 42, 44};
	guint8 data[64];

	memset(data, 0x40, sizeof(data));
	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *count = g_strdup_printf(" %" G_GSIZE_FORMAT " bytes", sizes[i]);
		HermesS6Status st;

		if (hermes_s6_status_parse(data, sizes[i], &st, &error))
			fail_msg("%" G_GSIZE_FORMAT " bytes were accepted", sizes[i]);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		hermes_assert_str_contains(error->message, count);
	}
}

/* read from supervise/status of a running s6 2.11 service on this machine */
static const guint8 test_real_status[HERMES_S6_STATUS_SIZE] = {
	0x40, 0x00, 0x00, 0x00, 0x6b, 0x02, 0x0a, 0x6f, 0x35, 0x24, 0xeb, 0x29,
	0x40, 0x00, 0x00, 0x00, 0x6b, 0x02, 0x0a, 0x6f, 0x35, 0x1d, 0x3b, 0xbc,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x77, 0xc3, 0x00, 0x00, 0x04,
};

static void
test_parse_real_s6_2_11(void **state)
{
	HermesS6Status st;
	const gint64 unix_s = 0x6b020a6f - 37;

	test_parse_ok(test_real_status, sizeof(test_real_status), &st);
	assert_int_equal(unix_s, G_GINT64_CONSTANT(1795295818));
	assert_int_equal(st.stamp_us, unix_s * G_USEC_PER_SEC + 0x3524eb29 / 1000);
	assert_int_equal(st.stamp_us, G_GINT64_CONSTANT(1795295818891611));
	assert_int_equal(st.ready_us, unix_s * G_USEC_PER_SEC + 0x351d3bbc / 1000);
	assert_int_equal(st.pid, 30659);
	assert_int_equal(st.pgid, -1);
	assert_int_equal(st.wstat, 0);
	assert_true(st.wantup);
	assert_false(st.ready);
	assert_false(st.paused);
	assert_false(st.finishing);
}

static void
test_tai64n_to_us(void **state)
{
	guint8 p[12];

	test_put_tai64n(p, 0, 0);
	assert_int_equal(hermes_s6_tai64n_to_us(p), 0);
	test_put_tai64n(p, 1, 999);
	assert_int_equal(hermes_s6_tai64n_to_us(p), 1000000);
	test_put_tai64n(p, 1, 1000);
	assert_int_equal(hermes_s6_tai64n_to_us(p), 1000001);
	test_put_tai64n(p, 1700000000, 999999999);
	assert_int_equal(hermes_s6_tai64n_to_us(p), G_GINT64_CONSTANT(1700000000999999));
	/* all zero (never stamped) is not 1970 minus 2^62 seconds */
	memset(p, 0, sizeof(p));
	assert_int_equal(hermes_s6_tai64n_to_us(p), 0);
}

/*****************************************************************************/
/* hermes_s6_status_to_gateway */

#define TEST_STAMP_US G_GINT64_CONSTANT(1700000000500000)
#define TEST_READY_US G_GINT64_CONSTANT(1700000001250000)

/* a running, wanted-up gateway that notifies readiness and never died */
static void
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

static HermesGatewayStatus *
test_map(StatusFixture *fx, const HermesS6Status *st, const HermesS6SlotFacts *facts)
{
	if (fx->status != NULL)
		hermes_gateway_status_unref(fx->status);
	fx->status = hermes_s6_status_to_gateway("demo", st, facts);
	assert_non_null(fx->status);
	assert_string_equal(hermes_gateway_status_get_profile(fx->status), "demo");
	return fx->status;
}

static void
test_assert_state(HermesGatewayStatus *status, HermesGatewayState expected)
{
	HermesGatewayState state = hermes_gateway_status_get_state(status);
	if (state != expected)
		fail_msg("state is %s, expected %s",
			 hermes_gateway_state_to_string(state),
			 hermes_gateway_state_to_string(expected));
}

static void
test_assert_reason(HermesGatewayStatus *status, HermesGatewayReason expected, const gchar *text)
{
	g_autofree gchar *got = NULL;
	assert_int_equal(hermes_gateway_status_get_reason(status, &got), expected);
	assert_string_equal(got, text);
}

static void
test_map_up_ready(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	assert_int_equal(hermes_gateway_status_get_ready_since(status), TEST_READY_US);
	assert_int_equal(hermes_gateway_status_get_since(status), TEST_STAMP_US);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.normallyup"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.pid"), "4242");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.ready"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wantup"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.paused"), "false");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finishing"), "false");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wstat"), "0");
	assert_null(hermes_gateway_status_get_raw(status, "s6.finish_reason"));
}

static void
test_map_up_not_ready(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = FALSE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_ready_since(status), 0);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
}

static void
test_map_up_no_notification(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* s6 never sets the ready flag without notification-fd */
	test_st_default(&st, &facts);
	facts.notifies = FALSE;
	st.ready = FALSE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
}

static void
test_map_finishing_wantup(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* it died and ./finish runs; s6 restarts it afterwards */
	test_st_default(&st, &facts);
	st.finishing = TRUE;
	st.wantup = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
}

static void
test_map_finishing_wantdown(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.finishing = TRUE;
	st.wantup = FALSE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STOPPING);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
}

static void
test_map_finishing_pid_zero(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* while finishing, the pid s6 records is the one of ./finish, not of the gateway */
	test_st_default(&st, &facts);
	st.finishing = TRUE;
	st.pid = 5151;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finishing"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.pid"), "5151");
}

static void
test_map_down_wantup(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* between a death and the throttled respawn */
	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
}

static void
test_map_down_parked(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	facts.deaths = 5;
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC + 1;
	facts.reason_kind = "parked";
	facts.reason_text = "5 deaths within 60 s, the last exited 1";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_PARKED);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
			    "parked: 5 deaths within 60 s, the last exited 1");
	/* typed by the backend: consumers never parse the raw key */
	test_assert_reason(status,
			   HERMES_GATEWAY_REASON_CRASH_LOOP,
			   "5 deaths within 60 s, the last exited 1");
}

static void
test_map_down_failed(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	st.wstat = 78 << 8;
	facts.deaths = 1;
	/* `date +%s` truncates: the second of the transition itself still counts */
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC;
	facts.reason_kind = "failed";
	facts.reason_text = "exited 78 (fatal configuration error)";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_FAILED);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 78);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
			    "failed: exited 78 (fatal configuration error)");
	test_assert_reason(status,
			   HERMES_GATEWAY_REASON_FATAL_CONFIG,
			   "exited 78 (fatal configuration error)");
}

static void
test_map_down_stale_reason(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* parked long ago, brought up by hand since and stopped again */
	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC - 5;
	facts.reason_kind = "parked";
	facts.reason_text = "5 deaths within 60 s, the last exited 1";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	/* the old verdict is still shown for what it is, but it no longer explains the state */
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
			    "parked: 5 deaths within 60 s, the last exited 1");
	assert_int_not_equal(hermes_gateway_status_get_reason(status, NULL),
			     HERMES_GATEWAY_REASON_CRASH_LOOP);

	/* the boundary: reason_time * 1e6 < stamp_us - 1e6 is stale, == is not */
	st.stamp_us = G_GINT64_CONSTANT(1700000001000001);
	facts.reason_time = 1700000000;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	st.stamp_us = G_GINT64_CONSTANT(1700000001000000);
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_PARKED);
}

static void
test_map_down_stopped(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* an intentional stop is a plain down, however fresh */
	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	facts.deaths = 1;
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC;
	facts.reason_kind = "stopped";
	facts.reason_text = "exited 0 (intentional stop)";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 0);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	test_assert_reason(status, HERMES_GATEWAY_REASON_STOPPED, "exited 0 (intentional stop)");
}

static void
test_map_not_supervised(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	facts.supervised = FALSE;
	facts.normally_up = FALSE;
	facts.deaths = -1;
	status = test_map(fx, NULL, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), -1);
	assert_int_equal(hermes_gateway_status_get_restarts(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "false");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.normallyup"), "false");
	assert_null(hermes_gateway_status_get_raw(status, "s6.pid"));
}

static void
test_map_no_deaths(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* s6 starts with a zero wait status: it is not "exited 0" */
	test_st_default(&st, &facts);
	st.wstat = 0;
	facts.deaths = 0;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 0);
}

static void
test_map_deaths_exit_code(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.wstat = 3 << 8;
	facts.deaths = 2;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 3);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 2);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wstat"), "768");
}

static void
test_map_deaths_signal(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.wstat = SIGKILL;
	facts.deaths = 2;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 9);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 2);

	/* a core dump sets 0x80 on top of the signal */
	st.wstat = 0x80 | SIGSEGV;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGSEGV);
}

static void
test_map_wanted(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.wantup = TRUE;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wantup"), "true");

	/* running but wanted down: s6-svc -d was sent and the gateway drains */
	st.wantup = FALSE;
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wantup"), "false");
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);

	st.pid = 0;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
}

static void
test_map_paused(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	st.paused = TRUE;
	status = test_map(fx, &st, &facts);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.paused"), "true");
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
}

/* the real fixture, end to end: a wanted-up service that has not signalled readiness */
static void
test_map_real_s6_2_11(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_parse_ok(test_real_status, sizeof(test_real_status), &st);
	memset(&facts, 0, sizeof(facts));
	facts.supervised = TRUE;
	facts.normally_up = TRUE;
	facts.notifies = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_pid(status), 30659);
	assert_int_equal(hermes_gateway_status_get_since(status),
			 G_GINT64_CONSTANT(1795295818891611));
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
}

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

/* supervise/status says up, but its s6-supervise is gone (kill -9): believe the lock */
static void
test_supervisor_gone_pid_dead(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, FALSE, FALSE, "run this");
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UNKNOWN);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervisor"), "gone");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "false");
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.fault"),
				   "recorded gateway (pid 4242) is not running; run this");
}

static void
test_supervisor_gone_pid_alive(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, FALSE, TRUE, NULL);
	/* it runs, but nobody supervises it: not "up" */
	test_assert_state(status, HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.fault"),
				   "(pid 4242) runs unsupervised");
}

static void
test_supervisor_alive_changes_nothing(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, TRUE, TRUE, NULL);
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervisor"), "running");
	assert_null(hermes_gateway_status_get_raw(status, "s6.fault"));
	/* killed a moment ago, not yet reaped: never "up" with a dead pid */
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, TRUE, FALSE, NULL);
	test_assert_state(
		status, st.wantup ? HERMES_GATEWAY_STATE_STARTING : HERMES_GATEWAY_STATE_STOPPING);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_null(hermes_gateway_status_get_raw(status, "s6.fault"));
	/* nothing to judge for a slot s6 never supervised */
	status = test_map(fx, NULL, &facts);
	hermes_s6_status_judge_supervisor(status, NULL, FALSE, FALSE, NULL);
	assert_null(hermes_gateway_status_get_raw(status, "s6.supervisor"));
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define STATUS_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		STATUS_TEST(test_parse_35),
		STATUS_TEST(test_parse_43),
		STATUS_TEST(test_parse_flags),
		STATUS_TEST(test_parse_no_process),
		STATUS_TEST(test_parse_truncated),
		STATUS_TEST(test_parse_real_s6_2_11),
		STATUS_TEST(test_tai64n_to_us),
		STATUS_TEST(test_map_up_ready),
		STATUS_TEST(test_map_up_not_ready),
		STATUS_TEST(test_map_up_no_notification),
		STATUS_TEST(test_map_finishing_wantup),
		STATUS_TEST(test_map_finishing_wantdown),
		STATUS_TEST(test_map_finishing_pid_zero),
		STATUS_TEST(test_map_down_wantup),
		STATUS_TEST(test_map_down_parked),
		STATUS_TEST(test_map_down_failed),
		STATUS_TEST(test_map_down_stale_reason),
		STATUS_TEST(test_map_down_stopped),
		STATUS_TEST(test_map_not_supervised),
		STATUS_TEST(test_map_no_deaths),
		STATUS_TEST(test_map_deaths_exit_code),
		STATUS_TEST(test_map_deaths_signal),
		STATUS_TEST(test_map_wanted),
		STATUS_TEST(test_map_paused),
		STATUS_TEST(test_map_real_s6_2_11),
		STATUS_TEST(test_wait_reached),
		STATUS_TEST(test_supervisor_gone_pid_dead),
		STATUS_TEST(test_supervisor_gone_pid_alive),
		STATUS_TEST(test_supervisor_alive_changes_nothing),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
