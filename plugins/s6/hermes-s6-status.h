/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* s6 2.11, 2.12 and 2.14+ write 35 bytes; 2.13 added a pgid and wrote 43 */
#define HERMES_S6_STATUS_SIZE	   35
#define HERMES_S6_STATUS_SIZE_PGID 43
/* one supervise/death_tally entry: TAI64N stamp, exit code, signal */
#define HERMES_S6_DTALLY_SIZE 14

typedef struct {
	gint64 stamp_us; /* last up/down transition, µs since the epoch */
	gint64 ready_us; /* when it became ready */
	gint64 pid;	 /* 0 when no process */
	gint64 pgid;	 /* -1 unless the 43-byte layout */
	guint16 wstat;	 /* raw wait status of the last death */
	gboolean paused;
	gboolean finishing;
	gboolean wantup;
	gboolean ready;
} HermesS6Status;

/* what status needs beyond supervise/status */
typedef struct {
	gboolean supervised;	  /* supervise/status exists */
	gboolean normally_up;	  /* no ./down file */
	gboolean notifies;	  /* ./notification-fd exists */
	gint deaths;		  /* entries in death_tally, -1 if unreadable */
	gint64 reason_time;	  /* data/finish-reason: when, 0 if none */
	const gchar *reason_kind; /* stopped, failed, parked */
	const gchar *reason_text;
} HermesS6SlotFacts;

/* what a bounded wait waits for */
typedef enum {
	HERMES_S6_WAIT_UP,
	HERMES_S6_WAIT_READY,
	HERMES_S6_WAIT_DOWN,
	HERMES_S6_WAIT_SUPERVISED,
	HERMES_S6_WAIT_RESPAWNED,
} HermesS6WaitFor;

gboolean
hermes_s6_status_parse(const guint8 *data, gsize len, HermesS6Status *out, GError **error);
gint64
hermes_s6_tai64n_to_us(const guint8 *p);
HermesGatewayStatus *
hermes_s6_status_to_gateway(const gchar *profile,
			    const HermesS6Status *st,
			    const HermesS6SlotFacts *facts);

void
hermes_s6_status_judge_supervisor(HermesGatewayStatus *status,
				  const HermesS6Status *st,
				  gboolean supervisor_alive,
				  gboolean pid_alive,
				  const gchar *hint);

gboolean
hermes_s6_wait_reached(HermesS6WaitFor what,
		       const HermesS6Status *st,
		       const HermesS6SlotFacts *facts,
		       const gchar *seen,
		       gboolean lock_held,
		       gint64 old_pid);

G_END_DECLS
