/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The foreground gateway: what `hermes gateway run` is once any container
 * redirect is out of the way, and what every supervisor runs.
 *
 * 1. One per profile: an exclusive flock on <home>/gateway.lock, then
 *    <home>/gateway.pid created with O_EXCL (both carry the upstream JSON
 *    record). A live holder is refused, or with --replace told to go
 *    (takeover marker, SIGTERM, bounded wait, SIGKILL, bounded wait) and
 *    confirmed gone before anything is cleared (upstream #19471; zombies
 *    count as gone, #42126).
 * 2. gateway_state.json: starting, then running; every key we do not own
 *    is kept, and `draining` is never the last word.
 * 3. The payload: $HERMES_GATEWAY_COMMAND or `[gateway] command` in
 *    <home>/hermes-svc.conf, else the built-in /health gateway.
 * 4. The shutdown contract (upstream #42675): a takeover or planned-stop
 *    marker naming us, or SIGINT, is an operator stop (stopped, exit 0); any
 *    other SIGTERM persists running and exits 1 so the supervisor and the
 *    boot reconciler bring it back; SIGUSR1 asks for a restart (stopped,
 *    exit 75); a payload's 78 is a fatal configuration (startup_failed,
 *    exit 78 — the exit code must survive the clean path, upstream #51698).
 *
 * The library never prints: progress goes out through ::message and the
 * CLI decides where it is shown.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "hermes-env.h"
#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-state.h"
#include "hermes-payload.h"
#include "hermes-planned-stop.h"
#include "hermes-platform.h"
#include "hermes-port.h"
#include "hermes-runner.h"
#include "hermes-state.h"

/* --replace: how long the old gateway gets after SIGTERM, then after SIGKILL */
#define HERMES_RUNNER_TERM_WAIT_MS 10000
#define HERMES_RUNNER_KILL_WAIT_MS 5000
/* the lock is released when the old process exits; allow for the kernel to catch up */
#define HERMES_RUNNER_LOCK_WAIT_MS 2000
/* an external payload's drain time before SIGKILL */
#define HERMES_RUNNER_PAYLOAD_STOP_MS 10000
/* a hash-derived port taken between the probe and the bind is retried */
#define HERMES_RUNNER_BIND_TRIES 3

struct _HermesRunner {
	GObject parent_instance;
	HermesContext *ctx;
	gchar *profile;
	gchar *home; /* canonical, symbolic links resolved */
	GStrv argv;
	gboolean replace;
	gboolean ran;
	gint64 pid;
	gint64 start_time;
	gint lock_fd;
	gboolean locked;
	GMainLoop *loop;
	guint signal_ids[3];
	HermesPayload *payload;
	GSubprocess *child;
	gboolean child_exited;
	guint kill_id;
	guint port;
	gboolean ready_sent;
	/* the verdict, once something decided how this ends */
	gboolean stopping;
	gint exit_code;
	gchar *final_state;
	gchar *exit_reason;
	gboolean restart_requested;
};

G_DEFINE_FINAL_TYPE(HermesRunner, hermes_runner, G_TYPE_OBJECT)

enum {
	SIGNAL_MESSAGE,
	SIGNAL_LAST
};

static guint signals[SIGNAL_LAST] = {0};

/*****************************************************************************/
/* the redirect decision (the CLI acts on it) */

/**
 * hermes_run_redirect_decide:
 * @mode: (nullable): the chosen backend's mode when it is s6 (`container`,
 *   `scandir`, `embedded`), else %NULL
 * @s6_child: (nullable): `$HERMES_S6_SUPERVISED_CHILD`
 * @no_supervise_env: (nullable): `$HERMES_GATEWAY_NO_SUPERVISE`
 * @no_supervise: whether `--no-supervise` was given
 * @warning: (out) (optional) (nullable) (transfer full): a one-line warning
 *   when @no_supervise_env is not a truth value
 *
 * Whether `hermes gateway run` hands the gateway to the container's s6
 * supervisor. Only s6 in `container` mode (s6-overlay is PID 1) redirects.
 * The supervised child itself never does (any non-empty
 * `HERMES_S6_SUPERVISED_CHILD`: it is a recursion guard, so it errs towards
 * the foreground). `--no-supervise` or a true `HERMES_GATEWAY_NO_SUPERVISE`
 * (hermes_env_flag(): `0` and garbage do not opt out) keep it in the
 * foreground. A pure function, so every gate is tested without a container.
 *
 * Returns: the decision
 */
HermesRunRedirect
hermes_run_redirect_decide(const gchar *mode,
			   const gchar *s6_child,
			   const gchar *no_supervise_env,
			   gboolean no_supervise,
			   gchar **warning)
{
	gboolean recognised = TRUE;
	gboolean opted_out = hermes_env_flag(no_supervise_env, &recognised);

	if (warning != NULL) {
		*warning = NULL;
		if (!recognised) {
			g_autofree gchar *shown = g_strescape(no_supervise_env, NULL);
			*warning = g_strdup_printf(
				"HERMES_GATEWAY_NO_SUPERVISE='%s' is not a truth value (use "
				"1/true/yes/on or 0/false/no/off); treating it as false",
				shown);
		}
	}
	if (s6_child != NULL && s6_child[0] != '\0')
		return HERMES_RUN_FOREGROUND_SUPERVISED_CHILD;
	if (no_supervise || opted_out)
		return HERMES_RUN_FOREGROUND_OPTED_OUT;
	if (g_strcmp0(mode, "container") != 0)
		return HERMES_RUN_FOREGROUND_NOT_CONTAINER;
	return HERMES_RUN_REDIRECT_START_SUPERVISED;
}

/**
 * hermes_run_redirect_to_string:
 * @decision: a #HermesRunRedirect
 *
 * Returns: a short reason, e.g. `not an s6 container`
 */
const gchar *
hermes_run_redirect_to_string(HermesRunRedirect decision)
{
	switch (decision) {
	case HERMES_RUN_REDIRECT_START_SUPERVISED:
		return "supervised by s6";
	case HERMES_RUN_FOREGROUND_NOT_CONTAINER:
		return "not an s6 container";
	case HERMES_RUN_FOREGROUND_SUPERVISED_CHILD:
		return "the supervised gateway itself";
	case HERMES_RUN_FOREGROUND_OPTED_OUT:
		return "supervision opted out";
	default:
		return "unknown";
	}
}

/*****************************************************************************/
/* records: gateway.pid, gateway.lock, .gateway-takeover.json */

static gchar *
hermes_runner_realpath(const gchar *path)
{
	g_autofree gchar *resolved = realpath(path, NULL);
	if (resolved == NULL)
		return g_canonicalize_filename(path, NULL);
	/* realpath() memory is malloc()ed; hand out GLib memory */
	return g_strdup(resolved);
}

static JsonObject *
hermes_runner_parse_record(const gchar *contents, gsize len, const gchar *path, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *text = g_strstrip(g_strndup(contents, len));
	g_autoptr(GError) error_local = NULL;
	JsonNode *root;
	guint64 bare = 0;

	/* legacy hermes-agent wrote a bare integer */
	if (text[0] != '\0' && g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT32, &bare, NULL)) {
		JsonObject *record = json_object_new();
		json_object_set_int_member(record, "pid", (gint64)bare);
		return record;
	}
	if (text[0] == '\0') {
		g_set_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "%s is empty", path);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, text, -1, &error_local)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s is corrupt: %s",
			    path,
			    error_local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s is not an object",
			    path);
		return NULL;
	}
	return json_object_ref(json_node_get_object(root));
}

/**
 * hermes_gateway_pid_load:
 * @home: a profile's `HERMES_HOME`
 * @error: return location for a #GError
 *
 * Reads `<home>/gateway.pid`: the JSON record
 * `{"pid", "kind", "argv", "start_time", "hermes_home"}`, or the bare
 * integer older hermes-agent versions wrote (returned as `{"pid": n}`).
 *
 * Returns: (transfer full) (nullable): the record; %HERMES_ERROR_NOT_FOUND
 * when there is none, %HERMES_ERROR_INVALID_DATA when it is malformed
 */
JsonObject *
hermes_gateway_pid_load(const gchar *home, GError **error)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error_local = NULL;
	gsize len = 0;

	g_return_val_if_fail(home != NULL, NULL);
	path = g_build_filename(home, HERMES_GATEWAY_PID_FILE, NULL);
	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		hermes_error_convert(error);
		return NULL;
	}
	return hermes_runner_parse_record(contents, len, path, error);
}

static gint64
hermes_runner_record_int(JsonObject *record, const gchar *name)
{
	JsonNode *node = json_object_get_member(record, name);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    (json_node_get_value_type(node) != G_TYPE_INT64 &&
	     json_node_get_value_type(node) != G_TYPE_DOUBLE))
		return -1;
	return json_node_get_value_type(node) == G_TYPE_INT64 ? json_node_get_int(node)
							      : (gint64)json_node_get_double(node);
}

/*
 * hermes_platform_process_alive() reads /proc after kill(0): a process
 * reaped in between reads as alive. A second kill(0) settles it (ESRCH is
 * gone for certain); zombies stay dead (upstream #42126).
 */
static gboolean
hermes_runner_alive(gint64 pid)
{
	if (!hermes_platform_process_alive(pid))
		return FALSE;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* a gateway command line: `… gateway run|restart …`; unknown (no /proc) passes */
static gboolean
hermes_runner_cmdline_is_gateway(gint64 pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", pid);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	gboolean gateway = FALSE;

	if (!g_file_get_contents(path, &contents, &len, NULL) || len == 0)
		return TRUE;
	for (gsize off = 0; off < len; off += strlen(contents + off) + 1) {
		const gchar *arg = contents + off;
		if (g_strcmp0(arg, "gateway") == 0)
			gateway = TRUE;
		else if (gateway && (g_strcmp0(arg, "run") == 0 || g_strcmp0(arg, "restart") == 0))
			return TRUE;
	}
	return FALSE;
}

/**
 * hermes_gateway_pid_is_live:
 * @record: a record from hermes_gateway_pid_load()
 * @home: the profile's `HERMES_HOME` the record was read from
 *
 * A record is live when its process runs (zombies do not), its start time
 * agrees when both are known (so a reused pid is not mistaken for the
 * gateway), its command line is a gateway's, and its `hermes_home`, when
 * present, is @home.
 *
 * Returns: %TRUE if the gateway the record describes is running
 */
gboolean
hermes_gateway_pid_is_live(JsonObject *record, const gchar *home)
{
	gint64 pid;
	gint64 recorded_start;
	gint64 start;
	const gchar *recorded_home;

	g_return_val_if_fail(record != NULL, FALSE);
	g_return_val_if_fail(home != NULL, FALSE);
	pid = hermes_runner_record_int(record, "pid");
	if (pid <= 0 || !hermes_runner_alive(pid))
		return FALSE;
	recorded_start = hermes_runner_record_int(record, "start_time");
	start = hermes_platform_get_start_time(pid);
	if (recorded_start >= 0 && start >= 0 && recorded_start != start)
		return FALSE;
	if (!hermes_runner_cmdline_is_gateway(pid))
		return FALSE;
	recorded_home = hermes_json_get_string(record, "hermes_home");
	if (recorded_home != NULL) {
		g_autofree gchar *a = hermes_runner_realpath(recorded_home);
		g_autofree gchar *b = hermes_runner_realpath(home);
		if (g_strcmp0(a, b) != 0)
			return FALSE;
	}
	return TRUE;
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

/*****************************************************************************/

static void
hermes_runner_say(HermesRunner *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
hermes_runner_say(HermesRunner *self, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *line = NULL;
	va_start(args, format);
	line = g_strdup_vprintf(format, args);
	va_end(args);
	g_debug("%s", line);
	g_signal_emit(self, signals[SIGNAL_MESSAGE], 0, line);
}

static JsonObject *
hermes_runner_identity(HermesRunner *self)
{
	JsonObject *record = json_object_new();
	JsonArray *argv = json_array_new();
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
	{
		g_autofree gchar *boot_id = NULL;
		if (g_file_get_contents("/proc/sys/kernel/random/boot_id", &boot_id, NULL, NULL))
			json_object_set_string_member(record, "boot_id", g_strstrip(boot_id));
	}
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

static void
hermes_runner_persist(HermesRunner *self, JsonObject *changes)
{
	g_autoptr(GError) error_local = NULL;
	if (!hermes_gateway_state_update(self->home, changes, &error_local))
		hermes_runner_say(
			self, "gateway: cannot record the runtime state: %s", error_local->message);
}

static void
hermes_runner_persist_state(HermesRunner *self, const gchar *state)
{
	g_autoptr(JsonObject) changes = json_object_new();
	json_object_set_string_member(changes, "gateway_state", state);
	hermes_runner_persist(self, changes);
}

/*****************************************************************************/
/* single instance */

static gboolean
hermes_runner_open_lock(HermesRunner *self, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->home, HERMES_GATEWAY_LOCK_FILE, NULL);
	self->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (self->lock_fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open %s", path);
		return FALSE;
	}
	return TRUE;
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

/*
 * The live gateway that keeps us from starting: gateway.pid first, then,
 * when someone else holds the lock, the record in the lock file. With the
 * lock in hand, only a legacy gateway that never locks can be live.
 */
static gint64
hermes_runner_find_holder(HermesRunner *self, gboolean locked, gint64 *start_time)
{
	g_autoptr(JsonObject) record = hermes_gateway_pid_load(self->home, NULL);
	g_autofree gchar *lock_path = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	*start_time = -1;
	if (record != NULL && hermes_runner_record_int(record, "pid") != self->pid &&
	    hermes_gateway_pid_is_live(record, self->home)) {
		*start_time = hermes_runner_record_int(record, "start_time");
		return hermes_runner_record_int(record, "pid");
	}
	if (locked)
		return -1;
	g_clear_pointer(&record, json_object_unref);
	lock_path = g_build_filename(self->home, HERMES_GATEWAY_LOCK_FILE, NULL);
	if (g_file_get_contents(lock_path, &contents, &len, NULL))
		record = hermes_runner_parse_record(contents, len, lock_path, NULL);
	if (record != NULL && hermes_runner_record_int(record, "pid") != self->pid &&
	    hermes_gateway_pid_is_live(record, self->home)) {
		*start_time = hermes_runner_record_int(record, "start_time");
		return hermes_runner_record_int(record, "pid");
	}
	return -1;
}

static gboolean
hermes_runner_write_takeover(HermesRunner *self, gint64 target, gint64 target_start, GError **error)
{
	g_autoptr(JsonObject) marker = json_object_new();
	g_autofree gchar *path = g_build_filename(self->home, HERMES_GATEWAY_TAKEOVER_FILE, NULL);
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	json_object_set_int_member(marker, "target_pid", target);
	if (target_start >= 0)
		json_object_set_int_member(marker, "target_start_time", target_start);
	else
		json_object_set_null_member(marker, "target_start_time");
	json_object_set_string_member(marker, "target_hermes_home", self->home);
	json_object_set_int_member(marker, "replacer_pid", self->pid);
	json_object_set_string_member(marker, "replacer_hermes_home", self->home);
	json_object_set_string_member(marker, "written_at", now);
	return hermes_json_file_save(path, marker, 0644, error);
}

/*
 * The pidfd can report the exit a moment before /proc shows the zombie, so
 * "gone" is confirmed within the same bound.
 */
static gboolean
hermes_runner_wait_gone(gint64 pid, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	hermes_platform_wait_exit(pid, timeout_ms, NULL);
	while (hermes_runner_alive(pid)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(2000);
	}
	return TRUE;
}

/* --replace: tell it, ask it, make it, and believe only that it is gone */
static gboolean
hermes_runner_takeover(HermesRunner *self, gint64 target, gint64 target_start, GError **error)
{
	g_autofree gchar *marker = g_build_filename(self->home, HERMES_GATEWAY_TAKEOVER_FILE, NULL);

	if (target_start < 0)
		target_start = hermes_platform_get_start_time(target);
	hermes_runner_say(self,
			  "gateway: replacing the gateway with PID %" G_GINT64_FORMAT
			  " (--replace)",
			  target);
	if (!hermes_runner_write_takeover(self, target, target_start, error)) {
		g_prefix_error(error, "cannot replace PID %" G_GINT64_FORMAT ": ", target);
		return FALSE;
	}
	if (kill((pid_t)target, SIGTERM) != 0 && errno != ESRCH) {
		hermes_error_set_errno(error, errno, "cannot stop PID %" G_GINT64_FORMAT, target);
		g_unlink(marker);
		return FALSE;
	}
	if (!hermes_runner_wait_gone(target, HERMES_RUNNER_TERM_WAIT_MS)) {
		hermes_runner_say(self,
				  "gateway: PID %" G_GINT64_FORMAT
				  " did not exit within %d s of SIGTERM; sending SIGKILL",
				  target,
				  HERMES_RUNNER_TERM_WAIT_MS / 1000);
		if (kill((pid_t)target, SIGKILL) != 0 && errno != ESRCH) {
			hermes_error_set_errno(
				error, errno, "cannot kill PID %" G_GINT64_FORMAT, target);
			g_unlink(marker);
			return FALSE;
		}
		/* nothing is cleared before the old one is confirmed gone (upstream #19471) */
		if (!hermes_runner_wait_gone(target, HERMES_RUNNER_KILL_WAIT_MS)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_BUSY,
				    "the old gateway (PID %" G_GINT64_FORMAT
				    ") is still alive after SIGKILL; not starting a second gateway",
				    target);
			g_unlink(marker);
			return FALSE;
		}
	}
	/* it consumed the marker if it saw it; a killed one could not */
	g_unlink(marker);
	return TRUE;
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
hermes_runner_set_already_running(HermesRunner *self, gint64 pid, GError **error)
{
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "Gateway already running (PID %" G_GINT64_FORMAT
		    "). Use 'hermes gateway restart' to replace it, 'hermes gateway stop' "
		    "first, or 'hermes gateway run --replace'.",
		    pid);
}

static gboolean
hermes_runner_claim(HermesRunner *self, GError **error)
{
	g_autofree gchar *pid_path = g_build_filename(self->home, HERMES_GATEWAY_PID_FILE, NULL);
	g_autofree gchar *text = NULL;
	g_autoptr(JsonObject) record = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean replaced = FALSE;
	gint fd;

	if (!hermes_runner_open_lock(self, error))
		return FALSE;
	while (TRUE) {
		gboolean locked = FALSE;
		gint64 holder_start = -1;
		gint64 holder;

		if (!hermes_runner_try_lock(self, &locked, error))
			return FALSE;
		holder = hermes_runner_find_holder(self, locked, &holder_start);
		if (locked && holder <= 0)
			break;
		if (holder <= 0) {
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
			hermes_runner_set_already_running(self, holder, error);
			return FALSE;
		}
		if (!hermes_runner_takeover(self, holder, holder_start, error))
			return FALSE;
		replaced = TRUE;
		if (!locked && !hermes_runner_wait_lock(self, holder, error))
			return FALSE;
	}

	/* ours now: whatever gateway.pid says is stale (dead, zombie, reused pid, malformed) */
	record = hermes_gateway_pid_load(self->home, &error_local);
	if (record != NULL || !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
		if (record != NULL)
			g_debug("removing stale %s (pid %" G_GINT64_FORMAT ")",
				pid_path,
				hermes_runner_record_int(record, "pid"));
		if (g_unlink(pid_path) != 0 && errno != ENOENT) {
			hermes_error_set_errno(error, errno, "cannot remove stale %s", pid_path);
			return FALSE;
		}
	}

	text = hermes_runner_identity_text(self);
	if (ftruncate(self->lock_fd, 0) != 0 ||
	    pwrite(self->lock_fd, text, strlen(text), 0) != (gssize)strlen(text)) {
		hermes_error_set_errno(error, errno, "cannot write %s/gateway.lock", self->home);
		return FALSE;
	}
	fd = open(pid_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		if (errno == EEXIST) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_BUSY,
				    "%s appeared while starting: another gateway won the race",
				    pid_path);
			return FALSE;
		}
		hermes_error_set_errno(error, errno, "cannot create %s", pid_path);
		return FALSE;
	}
	if (write(fd, text, strlen(text)) != (gssize)strlen(text) || fsync(fd) != 0) {
		gint errsv = errno;
		close(fd);
		g_unlink(pid_path);
		hermes_error_set_errno(error, errsv, "cannot write %s", pid_path);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

/* gateway.pid only if it is still ours (owner-only removal), then the lock */
static void
hermes_runner_release(HermesRunner *self)
{
	g_autoptr(JsonObject) record = hermes_gateway_pid_load(self->home, NULL);
	if (record != NULL && hermes_runner_record_int(record, "pid") == self->pid) {
		g_autofree gchar *path =
			g_build_filename(self->home, HERMES_GATEWAY_PID_FILE, NULL);
		g_unlink(path);
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

/*****************************************************************************/
/* readiness */

static void
hermes_runner_notify_fd(HermesRunner *self)
{
	const gchar *text = hermes_context_getenv(self->ctx, "HERMES_READY_FD");
	guint64 fd = 0;
	if (text == NULL || text[0] == '\0')
		return;
	if (!g_ascii_string_to_unsigned(text, 10, 3, 1024, &fd, NULL) ||
	    fcntl((gint)fd, F_GETFD) < 0) {
		hermes_runner_say(
			self,
			"gateway: HERMES_READY_FD=%s is not an open descriptor; readiness "
			"not signalled",
			text);
		return;
	}
	/* s6 notification-fd: a newline, then close */
	if (write((gint)fd, "\n", 1) != 1)
		hermes_runner_say(self,
				  "gateway: cannot signal readiness on fd %s: %s",
				  text,
				  g_strerror(errno));
	close((gint)fd);
}

/* systemd Type=notify: one datagram; a leading '@' names an abstract socket */
static void
hermes_runner_notify_socket(HermesRunner *self)
{
	const gchar *path = hermes_context_getenv(self->ctx, "NOTIFY_SOCKET");
	struct sockaddr_un addr = {0};
	static const gchar msg[] = "READY=1";
	gsize len;
	socklen_t addr_len;
	gint fd;

	if (path == NULL || path[0] == '\0')
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
		hermes_runner_say(self, "gateway: NOTIFY_SOCKET=%s is not usable", path);
		return;
	}
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			       (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len) < 0)
		hermes_runner_say(self, "gateway: cannot notify %s: %s", path, g_strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void
hermes_runner_notify_ready(HermesRunner *self)
{
	if (self->ready_sent)
		return;
	self->ready_sent = TRUE;
	hermes_runner_notify_fd(self);
	hermes_runner_notify_socket(self);
}

/*****************************************************************************/
/* the verdict */

static gboolean
hermes_runner_under_launchd(HermesRunner *self)
{
	const gchar *xpc = hermes_context_getenv(self->ctx, "XPC_SERVICE_NAME");
	return xpc != NULL && xpc[0] != '\0' && g_strcmp0(xpc, "0") != 0;
}

/*
 * launchd restarts a KeepAlive job on any exit it is not told about and
 * cannot exempt 78, so there a fatal configuration exits 0 (it is recorded
 * as startup_failed all the same); everywhere else 78 parks the slot.
 */
static gint
hermes_runner_fatal_config_code(HermesRunner *self)
{
	return hermes_runner_under_launchd(self) ? 0 : HERMES_EXIT_FATAL_CONFIG;
}

static void
hermes_runner_decide(HermesRunner *self, const gchar *state, gint code, const gchar *reason)
{
	self->stopping = TRUE;
	g_free(self->final_state);
	self->final_state = g_strdup(state);
	g_free(self->exit_reason);
	self->exit_reason = g_strdup(reason);
	self->exit_code = code;
}

static gboolean
hermes_runner_kill_payload_cb(gpointer user_data)
{
	HermesRunner *self = HERMES_RUNNER(user_data);
	self->kill_id = 0;
	if (self->child != NULL && !self->child_exited) {
		hermes_runner_say(self,
				  "gateway: the payload did not stop within %d s; killing it",
				  HERMES_RUNNER_PAYLOAD_STOP_MS / 1000);
		g_subprocess_force_exit(self->child);
	}
	return G_SOURCE_REMOVE;
}

/* a signal decided: wind the payload down, then leave the loop */
static void
hermes_runner_stop(HermesRunner *self, const gchar *state, gint code, const gchar *reason)
{
	hermes_runner_decide(self, state, code, reason);
	if (self->child != NULL && !self->child_exited) {
		hermes_runner_persist_state(self, "draining");
		g_subprocess_send_signal(self->child, SIGTERM);
		self->kill_id = g_timeout_add(
			HERMES_RUNNER_PAYLOAD_STOP_MS, hermes_runner_kill_payload_cb, self);
		/* the wait callback quits the loop */
		return;
	}
	if (self->payload != NULL)
		hermes_payload_stop(self->payload);
	g_main_loop_quit(self->loop);
}

/* the --replace marker, consumed like the planned-stop one */
static gboolean
hermes_runner_consume_takeover(HermesRunner *self)
{
	g_autofree gchar *path = g_build_filename(self->home, HERMES_GATEWAY_TAKEOVER_FILE, NULL);
	g_autoptr(JsonObject) marker = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *target_home;
	gint64 target_start;

	marker = hermes_json_file_load(path, &error_local);
	if (marker == NULL) {
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			g_unlink(path);
		return FALSE;
	}
	if (!hermes_runner_marker_is_fresh(marker, HERMES_GATEWAY_TAKEOVER_TTL_SEC) ||
	    hermes_runner_record_int(marker, "target_pid") <= 0) {
		g_unlink(path);
		return FALSE;
	}
	if (hermes_runner_record_int(marker, "target_pid") != self->pid)
		return FALSE;
	target_start = hermes_runner_record_int(marker, "target_start_time");
	if (target_start >= 0 && self->start_time >= 0 && target_start != self->start_time)
		return FALSE;
	target_home = hermes_json_get_string(marker, "target_hermes_home");
	if (target_home != NULL) {
		g_autofree gchar *resolved = hermes_runner_realpath(target_home);
		if (g_strcmp0(resolved, self->home) != 0)
			return FALSE;
	}
	g_unlink(path);
	return TRUE;
}

static gboolean
hermes_runner_sigterm_cb(gpointer user_data)
{
	HermesRunner *self = HERMES_RUNNER(user_data);
	if (self->stopping)
		return G_SOURCE_CONTINUE;
	if (hermes_runner_consume_takeover(self)) {
		/* exit 0 so our own supervisor does not revive us (upstream #5646) */
		hermes_runner_stop(self, "stopped", 0, "replaced by a new gateway (--replace)");
	} else if (hermes_planned_stop_consume(self->home, self->pid, self->start_time)) {
		hermes_runner_stop(self, "stopped", 0, "operator stop");
	} else {
		/* a container restart, s6 restart, OOM prelude, bare kill: come back (#42675) */
		hermes_runner_stop(self, "running", 1, "unexpected SIGTERM");
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
hermes_runner_sigint_cb(gpointer user_data)
{
	HermesRunner *self = HERMES_RUNNER(user_data);
	if (!self->stopping)
		hermes_runner_stop(self, "stopped", 0, "SIGINT");
	return G_SOURCE_CONTINUE;
}

static gboolean
hermes_runner_sigusr1_cb(gpointer user_data)
{
	HermesRunner *self = HERMES_RUNNER(user_data);
	if (!self->stopping) {
		self->restart_requested = TRUE;
		hermes_runner_stop(
			self, "stopped", HERMES_EXIT_RESTART_NOW, "restart requested (SIGUSR1)");
	}
	return G_SOURCE_CONTINUE;
}

/*****************************************************************************/
/* the payload */

typedef struct {
	gchar *command; /* NULL: the built-in payload */
	gchar *command_origin;
	gchar *bind;
	gchar *bind_origin;
} HermesRunnerConfig;

static void
hermes_runner_config_clear(HermesRunnerConfig *config)
{
	g_free(config->command);
	g_free(config->command_origin);
	g_free(config->bind);
	g_free(config->bind_origin);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HermesRunnerConfig, hermes_runner_config_clear)

/* the environment wins over <home>/hermes-svc.conf; a broken file is a fatal configuration */
static gboolean
hermes_runner_load_config(HermesRunner *self, HermesRunnerConfig *config, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *path = g_build_filename(self->home, HERMES_GATEWAY_CONF_FILE, NULL);
	const gchar *env_command = hermes_context_getenv(self->ctx, "HERMES_GATEWAY_COMMAND");
	const gchar *env_bind = hermes_context_getenv(self->ctx, "HERMES_GATEWAY_BIND");
	gboolean have_file = TRUE;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error_local)) {
		if (!g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "cannot read %s: %s",
				    path,
				    error_local->message);
			return FALSE;
		}
		have_file = FALSE;
	}
	if (env_command != NULL && env_command[0] != '\0') {
		config->command = g_strdup(env_command);
		config->command_origin = g_strdup("HERMES_GATEWAY_COMMAND");
	} else if (have_file) {
		g_autofree gchar *value = g_key_file_get_string(kf, "gateway", "command", NULL);
		if (value != NULL && g_strstrip(value)[0] != '\0') {
			config->command = g_steal_pointer(&value);
			config->command_origin = g_strdup_printf("[gateway] command in %s", path);
		}
	}
	if (env_bind != NULL && env_bind[0] != '\0') {
		config->bind = g_strdup(env_bind);
		config->bind_origin = g_strdup("HERMES_GATEWAY_BIND");
	} else if (have_file) {
		g_autofree gchar *value = g_key_file_get_string(kf, "gateway", "bind", NULL);
		if (value != NULL && g_strstrip(value)[0] != '\0') {
			config->bind = g_steal_pointer(&value);
			config->bind_origin = g_strdup_printf("[gateway] bind in %s", path);
		}
	}
	if (config->bind == NULL) {
		config->bind = g_strdup(HERMES_PAYLOAD_DEFAULT_BIND);
		config->bind_origin = g_strdup("the default");
	}
	return TRUE;
}

static void
hermes_runner_child_setup(gpointer user_data)
{
#ifdef __linux__
	/* the payload must not outlive a runner that was SIGKILLed */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static void
hermes_runner_payload_exited(HermesRunner *self)
{
	g_autofree gchar *reason = NULL;
	gint status;

	if (g_subprocess_get_if_signaled(self->child)) {
		reason = g_strdup_printf("payload killed by signal %d",
					 g_subprocess_get_term_sig(self->child));
		hermes_runner_decide(self, "running", 1, reason);
		return;
	}
	status = g_subprocess_get_exit_status(self->child);
	if (status == HERMES_EXIT_FATAL_CONFIG) {
		hermes_runner_decide(self,
				     "startup_failed",
				     hermes_runner_fatal_config_code(self),
				     "payload exited 78 (fatal configuration)");
	} else if (status == HERMES_EXIT_RESTART_NOW) {
		self->restart_requested = TRUE;
		hermes_runner_decide(self,
				     "stopped",
				     HERMES_EXIT_RESTART_NOW,
				     "payload exited 75 (restart requested)");
	} else if (status == 0) {
		hermes_runner_decide(self, "stopped", 0, "payload exited 0");
	} else {
		/* a crash: the supervisor restarts it and a reboot brings it back */
		reason = g_strdup_printf("payload exited %d", status);
		hermes_runner_decide(self, "running", status, reason);
	}
}

static void
hermes_runner_child_wait_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HermesRunner) self = HERMES_RUNNER(user_data);
	g_autoptr(GError) error_local = NULL;
	if (!g_subprocess_wait_finish(G_SUBPROCESS(source), res, &error_local))
		g_debug("waiting for the payload: %s", error_local->message);
	self->child_exited = TRUE;
	g_clear_handle_id(&self->kill_id, g_source_remove);
	/* a signal's verdict stands; otherwise the payload's exit decides */
	if (!self->stopping)
		hermes_runner_payload_exited(self);
	g_main_loop_quit(self->loop);
}

static gboolean
hermes_runner_start_command(HermesRunner *self, HermesRunnerConfig *config, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GError) error_local = NULL;
	g_auto(GStrv) argv = NULL;
	g_auto(GStrv) envp = NULL;

	if (!g_shell_parse_argv(config->command, NULL, &argv, &error_local)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot parse the gateway command from %s: %s",
			    config->command_origin,
			    error_local->message);
		return FALSE;
	}
	/* readiness is ours to signal; the payload runs in the profile's home */
	envp = hermes_context_get_environ(self->ctx);
	envp = g_environ_unsetenv(envp, "HERMES_READY_FD");
	envp = g_environ_unsetenv(envp, "NOTIFY_SOCKET");
	envp = g_environ_setenv(envp, "HERMES_HOME", self->home, TRUE);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_child_setup(launcher, hermes_runner_child_setup, NULL, NULL);
	self->child =
		g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv, &error_local);
	if (self->child == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot run the gateway command from %s: %s",
			    config->command_origin,
			    error_local->message);
		return FALSE;
	}
	g_subprocess_wait_async(self->child, NULL, hermes_runner_child_wait_cb, g_object_ref(self));
	hermes_runner_say(self,
			  "gateway: profile '%s' running as pid %" G_GINT64_FORMAT
			  ", payload '%s' (pid %s)",
			  self->profile,
			  self->pid,
			  argv[0],
			  g_subprocess_get_identifier(self->child));
	return TRUE;
}

/* the port: .env, then $API_SERVER_PORT (a unit or slot may set it), then the hash */
static guint
hermes_runner_choose_port(HermesRunner *self, gboolean *explicit_port, GError **error)
{
	guint port = hermes_profile_explicit_port(self->home);
	if (port == 0)
		port = hermes_port_parse(hermes_context_getenv(self->ctx, "API_SERVER_PORT"));
	if (port != 0) {
		*explicit_port = TRUE;
		return port;
	}
	return hermes_profile_port(self->ctx, self->profile, explicit_port, error);
}

static gboolean
hermes_runner_start_builtin(HermesRunner *self, HermesRunnerConfig *config, GError **error)
{
	g_autoptr(GInetAddress) check = g_inet_address_new_from_string(config->bind);

	if (check == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot listen on '%s' (from %s): not an IP address",
			    config->bind,
			    config->bind_origin);
		return FALSE;
	}
	for (guint attempt = 0;; attempt++) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(HermesPayload) payload = NULL;
		gboolean explicit_port = FALSE;
		guint port = hermes_runner_choose_port(self, &explicit_port, error);
		if (port == 0)
			return FALSE;
		payload = hermes_payload_new(self->profile, config->bind, port);
		if (hermes_payload_start(payload, &error_local)) {
			self->payload = g_steal_pointer(&payload);
			self->port = port;
			break;
		}
		/* a derived port taken since it was probed: derive again */
		if (!explicit_port &&
		    g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_BUSY) &&
		    attempt + 1 < HERMES_RUNNER_BIND_TRIES)
			continue;
		if (explicit_port)
			g_prefix_error(&error_local, "API_SERVER_PORT=%u: ", port);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	hermes_runner_say(self,
			  "gateway: profile '%s' running as pid %" G_GINT64_FORMAT
			  ", listening on %s:%u (GET /health)",
			  self->profile,
			  self->pid,
			  config->bind,
			  self->port);
	return TRUE;
}

/*****************************************************************************/

static void
hermes_runner_dispose(GObject *object)
{
	HermesRunner *self = HERMES_RUNNER(object);
	for (guint i = 0; i < G_N_ELEMENTS(self->signal_ids); i++)
		g_clear_handle_id(&self->signal_ids[i], g_source_remove);
	g_clear_handle_id(&self->kill_id, g_source_remove);
	g_clear_object(&self->payload);
	g_clear_object(&self->child);
	g_clear_object(&self->ctx);
	G_OBJECT_CLASS(hermes_runner_parent_class)->dispose(object);
}

static void
hermes_runner_finalize(GObject *object)
{
	HermesRunner *self = HERMES_RUNNER(object);
	if (self->lock_fd >= 0)
		close(self->lock_fd);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	g_free(self->profile);
	g_free(self->home);
	g_strfreev(self->argv);
	g_free(self->final_state);
	g_free(self->exit_reason);
	G_OBJECT_CLASS(hermes_runner_parent_class)->finalize(object);
}

static void
hermes_runner_class_init(HermesRunnerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = hermes_runner_dispose;
	object_class->finalize = hermes_runner_finalize;

	/**
	 * HermesRunner::message:
	 * @self: the #HermesRunner
	 * @line: one line for the gateway's log, e.g.
	 *   `gateway: operator stop, exiting 0`
	 *
	 * Progress the caller may show; the library prints nothing itself.
	 */
	signals[SIGNAL_MESSAGE] = g_signal_new("message",
					       G_TYPE_FROM_CLASS(klass),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       1,
					       G_TYPE_STRING);
}

static void
hermes_runner_init(HermesRunner *self)
{
	self->lock_fd = -1;
	self->start_time = -1;
}

static GStrv
hermes_runner_own_argv(void)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	gsize len = 0;

	if (!g_file_get_contents("/proc/self/cmdline", &contents, &len, NULL) || len == 0) {
		g_strv_builder_add(builder, g_get_prgname() != NULL ? g_get_prgname() : "hermes");
		return g_strv_builder_end(builder);
	}
	for (gsize off = 0; off < len; off += strlen(contents + off) + 1)
		g_strv_builder_add(builder, contents + off);
	return g_strv_builder_end(builder);
}

/**
 * hermes_runner_new:
 * @ctx: a #HermesContext; its environment configures the runner
 * @profile: an existing profile
 *
 * Returns: (transfer full): a runner for @profile's gateway
 */
HermesRunner *
hermes_runner_new(HermesContext *ctx, HermesProfile *profile)
{
	HermesRunner *self;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	g_return_val_if_fail(HERMES_IS_PROFILE(profile), NULL);
	self = g_object_new(HERMES_TYPE_RUNNER, NULL);
	self->ctx = g_object_ref(ctx);
	self->profile = g_strdup(hermes_profile_get_name(profile));
	self->home = hermes_runner_realpath(hermes_profile_get_home(profile));
	self->argv = hermes_runner_own_argv();
	return self;
}

/**
 * hermes_runner_set_replace:
 * @self: a #HermesRunner
 * @replace: take over from a gateway of the profile that already runs
 */
void
hermes_runner_set_replace(HermesRunner *self, gboolean replace)
{
	g_return_if_fail(HERMES_IS_RUNNER(self));
	self->replace = replace;
}

/**
 * hermes_runner_set_argv:
 * @self: a #HermesRunner
 * @argv: (array zero-terminated=1): the command line recorded in gateway.pid
 *   (default: this process's own)
 */
void
hermes_runner_set_argv(HermesRunner *self, const gchar *const *argv)
{
	g_return_if_fail(HERMES_IS_RUNNER(self));
	g_return_if_fail(argv != NULL);
	g_strfreev(self->argv);
	self->argv = g_strdupv((gchar **)argv);
}

/**
 * hermes_runner_get_exit_reason:
 * @self: a #HermesRunner
 *
 * Returns: (nullable): why hermes_runner_run() returned, e.g. `operator stop`
 */
const gchar *
hermes_runner_get_exit_reason(HermesRunner *self)
{
	g_return_val_if_fail(HERMES_IS_RUNNER(self), NULL);
	return self->exit_reason;
}

/**
 * hermes_runner_get_final_state:
 * @self: a #HermesRunner
 *
 * Returns: (nullable): the `gateway_state` persisted last, e.g. `stopped`
 */
const gchar *
hermes_runner_get_final_state(HermesRunner *self)
{
	g_return_val_if_fail(HERMES_IS_RUNNER(self), NULL);
	return self->final_state;
}

/**
 * hermes_runner_get_port:
 * @self: a #HermesRunner
 *
 * Returns: the port the built-in payload listens on, 0 for none
 */
guint
hermes_runner_get_port(HermesRunner *self)
{
	g_return_val_if_fail(HERMES_IS_RUNNER(self), 0);
	return self->port;
}

static void
hermes_runner_persist_final(HermesRunner *self)
{
	g_autoptr(JsonObject) changes = json_object_new();
	json_object_set_string_member(changes, "gateway_state", self->final_state);
	json_object_set_string_member(changes, "exit_reason", self->exit_reason);
	json_object_set_boolean_member(changes, "restart_requested", self->restart_requested);
	hermes_runner_persist(self, changes);
}

/* a startup that failed: record why, give the supervisor the right code */
static gint
hermes_runner_fail_start(HermesRunner *self, GError *error_start, gint code, GError **error)
{
	hermes_runner_decide(self, "startup_failed", code, error_start->message);
	hermes_runner_persist_final(self);
	g_propagate_error(error, error_start);
	return code;
}

static gboolean
hermes_runner_start_payload(HermesRunner *self, gint *code, GError **error)
{
	g_auto(HermesRunnerConfig) config = {NULL};
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	*code = hermes_runner_fatal_config_code(self);
	if (!hermes_runner_load_config(self, &config, error))
		return FALSE;
	if (config.command != NULL) {
		self->port = hermes_profile_explicit_port(self->home);
		if (self->port == 0)
			self->port = hermes_port_parse(
				hermes_context_getenv(self->ctx, "API_SERVER_PORT"));
		return hermes_runner_start_command(self, &config, error);
	}
	ok = hermes_runner_start_builtin(self, &config, &error_local);
	if (!ok) {
		/* a port in use can clear up: let the supervisor retry */
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT))
			*code = 1;
		g_propagate_error(error, g_steal_pointer(&error_local));
	}
	return ok;
}

/**
 * hermes_runner_run:
 * @self: a #HermesRunner
 * @error: return location for a #GError
 *
 * Claims the profile's gateway, runs the payload on the default main
 * context until a signal or the payload ends it, records the outcome in
 * `gateway_state.json`, and releases gateway.pid and the lock. SIGTERM,
 * SIGINT and SIGUSR1 are handled while it runs. Call it once.
 *
 * Returns: the exit code for the process: 0 (operator stop, SIGINT,
 * takeover, clean payload exit), 1 (unexpected SIGTERM; a gateway that
 * already runs; a takeover that failed), 75 (restart requested), 78 (fatal
 * configuration; 0 under launchd), or the payload's own code after a
 * crash. @error is set when the gateway did not start.
 */
gint
hermes_runner_run(HermesRunner *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) starting = NULL;
	g_autoptr(JsonObject) running = json_object_new();
	gint code = 1;

	g_return_val_if_fail(HERMES_IS_RUNNER(self), 1);
	g_return_val_if_fail(!self->ran, 1);
	self->ran = TRUE;
	self->pid = getpid();
	self->start_time = hermes_platform_get_start_time(self->pid);
	self->loop = g_main_loop_new(NULL, FALSE);
	/* from now on a signal is a verdict, never the default action */
	self->signal_ids[0] = g_unix_signal_add(SIGTERM, hermes_runner_sigterm_cb, self);
	self->signal_ids[1] = g_unix_signal_add(SIGINT, hermes_runner_sigint_cb, self);
	self->signal_ids[2] = g_unix_signal_add(SIGUSR1, hermes_runner_sigusr1_cb, self);

	if (!hermes_runner_claim(self, error)) {
		hermes_runner_release(self);
		return 1;
	}
	starting = hermes_runner_identity(self);
	json_object_set_string_member(starting, "gateway_state", "starting");
	/* null removes the member: no exit reason while it runs */
	json_object_set_null_member(starting, "exit_reason");
	json_object_set_boolean_member(starting, "restart_requested", FALSE);
	hermes_runner_persist(self, starting);

	if (!hermes_runner_start_payload(self, &code, &error_local)) {
		code = hermes_runner_fail_start(self, g_steal_pointer(&error_local), code, error);
		hermes_runner_release(self);
		return code;
	}
	json_object_set_string_member(running, "gateway_state", "running");
	json_object_set_int_member(running, "pid", self->pid);
	/* an external payload's port is known only when configured; null removes a stale one */
	if (self->port != 0)
		json_object_set_int_member(running, "port", self->port);
	else
		json_object_set_null_member(running, "port");
	json_object_set_null_member(running, "exit_reason");
	hermes_runner_persist(self, running);
	hermes_runner_notify_ready(self);

	g_main_loop_run(self->loop);

	if (self->payload != NULL) {
		hermes_payload_stop(self->payload);
		/* let cancelled connections finish on this context before they are freed */
		for (guint i = 0; i < 100 && g_main_context_pending(NULL); i++)
			g_main_context_iteration(NULL, FALSE);
	}
	hermes_runner_persist_final(self);
	hermes_runner_release(self);
	hermes_runner_say(self, "gateway: %s, exiting %d", self->exit_reason, self->exit_code);
	return self->exit_code;
}
