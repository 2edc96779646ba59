/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * supervise/status decoding: statuses packed the way s6_svstatus_pack()
 * does, in the 35- and 43-byte layouts, flags, no process, truncated
 * files, a fixture read from a real s6 2.11 service, and TAI64N stamps.
 */

#include "s6-status-test.h"

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
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
