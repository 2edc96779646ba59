/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The status service's Start, Stop and Restart, from the bus and from the
 * daemon's other doors: who may ask (root or the owner of the profile's
 * home, by the caller's uid from the bus), one action at a time in a worker
 * thread through HermesGatewayControl, and the few re-reads of the row
 * afterwards that a supervisor's silence needs.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-gateway-control.h"
#include "hermes-gateway-report.h"
#include "hermes-profile.h"
#include "hermes-status-service-private.h"
#include "hermes-status-service.h"

static void
hermes_status_action_free(HermesStatusAction *action)
{
	g_clear_object(&action->task);
	g_object_unref(action->self);
	g_free(action->profile);
	g_free(action);
}

/* the caller of a control method must be root or own the profile's home */
static gboolean
hermes_status_service_check_home(HermesStatusService *self,
				 guint32 uid,
				 const gchar *profile,
				 GError **error)
{
	g_autofree gchar *home = NULL;
	g_autofree gchar *name = hermes_profile_name_normalize(profile, error);
	GStatBuf st;

	if (name == NULL)
		return FALSE;
	profile = name;
	home = hermes_status_service_home(self, profile);
	if (home != NULL && g_stat(home, &st) == 0) {
		if (uid == 0 || uid == st.st_uid)
			return TRUE;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "uid %u may not control gateway '%s': its home %s belongs to uid %u",
			    uid,
			    profile,
			    home,
			    (guint)st.st_uid);
		return FALSE;
	}
	if (uid == 0)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_PERMISSION_DENIED,
		    "uid %u may not control gateway '%s': it has no home, so only root may",
		    uid,
		    profile);
	return FALSE;
}

/**
 * hermes_status_service_check_caller:
 * @self: a #HermesStatusService
 * @uid: the caller's uid, as the bus reports it
 * @profile: the gateway's profile
 * @error: return location for a #GError
 *
 * The access rule of Start, Stop and Restart: root may control every
 * gateway, anyone else only those whose profile home they own.
 *
 * Returns: %TRUE if @uid may control the gateway of @profile, else
 *   %FALSE with %HERMES_ERROR_PERMISSION_DENIED
 */
gboolean
hermes_status_service_check_caller(HermesStatusService *self,
				   guint32 uid,
				   const gchar *profile,
				   GError **error)
{
	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(self), FALSE);
	g_return_val_if_fail(profile != NULL, FALSE);
	return hermes_status_service_check_home(self, uid, profile, error);
}

/* everything about the action is HermesGatewayControl's, as for `hermes gateway <verb>` */
static void
hermes_status_action_thread(GTask *task,
			    gpointer source_object,
			    gpointer task_data,
			    GCancellable *cancellable)
{
	HermesStatusAction *action = task_data;
	g_autoptr(HermesGatewayResult) result = hermes_gateway_control_run(
		action->self->control, action->verb, action->profile, 0, cancellable);
	GError *error = NULL;
	const gchar *const *notes = hermes_gateway_result_get_notes(result);

	for (guint i = 0; notes[i] != NULL; i++)
		g_debug("%s", notes[i]);
	if (!hermes_gateway_result_propagate_error(result, &error)) {
		g_task_return_error(task, error);
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/*
 * A supervisor need not announce everything: s6 sends no event when a
 * command only changes what it wants (a stop between a crash and the
 * throttled respawn), and a backend may return before the supervisor has
 * taken the command in. So after an action of ours, and only then, the
 * status is read again a few times until the supervisor wants what was
 * asked; an idle service still has no timer.
 */
static const guint hermes_status_settle_ms[] = {10, 50, 200, 1000, 3000};

typedef struct {
	HermesStatusService *self; /* not a reference: the sources go in unexport */
	gchar *profile;
	HermesGatewayWanted wanted;
	guint step;
	GSource *source;
} HermesStatusSettle;

void
hermes_status_settle_free(gpointer data)
{
	HermesStatusSettle *settle = data;
	if (settle->source != NULL) {
		g_source_destroy(settle->source);
		g_source_unref(settle->source);
	}
	g_free(settle->profile);
	g_free(settle);
}

static void
hermes_status_service_settle_schedule(HermesStatusSettle *settle);

static gboolean
hermes_status_service_settle_cb(gpointer user_data)
{
	HermesStatusSettle *settle = user_data;
	HermesStatusService *self = settle->self;
	g_autoptr(HermesGatewayStatus) status =
		hermes_service_manager_get_status(self->manager, settle->profile, NULL, NULL);
	g_clear_pointer(&settle->source, g_source_unref);
	hermes_status_service_refresh(self, settle->profile, status);
	if (status != NULL && hermes_gateway_status_get_wanted(status) != settle->wanted &&
	    ++settle->step < G_N_ELEMENTS(hermes_status_settle_ms))
		hermes_status_service_settle_schedule(settle);
	else
		g_ptr_array_remove_fast(self->settles, settle);
	return G_SOURCE_REMOVE;
}

static void
hermes_status_service_settle_schedule(HermesStatusSettle *settle)
{
	GSource *source = g_timeout_source_new(hermes_status_settle_ms[settle->step]);
	settle->source = source;
	g_source_set_callback(source, hermes_status_service_settle_cb, settle, NULL);
	g_source_set_name(source, "hermes-status-settle");
	g_source_attach(source, settle->self->context);
}

static void
hermes_status_service_settle(HermesStatusService *self,
			     const gchar *profile,
			     HermesGatewayWanted wanted)
{
	HermesStatusSettle *settle = g_new0(HermesStatusSettle, 1);
	settle->self = self;
	settle->profile = g_strdup(profile);
	settle->wanted = wanted;
	g_ptr_array_add(self->settles, settle);
	hermes_status_service_settle_schedule(settle);
}

static void
hermes_status_action_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	HermesStatusAction *action = user_data;
	HermesStatusService *self = action->self;
	g_autoptr(GError) error = NULL;
	gboolean ok = g_task_propagate_boolean(G_TASK(result), &error);

	if (ok) {
		if (action->task != NULL)
			g_task_return_boolean(action->task, TRUE);
		else
			g_dbus_method_invocation_return_value(action->invocation, NULL);
	} else {
		hermes_error_convert(&error);
		if (action->task != NULL)
			g_task_return_error(action->task, g_steal_pointer(&error));
		else
			g_dbus_method_invocation_return_gerror(action->invocation, error);
	}
	/* the intent changed even where the supervisor had nothing to report */
	if (!self->closing) {
		hermes_status_service_refresh(self, action->profile, NULL);
		if (ok)
			hermes_status_service_settle(self,
						     action->profile,
						     action->verb == HERMES_GATEWAY_ACTION_STOP
							     ? HERMES_GATEWAY_WANTED_DOWN
							     : HERMES_GATEWAY_WANTED_UP);
	}
	self->running = NULL;
	hermes_status_action_free(action);
	hermes_status_service_run_next(self);
}

void
hermes_status_service_run_next(HermesStatusService *self)
{
	g_autoptr(GTask) task = NULL;
	HermesStatusAction *action;
	if (self->running != NULL)
		return;
	action = g_queue_pop_head(&self->queue);
	if (action == NULL)
		return;
	self->running = action;
	/* never cancelled: once the supervisor has the command, the intent must match it */
	task = g_task_new(self, NULL, hermes_status_action_done_cb, action);
	g_task_set_source_tag(task, hermes_status_service_run_next);
	g_task_set_task_data(task, action, NULL);
	g_task_run_in_thread(task, hermes_status_action_thread);
}

static void
hermes_status_action_deny(HermesStatusAction *action, const gchar *message)
{
	g_dbus_method_invocation_return_dbus_error(
		action->invocation, "org.freedesktop.DBus.Error.AccessDenied", message);
	hermes_status_action_free(action);
}

/* the service is going away: the action is answered, not run */
void
hermes_status_action_shut_down(HermesStatusAction *action)
{
	if (action->task != NULL)
		g_task_return_new_error(action->task,
					HERMES_ERROR,
					HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
					"hermes-svcd is shutting down");
	else
		g_dbus_method_invocation_return_dbus_error(action->invocation,
							   "org.freedesktop.DBus.Error.NoServer",
							   "hermes-svcd is shutting down");
	hermes_status_action_free(action);
}

static void
hermes_status_service_authorize(HermesStatusAction *action, guint32 uid)
{
	HermesStatusService *self = action->self;
	g_autoptr(GError) error = NULL;
	if (self->closing || self->root == NULL) {
		hermes_status_action_shut_down(action);
		return;
	}
	if (!hermes_status_service_check_home(self, uid, action->profile, &error)) {
		g_debug("denied %s of '%s': %s",
			hermes_gateway_action_to_string(action->verb),
			action->profile,
			error->message);
		hermes_status_action_deny(action, error->message);
		return;
	}
	g_queue_push_tail(&self->queue, action);
	hermes_status_service_run_next(self);
}

static void
hermes_status_service_caller_uid_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	HermesStatusAction *action = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
		g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);
	guint32 uid;

	action->self->lookups--;
	if (reply == NULL) {
		g_autofree gchar *message =
			g_strdup_printf("cannot tell who is calling: %s", error->message);
		hermes_status_action_deny(action, message);
		return;
	}
	g_variant_get(reply, "(u)", &uid);
	hermes_status_service_authorize(action, uid);
}

/*
 * Start, Stop or Restart of the gateway of @profile from the bus
 * (hermes-status-bus.c): @invocation (taken) is answered once the caller
 * is known to be allowed and the action has run, or at once with why not.
 */
void
hermes_status_service_handle_action(HermesStatusService *self,
				    GDBusMethodInvocation *invocation,
				    HermesGatewayAction verb,
				    const gchar *profile)
{
	HermesStatusAction *action = g_new0(HermesStatusAction, 1);
	GDBusConnection *connection = g_dbus_method_invocation_get_connection(invocation);
	const gchar *sender = g_dbus_method_invocation_get_sender(invocation);

	action->self = g_object_ref(self);
	action->invocation = invocation;
	action->verb = verb;
	action->profile = g_strdup(profile);
	if (sender == NULL) {
		/* a peer-to-peer connection: the peer is the caller */
		GCredentials *credentials = g_dbus_connection_get_peer_credentials(connection);
		g_autoptr(GError) error = NULL;
		uid_t uid = credentials != NULL ? g_credentials_get_unix_user(credentials, &error)
						: (uid_t)-1;
		if (uid == (uid_t)-1) {
			hermes_status_action_deny(action, "cannot tell who is calling");
			return;
		}
		hermes_status_service_authorize(action, uid);
		return;
	}
	/* the bus vouches for the sender's uid; asked without blocking the service */
	self->lookups++;
	g_dbus_connection_call(connection,
			       "org.freedesktop.DBus",
			       "/org/freedesktop/DBus",
			       "org.freedesktop.DBus",
			       "GetConnectionUnixUser",
			       g_variant_new("(s)", sender),
			       G_VARIANT_TYPE("(u)"),
			       G_DBUS_CALL_FLAGS_NONE,
			       -1,
			       NULL,
			       hermes_status_service_caller_uid_cb,
			       action);
}

/**
 * hermes_status_service_act_async:
 * @self: a #HermesStatusService
 * @verb: start, stop or restart
 * @profile: the gateway's profile
 * @callback: called on the service's main context when the action is done
 * @user_data: for @callback
 *
 * The Start, Stop and Restart of the bus for another door whose caller is
 * already authorized (the web dashboard's token holder): queued with the
 * bus's actions, run one at a time in the worker through
 * HermesGatewayControl, followed by the same re-reads of the row.
 */
void
hermes_status_service_act_async(HermesStatusService *self,
				HermesGatewayAction verb,
				const gchar *profile,
				GAsyncReadyCallback callback,
				gpointer user_data)
{
	HermesStatusAction *action;
	g_return_if_fail(HERMES_IS_STATUS_SERVICE(self));
	g_return_if_fail(profile != NULL);
	action = g_new0(HermesStatusAction, 1);
	action->self = g_object_ref(self);
	action->verb = verb;
	action->profile = g_strdup(profile);
	action->task = g_task_new(self, NULL, callback, user_data);
	g_task_set_source_tag(action->task, hermes_status_service_act_async);
	if (self->closing || self->root == NULL) {
		hermes_status_action_shut_down(action);
		return;
	}
	g_queue_push_tail(&self->queue, action);
	hermes_status_service_run_next(self);
}

/**
 * hermes_status_service_act_finish:
 * @self: a #HermesStatusService
 * @result: the result given to the callback
 * @error: return location for a #GError (a %HERMES_ERROR)
 *
 * Returns: %TRUE if the action succeeded
 */
gboolean
hermes_status_service_act_finish(HermesStatusService *self, GAsyncResult *result, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(result, self), FALSE);
	return g_task_propagate_boolean(G_TASK(result), error);
}
