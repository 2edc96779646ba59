/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * supervise/status, read in-process (no s6-svstat fork) and mapped onto
 * the one status model. Layout (big-endian): TAI64N stamp, TAI64N ready
 * stamp, u64 pid, [u64 pgid on s6 2.13], u16 wait status, u8 flags.
 */

#include "config.h"

#include <sys/wait.h>

#include "hermes-s6-status.h"

/* skalibs without --enable-tai-clock labels TAI64 as 2^62 + 10 + leap seconds (27) + UNIX time */
#define HERMES_S6_TAI_OFFSET (G_GUINT64_CONSTANT(4611686018427387904) + 37)

static guint64
hermes_s6_be64(const guint8 *p)
{
	guint64 v = 0;
	for (guint i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

gint64
hermes_s6_tai64n_to_us(const guint8 *p)
{
	guint64 label = hermes_s6_be64(p);
	guint32 nano =
		((guint32)p[8] << 24) | ((guint32)p[9] << 16) | ((guint32)p[10] << 8) | p[11];
	/* a corrupt stamp far from now is "unknown", never an overflow */
	if (label <= HERMES_S6_TAI_OFFSET ||
	    label - HERMES_S6_TAI_OFFSET > (guint64)(G_MAXINT64 / G_USEC_PER_SEC) - 1)
		return 0;
	return (gint64)(label - HERMES_S6_TAI_OFFSET) * G_USEC_PER_SEC + nano / 1000;
}

/* a finish verdict counts only if it is not older than the last transition */
static gboolean
hermes_s6_status_verdict_current(const HermesS6Status *st, const HermesS6SlotFacts *facts)
{
	return facts->reason_kind != NULL && facts->reason_time >= 0 &&
	       facts->reason_time <= G_MAXINT64 / G_USEC_PER_SEC &&
	       facts->reason_time * G_USEC_PER_SEC >= st->stamp_us - G_USEC_PER_SEC;
}

/*
 * The finish script's verdict, typed: it knows what the exit meant (a
 * clean stop, the fatal-configuration code, the circuit breaker), which an
 * exit status alone cannot say. Only while it explains the present state.
 */
static void
hermes_s6_status_set_reason(HermesGatewayStatus *status,
			    const HermesS6Status *st,
			    const HermesS6SlotFacts *facts,
			    HermesGatewayState state)
{
	HermesGatewayReason reason = HERMES_GATEWAY_REASON_EXITED;
	if ((state != HERMES_GATEWAY_STATE_DOWN && state != HERMES_GATEWAY_STATE_FAILED &&
	     state != HERMES_GATEWAY_STATE_PARKED) ||
	    !hermes_s6_status_verdict_current(st, facts))
		return;
	if (g_strcmp0(facts->reason_kind, "parked") == 0)
		reason = HERMES_GATEWAY_REASON_CRASH_LOOP;
	else if (g_strcmp0(facts->reason_kind, "stopped") == 0)
		reason = HERMES_GATEWAY_REASON_STOPPED;
	else if (WIFSIGNALED(st->wstat))
		reason = HERMES_GATEWAY_REASON_KILLED;
	else if (WEXITSTATUS(st->wstat) == HERMES_EXIT_FATAL_CONFIG)
		reason = HERMES_GATEWAY_REASON_FATAL_CONFIG;
	hermes_gateway_status_set_reason(status, reason, facts->reason_text);
}

/**
 * hermes_s6_status_parse:
 * @data: the bytes of supervise/status
 * @len: how many
 * @out: (out): the decoded status
 * @error: return location for a #GError
 *
 * Returns: %TRUE for a 35- or 43-byte status; %HERMES_ERROR_INVALID_DATA otherwise
 */
gboolean
hermes_s6_status_parse(const guint8 *data, gsize len, HermesS6Status *out, GError **error)
{
	gsize tail;
	guint8 flags;

	if (len != HERMES_S6_STATUS_SIZE && len != HERMES_S6_STATUS_SIZE_PGID) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "supervise/status has %" G_GSIZE_FORMAT
			    " bytes, expected %d or %d (truncated, or an unknown s6 version)",
			    len,
			    HERMES_S6_STATUS_SIZE,
			    HERMES_S6_STATUS_SIZE_PGID);
		return FALSE;
	}
	memset(out, 0, sizeof(*out));
	out->stamp_us = hermes_s6_tai64n_to_us(data);
	out->ready_us = hermes_s6_tai64n_to_us(data + 12);
	out->pid = (gint64)hermes_s6_be64(data + 24);
	out->pgid = -1;
	tail = 32;
	if (len == HERMES_S6_STATUS_SIZE_PGID) {
		out->pgid = (gint64)hermes_s6_be64(data + 32);
		tail = 40;
	}
	out->wstat = (guint16)((data[tail] << 8) | data[tail + 1]);
	flags = data[tail + 2];
	out->paused = (flags & 0x01) != 0;
	out->finishing = (flags & 0x02) != 0;
	out->wantup = (flags & 0x04) != 0;
	out->ready = (flags & 0x08) != 0;
	return TRUE;
}

static const gchar *
hermes_s6_bool(gboolean value)
{
	return value ? "true" : "false";
}

static HermesGatewayState
hermes_s6_status_state(const HermesS6Status *st, const HermesS6SlotFacts *facts)
{
	gboolean up = st->pid != 0 && !st->finishing;
	if (up) {
		/* without notification-fd there is no readiness to wait for */
		if (facts->notifies && !st->ready)
			return HERMES_GATEWAY_STATE_STARTING;
		return HERMES_GATEWAY_STATE_UP;
	}
	if (st->finishing)
		return st->wantup ? HERMES_GATEWAY_STATE_STARTING : HERMES_GATEWAY_STATE_STOPPING;
	if (st->wantup)
		return HERMES_GATEWAY_STATE_STARTING; /* between a death and the throttled respawn */
	if (hermes_s6_status_verdict_current(st, facts)) {
		if (g_strcmp0(facts->reason_kind, "parked") == 0)
			return HERMES_GATEWAY_STATE_PARKED;
		if (g_strcmp0(facts->reason_kind, "failed") == 0)
			return HERMES_GATEWAY_STATE_FAILED;
	}
	return HERMES_GATEWAY_STATE_DOWN;
}

/**
 * hermes_s6_status_to_gateway:
 * @profile: the profile
 * @st: (nullable): the parsed supervise/status, %NULL when the slot is not supervised yet
 * @facts: the files around it
 *
 * Returns: (transfer full): the status; what s6 cannot tell stays unknown
 */
HermesGatewayStatus *
hermes_s6_status_to_gateway(const gchar *profile,
			    const HermesS6Status *st,
			    const HermesS6SlotFacts *facts)
{
	HermesGatewayStatus *status = hermes_gateway_status_new(profile);
	HermesGatewayState state;

	hermes_gateway_status_set_raw(status, "s6.normallyup", hermes_s6_bool(facts->normally_up));
	if (facts->reason_kind != NULL) {
		g_autofree gchar *reason =
			g_strdup_printf("%s: %s", facts->reason_kind, facts->reason_text);
		hermes_gateway_status_set_raw(status, "s6.finish_reason", reason);
	}
	if (st == NULL) {
		/* registered, but s6-svscan has not picked it up (or is not running) */
		hermes_gateway_status_set_raw(status, "s6.supervised", "false");
		return status;
	}
	hermes_gateway_status_set_raw(status, "s6.supervised", "true");
	state = hermes_s6_status_state(st, facts);
	hermes_gateway_status_set_state(status, state);
	hermes_s6_status_set_reason(status, st, facts, state);
	hermes_gateway_status_set_wanted(
		status, st->wantup ? HERMES_GATEWAY_WANTED_UP : HERMES_GATEWAY_WANTED_DOWN);
	hermes_gateway_status_set_pid(status, st->finishing ? 0 : st->pid);
	hermes_gateway_status_set_since(status, st->stamp_us);
	if (state == HERMES_GATEWAY_STATE_UP || state == HERMES_GATEWAY_STATE_STARTING) {
		if (!facts->notifies)
			hermes_gateway_status_set_ready(status, HERMES_TRISTATE_UNKNOWN, 0);
		else if (st->ready)
			hermes_gateway_status_set_ready(status, HERMES_TRISTATE_YES, st->ready_us);
		else
			hermes_gateway_status_set_ready(status, HERMES_TRISTATE_NO, 0);
	} else {
		hermes_gateway_status_set_ready(status, HERMES_TRISTATE_NO, 0);
	}
	/* the wait status is only meaningful once something died */
	if (facts->deaths > 0) {
		if (WIFSIGNALED(st->wstat))
			hermes_gateway_status_set_last_exit(status, -1, WTERMSIG(st->wstat));
		else
			hermes_gateway_status_set_last_exit(status, WEXITSTATUS(st->wstat), 0);
	}
	hermes_gateway_status_set_restarts(status, facts->deaths);
	{
		g_autofree gchar *wstat = g_strdup_printf("%u", st->wstat);
		g_autofree gchar *pid = g_strdup_printf("%" G_GINT64_FORMAT, st->pid);
		hermes_gateway_status_set_raw(status, "s6.wstat", wstat);
		hermes_gateway_status_set_raw(status, "s6.pid", pid);
	}
	hermes_gateway_status_set_raw(status, "s6.wantup", hermes_s6_bool(st->wantup));
	hermes_gateway_status_set_raw(status, "s6.ready", hermes_s6_bool(st->ready));
	hermes_gateway_status_set_raw(status, "s6.paused", hermes_s6_bool(st->paused));
	hermes_gateway_status_set_raw(status, "s6.finishing", hermes_s6_bool(st->finishing));
	return status;
}

/**
 * hermes_s6_status_judge_supervisor:
 * @status: what hermes_s6_status_to_gateway() made of supervise/status
 * @st: (nullable): the parsed supervise/status
 * @supervisor_alive: whether the slot's supervise/lock is held
 * @pid_alive: whether the pid in @st still runs
 * @hint: (nullable): what to run to get a supervisor back
 *
 * supervise/status outlives its s6-supervise: after a kill -9 it still
 * says up with a pid that may be dead. Only a held lock makes it true.
 */
void
hermes_s6_status_judge_supervisor(HermesGatewayStatus *status,
				  const HermesS6Status *st,
				  gboolean supervisor_alive,
				  gboolean pid_alive,
				  const gchar *hint)
{
	g_autofree gchar *fault = NULL;
	if (st == NULL)
		return;
	if (supervisor_alive) {
		hermes_gateway_status_set_raw(status, "s6.supervisor", "running");
		/* between a gateway's death and its supervisor reaping it, the status
		 * file still says up: the pid says otherwise, and s6 acts next */
		if (hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
		    st->pid != 0 && !pid_alive) {
			hermes_gateway_status_set_state(status,
							st->wantup ? HERMES_GATEWAY_STATE_STARTING
								   : HERMES_GATEWAY_STATE_STOPPING);
			hermes_gateway_status_set_pid(status, 0);
			hermes_gateway_status_set_ready(status, HERMES_TRISTATE_UNKNOWN, 0);
		}
		return;
	}
	hermes_gateway_status_set_raw(status, "s6.supervisor", "gone");
	hermes_gateway_status_set_raw(status, "s6.supervised", "false");
	/* nobody acts on what s6 last wanted */
	hermes_gateway_status_set_wanted(status, HERMES_GATEWAY_WANTED_UNKNOWN);
	hermes_gateway_status_set_ready(status, HERMES_TRISTATE_UNKNOWN, 0);
	if (st->pid != 0 && !st->finishing && pid_alive) {
		hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_UNKNOWN);
		hermes_gateway_status_set_pid(status, st->pid);
		fault = g_strdup_printf("its s6-supervise is gone (supervise/lock is free); the "
					"gateway (pid %" G_GINT64_FORMAT ") runs unsupervised",
					st->pid);
	} else {
		hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_DOWN);
		hermes_gateway_status_set_pid(status, 0);
		if (st->pid != 0)
			fault = g_strdup_printf(
				"its s6-supervise is gone (supervise/lock is free) and the "
				"recorded gateway (pid %" G_GINT64_FORMAT ") is not running",
				st->pid);
		else
			fault = g_strdup("its s6-supervise is gone (supervise/lock is free)");
	}
	if (hint != NULL) {
		g_autofree gchar *with_hint = g_strdup_printf("%s; %s", fault, hint);
		hermes_gateway_status_set_raw(status, "s6.fault", with_hint);
	} else {
		hermes_gateway_status_set_raw(status, "s6.fault", fault);
	}
}

/**
 * hermes_s6_wait_reached:
 * @what: the goal
 * @st: (nullable): supervise/status, %NULL when there is none yet
 * @facts: the files around it
 * @seen: every event letter since the wait subscribed
 * @lock_held: whether an s6-supervise holds the slot's supervise/lock
 * @old_pid: for %HERMES_S6_WAIT_RESPAWNED, the pid that must be replaced
 *
 * The one judgement of every wait, pure so it is tested without s6.
 *
 * Returns: %TRUE once @what holds
 */
gboolean
hermes_s6_wait_reached(HermesS6WaitFor what,
		       const HermesS6Status *st,
		       const HermesS6SlotFacts *facts,
		       const gchar *seen,
		       gboolean lock_held,
		       gint64 old_pid)
{
	gboolean running = st != NULL && st->pid != 0 && !st->finishing;
	switch (what) {
	case HERMES_S6_WAIT_SUPERVISED:
		/* status outlives its supervisor; the supervisor's lock does not */
		return st != NULL && lock_held;
	case HERMES_S6_WAIT_READY:
		/* a slot without notification-fd has no readiness to wait for */
		if (!facts->notifies)
			return running || strchr(seen, 'u') != NULL;
		return (running && st->ready) || strchr(seen, 'U') != NULL;
	case HERMES_S6_WAIT_UP:
		/* a gateway that dies at once was still up: s6 said 'u' */
		return running || strchr(seen, 'u') != NULL;
	case HERMES_S6_WAIT_RESPAWNED:
		return running && st->pid != old_pid;
	case HERMES_S6_WAIT_DOWN:
		/* between a crash and the throttled respawn the pid is 0 too: down means
		 * s6 has taken the command and wants it down */
		return st != NULL && st->pid == 0 && !st->finishing && !st->wantup;
	default:
		return FALSE;
	}
}
