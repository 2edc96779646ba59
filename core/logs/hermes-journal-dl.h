/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

#if HAVE_LIBSYSTEMD

#include <systemd/sd-journal.h>

/* the part of sd-journal `gateway logs` uses, resolved from libsystemd on
 * first use (hermes-journal-dl.c says why) */
typedef struct {
	int (*open)(sd_journal **ret, int flags);
	void (*close)(sd_journal *j);
	int (*add_match)(sd_journal *j, const void *data, size_t size);
	int (*add_disjunction)(sd_journal *j);
	int (*set_data_threshold)(sd_journal *j, size_t sz);
	int (*get_data)(sd_journal *j, const char *field, const void **data, size_t *l);
	int (*get_realtime_usec)(sd_journal *j, uint64_t *ret);
	int (*get_cursor)(sd_journal *j, char **cursor);
	int (*seek_tail)(sd_journal *j);
	int (*seek_cursor)(sd_journal *j, const char *cursor);
	int (*previous)(sd_journal *j);
	int (*next)(sd_journal *j);
	int (*process)(sd_journal *j);
	int (*get_fd)(sd_journal *j);
} HermesJournalApi;

const HermesJournalApi *
hermes_journal_api(GError **error);

#endif
