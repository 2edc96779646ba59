/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Part of the backend SDK (included by hermes-backend.h, C only, kept out of
 * the GIR): the one reading of `gateway.pid` (and the same record in
 * `gateway.lock`), the one live/stale rule, and the one way to signal the
 * process a record names. A backend never signals a pid it has not proven
 * with hermes_pid_record_judge() or hermes_pid_record_open_process().
 */

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _HermesPidRecord HermesPidRecord;

/*
 * HermesPidState:
 * @HERMES_PID_STATE_STALE: nobody runs under the record: out of range,
 *   gone, a zombie, a reused pid (start time differs) or not a gateway
 * @HERMES_PID_STATE_LIVE: the gateway of this very home, proven by start
 *   time, boot id, command line and `hermes_home`
 * @HERMES_PID_STATE_UNPROVEN: a live process the record cannot prove to
 *   be this home's gateway (no `hermes_home`, another home, no start
 *   time, an unreadable command line): never signalled, never a conflict
 * @HERMES_PID_STATE_FOREIGN: written under another boot or machine: the
 *   pid means nothing here, and nothing can be said about it
 */
typedef enum {
	HERMES_PID_STATE_STALE,
	HERMES_PID_STATE_LIVE,
	HERMES_PID_STATE_UNPROVEN,
	HERMES_PID_STATE_FOREIGN,
} HermesPidState;

gchar *
hermes_pid_boot_id(void);
gchar *
hermes_pid_canonical_home(const gchar *root, const gchar *home, GError **error);

HermesPidRecord *
hermes_pid_record_parse(const gchar *text, gsize length, GError **error);
HermesPidRecord *
hermes_pid_record_load(const gchar *root, const gchar *path, GError **error);
void
hermes_pid_record_free(HermesPidRecord *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesPidRecord, hermes_pid_record_free)

gint64
hermes_pid_record_get_pid(const HermesPidRecord *self);
gint64
hermes_pid_record_get_start_time(const HermesPidRecord *self);
const gchar *
hermes_pid_record_get_home(const HermesPidRecord *self);
const gchar *
hermes_pid_record_get_boot_id(const HermesPidRecord *self);

HermesPidState
hermes_pid_record_judge(const HermesPidRecord *self,
			const gchar *home,
			const gchar *boot_id,
			gchar **why);
gboolean
hermes_pid_record_open_process(const HermesPidRecord *self,
			       const gchar *home,
			       gint *pidfd,
			       GError **error);
gboolean
hermes_pid_record_send_signal(const HermesPidRecord *self, gint pidfd, gint sig, GError **error);
gboolean
hermes_pid_record_wait_exit(const HermesPidRecord *self, gint pidfd, guint timeout_ms);

G_END_DECLS
