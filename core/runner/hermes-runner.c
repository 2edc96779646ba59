/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The foreground gateway: what `hermes gateway run` is once any container
 * redirect is out of the way, and what every supervisor runs.
 *
 * 1. One per profile: hermes-runner-claim.c (lock, gateway.pid, --replace).
 * 2. gateway_state.json: starting, then running; every key we do not own
 *    is kept, and `draining` is never the last word.
 * 3. The payload: hermes-runner-payload.c; readiness: hermes-runner-notify.c.
 * 4. The shutdown contract (upstream #42675): a takeover or planned-stop
 *    marker naming us, or SIGINT, is an operator stop (stopped, exit 0); any
 *    other SIGTERM persists running and exits 1 so the supervisor and the
 *    boot reconciler bring it back; SIGUSR1 asks for a restart (stopped,
 *    exit 75); a payload's 78 is a fatal configuration (startup_failed,
 *    exit 78 — the exit code must survive the clean path, upstream #51698).
 *    A planned-stop marker that appears without a signal (hermes-agent's
 *    watcher contract) is seen through a directory monitor and drains the
 *    same way.
 *
 * The library never prints: progress goes out through ::message and the
 * CLI decides where it is shown.
 */

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-state.h"
#include "hermes-planned-stop.h"
#include "hermes-platform-private.h"
#include "hermes-runner-private.h"
#include "hermes-state.h"

G_DEFINE_FINAL_TYPE(HermesRunner, hermes_runner, G_TYPE_OBJECT)

enum {
	SIGNAL_MESSAGE,
	SIGNAL_LAST
};

static guint signals[SIGNAL_LAST] = {0};

/*****************************************************************************/
/* the redirect decision (the CLI acts on it) */

/**
 * hermes_gateway_no_supervise:
 * @value: (nullable): `$HERMES_GATEWAY_NO_SUPERVISE`
 * @warning: (out) (optional) (nullable) (transfer full): a one-line warning
 *   when @value is set but neither a true nor a false value
 *
 * Upstream's rule for this one variable: exactly `1`, `true` or `yes`, in
 * any case, opt out of supervision. `0`, `false`, `no` and the empty
 * string are quietly false; anything else (`on` included) is false with a
 * warning.
 *
 * Returns: whether supervision is opted out
 */
gboolean
hermes_gateway_no_supervise(const gchar *value, gchar **warning)
{
	const gchar *const truths[] = {"1", "true", "yes"};
	const gchar *const falses[] = {"", "0", "false", "no"};

	if (warning != NULL)
		*warning = NULL;
	if (value == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(truths); i++) {
		if (g_ascii_strcasecmp(value, truths[i]) == 0)
			return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(falses); i++) {
		if (g_ascii_strcasecmp(value, falses[i]) == 0)
			return FALSE;
	}
	if (warning != NULL) {
		g_autofree gchar *shown = g_strescape(value, NULL);
		*warning = g_strdup_printf("HERMES_GATEWAY_NO_SUPERVISE='%s' is not a truth value "
					   "(use 1/true/yes or 0/false/no); treating it as false",
					   shown);
	}
	return FALSE;
}

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
 * (hermes_gateway_no_supervise(): `1`, `true`, `yes`) keep it in the
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
	gboolean opted_out = hermes_gateway_no_supervise(no_supervise_env, warning);

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

void
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

/* gateway_state.json: read-modify-write beneath the root, stamped */
void
hermes_runner_persist(HermesRunner *self, JsonObject *changes)
{
	g_autofree gchar *path = g_build_filename(self->home, HERMES_GATEWAY_STATE_FILE, NULL);
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	g_autoptr(JsonObject) stamped = json_object_new();
	g_autoptr(GError) error_local = NULL;
	JsonObjectIter iter;
	const gchar *name;
	JsonNode *value;

	json_object_iter_init(&iter, changes);
	while (json_object_iter_next(&iter, &name, &value))
		json_object_set_member(stamped, name, json_node_copy(value));
	json_object_set_string_member(stamped, "updated_at", now);
	if (!hermes_json_file_update_beneath(self->root, path, stamped, 0644, &error_local))
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
gint
hermes_runner_fatal_config_code(HermesRunner *self)
{
	return hermes_runner_under_launchd(self) ? 0 : HERMES_EXIT_FATAL_CONFIG;
}

void
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

/* the marker stayed through the grace without a signal: it alone is the stop */
static gboolean
hermes_runner_marker_grace_cb(gpointer user_data)
{
	HermesRunner *self = HERMES_RUNNER(user_data);
	self->marker_id = 0;
	if (!self->stopping &&
	    hermes_planned_stop_consume(self->home, self->pid, self->start_time)) {
		hermes_runner_say(self, "gateway: planned-stop marker seen without a signal");
		hermes_runner_stop(self, "stopped", 0, "operator stop");
	}
	return G_SOURCE_REMOVE;
}

/*
 * hermes-agent's contract: writing the planned-stop marker alone stops the
 * gateway it names (the only stop IPC on Windows). A stopper that also
 * signals does so at once; one whose stop failed takes its marker back
 * (hermes_planned_stop_withdraw()): so the marker is only acted on when it
 * is still there after a short grace.
 */
static void
hermes_runner_marker_look(HermesRunner *self)
{
	if (!self->stopping && self->marker_id == 0 &&
	    hermes_planned_stop_peek(self->home, self->pid, self->start_time))
		self->marker_id = g_timeout_add_seconds(
			HERMES_PLANNED_STOP_GRACE_SEC, hermes_runner_marker_grace_cb, self);
}

/* something in the home changed: the marker is replaced atomically, so it
 * arrives as a creation or a rename there */
static void
hermes_runner_home_changed_cb(gpointer user_data)
{
	hermes_runner_marker_look(HERMES_RUNNER(user_data));
}

static gboolean
hermes_runner_marker_poll_cb(gpointer user_data)
{
	hermes_runner_marker_look(HERMES_RUNNER(user_data));
	return G_SOURCE_CONTINUE;
}

/*
 * The home is watched with dnotify, not an inotify instance (a user has
 * 128 of those, and a user's hundreds of gateways would take them all from
 * every other program: hermes-dir-notify.c); where the kernel refuses, a
 * look every few seconds keeps the contract, with the same grace after it.
 */
static void
hermes_runner_watch_markers(HermesRunner *self)
{
	g_autoptr(GError) error_local = NULL;

	self->marker_watch = hermes_dir_notify_new(
		self->root, self->home, hermes_runner_home_changed_cb, self, &error_local);
	if (self->marker_watch == NULL) {
		hermes_runner_say(self,
				  "gateway: cannot watch %s for a planned-stop marker (%s); "
				  "looking for one every %u s instead",
				  self->home,
				  error_local->message,
				  HERMES_RUNNER_MARKER_POLL_SEC);
		self->marker_poll_id = g_timeout_add_seconds(
			HERMES_RUNNER_MARKER_POLL_SEC, hermes_runner_marker_poll_cb, self);
	}
	/* the watch is set up after readiness: a marker written since is seen here */
	hermes_runner_marker_look(self);
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

static void
hermes_runner_dispose(GObject *object)
{
	HermesRunner *self = HERMES_RUNNER(object);
	for (guint i = 0; i < G_N_ELEMENTS(self->signal_ids); i++)
		g_clear_handle_id(&self->signal_ids[i], g_source_remove);
	g_clear_handle_id(&self->kill_id, g_source_remove);
	g_clear_handle_id(&self->marker_id, g_source_remove);
	g_clear_handle_id(&self->marker_poll_id, g_source_remove);
	g_clear_pointer(&self->marker_watch, hermes_dir_notify_free);
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
	if (self->ready_fd >= 0)
		close(self->ready_fd);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	g_free(self->profile);
	g_free(self->root);
	g_free(self->home);
	g_free(self->home_as_given);
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
	self->ready_fd = -1;
	self->start_time = -1;
}

static GStrv
hermes_runner_own_argv(void)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	gsize len = 0;

	contents = hermes_platform_read_proc("/proc/self/cmdline", &len);
	if (contents == NULL || len == 0) {
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
	self->home_as_given = g_strdup(hermes_profile_get_home(profile));
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
	hermes_runner_take_ready_fd(self);
	self->pid = getpid();
	self->start_time = hermes_platform_get_start_time(self->pid);
	self->loop = g_main_loop_new(NULL, FALSE);
	/* from now on a signal is a verdict, never the default action */
	self->signal_ids[0] = g_unix_signal_add(SIGTERM, hermes_runner_sigterm_cb, self);
	self->signal_ids[1] = g_unix_signal_add(SIGINT, hermes_runner_sigint_cb, self);
	self->signal_ids[2] = g_unix_signal_add(SIGUSR1, hermes_runner_sigusr1_cb, self);

	if (!hermes_runner_resolve_home(self, error) || !hermes_runner_claim(self, error)) {
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
	/*
	 * ready first: a respawn waits for nothing it does not need, and a
	 * marker that comes meanwhile is still seen
	 */
	hermes_runner_notify_ready(self);
	hermes_runner_watch_markers(self);
	hermes_runner_heartbeat_start(self);

	g_main_loop_run(self->loop);

	if (self->payload != NULL) {
		hermes_payload_stop(self->payload);
		/* let cancelled connections finish on this context before they are freed */
		for (guint i = 0; i < 100 && g_main_context_pending(NULL); i++)
			g_main_context_iteration(NULL, FALSE);
	}
	g_clear_pointer(&self->marker_watch, hermes_dir_notify_free);
	g_clear_handle_id(&self->marker_poll_id, g_source_remove);
	g_clear_handle_id(&self->heartbeat_id, g_source_remove);
	hermes_runner_persist_final(self);
	hermes_runner_release(self);
	hermes_runner_say(self, "gateway: %s, exiting %d", self->exit_reason, self->exit_code);
	return self->exit_code;
}