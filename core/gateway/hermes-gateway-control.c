/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The one place a gateway is started, stopped or restarted, whoever asks
 * (`hermes gateway start`, hermes-svcd's Start): normalise and validate the
 * name; refuse stop/restart from inside a gateway (upstream #92560); refuse
 * a named profile hermes-agent's multiplexer serves, unless forced;
 * register a missing slot for an existing profile and bring an outdated one
 * up to date; record `desired_state`
 * durably before the supervisor hears of it; leave the planned-stop marker
 * in the target's home before a stop or restart; signal, and put the intent
 * back if the supervisor refuses; with a timeout, await the asked state.
 * Nothing is printed: HermesGatewayResult says how it ended.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/fsuid.h>
#endif

#include "hermes-error.h"
#include "hermes-gateway-control-private.h"
#include "hermes-gateway-control.h"
#include "hermes-gateway-result-private.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-state.h"
#include "hermes-home-lock.h"
#include "hermes-multiplex.h"
#include "hermes-planned-stop.h"
#include "hermes-profile.h"

struct _HermesGatewayControl {
	GObject parent_instance;
	HermesServiceManager *manager;
	HermesContext *ctx;
	HermesGatewayControlFlags flags;
};

G_DEFINE_FINAL_TYPE(HermesGatewayControl, hermes_gateway_control, G_TYPE_OBJECT)

static const gchar *hermes_gateway_action_verbs[] = {"start", "stop", "restart"};
static const gchar *hermes_gateway_action_done[] = {"Started", "Stopped", "Restarted"};

/*****************************************************************************/
/* the steps */

/**
 * hermes_gateway_control_normalize_name:
 * @name: a profile name as a person typed it
 * @error: return location for a #GError
 *
 * The same as hermes_profile_name_normalize(), the one rule.
 *
 * Returns: (transfer full) (nullable): the normalised name, or %NULL with
 *   %HERMES_ERROR_INVALID_ARGUMENT
 */
gchar *
hermes_gateway_control_normalize_name(const gchar *name, GError **error)
{
	g_return_val_if_fail(name != NULL, NULL);
	return hermes_profile_name_normalize(name, error);
}

/* a gateway (or a tool it runs) stopping itself would be revived or loop (upstream #92560) */
static gboolean
hermes_gateway_control_check_inside(HermesGatewayControl *self,
				    HermesGatewayAction action,
				    GError **error)
{
	const gchar *inside = hermes_context_getenv(self->ctx, "HERMES_SUPERVISED_CHILD");
	if (action == HERMES_GATEWAY_ACTION_START || inside == NULL || inside[0] == '\0' ||
	    g_strcmp0(inside, "0") == 0)
		return TRUE;
	g_set_error_literal(
		error,
		HERMES_ERROR,
		HERMES_ERROR_PERMISSION_DENIED,
		"refusing to stop or restart a gateway from inside a supervised gateway "
		"(HERMES_SUPERVISED_CHILD is set); run it from a shell outside the gateway");
	return FALSE;
}

/*
 * The default profile's gateway serves every named profile while hermes-
 * agent's multiplexer is on: one of their own would be a second listener for
 * the same messages. Refused before anything is registered or recorded; the
 * refusal is the configuration's, so it is %HERMES_ERROR_CONFIGURATION (exit
 * 78, as upstream's guard), which no retry changes.
 */
static gboolean
hermes_gateway_control_check_multiplex(HermesGatewayControl *self,
				       HermesGatewayAction action,
				       const gchar *profile,
				       GError **error)
{
	const gchar *verb = hermes_gateway_action_verbs[action];
	g_autoptr(HermesMultiplex) multiplex = NULL;

	if ((self->flags & HERMES_GATEWAY_CONTROL_FLAG_FORCE) != 0 ||
	    g_strcmp0(profile, HERMES_PROFILE_DEFAULT) == 0)
		return TRUE;
	multiplex = hermes_multiplex_new(self->ctx);
	if (!hermes_multiplex_serves(multiplex, profile))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_CONFIGURATION,
		    "%s gateway '%s' refused: the default profile's gateway serves it "
		    "(multiplexing is on: %s); use 'hermes gateway %s' for that gateway, or "
		    "'hermes -p %s gateway %s --force' for one of its own",
		    verb,
		    profile,
		    hermes_multiplex_get_reason(multiplex),
		    verb,
		    profile,
		    verb);
	return FALSE;
}

/* the profile's home and its owner, when it has one on disk */
static void
hermes_gateway_control_find_home(HermesGatewayRun *run)
{
	g_autoptr(HermesProfile) p =
		hermes_profile_lookup(run->self->ctx, run->result->profile, NULL);
	GStatBuf st;
	if (p == NULL || g_stat(hermes_profile_get_home(p), &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	run->home = g_strdup(hermes_profile_get_home(p));
	run->owner_uid = st.st_uid;
	run->owner_gid = st.st_gid;
#ifdef __linux__
	run->as_owner = (run->self->flags & HERMES_GATEWAY_CONTROL_FLAG_AS_HOME_OWNER) != 0 &&
			geteuid() == 0 && st.st_uid != 0;
#endif
}

/*
 * A root daemon writes into a user's home as that user: the fsuid is per
 * thread, so a root daemon neither follows the owner's symlinks with root's
 * rights nor leaves root-owned files in the home.
 */
typedef struct {
	gboolean active;
	gint uid;
	gint gid;
} HermesGatewayIdentity;

/* @uid and @gid for this thread's file accesses, when @active */
static gboolean
hermes_gateway_identity_become(
	gboolean active, guint32 uid, guint32 gid, HermesGatewayIdentity *saved, GError **error)
{
	saved->active = FALSE;
#ifdef __linux__
	if (!active)
		return TRUE;
	saved->gid = setfsgid(gid);
	saved->uid = setfsuid(uid);
	saved->active = TRUE;
	if ((guint32)setfsuid((uid_t)-1) != uid) {
		setfsuid(saved->uid);
		setfsgid(saved->gid);
		saved->active = FALSE;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "cannot act as uid %u on its home",
			    uid);
		return FALSE;
	}
#endif
	return TRUE;
}

static gboolean
hermes_gateway_run_become(HermesGatewayRun *run, HermesGatewayIdentity *saved, GError **error)
{
	return hermes_gateway_identity_become(
		run->as_owner, run->owner_uid, run->owner_gid, saved, error);
}

static void
hermes_gateway_identity_unbecome(HermesGatewayIdentity *saved)
{
#ifdef __linux__
	if (saved->active) {
		setfsuid(saved->uid);
		setfsgid(saved->gid);
	}
#endif
	saved->active = FALSE;
}

/* reads the intent into @previous (when asked) and writes @desired, as the home's owner */
static gboolean
hermes_gateway_run_set_desired(HermesGatewayRun *run,
			       gchar **previous,
			       const gchar *desired,
			       GError **error)
{
	HermesGatewayIdentity saved;
	gboolean ret;
	if (!hermes_gateway_run_become(run, &saved, error))
		return FALSE;
	if (previous != NULL)
		*previous = hermes_gateway_state_get_desired(run->home);
	ret = hermes_gateway_state_set_desired(run->home, desired, error);
	hermes_gateway_identity_unbecome(&saved);
	return ret;
}

/*
 * The slot as this hermes would write it now. One written by another hermes
 * (an older release, a build dir since removed, another prefix) can name a
 * binary that is gone: start would then only trip the circuit breaker.
 * Backends leave an identical registration alone (REPLACE is a no-op then),
 * so this costs a few reads; a changed one takes effect at the next spawn.
 */
static gboolean
hermes_gateway_run_refresh(HermesGatewayRun *run, HermesGatewaySpec *spec, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	if (hermes_service_manager_register_gateway(
		    run->self->manager, spec, HERMES_REGISTER_FLAG_REPLACE, NULL, &error_local))
		return TRUE;
	/*
	 * Whoever may start a gateway need not be who may write its slot (a
	 * member of a root tree's group): the slot stays as it is, and the
	 * backend's start applies its own trust rules all the same (a refusal
	 * is said once, by the start).
	 */
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED)) {
		g_debug("registration of %s kept as it is: %s",
			run->result->profile,
			error_local->message);
		return TRUE;
	}
	g_propagate_prefixed_error(error,
				   g_steal_pointer(&error_local),
				   "cannot bring the registration of gateway '%s' up to date: ",
				   run->result->profile);
	return FALSE;
}

/*
 * A profile that exists but has no slot (created before the backend was
 * here, or on the host against a mounted home) gets one, so start just
 * works; one that has a slot gets it refreshed.
 */
static gboolean
hermes_gateway_run_ensure_registered(HermesGatewayRun *run, GError **error)
{
	HermesServiceManager *manager = run->self->manager;
	const gchar *profile = run->result->profile;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesProfile) p = NULL;

	if (!hermes_service_manager_supports_registration(manager))
		return TRUE;
	/* kept: the planned-stop marker needs the pid, and supervisors are not asked twice */
	run->before = hermes_service_manager_get_status(manager, profile, NULL, &error_local);
	if (run->before == NULL &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED))
		return TRUE;
	/* a slot without a profile is for the backend to refuse */
	p = hermes_profile_lookup(run->self->ctx, profile, NULL);
	if (p == NULL || !hermes_profile_exists(p))
		return TRUE;
	spec = hermes_gateway_spec_new_default(run->self->ctx, profile, error);
	if (spec == NULL)
		return FALSE;
	if (run->before != NULL)
		return hermes_gateway_run_refresh(run, spec, error);
	g_clear_error(&error_local);
	if (!hermes_service_manager_register_gateway(
		    manager, spec, HERMES_REGISTER_FLAG_NONE, NULL, &error_local)) {
		/* registered by another command meanwhile (a profile create): what it wrote is ours */
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS))
			return TRUE;
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "cannot register gateway '%s': ",
					   profile);
		return FALSE;
	}
	run->result->registered = TRUE;
	g_ptr_array_add(run->result->notes,
			g_strdup_printf("Registered gateway '%s' with %s (%s)",
					profile,
					hermes_service_manager_get_name(manager),
					hermes_service_manager_get_mode(manager)));
	return TRUE;
}

/* without the marker the gateway takes SIGTERM for a crash and persists running */
static void
hermes_gateway_run_mark_planned_stop(HermesGatewayRun *run)
{
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesGatewayIdentity saved;
	gint64 pid;

	if (run->home == NULL)
		return;
	status = run->before != NULL
			 ? hermes_gateway_status_ref(run->before)
			 : hermes_service_manager_get_status(
				   run->self->manager, run->result->profile, NULL, NULL);
	pid = status != NULL ? hermes_gateway_status_get_pid(status) : -1;
	if (pid <= 0)
		return;
	if (hermes_gateway_run_become(run, &saved, &error_local)) {
		if (hermes_planned_stop_write(run->home, pid, &error_local))
			run->marked_pid = pid;
		hermes_gateway_identity_unbecome(&saved);
	}
	if (error_local != NULL)
		g_debug("no planned-stop marker for %s: %s",
			run->result->profile,
			error_local->message);
}

static gboolean
hermes_gateway_run_signal(HermesGatewayRun *run, GCancellable *cancellable, GError **error)
{
	HermesServiceManager *manager = run->self->manager;
	const gchar *profile = run->result->profile;
	switch (run->result->action) {
	case HERMES_GATEWAY_ACTION_STOP:
		return hermes_service_manager_stop(manager, profile, cancellable, error);
	case HERMES_GATEWAY_ACTION_RESTART:
		return hermes_service_manager_restart(manager, profile, cancellable, error);
	case HERMES_GATEWAY_ACTION_START:
	default:
		return hermes_service_manager_start(manager, profile, cancellable, error);
	}
}

/* the backends wait for their supervisor; this waits for the state the caller asked for */
static gboolean
hermes_gateway_run_wait(HermesGatewayRun *run,
			guint timeout_ms,
			GCancellable *cancellable,
			GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	gulong pause_us = 5000;
	HermesGatewayState state = HERMES_GATEWAY_STATE_UNKNOWN;

	while (TRUE) {
		g_autoptr(HermesGatewayStatus) status = hermes_service_manager_get_status(
			run->self->manager, run->result->profile, cancellable, NULL);
		HermesTristate ready = HERMES_TRISTATE_UNKNOWN;
		if (status != NULL) {
			state = hermes_gateway_status_get_state(status);
			ready = hermes_gateway_status_get_ready(status);
		}
		if (run->result->action == HERMES_GATEWAY_ACTION_STOP
			    ? state == HERMES_GATEWAY_STATE_DOWN ||
				      state == HERMES_GATEWAY_STATE_FAILED ||
				      state == HERMES_GATEWAY_STATE_PARKED
			    : state == HERMES_GATEWAY_STATE_UP && ready != HERMES_TRISTATE_NO)
			return TRUE;
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return FALSE;
		if (g_get_monotonic_time() >= deadline)
			break;
		g_usleep(MIN(pause_us, (gulong)MAX(deadline - g_get_monotonic_time(), 1)));
		pause_us = MIN(pause_us * 2, 200000);
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_TIMED_OUT,
		    "%s gateway '%s': the supervisor took it, but the gateway is %s after %u ms",
		    run->verb,
		    run->result->profile,
		    hermes_gateway_state_to_string(state),
		    timeout_ms);
	return FALSE;
}

/* the supervisor refused: the intent goes back to what it was; takes @error_local */
static void
hermes_gateway_run_refused(HermesGatewayRun *run,
			   const gchar *previous,
			   const gchar *desired,
			   GError *error_local)
{
	g_autoptr(GError) error_restore = NULL;
	HermesGatewayIdentity saved;

	/* a marker left behind would turn the gateway's next, unplanned death into a stop */
	if (run->marked_pid > 0 && hermes_gateway_run_become(run, &saved, NULL)) {
		hermes_planned_stop_withdraw(run->home, run->marked_pid);
		hermes_gateway_identity_unbecome(&saved);
	}
	if (run->home != NULL && g_strcmp0(previous, desired) != 0 &&
	    !hermes_gateway_run_set_desired(run, NULL, previous, &error_restore))
		g_ptr_array_add(run->result->notes,
				g_strdup_printf("could not restore the desired state of '%s': %s",
						run->result->profile,
						error_restore->message));
	hermes_error_convert(&error_local);
	hermes_gateway_result_fail(run->result,
				   HERMES_GATEWAY_OUTCOME_REFUSED,
				   g_error_new(HERMES_ERROR,
					       error_local->code,
					       "%s gateway '%s' failed (backend %s, %s): %s",
					       run->verb,
					       run->result->profile,
					       hermes_service_manager_get_name(run->self->manager),
					       hermes_error_to_string(error_local->code),
					       error_local->message));
	g_error_free(error_local);
}

/* steps 3 to 7; the name is valid and the caller may act */
void
hermes_gateway_run_steps(HermesGatewayRun *run, guint timeout_ms, GCancellable *cancellable)
{
	HermesGatewayAction action = run->result->action;
	const gchar *desired = action == HERMES_GATEWAY_ACTION_STOP ? "stopped" : "running";
	g_autofree gchar *previous = NULL;
	GError *error_local = NULL;

	if (action != HERMES_GATEWAY_ACTION_STOP &&
	    !hermes_gateway_run_ensure_registered(run, &error_local)) {
		hermes_gateway_result_fail(
			run->result, HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED, error_local);
		return;
	}
	if (run->home != NULL) {
		if (!hermes_gateway_run_set_desired(run, &previous, desired, &error_local)) {
			hermes_error_convert(&error_local);
			hermes_gateway_result_fail(
				run->result,
				HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED,
				g_error_new(HERMES_ERROR,
					    error_local->code,
					    "%s gateway '%s' not attempted: cannot record the "
					    "desired state: %s",
					    run->verb,
					    run->result->profile,
					    error_local->message));
			g_error_free(error_local);
			return;
		}
	}
	if (action != HERMES_GATEWAY_ACTION_START)
		hermes_gateway_run_mark_planned_stop(run);
	if (!hermes_gateway_run_signal(run, cancellable, &error_local)) {
		hermes_gateway_run_refused(run, previous, desired, error_local);
		return;
	}
	/* the supervisor has the command: the intent stands, whatever the wait says */
	if (timeout_ms > 0 &&
	    !hermes_gateway_run_wait(run, timeout_ms, cancellable, &error_local)) {
		hermes_gateway_result_fail(
			run->result, HERMES_GATEWAY_OUTCOME_TIMED_OUT, error_local);
		return;
	}
	run->result->message = g_strdup_printf("%s gateway '%s' (backend %s)",
					       hermes_gateway_action_done[action],
					       run->result->profile,
					       hermes_service_manager_get_name(run->self->manager));
}

/* steps 1 and 2: the name, and whether the caller may act; FALSE when the
 * result already says why not */
gboolean
hermes_gateway_run_begin(HermesGatewayControl *self,
			 HermesGatewayAction action,
			 const gchar *profile,
			 HermesGatewayRun *run)
{
	g_autofree gchar *name = NULL;
	GError *error_local = NULL;

	*run = (HermesGatewayRun){self, NULL, hermes_gateway_action_verbs[action]};
	name = hermes_profile_name_normalize(profile, &error_local);
	run->result = hermes_gateway_result_new(action, name != NULL ? name : profile);
	if (name == NULL || !hermes_gateway_control_check_inside(self, action, &error_local) ||
	    !hermes_gateway_control_check_multiplex(self, action, name, &error_local)) {
		hermes_gateway_result_fail(
			run->result, HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED, error_local);
		return FALSE;
	}
	hermes_gateway_control_find_home(run);
	return TRUE;
}

/* frees what @run holds; returns its result */
HermesGatewayResult *
hermes_gateway_run_end(HermesGatewayRun *run)
{
	g_clear_pointer(&run->before, hermes_gateway_status_unref);
	g_clear_pointer(&run->home, g_free);
	return run->result;
}

/*
 * One action (or boot reconcile) per home at a time, from the intent it
 * reads to the state it waits for: racing starts and stops otherwise end in
 * a state nobody asked for last. The lock lives in the root's run/ and is
 * taken as the root's owner, so a root daemon leaves no root-owned file in
 * a user's tree, and a user's profile in root's tree takes root's lock.
 */
gboolean
hermes_gateway_control_lock(HermesGatewayControl *self, HermesHomeLock **lock, GError **error)
{
	g_autofree gchar *root = hermes_profile_get_root(self->ctx);
	g_autoptr(GError) error_local = NULL;
	HermesGatewayIdentity saved;
	gboolean as_owner = FALSE;
	GStatBuf st = {0};

	/* the lock orders commands and guards nothing: a fence does not queue for it */
	if ((self->flags & HERMES_GATEWAY_CONTROL_FLAG_UNORDERED) != 0) {
		*lock = NULL;
		return TRUE;
	}
#ifdef __linux__
	as_owner = (self->flags & HERMES_GATEWAY_CONTROL_FLAG_AS_HOME_OWNER) != 0 &&
		   geteuid() == 0 && g_stat(root, &st) == 0 && st.st_uid != 0;
#endif
	if (!hermes_gateway_identity_become(as_owner, st.st_uid, st.st_gid, &saved, error))
		return FALSE;
	*lock = hermes_home_lock_acquire(
		root, root, HERMES_HOME_LOCK_RECONCILE, HERMES_HOME_LOCK_WAIT_MS, &error_local);
	hermes_gateway_identity_unbecome(&saved);
	if (*lock != NULL)
		return TRUE;
	/*
	 * A member of a root tree's group may control its gateways but not
	 * create run/ or the lock in root's home: the supervisor's own
	 * permissions decide for it, unserialised (the lock orders commands,
	 * it guards nothing)
	 */
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED)) {
		g_debug("acting without the home lock: %s", error_local->message);
		return TRUE;
	}
	g_propagate_error(error, g_steal_pointer(&error_local));
	return FALSE;
}

/**
 * hermes_gateway_control_run:
 * @self: a #HermesGatewayControl
 * @action: what to do
 * @profile: the profile, as a person typed it (it is normalised)
 * @timeout_ms: 0 to return once the supervisor took the command (the
 *   backend's own wait), else how long to wait for the gateway to be up and
 *   not unready (start, restart) or down (stop)
 * @cancellable: (nullable): a #GCancellable
 *
 * Starts, stops or restarts the gateway of @profile, the same way for every
 * caller; see the description at the top of hermes-gateway-control.c. Blocks;
 * a daemon calls it from a worker thread.
 *
 * Returns: (transfer full): how it ended, never %NULL
 */
HermesGatewayResult *
hermes_gateway_control_run(HermesGatewayControl *self,
			   HermesGatewayAction action,
			   const gchar *profile,
			   guint timeout_ms,
			   GCancellable *cancellable)
{
	HermesGatewayRun run;
	g_autoptr(HermesHomeLock) lock = NULL;
	GError *error_local = NULL;

	g_return_val_if_fail(HERMES_IS_GATEWAY_CONTROL(self), NULL);
	g_return_val_if_fail(action <= HERMES_GATEWAY_ACTION_RESTART, NULL);
	g_return_val_if_fail(profile != NULL, NULL);

	if (!hermes_gateway_run_begin(self, action, profile, &run))
		return hermes_gateway_run_end(&run);
	if (run.home != NULL && !hermes_gateway_control_lock(self, &lock, &error_local)) {
		hermes_gateway_result_fail(
			run.result, HERMES_GATEWAY_OUTCOME_NOT_ATTEMPTED, error_local);
		return hermes_gateway_run_end(&run);
	}
	hermes_gateway_run_steps(&run, timeout_ms, cancellable);
	return hermes_gateway_run_end(&run);
}

/**
 * hermes_gateway_action_to_string:
 * @action: a #HermesGatewayAction
 * Returns: `start`, `stop` or `restart`
 */
const gchar *
hermes_gateway_action_to_string(HermesGatewayAction action)
{
	if ((guint)action >= G_N_ELEMENTS(hermes_gateway_action_verbs))
		return "unknown";
	return hermes_gateway_action_verbs[action];
}

/**
 * hermes_gateway_outcome_to_string:
 * @outcome: a #HermesGatewayOutcome
 * Returns: `done`, `not-attempted`, `refused` or `timed-out`
 */
const gchar *
hermes_gateway_outcome_to_string(HermesGatewayOutcome outcome)
{
	static const gchar *names[] = {"done", "not-attempted", "refused", "timed-out"};
	if ((guint)outcome >= G_N_ELEMENTS(names))
		return "unknown";
	return names[outcome];
}

/**
 * hermes_gateway_control_get_manager:
 * @self: a #HermesGatewayControl
 * Returns: (transfer none): the backend it drives
 */
HermesServiceManager *
hermes_gateway_control_get_manager(HermesGatewayControl *self)
{
	g_return_val_if_fail(HERMES_IS_GATEWAY_CONTROL(self), NULL);
	return self->manager;
}

/**
 * hermes_gateway_control_set_flags:
 * @self: a #HermesGatewayControl
 * @flags: how to write what is recorded
 *
 * Set before the first action; actions may run in other threads.
 */
void
hermes_gateway_control_set_flags(HermesGatewayControl *self, HermesGatewayControlFlags flags)
{
	g_return_if_fail(HERMES_IS_GATEWAY_CONTROL(self));
	self->flags = flags;
}

/**
 * hermes_gateway_control_new:
 * @manager: the backend, set up with its context
 *
 * Returns: (transfer full): a new control for the gateways of @manager
 */
HermesGatewayControl *
hermes_gateway_control_new(HermesServiceManager *manager)
{
	HermesGatewayControl *self;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	g_return_val_if_fail(hermes_service_manager_get_context(manager) != NULL, NULL);
	self = g_object_new(HERMES_TYPE_GATEWAY_CONTROL, NULL);
	self->manager = g_object_ref(manager);
	self->ctx = g_object_ref(hermes_service_manager_get_context(manager));
	return self;
}

static void
hermes_gateway_control_finalize(GObject *object)
{
	HermesGatewayControl *self = HERMES_GATEWAY_CONTROL(object);
	g_clear_object(&self->manager);
	g_clear_object(&self->ctx);
	G_OBJECT_CLASS(hermes_gateway_control_parent_class)->finalize(object);
}

static void
hermes_gateway_control_class_init(HermesGatewayControlClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_gateway_control_finalize;
}

static void
hermes_gateway_control_init(HermesGatewayControl *self)
{
}
