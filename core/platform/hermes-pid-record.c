/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Process identity, not numbers. A pid record (`gateway.pid`, or the same
 * JSON in `gateway.lock`) is read through the safe file layer and the
 * bounded parser, and its pid must lie in 1..pid_max: 2^32 + P is refused,
 * never narrowed to P. Older hermes-agent versions wrote a bare integer;
 * it parses, but a record without `start_time` and `hermes_home` never
 * proves anything.
 *
 * The one rule: a record names this home's gateway when a pidfd for its
 * pid can be opened, and then (read after the pidfd is held, so a reused
 * number cannot slip in between) the process is not a zombie, its start
 * time equals the record's, the boot id agrees, its command line is a
 * gateway's, and the record's `hermes_home`, canonicalised, is the target
 * home. Only then is it signalled, and only through that pidfd.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "hermes-context.h"
#include "hermes-error.h"
#include "hermes-pid-record-private.h"
#include "hermes-platform-private.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

struct _HermesPidRecord {
	gint64 pid;
	gint64 start_time; /* -1: unknown */
	gchar *home;	   /* nullable */
	gchar *boot_id;	   /* nullable */
	JsonObject *object;
};

/* /proc/sys/kernel/pid_max, or the kernel's ceiling when it cannot be read */
gint64
hermes_pid_max(void)
{
	g_autofree gchar *text = hermes_platform_read_proc("/proc/sys/kernel/pid_max", NULL);
	guint64 value = 0;

	if (text == NULL || !g_ascii_string_to_unsigned(
				    g_strstrip(text), 10, 1, HERMES_PID_MAX_LIMIT, &value, NULL))
		return HERMES_PID_MAX_LIMIT;
	return (gint64)value;
}

/* this kernel's boot id, or NULL: hermes_context_get_boot_id() is the one reader */
gchar *
hermes_pid_boot_id(void)
{
	return hermes_context_get_boot_id(NULL);
}

/*
 * The canonical path of @home as reached from @root without following a
 * link below @root: the directory is opened beneath @root and the kernel
 * says where it is. A profile directory that is a link into another home
 * is refused here, so it can never be mistaken for that home.
 */
gchar *
hermes_pid_canonical_home(const gchar *root, const gchar *home, GError **error)
{
	g_autofree gchar *fd_path = NULL;
	g_autofree gchar *target = NULL;
	gint fd;

	g_return_val_if_fail(home != NULL, NULL);
	fd = hermes_safe_open_dir(root, home, error);
	if (fd < 0)
		return NULL;
	fd_path = g_strdup_printf("/proc/self/fd/%d", fd);
	target = g_file_read_link(fd_path, NULL);
	if (target == NULL || !g_path_is_absolute(target)) {
		g_autofree gchar *resolved = realpath(home, NULL);
		close(fd);
		if (resolved == NULL) {
			hermes_error_set_errno(error, errno, "cannot resolve %s", home);
			return NULL;
		}
		return g_strdup(resolved);
	}
	close(fd);
	return g_steal_pointer(&target);
}

void
hermes_pid_record_free(HermesPidRecord *self)
{
	if (self == NULL)
		return;
	g_free(self->home);
	g_free(self->boot_id);
	if (self->object != NULL)
		json_object_unref(self->object);
	g_free(self);
}

static HermesPidRecord *
hermes_pid_record_new(gint64 pid)
{
	HermesPidRecord *self = g_new0(HermesPidRecord, 1);
	self->pid = pid;
	self->start_time = -1;
	return self;
}

static gboolean
hermes_pid_record_check_pid(gint64 pid, gboolean valid, GError **error)
{
	gint64 pid_max = hermes_pid_max();
	if (valid && pid >= 1 && pid <= pid_max)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_DATA,
		    "the pid is not a process id in 1..%" G_GINT64_FORMAT,
		    pid_max);
	return FALSE;
}

static HermesPidRecord *
hermes_pid_record_from_object(JsonObject *object, GError **error)
{
	JsonNode *node = json_object_get_member(object, "pid");
	HermesPidRecord *self;
	gboolean is_int = node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
			  json_node_get_value_type(node) == G_TYPE_INT64;
	gint64 pid = is_int ? json_node_get_int(node) : -1;

	if (node == NULL) {
		g_set_error_literal(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "no pid");
		return NULL;
	}
	if (!hermes_pid_record_check_pid(pid, is_int, error))
		return NULL;
	self = hermes_pid_record_new(pid);
	self->start_time = hermes_json_get_int_in_range(object, "start_time", 0, G_MAXINT64, -1);
	self->home = g_strdup(hermes_json_get_string(object, "hermes_home"));
	if (self->home != NULL && !g_path_is_absolute(self->home))
		g_clear_pointer(&self->home, g_free);
	self->boot_id = g_strdup(hermes_json_get_string(object, "boot_id"));
	self->object = json_object_ref(object);
	return self;
}

/*
 * hermes_pid_record_parse:
 * @text: the file's contents
 * @length: bytes in @text
 * @error: %HERMES_ERROR_INVALID_DATA for anything that is not a record
 *
 * A JSON object as hermes-agent and the runner write it, or a bare integer
 * from older writers. The pid must be an integer in 1..pid_max.
 */
HermesPidRecord *
hermes_pid_record_parse(const gchar *text, gsize length, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	HermesPidRecord *self;

	g_return_val_if_fail(text != NULL || length == 0, NULL);
	root = hermes_json_parse_bounded(text, length, error);
	if (root == NULL)
		return NULL;
	if (JSON_NODE_HOLDS_OBJECT(root))
		return hermes_pid_record_from_object(json_node_get_object(root), error);
	/* the legacy bare integer */
	if (JSON_NODE_HOLDS_VALUE(root) && json_node_get_value_type(root) == G_TYPE_INT64) {
		if (!hermes_pid_record_check_pid(json_node_get_int(root), TRUE, error))
			return NULL;
		self = hermes_pid_record_new(json_node_get_int(root));
		self->object = json_object_new();
		json_object_set_int_member(self->object, "pid", self->pid);
		return self;
	}
	g_set_error_literal(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "neither a JSON object nor a bare pid");
	return NULL;
}

/*
 * hermes_pid_record_load:
 * @root: (nullable): the trusted directory @path lies beneath (the profile root)
 * @path: `<home>/gateway.pid` or `<home>/gateway.lock`
 * @error: %HERMES_ERROR_NOT_FOUND when there is none, %HERMES_ERROR_INVALID_DATA
 *   when it is empty or malformed
 */
HermesPidRecord *
hermes_pid_record_load(const gchar *root, const gchar *path, GError **error)
{
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	HermesPidRecord *self;

	g_return_val_if_fail(path != NULL, NULL);
	contents = hermes_safe_file_read(root, path, HERMES_SAFE_MAX_STATE, &len, error);
	if (contents == NULL)
		return NULL;
	self = hermes_pid_record_parse(contents, len, error);
	if (self == NULL)
		g_prefix_error(error, "%s is not a pid record: ", path);
	return self;
}

gint64
hermes_pid_record_get_pid(const HermesPidRecord *self)
{
	g_return_val_if_fail(self != NULL, -1);
	return self->pid;
}

gint64
hermes_pid_record_get_start_time(const HermesPidRecord *self)
{
	g_return_val_if_fail(self != NULL, -1);
	return self->start_time;
}

const gchar *
hermes_pid_record_get_home(const HermesPidRecord *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->home;
}

const gchar *
hermes_pid_record_get_boot_id(const HermesPidRecord *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->boot_id;
}

JsonObject *
hermes_pid_record_get_object(const HermesPidRecord *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->object;
}

static gboolean
hermes_pid_basename_has_prefix(const gchar *arg, const gchar *prefix)
{
	const gchar *slash = strrchr(arg, '/');
	return g_str_has_prefix(slash != NULL ? slash + 1 : arg, prefix);
}

/*
 * A gateway's command line (NUL-separated, as /proc/<pid>/cmdline): a
 * `hermes-gateway…` program or `…gateway/run.py`, or `gateway` followed by
 * `run` or `restart` (whatever runs it: a wrapper, valgrind, python).
 */
gboolean
hermes_pid_cmdline_is_gateway(const gchar *cmdline, gsize length)
{
	gboolean gateway = FALSE;

	for (gsize off = 0; off < length;) {
		gsize n = strnlen(cmdline + off, length - off);
		g_autofree gchar *arg = g_strndup(cmdline + off, n);
		off += n + 1;
		if (hermes_pid_basename_has_prefix(arg, "hermes-gateway") ||
		    g_str_has_suffix(arg, "gateway/run.py"))
			return TRUE;
		if (g_strcmp0(arg, "gateway") == 0)
			gateway = TRUE;
		else if (gateway && (g_strcmp0(arg, "run") == 0 || g_strcmp0(arg, "restart") == 0))
			return TRUE;
	}
	return FALSE;
}

/* the record's home, canonical when it still exists */
static gchar *
hermes_pid_record_canonical_record_home(const gchar *home)
{
	g_autofree gchar *resolved = realpath(home, NULL);
	if (resolved == NULL)
		return g_canonicalize_filename(home, NULL);
	return g_strdup(resolved);
}

/* what the live process behind @pidfd (or the bare pid, without one) is */
static HermesPidState
hermes_pid_record_check_process(const HermesPidRecord *self, gint pidfd, gchar **why)
{
	g_autofree gchar *cmdline_path = NULL;
	g_autofree gchar *cmdline = NULL;
	gchar state = '?';
	gint64 start_time = -1;
	gsize len = 0;

	if (!hermes_platform_read_proc_stat(self->pid, &state, &start_time)) {
		if ((pidfd >= 0 && hermes_platform_pidfd_wait(pidfd, 0)) ||
		    !hermes_platform_process_alive(self->pid)) {
			*why = g_strdup_printf("process %" G_GINT64_FORMAT " is gone", self->pid);
			return HERMES_PID_STATE_STALE;
		}
		*why = g_strdup_printf("cannot read /proc/%" G_GINT64_FORMAT "/stat", self->pid);
		return HERMES_PID_STATE_UNPROVEN;
	}
	if (state == 'Z' || state == 'X') {
		*why = g_strdup_printf("process %" G_GINT64_FORMAT " is a zombie", self->pid);
		return HERMES_PID_STATE_STALE;
	}
	if (self->start_time >= 0 && start_time != self->start_time) {
		*why = g_strdup_printf("pid %" G_GINT64_FORMAT
				       " was reused (start time %" G_GINT64_FORMAT
				       ", recorded %" G_GINT64_FORMAT ")",
				       self->pid,
				       start_time,
				       self->start_time);
		return HERMES_PID_STATE_STALE;
	}
	cmdline_path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", self->pid);
	cmdline = hermes_platform_read_proc(cmdline_path, &len);
	if (cmdline == NULL) {
		*why = g_strdup_printf("cannot read the command line of process %" G_GINT64_FORMAT,
				       self->pid);
		return HERMES_PID_STATE_UNPROVEN;
	}
	if (!hermes_pid_cmdline_is_gateway(cmdline, len)) {
		*why = g_strdup_printf("process %" G_GINT64_FORMAT " is not a gateway", self->pid);
		return HERMES_PID_STATE_STALE;
	}
	return HERMES_PID_STATE_LIVE;
}

/* the record's own claims: a start time and this home */
static HermesPidState
hermes_pid_record_check_claims(const HermesPidRecord *self, const gchar *home, gchar **why)
{
	g_autofree gchar *recorded = NULL;

	if (self->start_time < 0) {
		*why = g_strdup_printf("pid %" G_GINT64_FORMAT
				       " is a live gateway, but its record has no start time",
				       self->pid);
		return HERMES_PID_STATE_UNPROVEN;
	}
	if (self->home == NULL) {
		*why = g_strdup_printf("pid %" G_GINT64_FORMAT
				       " is a live gateway, but its record names no HERMES_HOME",
				       self->pid);
		return HERMES_PID_STATE_UNPROVEN;
	}
	recorded = hermes_pid_record_canonical_record_home(self->home);
	if (g_strcmp0(recorded, home) != 0) {
		*why = g_strdup_printf("pid %" G_GINT64_FORMAT
				       " is a live gateway of HERMES_HOME %s, not of %s",
				       self->pid,
				       recorded,
				       home);
		return HERMES_PID_STATE_UNPROVEN;
	}
	*why = g_strdup_printf("pid %" G_GINT64_FORMAT " is this home's live gateway", self->pid);
	return HERMES_PID_STATE_LIVE;
}

static HermesPidState
hermes_pid_record_identify(const HermesPidRecord *self,
			   const gchar *home,
			   const gchar *boot_id,
			   gint *pidfd_out,
			   gchar **why)
{
	g_autoptr(GError) error_local = NULL;
	HermesPidState state;
	gint pidfd;

	*pidfd_out = -1;
	if (self->pid < 1 || self->pid > hermes_pid_max()) {
		*why = g_strdup_printf("pid %" G_GINT64_FORMAT " is out of range", self->pid);
		return HERMES_PID_STATE_STALE;
	}
	if (self->boot_id != NULL && boot_id != NULL && g_strcmp0(self->boot_id, boot_id) != 0) {
		*why = g_strdup_printf("written under another boot (boot_id %s)", self->boot_id);
		return HERMES_PID_STATE_FOREIGN;
	}
	/* the pidfd first: whatever is read from /proc after this is about this process */
	pidfd = hermes_platform_pidfd_open(self->pid, &error_local);
	if (pidfd < 0 && g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
		*why = g_strdup_printf("process %" G_GINT64_FORMAT " is gone", self->pid);
		return HERMES_PID_STATE_STALE;
	}
	if (pidfd < 0 && !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED)) {
		*why = g_strdup(error_local->message);
		return HERMES_PID_STATE_UNPROVEN;
	}
	if ((pidfd >= 0 && hermes_platform_pidfd_wait(pidfd, 0)) ||
	    (pidfd < 0 && !hermes_platform_process_alive(self->pid))) {
		*why = g_strdup_printf("process %" G_GINT64_FORMAT " has exited", self->pid);
		state = HERMES_PID_STATE_STALE;
	} else {
		state = hermes_pid_record_check_process(self, pidfd, why);
	}
	if (state == HERMES_PID_STATE_LIVE)
		state = hermes_pid_record_check_claims(self, home, why);
	if (state == HERMES_PID_STATE_LIVE) {
		*pidfd_out = pidfd;
		return state;
	}
	if (pidfd >= 0)
		close(pidfd);
	return state;
}

/*
 * hermes_pid_record_judge:
 * @self: a record
 * @home: the canonical home the record was read from (hermes_pid_canonical_home())
 * @boot_id: (nullable): the boot id to compare with; %NULL skips the check
 * @why: (out) (optional): one line saying why
 *
 * The one live/stale rule (see the file comment).
 */
HermesPidState
hermes_pid_record_judge(const HermesPidRecord *self,
			const gchar *home,
			const gchar *boot_id,
			gchar **why)
{
	g_autofree gchar *reason = NULL;
	HermesPidState state;
	gint pidfd = -1;

	g_return_val_if_fail(self != NULL, HERMES_PID_STATE_STALE);
	g_return_val_if_fail(home != NULL, HERMES_PID_STATE_STALE);
	state = hermes_pid_record_identify(self, home, boot_id, &pidfd, &reason);
	if (pidfd >= 0)
		close(pidfd);
	if (why != NULL)
		*why = g_steal_pointer(&reason);
	return state;
}

/*
 * hermes_pid_record_open_process:
 * @self: a record
 * @home: the canonical target home (hermes_pid_canonical_home())
 * @pidfd: (out): a pidfd for the proven process, or -1 where the system has
 *   no pidfds; signal and wait with hermes_pid_record_send_signal() and
 *   hermes_pid_record_wait_exit(), then close it
 * @error: %HERMES_ERROR_NOT_FOUND when nothing runs under the record,
 *   %HERMES_ERROR_PERMISSION_DENIED when it cannot be proven to be this
 *   home's gateway
 *
 * Returns: %TRUE when @self names this home's running gateway
 */
gboolean
hermes_pid_record_open_process(const HermesPidRecord *self,
			       const gchar *home,
			       gint *pidfd,
			       GError **error)
{
	g_autofree gchar *boot_id = hermes_pid_boot_id();
	g_autofree gchar *why = NULL;
	HermesPidState state;
	gint fd = -1;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(home != NULL, FALSE);
	g_return_val_if_fail(pidfd != NULL, FALSE);
	*pidfd = -1;
	state = hermes_pid_record_identify(self, home, boot_id, &fd, &why);
	if (state == HERMES_PID_STATE_LIVE) {
		*pidfd = fd;
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    state == HERMES_PID_STATE_STALE ? HERMES_ERROR_NOT_FOUND
						    : HERMES_ERROR_PERMISSION_DENIED,
		    "not stopping pid %" G_GINT64_FORMAT ": %s",
		    self->pid,
		    why);
	return FALSE;
}

/* without a pidfd: is the recorded process (same start time, not a zombie) still there? */
static gboolean
hermes_pid_record_still_there(const HermesPidRecord *self)
{
	gchar state = '?';
	gint64 start_time = -1;
	return hermes_platform_read_proc_stat(self->pid, &state, &start_time) && state != 'Z' &&
	       state != 'X' && start_time == self->start_time;
}

/*
 * hermes_pid_record_send_signal:
 * @self: a record proven by hermes_pid_record_open_process()
 * @pidfd: the pidfd it gave, or -1 where the system has none
 * @sig: the signal
 * @error: return location for a #GError
 *
 * Through the pidfd, so a reused pid can never receive it. Only where the
 * kernel (or an emulator such as valgrind) has no pidfds is kill(2) used,
 * right after the start time is checked again: the residual window is
 * the one upstream lives with everywhere.
 *
 * Returns: %TRUE when sent, or when the process is already gone
 */
gboolean
hermes_pid_record_send_signal(const HermesPidRecord *self, gint pidfd, gint sig, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (pidfd >= 0)
		return hermes_platform_pidfd_send_signal(pidfd, sig, error);
	if (!hermes_pid_record_still_there(self))
		return TRUE;
	if (kill((pid_t)self->pid, sig) != 0 && errno != ESRCH) {
		hermes_error_set_errno(error,
				       errno,
				       "cannot send signal %d to pid %" G_GINT64_FORMAT,
				       sig,
				       self->pid);
		return FALSE;
	}
	return TRUE;
}

/*
 * hermes_pid_record_wait_exit:
 * @self: a record proven by hermes_pid_record_open_process()
 * @pidfd: the pidfd it gave, or -1
 * @timeout_ms: the bound
 *
 * Returns: %TRUE once the process has exited (a zombie has), within the bound
 */
gboolean
hermes_pid_record_wait_exit(const HermesPidRecord *self, gint pidfd, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	g_return_val_if_fail(self != NULL, FALSE);
	if (pidfd >= 0)
		return hermes_platform_pidfd_wait(pidfd, timeout_ms);
	while (hermes_pid_record_still_there(self)) {
		if (g_get_monotonic_time() >= deadline)
			return FALSE;
		g_usleep(5000);
	}
	return TRUE;
}
