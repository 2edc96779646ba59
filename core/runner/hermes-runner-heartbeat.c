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
 * mtime fresh, a heartbeat every HERMES_RUNNER_HEARTBEAT_S seconds. A
 * runner that got the lock and finds a record of another host in that file
 * with a fresh heartbeat watches it for up to three beats: it refuses at
 * the next beat, and starts when none comes (that host's gateway was
 * killed, or its container made again under a new hostname). A record
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
/* how often a runner watching another host's heartbeat looks at it */
#define HERMES_RUNNER_HEARTBEAT_LOOK_MS 200

static guint
hermes_runner_heartbeat_interval(HermesRunner *self)
{
	const gchar *text = hermes_context_getenv(self->ctx, "HERMES_GATEWAY_HEARTBEAT_S");
	guint64 seconds = HERMES_RUNNER_HEARTBEAT_S;
	if (text != NULL && !g_ascii_string_to_unsigned(text, 10, 1, 3600, &seconds, NULL))
		seconds = HERMES_RUNNER_HEARTBEAT_S;
	return (guint)seconds;
}

/* the lock file's mtime and its age in seconds */
static gboolean
hermes_runner_heartbeat_read(HermesRunner *self, gint64 *mtime, gint64 *age, GError **error)
{
	struct stat st;
	if (fstat(self->lock_fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s/gateway.lock", self->home);
		return FALSE;
	}
	*mtime = (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
	*age = g_get_real_time() / G_USEC_PER_SEC - (gint64)st.st_mtim.tv_sec;
	return TRUE;
}

/**
 * hermes_runner_heartbeat_check:
 * @self: a runner holding gateway.lock on this host's kernel
 * @error: return location for a #GError
 *
 * When the lock file's record names another host whose heartbeat is fresh,
 * watches it for up to three beats: a beat means that host's gateway runs
 * (refused); none means it is gone (a container killed and made again under
 * a new hostname), and this one may start.
 *
 * Returns: %FALSE with %HERMES_ERROR_BUSY when the other host's gateway runs
 */
gboolean
hermes_runner_heartbeat_check(HermesRunner *self, GError **error)
{
	g_autoptr(HermesPidRecord) record = hermes_runner_lock_record(self);
	gint64 stale =
		(gint64)hermes_runner_heartbeat_interval(self) * HERMES_RUNNER_HEARTBEAT_MISSED;
	gint64 deadline = g_get_monotonic_time() + (stale + 1) * G_USEC_PER_SEC;
	const gchar *host;
	gint64 first;
	gint64 mtime;
	gint64 age;

	if (record == NULL)
		return TRUE;
	host = json_object_get_string_member_with_default(
		hermes_pid_record_get_object(record), "hostname", NULL);
	if (host == NULL || g_strcmp0(host, g_get_host_name()) == 0)
		return TRUE;
	if (!hermes_runner_heartbeat_read(self, &first, &age, error))
		return FALSE;
	mtime = first;
	/* bounded: three beats and one second at most */
	while (mtime == first && age < stale && age > -stale && g_get_monotonic_time() < deadline) {
		g_usleep(HERMES_RUNNER_HEARTBEAT_LOOK_MS * 1000);
		if (!hermes_runner_heartbeat_read(self, &mtime, &age, error))
			return FALSE;
	}
	if (mtime == first)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "the gateway of '%s' runs on host %s (PID %" G_GINT64_FORMAT
		    ", its heartbeat just now): one gateway per profile across hosts sharing "
		    "this home; stop it there first",
		    self->profile,
		    host,
		    hermes_pid_record_get_pid(record));
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
