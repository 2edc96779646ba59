/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The boot reconciler: at container start (the s6-overlay cont-init step)
 * the scan directory is an empty tmpfs, and every profile's slot is
 * rebuilt from what the profile's home says it should be.
 *
 * - Profiles: `default` (the root) first, then every `<root>/profiles/<name>/`
 *   holding `SOUL.md`, by name. A directory without `SOUL.md` is not a
 *   profile and is not listed (upstream behaviour); neither are hidden
 *   entries (profile create/delete staging). An invalid name, a
 *   `profiles/default/`, an unreadable `gateway_state.json` or a failed
 *   registration is `skipped` with a reason and the rest is still
 *   reconciled (upstream aborted the whole boot step).
 * - Prior state: hermes_gateway_state_prior(); only `running` starts.
 * - Registration: REPLACE | NO_RESCAN (+ START): the supervisor scans the
 *   directory after cont-init; a slot that is not started gets `down`.
 * - Stale runtime files: `gateway.pid` and `processes.json` name pids of a
 *   dead pid namespace after a container restart. They are removed unless
 *   `gateway.pid` names a live hermes gateway (pid alive in this namespace,
 *   its cmdline mentions `gateway`, and its start time equals the
 *   record's when the record has one), which only happens on a host
 *   reconcile; or unless the record is stamped with another `boot_id`
 *   than this kernel's: then it is foreign (another machine sharing the
 *   volume, or another boot) and we cannot judge it, so both files are
 *   kept and the reason says so.
 * - Legacy containers (#34339): a container started as plain
 *   `gateway run`, with no `<root>/gateway_state.json` yet and
 *   `HERMES_GATEWAY_NO_SUPERVISE` not true, gets `desired_state: running`
 *   seeded once for `default`. A `dashboard …` container reconciles
 *   nothing at all.
 * - `<root>/logs/container-boot.log`: one line per profile, then a summary,
 *   RFC 3339 UTC timestamps and quoted values; rotated to `.1` at 256 KiB.
 *   We run as root in a home that belongs to the gateway user, so the log
 *   is never written through a symbolic link, and what we create there
 *   (`logs/`, the log, a seeded state file) is given to the home's owner.
 *   A log that cannot be written is reported, not fatal.
 * - Failure: only when the backend cannot register at all, or not one
 *   registration succeeded (the scan directory is missing or read-only).
 *
 * A dry run computes the same actions and writes nothing. Processes are
 * checked in this process's /proc (a pid only means something in our own
 * namespace); the container command and the boot id are read through the
 * context's root so tests can fake them.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-env.h"
#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-state.h"
#include "hermes-platform.h"
#include "hermes-profile.h"
#include "hermes-reconciler.h"
#include "hermes-state.h"

#define HERMES_RECONCILE_MARKER	   "SOUL.md"
#define HERMES_RECONCILE_PID_FILE  "gateway.pid"
#define HERMES_RECONCILE_PROC_FILE "processes.json"

/**
 * hermes_reconcile_kind_to_string:
 * @kind: a #HermesReconcileKind
 *
 * Returns: `started`, `registered` or `skipped`
 */
const gchar *
hermes_reconcile_kind_to_string(HermesReconcileKind kind)
{
	switch (kind) {
	case HERMES_RECONCILE_STARTED:
		return "started";
	case HERMES_RECONCILE_REGISTERED:
		return "registered";
	case HERMES_RECONCILE_SKIPPED:
		return "skipped";
	default:
		return "unknown";
	}
}

/**
 * hermes_prior_exit_to_string:
 * @prior_exit: a #HermesPriorExit
 *
 * Returns: `clean`, `unclean` or `unknown`
 */
const gchar *
hermes_prior_exit_to_string(HermesPriorExit prior_exit)
{
	switch (prior_exit) {
	case HERMES_PRIOR_EXIT_CLEAN:
		return "clean";
	case HERMES_PRIOR_EXIT_UNCLEAN:
		return "unclean";
	case HERMES_PRIOR_EXIT_UNKNOWN:
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------------------ */
/* one record per profile */

struct _HermesReconcileAction {
	gatomicrefcount refcount;
	gchar *profile;
	gchar *home;
	gchar *prior_state;
	HermesReconcileKind kind;
	gchar *reason;
	HermesPriorExit prior_exit;
};

G_DEFINE_BOXED_TYPE(HermesReconcileAction,
		    hermes_reconcile_action,
		    hermes_reconcile_action_ref,
		    hermes_reconcile_action_unref)

static HermesReconcileAction *
hermes_reconcile_action_new(const gchar *profile, const gchar *home)
{
	HermesReconcileAction *self = g_new0(HermesReconcileAction, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->profile = g_strdup(profile);
	self->home = g_strdup(home);
	self->kind = HERMES_RECONCILE_SKIPPED;
	self->prior_exit = HERMES_PRIOR_EXIT_UNKNOWN;
	return self;
}

/**
 * hermes_reconcile_action_ref:
 * @self: a #HermesReconcileAction
 *
 * Returns: (transfer full): @self
 */
HermesReconcileAction *
hermes_reconcile_action_ref(HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_reconcile_action_unref:
 * @self: (transfer full) (nullable): a #HermesReconcileAction
 */
void
hermes_reconcile_action_unref(HermesReconcileAction *self)
{
	if (self == NULL || !g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->profile);
	g_free(self->home);
	g_free(self->prior_state);
	g_free(self->reason);
	g_free(self);
}

/**
 * hermes_reconcile_action_get_profile:
 * @self: a #HermesReconcileAction
 *
 * Returns: the profile name; for a skipped directory, its name as found
 */
const gchar *
hermes_reconcile_action_get_profile(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->profile;
}

/**
 * hermes_reconcile_action_get_home:
 * @self: a #HermesReconcileAction
 *
 * Returns: the profile's `HERMES_HOME`
 */
const gchar *
hermes_reconcile_action_get_home(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->home;
}

/**
 * hermes_reconcile_action_get_prior_state:
 * @self: a #HermesReconcileAction
 *
 * Returns: (nullable): the prior state (see hermes_gateway_state_prior()), %NULL for none
 */
const gchar *
hermes_reconcile_action_get_prior_state(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->prior_state;
}

/**
 * hermes_reconcile_action_get_kind:
 * @self: a #HermesReconcileAction
 *
 * Returns: what was done
 */
HermesReconcileKind
hermes_reconcile_action_get_kind(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, HERMES_RECONCILE_SKIPPED);
	return self->kind;
}

/**
 * hermes_reconcile_action_get_reason:
 * @self: a #HermesReconcileAction
 *
 * Returns: (nullable): why a slot is down or skipped, and anything unusual
 *   (a seeded state, a runtime file that was kept)
 */
const gchar *
hermes_reconcile_action_get_reason(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->reason;
}

/**
 * hermes_reconcile_action_get_prior_exit:
 * @self: a #HermesReconcileAction
 *
 * Returns: how the previous gateway ended
 */
HermesPriorExit
hermes_reconcile_action_get_prior_exit(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, HERMES_PRIOR_EXIT_UNKNOWN);
	return self->prior_exit;
}

static void
hermes_reconcile_action_add_reason(HermesReconcileAction *self, const gchar *reason)
{
	gchar *joined;
	if (self->reason == NULL) {
		self->reason = g_strdup(reason);
		return;
	}
	joined = g_strdup_printf("%s; %s", self->reason, reason);
	g_free(self->reason);
	self->reason = joined;
}

/* "…" with `\` and `"` escaped and control characters as \n \t \xNN: one line, always */
static void
hermes_reconcile_append_quoted(GString *out, const gchar *value)
{
	g_string_append_c(out, '"');
	for (const guchar *p = (const guchar *)value; *p != '\0'; p++) {
		switch (*p) {
		case '"':
		case '\\':
			g_string_append_c(out, '\\');
			g_string_append_c(out, (gchar)*p);
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				g_string_append_printf(out, "\\x%02x", *p);
			else
				g_string_append_c(out, (gchar)*p);
			break;
		}
	}
	g_string_append_c(out, '"');
}

/**
 * hermes_reconcile_action_to_string:
 * @self: a #HermesReconcileAction
 *
 * The record as the boot log and `hermes boot reconcile` print it:
 * `profile="a" prior_state="running" action=started prior_exit=clean`,
 * with `prior_state=none` when there is none and `reason="…"` before
 * `prior_exit` when there is one. Free-form values are quoted and
 * escaped, so a line is one line and splits on `key=` reliably.
 *
 * Returns: (transfer full): the line, without a timestamp or newline
 */
gchar *
hermes_reconcile_action_to_string(const HermesReconcileAction *self)
{
	GString *out;
	g_return_val_if_fail(self != NULL, NULL);
	out = g_string_new("profile=");
	hermes_reconcile_append_quoted(out, self->profile);
	g_string_append(out, " prior_state=");
	if (self->prior_state != NULL)
		hermes_reconcile_append_quoted(out, self->prior_state);
	else
		g_string_append(out, "none");
	g_string_append_printf(out, " action=%s", hermes_reconcile_kind_to_string(self->kind));
	if (self->reason != NULL) {
		g_string_append(out, " reason=");
		hermes_reconcile_append_quoted(out, self->reason);
	}
	g_string_append_printf(
		out, " prior_exit=%s", hermes_prior_exit_to_string(self->prior_exit));
	return g_string_free(out, FALSE);
}

/* a string member, or NULL for anything else (json-glib is critical about non-values) */
static const gchar *
hermes_reconcile_get_string(JsonObject *object, const gchar *name)
{
	JsonNode *node = json_object_get_member(object, name);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/* ------------------------------------------------------------------ */
/* the container's command */

static gboolean
hermes_reconcile_basename_is(const gchar *arg, const gchar *name)
{
	const gchar *slash = strrchr(arg, '/');
	return g_strcmp0(slash != NULL ? slash + 1 : arg, name) == 0;
}

/*
 * Upstream's prefix stripping, plus s6-overlay v3's rc.init: the
 * container's own command starts after the first element ending in
 * `main-wrapper.sh`; else after `…/rc.init top` (s6-overlay v3 runs the
 * command as `rc.init top CMD…`); else after a leading `…/init`. Then a
 * leading `…entrypoint-dispatch.sh` and a leading `hermes` are dropped.
 */
static const gchar *const *
hermes_container_command_strip(const gchar *const *argv)
{
	guint n = g_strv_length((gchar **)argv);
	guint start = 0;
	gboolean found = FALSE;

	for (guint i = 0; i < n && !found; i++) {
		if (g_str_has_suffix(argv[i], "main-wrapper.sh")) {
			start = i + 1;
			found = TRUE;
		}
	}
	for (guint i = 0; i + 1 < n && !found; i++) {
		if (hermes_reconcile_basename_is(argv[i], "rc.init") &&
		    g_strcmp0(argv[i + 1], "top") == 0) {
			start = i + 2;
			found = TRUE;
		}
	}
	if (!found && n > 0 && hermes_reconcile_basename_is(argv[0], "init"))
		start = 1;
	if (start < n && g_str_has_suffix(argv[start], "entrypoint-dispatch.sh"))
		start++;
	if (start < n && hermes_reconcile_basename_is(argv[start], "hermes"))
		start++;
	return argv + start;
}

/**
 * hermes_container_command_classify:
 * @argv: (array zero-terminated=1): a container's command line, as in `/proc/<pid>/cmdline`
 *
 * Strips the init prefix (`/init`, `…main-wrapper.sh`, s6-overlay v3's
 * `rc.init top`, `…entrypoint-dispatch.sh`, `hermes`) and classifies what
 * is left. `gateway run -p dashboard` is not a dashboard container.
 *
 * Returns: the kind of container
 */
HermesContainerCommand
hermes_container_command_classify(const gchar *const *argv)
{
	const gchar *const *cmd;
	g_return_val_if_fail(argv != NULL, HERMES_CONTAINER_COMMAND_OTHER);
	cmd = hermes_container_command_strip(argv);
	if (cmd[0] == NULL)
		return HERMES_CONTAINER_COMMAND_OTHER;
	if (g_strcmp0(cmd[0], "dashboard") == 0)
		return HERMES_CONTAINER_COMMAND_DASHBOARD;
	if (g_strcmp0(cmd[0], "gateway") != 0 || g_strcmp0(cmd[1], "run") != 0)
		return HERMES_CONTAINER_COMMAND_OTHER;
	for (guint i = 2; cmd[i] != NULL; i++) {
		if (g_strcmp0(cmd[i], "--no-supervise") == 0)
			return HERMES_CONTAINER_COMMAND_OTHER;
	}
	return HERMES_CONTAINER_COMMAND_GATEWAY_RUN;
}

/* NUL-separated, decoded as UTF-8 with replacement; NULL if unreadable */
static GStrv
hermes_container_command_read_cmdline(const gchar *path)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	gsize len = 0;

	if (!g_file_get_contents(path, &contents, &len, NULL) || len == 0)
		return NULL;
	for (gsize off = 0; off < len;) {
		gsize n = strnlen(contents + off, len - off);
		g_autofree gchar *arg = g_utf8_make_valid(contents + off, (gssize)n);
		g_strv_builder_add(builder, arg);
		off += n + 1;
	}
	return g_strv_builder_end(builder);
}

static gboolean
hermes_container_command_has_prefix(const gchar *const *argv)
{
	for (guint i = 0; argv[i] != NULL; i++) {
		if (g_str_has_suffix(argv[i], "main-wrapper.sh"))
			return TRUE;
		if (hermes_reconcile_basename_is(argv[i], "rc.init") &&
		    g_strcmp0(argv[i + 1], "top") == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * hermes_container_command_read:
 * @ctx: a #HermesContext
 *
 * The container's command line: `/proc/1/cmdline` (s6-overlay v2, tini).
 * When PID 1 is `s6-svscan` (s6-overlay v3), the command runs in the
 * process `rc.init top CMD…`, found by scanning `/proc/<pid>/cmdline` for
 * an init prefix. Read below the context's root.
 *
 * Returns: (transfer full): the command line, empty if unknown
 */
GStrv
hermes_container_command_read(HermesContext *ctx)
{
	g_autofree gchar *pid1_path = NULL;
	g_autofree gchar *proc_path = NULL;
	g_auto(GStrv) pid1 = NULL;
	g_autoptr(GDir) proc = NULL;
	const gchar *entry;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	pid1_path = hermes_context_build_path(ctx, "/proc/1/cmdline");
	pid1 = hermes_container_command_read_cmdline(pid1_path);
	if (pid1 == NULL)
		return g_new0(gchar *, 1);
	if (hermes_container_command_has_prefix((const gchar *const *)pid1) || pid1[0] == NULL ||
	    !hermes_reconcile_basename_is(pid1[0], "s6-svscan"))
		return g_steal_pointer(&pid1);
	proc_path = hermes_context_build_path(ctx, "/proc");
	proc = g_dir_open(proc_path, 0, NULL);
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_auto(GStrv) argv = NULL;
		gboolean digits = entry[0] != '\0';
		for (const gchar *c = entry; *c != '\0'; c++)
			digits = digits && g_ascii_isdigit(*c);
		if (!digits || g_strcmp0(entry, "1") == 0)
			continue;
		path = g_build_filename(proc_path, entry, "cmdline", NULL);
		argv = hermes_container_command_read_cmdline(path);
		if (argv != NULL && hermes_container_command_has_prefix((const gchar *const *)argv))
			return g_steal_pointer(&argv);
	}
	return g_steal_pointer(&pid1);
}

/* ------------------------------------------------------------------ */
/* stale runtime files */

typedef enum {
	HERMES_PID_RECORD_NONE,
	HERMES_PID_RECORD_STALE,
	HERMES_PID_RECORD_LIVE,
	HERMES_PID_RECORD_FOREIGN,
} HermesPidRecord;

static gboolean
hermes_reconcile_cmdline_mentions_gateway(gint64 pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", pid);
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &contents, &len, NULL))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (contents[i] == '\0')
			contents[i] = ' ';
	}
	return strstr(contents, "gateway") != NULL;
}

/* @note is set to why a record was kept */
static HermesPidRecord
hermes_reconcile_judge_pid_file(const gchar *path, const gchar *boot_id, gchar **note)
{
	g_autofree gchar *contents = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonObject *record;
	JsonNode *node;
	gint64 pid = -1;
	gint64 start_time = -1;
	const gchar *record_boot;

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return g_file_test(path, G_FILE_TEST_EXISTS) ? HERMES_PID_RECORD_STALE
							     : HERMES_PID_RECORD_NONE;
	g_strstrip(contents);
	/* the legacy form: a bare integer */
	if (contents[0] != '\0' && strspn(contents, "0123456789") == strlen(contents)) {
		pid = g_ascii_strtoll(contents, NULL, 10);
	} else {
		if (!json_parser_load_from_data(parser, contents, -1, NULL))
			return HERMES_PID_RECORD_STALE;
		root = json_parser_get_root(parser);
		if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
			return HERMES_PID_RECORD_STALE;
		record = json_node_get_object(root);
		record_boot = hermes_reconcile_get_string(record, "boot_id");
		if (record_boot != NULL && boot_id != NULL &&
		    g_strcmp0(record_boot, boot_id) != 0) {
			*note = g_strdup_printf(
				"kept %s and %s: written under another boot (boot_id %s)",
				HERMES_RECONCILE_PID_FILE,
				HERMES_RECONCILE_PROC_FILE,
				record_boot);
			return HERMES_PID_RECORD_FOREIGN;
		}
		node = json_object_get_member(record, "pid");
		if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
		    json_node_get_value_type(node) == G_TYPE_INT64)
			pid = json_node_get_int(node);
		node = json_object_get_member(record, "start_time");
		if (node != NULL && JSON_NODE_HOLDS_VALUE(node) &&
		    json_node_get_value_type(node) == G_TYPE_INT64)
			start_time = json_node_get_int(node);
	}
	if (pid <= 0 || pid > G_MAXINT32 || !hermes_platform_process_alive(pid) ||
	    !hermes_reconcile_cmdline_mentions_gateway(pid))
		return HERMES_PID_RECORD_STALE;
	if (start_time >= 0 && hermes_platform_get_start_time(pid) != start_time)
		return HERMES_PID_RECORD_STALE;
	*note = g_strdup_printf("kept %s: pid %" G_GINT64_FORMAT " is a live gateway",
				HERMES_RECONCILE_PID_FILE,
				pid);
	return HERMES_PID_RECORD_LIVE;
}

static gboolean
hermes_reconcile_unlink(const gchar *path, GError **error)
{
	if (g_unlink(path) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s", path);
		return FALSE;
	}
	return TRUE;
}

/* ------------------------------------------------------------------ */
/* the reconciler */

struct _HermesReconciler {
	GObject parent_instance;
	HermesContext *ctx;
	HermesServiceManager *manager;
	gboolean dry_run;
	GPtrArray *actions;
	gchar *skip_reason;
	gchar *log_path;
	gchar *log_error;
	/* per run */
	gchar *root;
	gchar *boot_id;
	HermesContainerCommand command;
	guint attempted;
	guint failed;
	GError *first_failure;
};

G_DEFINE_FINAL_TYPE(HermesReconciler, hermes_reconciler, G_TYPE_OBJECT)

static void
hermes_reconciler_reset(HermesReconciler *self)
{
	g_ptr_array_set_size(self->actions, 0);
	g_clear_pointer(&self->skip_reason, g_free);
	g_clear_pointer(&self->log_path, g_free);
	g_clear_pointer(&self->log_error, g_free);
	g_clear_pointer(&self->root, g_free);
	g_clear_pointer(&self->boot_id, g_free);
	g_clear_error(&self->first_failure);
	self->attempted = 0;
	self->failed = 0;
	self->command = HERMES_CONTAINER_COMMAND_OTHER;
}

static void
hermes_reconciler_finalize(GObject *object)
{
	HermesReconciler *self = HERMES_RECONCILER(object);
	hermes_reconciler_reset(self);
	g_ptr_array_unref(self->actions);
	g_clear_object(&self->manager);
	g_clear_object(&self->ctx);
	G_OBJECT_CLASS(hermes_reconciler_parent_class)->finalize(object);
}

static void
hermes_reconciler_class_init(HermesReconcilerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_reconciler_finalize;
}

static void
hermes_reconciler_init(HermesReconciler *self)
{
	self->actions =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_reconcile_action_unref);
}

/**
 * hermes_reconciler_new:
 * @ctx: a #HermesContext: the profile root, environment and `/proc` to read
 * @manager: the backend to register slots with
 *
 * Returns: (transfer full): a new reconciler
 */
HermesReconciler *
hermes_reconciler_new(HermesContext *ctx, HermesServiceManager *manager)
{
	HermesReconciler *self;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	self = g_object_new(HERMES_TYPE_RECONCILER, NULL);
	self->ctx = g_object_ref(ctx);
	self->manager = g_object_ref(manager);
	return self;
}

/**
 * hermes_reconciler_set_dry_run:
 * @self: a #HermesReconciler
 * @dry_run: compute the actions only: no slot, no seed, no sweep, no log
 */
void
hermes_reconciler_set_dry_run(HermesReconciler *self, gboolean dry_run)
{
	g_return_if_fail(HERMES_IS_RECONCILER(self));
	self->dry_run = dry_run;
}

/**
 * hermes_reconciler_get_dry_run:
 * @self: a #HermesReconciler
 *
 * Returns: whether runs write nothing
 */
gboolean
hermes_reconciler_get_dry_run(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), FALSE);
	return self->dry_run;
}

static HermesPriorExit
hermes_reconciler_read_prior_exit(const gchar *home)
{
	g_autofree gchar *path = g_build_filename(home, "state", "gateway.lifecycle.json", NULL);
	g_autoptr(JsonObject) lifecycle = hermes_json_file_load(path, NULL);
	const gchar *phase;
	if (lifecycle == NULL)
		return HERMES_PRIOR_EXIT_UNKNOWN;
	phase = hermes_reconcile_get_string(lifecycle, "phase");
	if (g_strcmp0(phase, "exited") == 0)
		return HERMES_PRIOR_EXIT_CLEAN;
	if (g_strcmp0(phase, "running") == 0)
		return HERMES_PRIOR_EXIT_UNCLEAN;
	return HERMES_PRIOR_EXIT_UNKNOWN;
}

/* as root, a file or directory we create in a home belongs to the home's owner */
static void
hermes_reconciler_adopt_owner(const gchar *path, const gchar *reference)
{
	GStatBuf ref;
	if (geteuid() != 0 || g_stat(reference, &ref) != 0 || ref.st_uid == 0)
		return;
	if (lchown(path, ref.st_uid, ref.st_gid) != 0)
		g_debug("cannot give %s to uid %u: %s", path, (guint)ref.st_uid, g_strerror(errno));
}

/* @warning: set when the opt-out variable holds something that is not a truth value */
static gboolean
hermes_reconciler_should_seed(HermesReconciler *self, gchar **warning)
{
	g_autofree gchar *state = g_build_filename(self->root, HERMES_GATEWAY_STATE_FILE, NULL);
	if (self->command != HERMES_CONTAINER_COMMAND_GATEWAY_RUN)
		return FALSE;
	if (hermes_context_env_flag(self->ctx, "HERMES_GATEWAY_NO_SUPERVISE", warning))
		return FALSE;
	return !g_file_test(state, G_FILE_TEST_EXISTS);
}

/* #34339: the default gateway of a plain `gateway run` container keeps running */
static gboolean
hermes_reconciler_seed(HermesReconciler *self, GError **error)
{
	g_autofree gchar *state = g_build_filename(self->root, HERMES_GATEWAY_STATE_FILE, NULL);
	g_autoptr(JsonObject) changes = json_object_new();
	if (g_mkdir_with_parents(self->root, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", self->root);
		return FALSE;
	}
	json_object_set_string_member(changes, "desired_state", "running");
	json_object_set_string_member(changes, "migrated_from", "legacy-container-cmd");
	if (!hermes_gateway_state_update(self->root, changes, error))
		return FALSE;
	hermes_reconciler_adopt_owner(state, self->root);
	return TRUE;
}

static void
hermes_reconciler_prior(HermesReconciler *self, HermesReconcileAction *action)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) state = NULL;
	g_autofree gchar *warning = NULL;
	g_autofree gchar *why = NULL;
	gboolean is_default = g_strcmp0(action->profile, HERMES_PROFILE_DEFAULT) == 0;
	gboolean seed = is_default && hermes_reconciler_should_seed(self, &warning);

	if (seed) {
		if (!self->dry_run && !hermes_reconciler_seed(self, &error_local)) {
			action->kind = HERMES_RECONCILE_SKIPPED;
			why = g_strdup_printf("cannot seed the legacy 'gateway run' state: %s",
					      error_local->message);
		} else {
			action->prior_state = g_strdup("running");
			action->kind = HERMES_RECONCILE_STARTED;
			why = g_strdup(self->dry_run ? "would seed desired_state running (legacy "
						       "'gateway run' container)"
						     : "seeded desired_state running (legacy "
						       "'gateway run' container)");
		}
	} else {
		action->prior_state = hermes_gateway_state_prior(action->home, &error_local);
		if (error_local != NULL) {
			action->kind = HERMES_RECONCILE_SKIPPED;
			why = g_strdup_printf("unreadable state: %s", error_local->message);
		} else if (g_strcmp0(action->prior_state, "running") == 0) {
			action->kind = HERMES_RECONCILE_STARTED;
		} else {
			action->kind = HERMES_RECONCILE_REGISTERED;
			state = hermes_gateway_state_load(action->home, NULL);
			if (action->prior_state == NULL)
				why = g_strdup("no saved state");
			else if (state != NULL &&
				 hermes_reconcile_get_string(state, "desired_state") != NULL)
				why = g_strdup_printf("desired state is %s", action->prior_state);
			else
				why = g_strdup_printf("last runtime state was %s",
						      action->prior_state);
		}
	}
	if (why != NULL)
		hermes_reconcile_action_add_reason(action, why);
	if (warning != NULL)
		hermes_reconcile_action_add_reason(action, warning);
}

static void
hermes_reconciler_sweep(HermesReconciler *self, HermesReconcileAction *action)
{
	g_autofree gchar *pid_path =
		g_build_filename(action->home, HERMES_RECONCILE_PID_FILE, NULL);
	g_autofree gchar *proc_path =
		g_build_filename(action->home, HERMES_RECONCILE_PROC_FILE, NULL);
	g_autofree gchar *note = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesPidRecord verdict = hermes_reconcile_judge_pid_file(pid_path, self->boot_id, &note);

	if (note != NULL)
		hermes_reconcile_action_add_reason(action, note);
	if (verdict == HERMES_PID_RECORD_LIVE || verdict == HERMES_PID_RECORD_FOREIGN ||
	    self->dry_run)
		return;
	if (!hermes_reconcile_unlink(pid_path, &error_local) ||
	    !hermes_reconcile_unlink(proc_path, &error_local)) {
		g_autofree gchar *msg =
			g_strdup_printf("stale runtime file left: %s", error_local->message);
		hermes_reconcile_action_add_reason(action, msg);
	}
}

static void
hermes_reconciler_register(HermesReconciler *self, HermesReconcileAction *action)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	HermesRegisterFlags flags = HERMES_REGISTER_FLAG_REPLACE | HERMES_REGISTER_FLAG_NO_RESCAN;

	if (action->kind == HERMES_RECONCILE_STARTED)
		flags |= HERMES_REGISTER_FLAG_START;
	if (self->dry_run)
		return;
	self->attempted++;
	spec = hermes_gateway_spec_new_default(self->ctx, action->profile, &error_local);
	if (spec != NULL &&
	    hermes_service_manager_register_gateway(self->manager, spec, flags, NULL, &error_local))
		return;
	self->failed++;
	{
		g_autofree gchar *why =
			g_strdup_printf("cannot register: %s", error_local->message);
		g_autofree gchar *before = g_steal_pointer(&action->reason);
		hermes_reconcile_action_add_reason(action, why);
		if (before != NULL)
			hermes_reconcile_action_add_reason(action, before);
	}
	action->kind = HERMES_RECONCILE_SKIPPED;
	if (self->first_failure == NULL)
		self->first_failure = g_steal_pointer(&error_local);
}

static void
hermes_reconciler_reconcile(HermesReconciler *self, HermesReconcileAction *action)
{
	action->prior_exit = hermes_reconciler_read_prior_exit(action->home);
	hermes_reconciler_prior(self, action);
	if (action->kind == HERMES_RECONCILE_SKIPPED)
		return;
	hermes_reconciler_sweep(self, action);
	hermes_reconciler_register(self, action);
}

static gint
hermes_reconciler_name_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the named candidates: directories with SOUL.md, hidden ones excepted, by name */
static GPtrArray *
hermes_reconciler_list_names(const gchar *profiles_dir, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *entry;

	dir = g_dir_open(profiles_dir, 0, &error_local);
	if (dir == NULL) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&names);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *marker = NULL;
		if (entry[0] == '.')
			continue;
		marker = g_build_filename(profiles_dir, entry, HERMES_RECONCILE_MARKER, NULL);
		if (!g_file_test(marker, G_FILE_TEST_IS_REGULAR))
			continue;
		g_ptr_array_add(names, g_strdup(entry));
	}
	g_ptr_array_sort(names, hermes_reconciler_name_cmp);
	return g_steal_pointer(&names);
}

static void
hermes_reconciler_reconcile_named(HermesReconciler *self)
{
	g_autofree gchar *profiles_dir = g_build_filename(self->root, "profiles", NULL);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GPtrArray) names = hermes_reconciler_list_names(profiles_dir, &error_local);

	if (names == NULL) {
		/* not a profile, but silence would hide every profile: say so in the log */
		HermesReconcileAction *action =
			hermes_reconcile_action_new("profiles/", profiles_dir);
		action->reason =
			g_strdup_printf("cannot list the profiles: %s", error_local->message);
		g_ptr_array_add(self->actions, action);
		return;
	}
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_autofree gchar *home = g_build_filename(profiles_dir, name, NULL);
		HermesReconcileAction *action = hermes_reconcile_action_new(name, home);
		g_autoptr(GError) error_name = NULL;
		g_ptr_array_add(self->actions, action);
		if (g_strcmp0(name, HERMES_PROFILE_DEFAULT) == 0) {
			action->reason = g_strdup("profiles/default/ collides with the root "
						  "profile's reserved 'default' slot");
			continue;
		}
		if (!hermes_profile_name_validate(name, &error_name)) {
			action->reason = g_strdup(error_name->message);
			continue;
		}
		hermes_reconciler_reconcile(self, action);
	}
}

static gchar *
hermes_reconciler_timestamp(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
hermes_reconciler_append_log(HermesReconciler *self, GError **error)
{
	g_autofree gchar *logs = g_build_filename(self->root, "logs", NULL);
	g_autofree gchar *rotated = g_strconcat(self->log_path, ".1", NULL);
	g_autofree gchar *ts = hermes_reconciler_timestamp();
	g_autofree gchar *summary = hermes_reconciler_format_summary(self);
	g_autoptr(GString) text = g_string_new(NULL);
	gboolean created_dir = !g_file_test(logs, G_FILE_TEST_IS_DIR);
	gboolean created_file;
	GStatBuf st;
	gsize off = 0;
	gint fd;

	if (g_mkdir_with_parents(logs, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", logs);
		return FALSE;
	}
	if (created_dir)
		hermes_reconciler_adopt_owner(logs, self->root);
	/* we run as root and the home is the gateway user's: never write through its links */
	if (g_lstat(logs, &st) != 0 || !S_ISDIR(st.st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is not a directory (a symbolic link?): not writing the boot log "
			    "through it",
			    logs);
		return FALSE;
	}
	/* a failed rotation loses nothing: this run is appended to the big file instead */
	if (g_stat(self->log_path, &st) == 0 && st.st_size >= HERMES_RECONCILE_LOG_MAX &&
	    g_rename(self->log_path, rotated) != 0) {
		self->log_error =
			g_strdup_printf("cannot rotate %s to %s (appended to it instead): %s",
					self->log_path,
					rotated,
					g_strerror(errno));
	}
	for (guint i = 0; i < self->actions->len; i++) {
		g_autofree gchar *line =
			hermes_reconcile_action_to_string(g_ptr_array_index(self->actions, i));
		g_string_append_printf(text, "%s %s\n", ts, line);
	}
	g_string_append_printf(text, "%s %s\n", ts, summary);

	created_file = !g_file_test(self->log_path, G_FILE_TEST_EXISTS);
	fd = g_open(self->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open %s", self->log_path);
		return FALSE;
	}
	if (created_file)
		hermes_reconciler_adopt_owner(self->log_path, self->root);
	/* one write: concurrent appenders (two containers on one volume) do not interleave lines */
	while (off < text->len) {
		gssize n = write(fd, text->str + off, text->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			gint errsv = errno;
			close(fd);
			hermes_error_set_errno(error, errsv, "cannot write %s", self->log_path);
			return FALSE;
		}
		off += (gsize)n;
	}
	if (fsync(fd) != 0) {
		gint errsv = errno;
		close(fd);
		hermes_error_set_errno(error, errsv, "cannot sync %s", self->log_path);
		return FALSE;
	}
	if (close(fd) != 0) {
		hermes_error_set_errno(error, errno, "cannot close %s", self->log_path);
		return FALSE;
	}
	return TRUE;
}

static gchar *
hermes_reconciler_read_boot_id(HermesContext *ctx)
{
	g_autofree gchar *path = hermes_context_build_path(ctx, "/proc/sys/kernel/random/boot_id");
	g_autofree gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return g_strdup(g_strstrip(contents));
}

/**
 * hermes_reconciler_run:
 * @self: a #HermesReconciler
 * @error: return location for a #GError
 *
 * Rebuilds every profile's slot from its persisted state (see the file
 * comment for the rules), then appends to `<root>/logs/container-boot.log`.
 * Per-profile problems never stop the run: they become `skipped` records
 * with a reason. A `dashboard` container reconciles nothing
 * (hermes_reconciler_get_skip_reason()). A boot log that cannot be written
 * is reported by hermes_reconciler_get_log_error(), not as a failure.
 *
 * Returns: %TRUE unless the backend cannot register gateways at all
 *   (%HERMES_ERROR_NOT_SUPPORTED) or not one registration succeeded
 */
gboolean
hermes_reconciler_run(HermesReconciler *self, GError **error)
{
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) error_log = NULL;
	HermesReconcileAction *action;

	g_return_val_if_fail(HERMES_IS_RECONCILER(self), FALSE);
	hermes_reconciler_reset(self);
	argv = hermes_container_command_read(self->ctx);
	self->command = hermes_container_command_classify((const gchar *const *)argv);
	if (self->command == HERMES_CONTAINER_COMMAND_DASHBOARD) {
		/* shared-volume s6-log lock storms otherwise (upstream #34457, #49196) */
		self->skip_reason =
			g_strdup("dashboard container: it does not run per-profile gateways");
		return TRUE;
	}
	if (!hermes_service_manager_supports_registration(self->manager)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_SUPPORTED,
			    "backend %s cannot register gateways at run time; the boot "
			    "reconciler needs one that can (s6)",
			    hermes_service_manager_get_name(self->manager));
		return FALSE;
	}
	self->root = hermes_profile_get_root(self->ctx);
	self->log_path = g_build_filename(self->root, "logs", HERMES_RECONCILE_LOG_NAME, NULL);
	self->boot_id = hermes_reconciler_read_boot_id(self->ctx);

	action = hermes_reconcile_action_new(HERMES_PROFILE_DEFAULT, self->root);
	g_ptr_array_add(self->actions, action);
	hermes_reconciler_reconcile(self, action);
	hermes_reconciler_reconcile_named(self);

	if (!self->dry_run && !hermes_reconciler_append_log(self, &error_log)) {
		g_free(self->log_error);
		self->log_error = g_strdup(error_log->message);
	}
	if (self->attempted > 0 && self->failed == self->attempted) {
		g_set_error(error,
			    self->first_failure->domain,
			    self->first_failure->code,
			    "no gateway could be registered with %s: %s",
			    hermes_service_manager_get_name(self->manager),
			    self->first_failure->message);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_reconciler_get_actions:
 * @self: a #HermesReconciler
 *
 * Returns: (transfer none) (element-type HermesReconcileAction): one record per
 *   profile of the last run, `default` first; empty before a run and in a
 *   dashboard container
 */
GPtrArray *
hermes_reconciler_get_actions(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return self->actions;
}

/**
 * hermes_reconciler_count:
 * @self: a #HermesReconciler
 * @kind: an action kind
 *
 * Returns: how many profiles of the last run got @kind
 */
guint
hermes_reconciler_count(HermesReconciler *self, HermesReconcileKind kind)
{
	guint n = 0;
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), 0);
	for (guint i = 0; i < self->actions->len; i++) {
		HermesReconcileAction *action = g_ptr_array_index(self->actions, i);
		if (action->kind == kind)
			n++;
	}
	return n;
}

/**
 * hermes_reconciler_format_summary:
 * @self: a #HermesReconciler
 *
 * Returns: (transfer full): `summary total=N started=N registered=N skipped=N`
 */
gchar *
hermes_reconciler_format_summary(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return g_strdup_printf("summary total=%u started=%u registered=%u skipped=%u",
			       self->actions->len,
			       hermes_reconciler_count(self, HERMES_RECONCILE_STARTED),
			       hermes_reconciler_count(self, HERMES_RECONCILE_REGISTERED),
			       hermes_reconciler_count(self, HERMES_RECONCILE_SKIPPED));
}

/**
 * hermes_reconciler_get_skip_reason:
 * @self: a #HermesReconciler
 *
 * Returns: (nullable): why the last run reconciled nothing (a dashboard container)
 */
const gchar *
hermes_reconciler_get_skip_reason(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return self->skip_reason;
}

/**
 * hermes_reconciler_get_log_path:
 * @self: a #HermesReconciler
 *
 * Returns: (nullable): the boot log of the last run
 */
const gchar *
hermes_reconciler_get_log_path(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return self->log_path;
}

/**
 * hermes_reconciler_get_log_error:
 * @self: a #HermesReconciler
 *
 * Returns: (nullable): why the last run could not append to the boot log, or
 *   rotate it (then the lines went to the unrotated file)
 */
const gchar *
hermes_reconciler_get_log_error(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return self->log_error;
}
