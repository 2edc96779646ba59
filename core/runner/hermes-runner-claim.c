/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One gateway per profile: an exclusive flock on <home>/gateway.lock, then
 * <home>/gateway.pid created with O_EXCL (both carry the upstream JSON
 * record, both opened through a directory fd reached beneath the profile
 * root without links). A holder is only ever one hermes_pid_record_judge()
 * proves to be this home's live gateway; a record naming no home, another
 * home, or a process that is not the one that wrote it is no conflict and
 * is never signalled. With --replace the holder is told (takeover marker),
 * asked (SIGTERM) and made (SIGKILL) to go, each through its pidfd and with
 * a bounded wait, and confirmed gone before anything is cleared (upstream
 * #19471; zombies count as gone, #42126).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-home-lock.h"
#include "hermes-pid-record-private.h"
#include "hermes-runner-private.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

static gchar *
hermes_runner_path(HermesRunner *self, const gchar *name)
{
	return g_build_filename(self->home, name, NULL);
}

/*
 * The root is the caller's choice and may be a link; below it nothing is
 * followed. A profile directory that is a link (into another home, say)
 * is refused, so it can never act on that home's gateway.
 */
gboolean
hermes_runner_resolve_home(HermesRunner *self, GError **error)
{
	g_autofree gchar *root = hermes_profile_get_root(self->ctx);
	g_autofree gchar *real_root = realpath(root, NULL);

	g_free(self->root);
	self->root = g_strdup(real_root != NULL ? real_root : root);
	g_free(self->home);
	self->home = hermes_pid_canonical_home(root, self->home_as_given, error);
	if (self->home == NULL) {
		g_prefix_error(error, "cannot run the gateway of '%s': ", self->profile);
		return FALSE;
	}
	if (!g_str_has_prefix(self->home, self->root)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "cannot run the gateway of '%s': %s is not beneath %s",
			    self->profile,
			    self->home,
			    self->root);
		return FALSE;
	}
	return TRUE;
}

JsonObject *
hermes_runner_identity(HermesRunner *self)
{
	JsonObject *record = json_object_new();
	JsonArray *argv = json_array_new();
	g_autofree gchar *boot_id = hermes_pid_boot_id();

	for (guint i = 0; self->argv != NULL && self->argv[i] != NULL; i++)
		json_array_add_string_element(argv, self->argv[i]);
	json_object_set_int_member(record, "pid", self->pid);
	json_object_set_string_member(record, "kind", HERMES_GATEWAY_KIND);
	json_object_set_array_member(record, "argv", argv);
	if (self->start_time >= 0)
		json_object_set_int_member(record, "start_time", self->start_time);
	else
		json_object_set_null_member(record, "start_time");
	json_object_set_string_member(record, "hermes_home", self->home);
	/* pids mean nothing across boots or pid namespaces: say which one this is */
	if (boot_id != NULL)
		json_object_set_string_member(record, "boot_id", boot_id);
	json_object_set_string_member(record, "hostname", g_get_host_name());
	return record;
}

static gchar *
hermes_runner_identity_text(HermesRunner *self)
{
	g_autoptr(JsonObject) record = hermes_runner_identity(self);
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;
	json_node_set_object(node, record);
	text = json_to_string(node, FALSE);
	return g_strconcat(text, "\n", NULL);
}

static gboolean
hermes_runner_try_lock(HermesRunner *self, gboolean *locked, GError **error)
{
	*locked = FALSE;
	while (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return TRUE;
		hermes_error_set_errno(error, errno, "cannot lock %s/gateway.lock", self->home);
		return FALSE;
	}
	*locked = TRUE;
	self->locked = TRUE;
	return TRUE;
}

/* the record in the lock file, read through the fd we already hold */
HermesPidRecord *
hermes_runner_lock_record(HermesRunner *self)
{
	gchar buf[8192];
	gssize n = pread(self->lock_fd, buf, sizeof(buf), 0);
	if (n <= 0 || (gsize)n >= sizeof(buf))
		return NULL;
	return hermes_pid_record_parse(buf, (gsize)n, NULL);
}

/*
 * The live gateway that keeps us from starting: gateway.pid first, then,
 * when someone else holds the lock, the record in the lock file. With the
 * lock in hand, only a legacy gateway that never locks can be live.
 */
static HermesPidRecord *
hermes_runner_find_holder(HermesRunner *self, gboolean locked)
{
	g_autofree gchar *pid_path = hermes_runner_path(self, HERMES_GATEWAY_PID_FILE);
	g_autofree gchar *boot_id = hermes_pid_boot_id();
	g_autoptr(HermesPidRecord) record = hermes_pid_record_load(self->root, pid_path, NULL);

	if (record != NULL && hermes_pid_record_get_pid(record) != self->pid &&
	    hermes_pid_record_judge(record, self->home, boot_id, NULL) == HERMES_PID_STATE_LIVE)
		return g_steal_pointer(&record);
	if (locked)
		return NULL;
	g_clear_pointer(&record, hermes_pid_record_free);
	record = hermes_runner_lock_record(self);
	if (record != NULL && hermes_pid_record_get_pid(record) != self->pid &&
	    hermes_pid_record_judge(record, self->home, boot_id, NULL) == HERMES_PID_STATE_LIVE)
		return g_steal_pointer(&record);
	return NULL;
}

static gboolean
hermes_runner_write_takeover(HermesRunner *self, HermesPidRecord *target, GError **error)
{
	g_autoptr(JsonObject) marker = json_object_new();
	g_autofree gchar *path = hermes_runner_path(self, HERMES_GATEWAY_TAKEOVER_FILE);
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	json_object_set_int_member(marker, "target_pid", hermes_pid_record_get_pid(target));
	json_object_set_int_member(
		marker, "target_start_time", hermes_pid_record_get_start_time(target));
	json_object_set_string_member(marker, "target_hermes_home", self->home);
	json_object_set_int_member(marker, "replacer_pid", self->pid);
	json_object_set_string_member(marker, "replacer_hermes_home", self->home);
	json_object_set_string_member(marker, "written_at", now);
	return hermes_json_file_save_beneath(self->root, path, marker, 0644, error);
}

static void
hermes_runner_remove_takeover(HermesRunner *self)
{
	g_autofree gchar *path = hermes_runner_path(self, HERMES_GATEWAY_TAKEOVER_FILE);
	g_autoptr(GError) error_local = NULL;
	if (!hermes_safe_file_unlink(self->root, path, &error_local))
		g_debug("%s", error_local->message);
}

/* SIGTERM, a bounded wait, SIGKILL, a bounded wait: all through the one pidfd */
static gboolean
hermes_runner_signal_until_gone(HermesRunner *self,
				HermesPidRecord *target,
				gint pidfd,
				GError **error)
{
	gint64 pid = hermes_pid_record_get_pid(target);

	if (!hermes_pid_record_send_signal(target, pidfd, SIGTERM, error))
		return FALSE;
	if (hermes_pid_record_wait_exit(target, pidfd, HERMES_RUNNER_TERM_WAIT_MS))
		return TRUE;
	hermes_runner_say(self,
			  "gateway: PID %" G_GINT64_FORMAT
			  " did not exit within %d s of SIGTERM; sending SIGKILL",
			  pid,
			  HERMES_RUNNER_TERM_WAIT_MS / 1000);
	if (!hermes_pid_record_send_signal(target, pidfd, SIGKILL, error))
		return FALSE;
	/* nothing is cleared before the old one is confirmed gone (upstream #19471) */
	if (hermes_pid_record_wait_exit(target, pidfd, HERMES_RUNNER_KILL_WAIT_MS))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "the old gateway (PID %" G_GINT64_FORMAT
		    ") is still alive after SIGKILL; not starting a second gateway",
		    pid);
	return FALSE;
}

/* --replace: tell it, ask it, make it, and believe only that it is gone */
static gboolean
hermes_runner_takeover(HermesRunner *self, HermesPidRecord *target, GError **error)
{
	gint64 pid = hermes_pid_record_get_pid(target);
	gboolean ok;
	gint pidfd = -1;

	hermes_runner_say(self,
			  "gateway: replacing the gateway with PID %" G_GINT64_FORMAT
			  " (--replace)",
			  pid);
	if (!hermes_pid_record_open_process(target, self->home, &pidfd, error) ||
	    !hermes_runner_write_takeover(self, target, error)) {
		if (pidfd >= 0)
			close(pidfd);
		g_prefix_error(error, "cannot replace PID %" G_GINT64_FORMAT ": ", pid);
		return FALSE;
	}
	ok = hermes_runner_signal_until_gone(self, target, pidfd, error);
	if (pidfd >= 0)
		close(pidfd);
	/* it consumed the marker if it saw it; a killed one could not */
	hermes_runner_remove_takeover(self);
	return ok;
}

static gboolean
hermes_runner_wait_lock(HermesRunner *self, gint64 old_pid, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + HERMES_RUNNER_LOCK_WAIT_MS * 1000;
	gboolean locked = FALSE;
	while (TRUE) {
		if (!hermes_runner_try_lock(self, &locked, error))
			return FALSE;
		if (locked)
			return TRUE;
		if (g_get_monotonic_time() > deadline)
			break;
		g_usleep(10000);
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "%s/gateway.lock is still held after PID %" G_GINT64_FORMAT
		    " exited; another process keeps it",
		    self->home,
		    old_pid);
	return FALSE;
}

static void
hermes_runner_set_already_running(gint64 pid, GError **error)
{
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "Gateway already running (PID %" G_GINT64_FORMAT
		    "). Use 'hermes gateway restart' to replace it, 'hermes gateway stop' "
		    "first, or 'hermes gateway run --replace'.",
		    pid);
}

/* the lock, taking over a live holder with --replace */
static gboolean
hermes_runner_take_lock(HermesRunner *self, GError **error)
{
	gboolean replaced = FALSE;

	self->lock_fd = hermes_home_lock_open_file(
		self->root, self->home, HERMES_GATEWAY_LOCK_FILE, O_RDWR | O_CREAT, 0644, error);
	if (self->lock_fd < 0)
		return FALSE;
	while (TRUE) {
		g_autoptr(HermesPidRecord) holder = NULL;
		gboolean locked = FALSE;

		if (!hermes_runner_try_lock(self, &locked, error))
			return FALSE;
		holder = hermes_runner_find_holder(self, locked);
		/* ours on this kernel; a holder on another host is seen by its heartbeat */
		if (locked && holder == NULL)
			return hermes_runner_heartbeat_check(self, error);
		if (holder == NULL) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_BUSY,
				    "%s/gateway.lock is held by a process not visible here "
				    "(another container sharing this home?); not starting a "
				    "second gateway",
				    self->home);
			return FALSE;
		}
		if (!self->replace || replaced) {
			hermes_runner_set_already_running(hermes_pid_record_get_pid(holder), error);
			return FALSE;
		}
		if (!hermes_runner_takeover(self, holder, error))
			return FALSE;
		replaced = TRUE;
		if (!locked &&
		    !hermes_runner_wait_lock(self, hermes_pid_record_get_pid(holder), error))
			return FALSE;
	}
}

static gboolean
hermes_runner_write_pid_file(HermesRunner *self, const gchar *text, GError **error)
{
	g_autofree gchar *pid_path = hermes_runner_path(self, HERMES_GATEWAY_PID_FILE);
	g_autoptr(GError) error_local = NULL;
	gsize len = strlen(text);
	gint fd = hermes_home_lock_open_file(self->root,
					     self->home,
					     HERMES_GATEWAY_PID_FILE,
					     O_WRONLY | O_CREAT | O_EXCL,
					     0644,
					     &error_local);
	if (fd < 0) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_BUSY,
				    "%s appeared while starting: another gateway won the race",
				    pid_path);
			return FALSE;
		}
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	/*
	 * no fsync: the record names a live process, and after a power loss that
	 * process is gone whether or not the record survived; the lock decides
	 * ownership, and a stale or missing record is never trusted (the boot
	 * reconciler re-derives what runs)
	 */
	if (write(fd, text, len) != (gssize)len) {
		hermes_error_set_errno(error, errno, "cannot write %s", pid_path);
		close(fd);
		hermes_safe_file_unlink(self->root, pid_path, NULL);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean
hermes_runner_claim(HermesRunner *self, GError **error)
{
	g_autofree gchar *pid_path = hermes_runner_path(self, HERMES_GATEWAY_PID_FILE);
	g_autofree gchar *text = NULL;

	if (!hermes_runner_take_lock(self, error))
		return FALSE;
	/* ours now: whatever gateway.pid says is stale (dead, zombie, reused, unproven, malformed) */
	if (!hermes_safe_file_unlink(self->root, pid_path, error)) {
		g_prefix_error(error, "cannot remove a stale pid record: ");
		return FALSE;
	}
	text = hermes_runner_identity_text(self);
	if (ftruncate(self->lock_fd, 0) != 0 ||
	    pwrite(self->lock_fd, text, strlen(text), 0) != (gssize)strlen(text)) {
		hermes_error_set_errno(error, errno, "cannot write %s/gateway.lock", self->home);
		return FALSE;
	}
	return hermes_runner_write_pid_file(self, text, error);
}

/* gateway.pid only if it is still ours (owner-only removal), then the lock */
void
hermes_runner_release(HermesRunner *self)
{
	g_autofree gchar *pid_path = NULL;
	g_autoptr(HermesPidRecord) record = NULL;

	if (self->home != NULL && self->locked) {
		pid_path = hermes_runner_path(self, HERMES_GATEWAY_PID_FILE);
		record = hermes_pid_record_load(self->root, pid_path, NULL);
		if (record != NULL && hermes_pid_record_get_pid(record) == self->pid)
			hermes_safe_file_unlink(self->root, pid_path, NULL);
	}
	if (self->lock_fd < 0)
		return;
	/* an empty record, so nobody reads a dead owner from it; only the holder may */
	if (self->locked && ftruncate(self->lock_fd, 0) != 0)
		g_debug("cannot truncate gateway.lock: %s", g_strerror(errno));
	close(self->lock_fd);
	self->lock_fd = -1;
	self->locked = FALSE;
}

static gboolean
hermes_runner_marker_is_fresh(JsonObject *marker, gint ttl_sec)
{
	const gchar *written = hermes_json_get_string(marker, "written_at");
	g_autoptr(GDateTime) dt = NULL;
	gint64 age;
	if (written == NULL)
		return FALSE;
	dt = g_date_time_new_from_iso8601(written, NULL);
	if (dt == NULL)
		return FALSE;
	age = g_get_real_time() / G_USEC_PER_SEC - g_date_time_to_unix(dt);
	return age >= -5 && age <= ttl_sec;
}

/* the --replace marker, consumed like the planned-stop one */
gboolean
hermes_runner_consume_takeover(HermesRunner *self)
{
	g_autofree gchar *path = hermes_runner_path(self, HERMES_GATEWAY_TAKEOVER_FILE);
	g_autoptr(JsonObject) marker = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *target_home;
	gint64 target_start;
	gint64 target;

	marker = hermes_json_file_load_beneath(self->root, path, &error_local);
	if (marker == NULL) {
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			hermes_runner_remove_takeover(self);
		return FALSE;
	}
	target = hermes_json_get_int_in_range(marker, "target_pid", 1, hermes_pid_max(), -1);
	if (!hermes_runner_marker_is_fresh(marker, HERMES_GATEWAY_TAKEOVER_TTL_SEC) || target < 0) {
		hermes_runner_remove_takeover(self);
		return FALSE;
	}
	if (target != self->pid)
		return FALSE;
	target_start = hermes_json_get_int_in_range(marker, "target_start_time", 0, G_MAXINT64, -1);
	if (target_start >= 0 && self->start_time >= 0 && target_start != self->start_time)
		return FALSE;
	target_home = hermes_json_get_string(marker, "target_hermes_home");
	if (target_home != NULL && g_strcmp0(target_home, self->home) != 0) {
		g_autofree gchar *resolved = realpath(target_home, NULL);
		if (g_strcmp0(resolved, self->home) != 0)
			return FALSE;
	}
	hermes_runner_remove_takeover(self);
	return TRUE;
}

/**
 * hermes_gateway_pid_load:
 * @home: a profile's `HERMES_HOME`
 * @error: return location for a #GError
 *
 * Reads `<home>/gateway.pid` without following a link: the JSON record
 * `{"pid", "kind", "argv", "start_time", "hermes_home"}`, or the bare
 * integer older hermes-agent versions wrote (returned as `{"pid": n}`).
 * The pid is range-checked (1..pid_max).
 *
 * Returns: (transfer full) (nullable): the record; %HERMES_ERROR_NOT_FOUND
 * when there is none, %HERMES_ERROR_INVALID_DATA when it is malformed
 */
JsonObject *
hermes_gateway_pid_load(const gchar *home, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autoptr(HermesPidRecord) record = NULL;

	g_return_val_if_fail(home != NULL, NULL);
	path = g_build_filename(home, HERMES_GATEWAY_PID_FILE, NULL);
	record = hermes_pid_record_load(home, path, error);
	if (record == NULL)
		return NULL;
	return json_object_ref(hermes_pid_record_get_object(record));
}

/**
 * hermes_gateway_pid_is_live:
 * @record: a record from hermes_gateway_pid_load()
 * @home: the profile's `HERMES_HOME` the record was read from
 *
 * The one live-pid rule of the library, for callers holding a record
 * object: see hermes_pid_record_judge(). A record without a start time or
 * a `hermes_home` is never live.
 *
 * Returns: %TRUE if the record proves to name @home's running gateway
 */
gboolean
hermes_gateway_pid_is_live(JsonObject *record, const gchar *home)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(HermesPidRecord) parsed = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *canonical = NULL;
	g_autofree gchar *boot_id = hermes_pid_boot_id();

	g_return_val_if_fail(record != NULL, FALSE);
	g_return_val_if_fail(home != NULL, FALSE);
	json_node_set_object(node, record);
	text = json_to_string(node, FALSE);
	parsed = hermes_pid_record_parse(text, strlen(text), NULL);
	canonical = hermes_pid_canonical_home(home, home, NULL);
	if (parsed == NULL || canonical == NULL)
		return FALSE;
	return hermes_pid_record_judge(parsed, canonical, boot_id, NULL) == HERMES_PID_STATE_LIVE;
}
