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
 *   `profiles/default/` or a failed registration is `skipped` with a
 *   reason and the rest is still reconciled (upstream aborted the whole
 *   boot step). An unreadable `gateway_state.json` (corrupt, too large,
 *   too deep) is no prior state, as upstream reads it: the slot is
 *   registered down and the reason says why.
 * - Prior state: hermes_gateway_state_prior(); only `running` starts.
 * - Multiplexing (hermes-multiplex.c, read once per run): the default
 *   profile's gateway serves the named ones, so each named slot is
 *   registered down whatever its intent, and the reason says so; a
 *   config.yaml that cannot be read is noted on the default profile.
 * - Registration: REPLACE | NO_RESCAN (+ START): the supervisor scans the
 *   directory after cont-init; a slot that is not started gets `down`.
 * - Stale runtime files: `gateway.pid` and `processes.json` name pids of a
 *   dead pid namespace after a container restart. They are removed unless
 *   hermes_pid_record_judge() (the library's one rule) finds a live
 *   gateway behind the record, which only happens on a host reconcile; or
 *   unless the record is stamped with another `boot_id` than this
 *   kernel's: then it is foreign (another machine sharing the volume, or
 *   another boot) and we cannot judge it, so both files are kept and the
 *   reason says so.
 * - Legacy containers (#34339): a container started as plain
 *   `gateway run`, with no `<root>/gateway_state.json` yet and
 *   `HERMES_GATEWAY_NO_SUPERVISE` not true, gets `desired_state: running`
 *   seeded once for `default`. A `dashboard …` container reconciles
 *   nothing at all.
 * - `<root>/logs/container-boot.log`: hermes-reconciler-log.c.
 * - One at a time: a run holds `<root>/run/reconcile.lock` (hermes-home-lock.c),
 *   so concurrent runs never delete each other's staging directories.
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
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-state.h"
#include "hermes-home-lock.h"
#include "hermes-pid-record-private.h"
#include "hermes-platform-private.h"
#include "hermes-profile.h"
#include "hermes-reconciler-private.h"
#include "hermes-runner.h"
#include "hermes-safe-file-private.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

#define HERMES_RECONCILE_PID_FILE  "gateway.pid"
#define HERMES_RECONCILE_PROC_FILE "processes.json"

/* ------------------------------------------------------------------ */
/* the reconciler */

G_DEFINE_FINAL_TYPE(HermesReconciler, hermes_reconciler, G_TYPE_OBJECT)

static void
hermes_reconciler_reset(HermesReconciler *self)
{
	g_ptr_array_set_size(self->actions, 0);
	g_clear_pointer(&self->skip_reason, g_free);
	g_clear_pointer(&self->dashboard_note, g_free);
	g_clear_pointer(&self->cluster_note, g_free);
	g_clear_pointer(&self->log_path, g_free);
	g_clear_pointer(&self->log_error, g_free);
	g_clear_pointer(&self->root, g_free);
	g_clear_pointer(&self->boot_id, g_free);
	g_clear_pointer(&self->multiplex, hermes_multiplex_unref);
	g_clear_error(&self->first_failure);
	self->attempted = 0;
	self->failed = 0;
	self->progress_done = 0;
	self->progress_total = 0;
	self->command = HERMES_CONTAINER_COMMAND_OTHER;
}

static void
hermes_reconciler_finalize(GObject *object)
{
	HermesReconciler *self = HERMES_RECONCILER(object);
	hermes_reconciler_reset(self);
	hermes_reconciler_set_progress_func(self, NULL, NULL, NULL);
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
 * hermes_reconciler_set_progress_func:
 * @self: a #HermesReconciler
 * @func: (nullable) (scope notified) (closure user_data) (destroy notify): called
 *   before each profile of a run, or %NULL for none
 * @user_data: (nullable): data for @func
 * @notify: (nullable): frees @user_data when @func is replaced or @self finalized
 *
 * Lets a caller show how far a run is (the CLI's progress line on a terminal).
 */
void
hermes_reconciler_set_progress_func(HermesReconciler *self,
				    HermesReconcilerProgressFunc func,
				    gpointer user_data,
				    GDestroyNotify notify)
{
	g_return_if_fail(HERMES_IS_RECONCILER(self));
	if (self->progress_notify != NULL)
		self->progress_notify(self->progress_data);
	self->progress_func = func;
	self->progress_data = user_data;
	self->progress_notify = notify;
}

static void
hermes_reconciler_progress(HermesReconciler *self, const gchar *profile)
{
	if (self->progress_func != NULL)
		self->progress_func(self,
				    profile,
				    self->progress_done,
				    self->progress_total,
				    self->progress_data);
	self->progress_done++;
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
hermes_reconciler_read_prior_exit(HermesReconciler *self, const gchar *home)
{
	g_autofree gchar *path = g_build_filename(home, "state", "gateway.lifecycle.json", NULL);
	g_autoptr(JsonObject) lifecycle = hermes_json_file_load_beneath(self->root, path, NULL);
	const gchar *phase;
	if (lifecycle == NULL)
		return HERMES_PRIOR_EXIT_UNKNOWN;
	phase = hermes_json_get_string(lifecycle, "phase");
	if (g_strcmp0(phase, "exited") == 0)
		return HERMES_PRIOR_EXIT_CLEAN;
	if (g_strcmp0(phase, "running") == 0)
		return HERMES_PRIOR_EXIT_UNCLEAN;
	return HERMES_PRIOR_EXIT_UNKNOWN;
}

/* @warning: set when the opt-out variable holds something that is not a truth value */
static gboolean
hermes_reconciler_should_seed(HermesReconciler *self, gchar **warning)
{
	g_autofree gchar *state = g_build_filename(self->root, HERMES_GATEWAY_STATE_FILE, NULL);
	g_autoptr(GError) error_local = NULL;
	struct stat st;

	if (self->command != HERMES_CONTAINER_COMMAND_GATEWAY_RUN)
		return FALSE;
	/* upstream's rule for this variable: 1/true/yes in any case */
	if (hermes_gateway_no_supervise(
		    hermes_context_getenv(self->ctx, "HERMES_GATEWAY_NO_SUPERVISE"), warning))
		return FALSE;
	if (hermes_safe_file_stat(self->root, state, &st, &error_local))
		return FALSE;
	return g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
}

/* #34339: the default gateway of a plain `gateway run` container keeps running */
static gboolean
hermes_reconciler_seed(HermesReconciler *self, GError **error)
{
	g_autoptr(JsonObject) changes = json_object_new();
	if (g_mkdir_with_parents(self->root, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", self->root);
		return FALSE;
	}
	json_object_set_string_member(changes, "desired_state", "running");
	json_object_set_string_member(changes, "migrated_from", "legacy-container-cmd");
	gint root_fd;
	if (!hermes_gateway_state_update(self->root, changes, error))
		return FALSE;
	root_fd = hermes_safe_open_dir(self->root, self->root, NULL);
	if (root_fd >= 0) {
		hermes_reconciler_adopt_owner_at(root_fd, HERMES_GATEWAY_STATE_FILE, root_fd);
		close(root_fd);
	}
	return TRUE;
}

/* the reason a slot that does not start is down */
static gchar *
hermes_reconciler_down_reason(HermesReconciler *self, HermesReconcileAction *action)
{
	g_autofree gchar *path = g_build_filename(action->home, HERMES_GATEWAY_STATE_FILE, NULL);
	g_autoptr(JsonObject) state = hermes_json_file_load_beneath(self->root, path, NULL);

	if (action->prior_state == NULL)
		return g_strdup("no saved state");
	if (state != NULL && hermes_json_get_string(state, "desired_state") != NULL)
		return g_strdup_printf("desired state is %s", action->prior_state);
	return g_strdup_printf("last runtime state was %s", action->prior_state);
}

/*
 * Upstream reads an unreadable state as no prior state (and says so): the
 * slot is registered down, never left out, so `gateway start` still works.
 */
static gchar *
hermes_reconciler_read_prior(HermesReconciler *self, HermesReconcileAction *action)
{
	g_autoptr(GError) error_local = NULL;

	action->prior_state = hermes_gateway_state_prior(action->home, &error_local);
	if (error_local != NULL) {
		g_clear_pointer(&action->prior_state, g_free);
		action->kind = HERMES_RECONCILE_REGISTERED;
		return g_strdup_printf("unreadable state, treated as no prior state: %s",
				       error_local->message);
	}
	if (g_strcmp0(action->prior_state, "running") == 0) {
		action->kind = HERMES_RECONCILE_STARTED;
		return NULL;
	}
	action->kind = HERMES_RECONCILE_REGISTERED;
	return hermes_reconciler_down_reason(self, action);
}

static void
hermes_reconciler_prior(HermesReconciler *self, HermesReconcileAction *action)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *warning = NULL;
	g_autofree gchar *why = NULL;
	gboolean is_default = g_strcmp0(action->profile, HERMES_PROFILE_DEFAULT) == 0;
	gboolean seed = is_default && hermes_reconciler_should_seed(self, &warning);

	if (!seed) {
		why = hermes_reconciler_read_prior(self, action);
	} else if (!self->dry_run && !hermes_reconciler_seed(self, &error_local)) {
		action->kind = HERMES_RECONCILE_SKIPPED;
		why = g_strdup_printf("cannot seed the legacy 'gateway run' state: %s",
				      error_local->message);
	} else {
		action->prior_state = g_strdup("running");
		action->kind = HERMES_RECONCILE_STARTED;
		why = g_strdup(self->dry_run
				       ? "would seed desired_state running (legacy 'gateway run' "
					 "container)"
				       : "seeded desired_state running (legacy 'gateway run' "
					 "container)");
	}
	if (why != NULL)
		hermes_reconcile_action_add_reason(action, why);
	if (warning != NULL)
		hermes_reconcile_action_add_reason(action, warning);
}

/* what gateway.pid says, by the library's one rule; NULL note: remove both files;
 * @missing: set when there is no gateway.pid at all */
static HermesPidState
hermes_reconciler_judge_pid_file(HermesReconciler *self,
				 HermesReconcileAction *action,
				 const gchar *pid_path,
				 gboolean *missing,
				 gchar **note)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesPidRecord) record =
		hermes_pid_record_load(self->root, pid_path, &error_local);
	g_autofree gchar *home = NULL;
	g_autofree gchar *why = NULL;
	HermesPidState state;

	/* missing, malformed, out of range, a link: nothing live can be behind it */
	*missing = g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	if (record == NULL)
		return HERMES_PID_STATE_STALE;
	home = hermes_pid_canonical_home(self->root, action->home, NULL);
	if (home == NULL)
		home = g_canonicalize_filename(action->home, NULL);
	state = hermes_pid_record_judge(record, home, self->boot_id, &why);
	if (state == HERMES_PID_STATE_FOREIGN)
		*note = g_strdup_printf("kept %s and %s: %s",
					HERMES_RECONCILE_PID_FILE,
					HERMES_RECONCILE_PROC_FILE,
					why);
	else if (state != HERMES_PID_STATE_STALE)
		*note = g_strdup_printf("kept %s: %s", HERMES_RECONCILE_PID_FILE, why);
	return state;
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
	gboolean missing = FALSE;
	HermesPidState verdict =
		hermes_reconciler_judge_pid_file(self, action, pid_path, &missing, &note);

	if (note != NULL)
		hermes_reconcile_action_add_reason(action, note);
	if (verdict != HERMES_PID_STATE_STALE || self->dry_run)
		return;
	/* a boot of 1000 profiles mostly finds no gateway.pid: no unlink for it */
	if ((!missing && !hermes_safe_file_unlink(self->root, pid_path, &error_local)) ||
	    !hermes_safe_file_unlink(self->root, proc_path, &error_local)) {
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

/* upstream: a named profile starts only when (not multiplexing) and prior == running */
static void
hermes_reconciler_multiplex(HermesReconciler *self, HermesReconcileAction *action)
{
	const gchar *warning = hermes_multiplex_get_warning(self->multiplex);
	g_autofree gchar *why = NULL;

	if (g_strcmp0(action->profile, HERMES_PROFILE_DEFAULT) == 0) {
		if (warning != NULL)
			hermes_reconcile_action_add_reason(action, warning);
		return;
	}
	if (!hermes_multiplex_serves(self->multiplex, action->profile))
		return;
	action->kind = HERMES_RECONCILE_REGISTERED;
	why = g_strdup_printf("multiplexed: served by the default profile's gateway (%s)",
			      hermes_multiplex_get_reason(self->multiplex));
	hermes_reconcile_action_add_reason(action, why);
}

static void
hermes_reconciler_reconcile(HermesReconciler *self, HermesReconcileAction *action)
{
	action->prior_exit = hermes_reconciler_read_prior_exit(self, action->home);
	hermes_reconciler_prior(self, action);
	if (action->kind == HERMES_RECONCILE_SKIPPED)
		return;
	hermes_reconciler_multiplex(self, action);
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
		marker = g_build_filename(profiles_dir, entry, HERMES_PROFILE_SOUL_FILE, NULL);
		if (!g_file_test(marker, G_FILE_TEST_IS_REGULAR))
			continue;
		g_ptr_array_add(names, g_strdup(entry));
	}
	g_ptr_array_sort(names, hermes_reconciler_name_cmp);
	return g_steal_pointer(&names);
}

/*
 * A profile directory that is a link (into another home, say) is not
 * followed: its gateway would refuse to run from it, and its files are
 * not this tree's to sweep.
 */
static gboolean
hermes_reconciler_is_real_dir(HermesReconciler *self, const gchar *home, GError **error)
{
	struct stat st;
	if (!hermes_safe_file_stat(self->root, home, &st, error))
		return FALSE;
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is a symbolic link, not a profile directory: not followed",
			    home);
		return FALSE;
	}
	return TRUE;
}

/* @names and @error_local from hermes_reconciler_list_names() */
static void
hermes_reconciler_reconcile_named(HermesReconciler *self,
				  const gchar *profiles_dir,
				  GPtrArray *names,
				  const GError *error_local)
{
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
		hermes_reconciler_progress(self, name);
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
		if (!hermes_reconciler_is_real_dir(self, home, &error_name)) {
			action->reason = g_strdup(error_name->message);
			continue;
		}
		hermes_reconciler_reconcile(self, action);
	}
}

/* one reconcile per home at a time: they replace the same slots */
static HermesHomeLock *
hermes_reconciler_lock(HermesReconciler *self, GError **error)
{
	HermesHomeLock *lock;

	if (g_mkdir_with_parents(self->root, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", self->root);
		return NULL;
	}
	lock = hermes_home_lock_acquire(self->root,
					self->root,
					HERMES_HOME_LOCK_RECONCILE,
					HERMES_HOME_LOCK_WAIT_MS,
					error);
	if (lock == NULL)
		g_prefix_error(error, "cannot reconcile %s: ", self->root);
	return lock;
}

/**
 * hermes_reconciler_run:
 * @self: a #HermesReconciler
 * @error: return location for a #GError
 *
 * Rebuilds every profile's slot from its persisted state (see the file
 * comment for the rules), then appends to `<root>/logs/container-boot.log`.
 * Runs on one home are serialised by `<root>/run/reconcile.lock` (a wait
 * of at most 30 s, then %HERMES_ERROR_BUSY naming the holder).
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
	g_autoptr(HermesHomeLock) lock = NULL;
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GError) error_names = NULL;
	g_autofree gchar *profiles_dir = NULL;
	HermesReconcileAction *action;
	gboolean held;

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
	if (hermes_reconciler_cluster_wanted(self)) {
		/* the shared home's intents are every node's: only the cluster places them */
		self->skip_reason = g_strdup("cluster node (HERMES_CLUSTER_AGENT): its node agent "
					     "runs the gateways the cluster gives this machine");
		hermes_reconciler_companions(self);
		return TRUE;
	}
	self->root = hermes_profile_get_root(self->ctx);
	self->log_path = g_build_filename(self->root, "logs", HERMES_RECONCILE_LOG_NAME, NULL);
	self->boot_id = hermes_context_get_boot_id(self->ctx);
	self->multiplex = hermes_multiplex_new(self->ctx);
	if (!self->dry_run) {
		lock = hermes_reconciler_lock(self, error);
		if (lock == NULL)
			return FALSE;
	}

	/* the home and the scan directory, opened once for the whole batch */
	held = hermes_safe_roots_hold();
	/* listed first so the progress knows the total */
	profiles_dir = g_build_filename(self->root, "profiles", NULL);
	names = hermes_reconciler_list_names(profiles_dir, &error_names);
	self->progress_total = 1 + (names != NULL ? names->len : 0);
	action = hermes_reconcile_action_new(HERMES_PROFILE_DEFAULT, self->root);
	g_ptr_array_add(self->actions, action);
	hermes_reconciler_progress(self, HERMES_PROFILE_DEFAULT);
	hermes_reconciler_reconcile(self, action);
	hermes_reconciler_reconcile_named(self, profiles_dir, names, error_names);
	if (held)
		hermes_safe_roots_release();
	/* after the home's lock: a companion that stops acts on the home itself (the
	 * node agent stops its gateways through the same lock) */
	g_clear_pointer(&lock, hermes_home_lock_release);
	hermes_reconciler_companions(self);

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
