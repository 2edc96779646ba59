/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * supervise/status. An input of 35 or 43 bytes is the file as s6 wrote
 * it and is judged against a few fixed slot facts. Any input is also read
 * as a frame: one byte picks the layout (even 35, odd 43), then the status,
 * then the facts the manager reads from the files around it (a flags byte,
 * the death count, the finish-reason time as 8 big-endian bytes, the
 * reason text).
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-s6-status.h"

static const gchar *hermes_fuzz_reason_kinds[] = {NULL, "stopped", "failed", "parked"};

static void
hermes_fuzz_s6_judge(const HermesS6Status *st, const HermesS6SlotFacts *facts)
{
	g_autoptr(HermesGatewayStatus) status = hermes_s6_status_to_gateway("fuzz", st, facts);
	hermes_fuzz_consume_status(status);
}

static void
hermes_fuzz_s6_file(const guint8 *data, gsize size)
{
	HermesS6Status st;
	g_autoptr(GError) error_local = NULL;
	const HermesS6SlotFacts facts[] = {
		{TRUE, TRUE, FALSE, 0, 0, NULL, NULL},
		{TRUE, FALSE, TRUE, 3, 0, "failed", "exit 1"},
		{TRUE, TRUE, TRUE, 12, 1700000000, "parked", "12 deaths in 60 s"},
		{TRUE, TRUE, FALSE, -1, 1, "stopped", ""},
	};

	if (!hermes_s6_status_parse(data, size, &st, &error_local)) {
		g_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		g_assert_true(size != HERMES_S6_STATUS_SIZE && size != HERMES_S6_STATUS_SIZE_PGID);
		return;
	}
	g_assert_no_error(error_local);
	for (guint i = 0; i < G_N_ELEMENTS(facts); i++)
		hermes_fuzz_s6_judge(&st, &facts[i]);
	/* registered but not supervised yet */
	hermes_fuzz_s6_judge(NULL, &facts[0]);
}

static void
hermes_fuzz_s6_frame(const guint8 *data, gsize size)
{
	HermesS6Status st;
	HermesS6SlotFacts facts = {0};
	g_autofree gchar *reason_text = NULL;
	gsize status_size;
	guint64 reason_time = 0;
	guint8 flags;

	if (size < 1)
		return;
	status_size = (data[0] & 1) != 0 ? HERMES_S6_STATUS_SIZE_PGID : HERMES_S6_STATUS_SIZE;
	data++;
	size--;
	if (size < status_size + 10)
		return;
	if (!hermes_s6_status_parse(data, status_size, &st, NULL))
		g_assert_not_reached();
	data += status_size;
	size -= status_size;
	flags = data[0];
	facts.supervised = TRUE;
	facts.normally_up = (flags & 0x01) != 0;
	facts.notifies = (flags & 0x02) != 0;
	facts.reason_kind = hermes_fuzz_reason_kinds[(flags >> 2) & 0x03];
	/* a death_tally of n bytes gives n / 14 deaths, -1 when unreadable */
	facts.deaths = (flags & 0x10) != 0 ? -1 : data[1];
	for (guint i = 0; i < 8; i++)
		reason_time = (reason_time << 8) | data[2 + i];
	/* g_ascii_strtoll() of the reason file: any gint64 */
	facts.reason_time = (gint64)reason_time;
	reason_text = g_strndup((const gchar *)data + 10, size - 10);
	facts.reason_text = reason_text;
	hermes_fuzz_s6_judge(&st, &facts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hermes_fuzz_init();
	hermes_fuzz_s6_file(data, size);
	hermes_fuzz_s6_frame(data, size);
	return 0;
}
