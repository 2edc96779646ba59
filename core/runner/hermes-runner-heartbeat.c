/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One gateway per profile across hermes-svc instances that share a home on
 * storage several hosts mount (upstream #64846: two containers, one profile
 * volume). On one kernel the flock on gateway.lock decides, and a holder in
 * another container of this host is refused by it. A lock taken on another
 * host's kernel is not seen here, so the holder also keeps the lock file's
 * mtime fresh, a heartbeat every HERMES_RUNNER_HEARTBEAT_S seconds, and a
 * runner that got the lock still refuses while the record in that file
 * names another host whose heartbeat is younger than three beats. A record
 * of this host (same hostname, another boot or not) is judged by the pid
 * rules as before: after a reboot nothing of an earlier boot runs.
 *
 * The mtime is the storage's clock: hosts whose clocks differ by more than
 * three beats see a live holder as stale or a stale one as live for that
 * long; keep them in time (NTP), as any shared-storage lease needs.
 */

#include "config.h"

#include <errno.h>
#include <sys/stat.h>

#include "hermes-error.h"
#include "hermes-pid-record-private.h"
#include "hermes-runner-private.h"

/* HERMES_GATEWAY_HEARTBEAT_S, else this */
#define HERMES_RUNNER_HEARTBEAT_S 10
/* beats missed before the holder on another host counts as gone */
#define HERMES_RUNNER_HEARTBEAT_MISSED 3

static guint
hermes_runner_heartbeat_interval(HermesRunner *self)
{
	const gchar *text = hermes_context_getenv(self->ctx, "HERMES_GATEWAY_HEARTBEAT_S");
	guint64 seconds = HERMES_RUNNER_HEARTBEAT_S;
	if (text != NULL && !g_ascii_string_to_unsigned(text, 10, 1, 3600, &seconds, NULL))
		seconds = HERMES_RUNNER_HEARTBEAT_S;
	return (guint)seconds;
}

/**
 * hermes_runner_heartbeat_check:
 * @self: a runner holding gateway.lock on this host's kernel
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HERMES_ERROR_BUSY while the lock file's record names
 *   another host whose heartbeat is fresh
 */
gboolean
hermes_runner_heartbeat_check(HermesRunner *self, GError **error)
{
	g_autoptr(HermesPidRecord) record = hermes_runner_lock_record(self);
	gint64 stale =
		(gint64)hermes_runner_heartbeat_interval(self) * HERMES_RUNNER_HEARTBEAT_MISSED;
	const gchar *host;
	struct stat st;
	gint64 age;

	if (record == NULL)
		return TRUE;
	host = json_object_get_string_member_with_default(
		hermes_pid_record_get_object(record), "hostname", NULL);
	if (host == NULL || g_strcmp0(host, g_get_host_name()) == 0)
		return TRUE;
	if (fstat(self->lock_fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s/gateway.lock", self->home);
		return FALSE;
	}
	age = g_get_real_time() / G_USEC_PER_SEC - (gint64)st.st_mtime;
	if (age >= stale || age <= -stale)
		return TRUE;
	g_set_error(
		error,
		HERMES_ERROR,
		HERMES_ERROR_BUSY,
		"the gateway of '%s' runs on host %s (PID %" G_GINT64_FORMAT
		", its heartbeat %" G_GINT64_FORMAT " s ago): one gateway per profile "
		"across hosts sharing this home; stop it there, or start this one %" G_GINT64_FORMAT
		" s after it stopped",
		self->profile,
		host,
		hermes_pid_record_get_pid(record),
		MAX(age, 0),
		stale);
	return FALSE;
}

static gboolean
hermes_runner_heartbeat_cb(gpointer user_data)
{
	HermesRunner *self = user_data;
	/* the time of the storage, as the readers on other hosts compare with */
	if (self->lock_fd >= 0 && futimens(self->lock_fd, NULL) != 0)
		g_debug("cannot refresh %s/gateway.lock: %s", self->home, g_strerror(errno));
	return G_SOURCE_CONTINUE;
}

/**
 * hermes_runner_heartbeat_start:
 * @self: a runner that holds gateway.lock and wrote its record in it
 *
 * Refreshes the lock file's mtime every beat until the run loop ends.
 */
void
hermes_runner_heartbeat_start(HermesRunner *self)
{
	self->heartbeat_id = g_timeout_add_seconds(
		hermes_runner_heartbeat_interval(self), hermes_runner_heartbeat_cb, self);
}
