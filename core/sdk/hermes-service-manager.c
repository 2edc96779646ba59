/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-profile.h"
#include "hermes-service-manager.h"
#include "hermes-util.h"

G_DEFINE_INTERFACE(HermesServiceManager, hermes_service_manager, G_TYPE_OBJECT)

enum {
	SIGNAL_GATEWAY_CHANGED,
	SIGNAL_LAST
};
static guint hermes_service_manager_signals[SIGNAL_LAST] = {0};

static GQuark
hermes_service_manager_context_quark(void)
{
	return g_quark_from_static_string("hermes-service-manager-context");
}

static void
hermes_service_manager_default_init(HermesServiceManagerInterface *iface)
{
	/**
	 * HermesServiceManager::gateway-changed:
	 * @self: the manager
	 * @profile: the profile whose gateway changed
	 * @status: (nullable): its new status, %NULL when the gateway was unregistered
	 *
	 * Emitted by the backend when the supervisor reports a change, so
	 * status consumers never need to poll.
	 */
	hermes_service_manager_signals[SIGNAL_GATEWAY_CHANGED] =
		g_signal_new("gateway-changed",
			     G_TYPE_FROM_INTERFACE(iface),
			     G_SIGNAL_RUN_LAST,
			     0,
			     NULL,
			     NULL,
			     NULL,
			     G_TYPE_NONE,
			     2,
			     G_TYPE_STRING,
			     HERMES_TYPE_GATEWAY_STATUS);
}

static HermesServiceManagerInterface *
hermes_service_manager_iface(HermesServiceManager *self)
{
	return HERMES_SERVICE_MANAGER_GET_IFACE(self);
}

/* the common prologue of every per-profile call */
static gboolean
hermes_service_manager_check(const gchar *profile, GCancellable *cancellable, GError **error)
{
	if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
		hermes_error_convert(error);
		return FALSE;
	}
	return profile == NULL || hermes_profile_name_validate(profile, error);
}

static gboolean
hermes_service_manager_not_supported(HermesServiceManager *self, const gchar *what, GError **error)
{
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "the %s backend does not support %s",
		    hermes_service_manager_get_name(self),
		    what);
	return FALSE;
}

/* a backend must speak HERMES_ERROR and say why it failed; this keeps the
 * contract even if it does not */
static gboolean
hermes_service_manager_finish(HermesServiceManager *self, gboolean ret, GError **error)
{
	if (ret)
		return TRUE;
	if (error != NULL && *error == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_FAILED,
			    "the %s backend failed without saying why",
			    hermes_service_manager_get_name(self));
	}
	hermes_error_convert(error);
	return FALSE;
}

/**
 * hermes_service_manager_setup:
 * @self: a #HermesServiceManager
 * @ctx: the context the backend runs in
 * @error: return location for a #GError
 *
 * Called once by the loader right after construction.
 *
 * Returns: %TRUE if the backend is ready to use
 */
gboolean
hermes_service_manager_setup(HermesServiceManager *self, HermesContext *ctx, GError **error)
{
	HermesServiceManagerInterface *iface;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), FALSE);
	g_object_set_qdata_full(G_OBJECT(self),
				hermes_service_manager_context_quark(),
				g_object_ref(ctx),
				g_object_unref);
	iface = hermes_service_manager_iface(self);
	if (iface->setup == NULL)
		return TRUE;
	return hermes_service_manager_finish(self, iface->setup(self, ctx, error), error);
}

/**
 * hermes_service_manager_get_context:
 * @self: a #HermesServiceManager
 *
 * Returns: (transfer none) (nullable): the context given to setup
 */
HermesContext *
hermes_service_manager_get_context(HermesServiceManager *self)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	return g_object_get_qdata(G_OBJECT(self), hermes_service_manager_context_quark());
}

/**
 * hermes_service_manager_get_name:
 * @self: a #HermesServiceManager
 *
 * Returns: the backend name, e.g. `s6`
 */
const gchar *
hermes_service_manager_get_name(HermesServiceManager *self)
{
	HermesServiceManagerInterface *iface;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	iface = hermes_service_manager_iface(self);
	if (iface->get_name == NULL)
		return G_OBJECT_TYPE_NAME(self);
	return iface->get_name(self);
}

/* start, stop and restart share everything but the vfunc and the verb */
typedef gboolean (*HermesServiceManagerActionFunc)(HermesServiceManager *self,
						   const gchar *profile,
						   GCancellable *cancellable,
						   GError **error);

static gboolean
hermes_service_manager_action(HermesServiceManager *self,
			      HermesServiceManagerActionFunc func,
			      const gchar *verb,
			      const gchar *profile,
			      GCancellable *cancellable,
			      GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	g_return_val_if_fail(profile != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	if (!hermes_service_manager_check(profile, cancellable, error))
		return FALSE;
	if (func == NULL)
		return hermes_service_manager_not_supported(self, verb, error);
	return hermes_service_manager_finish(self, func(self, profile, cancellable, error), error);
}

/**
 * hermes_service_manager_start:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the supervisor has the gateway up
 */
gboolean
hermes_service_manager_start(HermesServiceManager *self,
			     const gchar *profile,
			     GCancellable *cancellable,
			     GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_action(self,
					     hermes_service_manager_iface(self)->start,
					     "start",
					     profile,
					     cancellable,
					     error);
}

/**
 * hermes_service_manager_stop:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE once the supervisor has the gateway down
 */
gboolean
hermes_service_manager_stop(HermesServiceManager *self,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_action(self,
					     hermes_service_manager_iface(self)->stop,
					     "stop",
					     profile,
					     cancellable,
					     error);
}

/**
 * hermes_service_manager_restart:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Restart converges to "up": a stopped gateway is started.
 *
 * Returns: %TRUE once a fresh gateway process runs
 */
gboolean
hermes_service_manager_restart(HermesServiceManager *self,
			       const gchar *profile,
			       GCancellable *cancellable,
			       GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_action(self,
					     hermes_service_manager_iface(self)->restart,
					     "restart",
					     profile,
					     cancellable,
					     error);
}

/**
 * hermes_service_manager_get_status:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the status, or %NULL with
 * %HERMES_ERROR_NOT_REGISTERED if the profile has no slot
 */
HermesGatewayStatus *
hermes_service_manager_get_status(HermesServiceManager *self,
				  const gchar *profile,
				  GCancellable *cancellable,
				  GError **error)
{
	HermesServiceManagerInterface *iface;
	HermesGatewayStatus *status;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	g_return_val_if_fail(profile != NULL, NULL);
	if (!hermes_service_manager_check(profile, cancellable, error))
		return NULL;
	iface = hermes_service_manager_iface(self);
	if (iface->get_status == NULL) {
		hermes_service_manager_not_supported(self, "status", error);
		return NULL;
	}
	status = iface->get_status(self, profile, cancellable, error);
	hermes_service_manager_finish(self, status != NULL, error);
	return status;
}

/**
 * hermes_service_manager_get_log_source:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @error: return location for a #GError
 *
 * Where the gateway's log is kept; core reads it (`hermes gateway logs`).
 * A backend built before ABI 1.1 leaves this out: its logs are not supported.
 *
 * Returns: (transfer full) (nullable): the log's source
 */
HermesLogSource *
hermes_service_manager_get_log_source(HermesServiceManager *self,
				      const gchar *profile,
				      GError **error)
{
	HermesServiceManagerInterface *iface;
	HermesLogSource *source;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	g_return_val_if_fail(profile != NULL, NULL);
	if (!hermes_service_manager_check(profile, NULL, error))
		return NULL;
	iface = hermes_service_manager_iface(self);
	if (iface->get_log_source == NULL) {
		hermes_service_manager_not_supported(self, "logs", error);
		return NULL;
	}
	source = iface->get_log_source(self, profile, error);
	hermes_service_manager_finish(self, source != NULL, error);
	return source;
}

/**
 * hermes_service_manager_set_companion:
 * @self: a #HermesServiceManager
 * @name: the companion's name: lowercase letters, digits and dashes (`dashboard`)
 * @argv: (array zero-terminated=1) (nullable): the command it runs; %NULL to
 *   stop it and remove it (nothing there is no error)
 * @envp: (array zero-terminated=1) (nullable): `NAME=value` pairs it runs
 *   with, beside `HERMES_HOME` (which the backend gives every slot)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Supervises one of hermes-svc's own programs beside the gateways, restarted
 * when it dies, never listed, started or counted as a gateway. Registering
 * what is already there unchanged changes nothing.
 *
 * Returns: %TRUE on success; %HERMES_ERROR_NOT_SUPPORTED when the backend
 *   cannot (it has no @set_companion)
 */
gboolean
hermes_service_manager_set_companion(HermesServiceManager *self,
				     const gchar *name,
				     const gchar *const *argv,
				     const gchar *const *envp,
				     GCancellable *cancellable,
				     GError **error)
{
	HermesServiceManagerInterface *iface;
	gboolean ok;

	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	g_return_val_if_fail(name != NULL, FALSE);
	g_return_val_if_fail(argv == NULL || argv[0] != NULL, FALSE);
	for (const gchar *c = name; *c != '\0'; c++) {
		if (!g_ascii_islower(*c) && !g_ascii_isdigit(*c) && *c != '-') {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "'%s' is not a companion name (lowercase letters, digits, '-')",
				    name);
			return FALSE;
		}
	}
	if (!hermes_service_manager_check(NULL, cancellable, error))
		return FALSE;
	iface = hermes_service_manager_iface(self);
	if (iface->set_companion == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_SUPPORTED,
			    "the %s backend cannot supervise hermes-svc's %s",
			    hermes_service_manager_get_name(self),
			    name);
		return FALSE;
	}
	ok = iface->set_companion(self, name, argv, envp, cancellable, error);
	hermes_service_manager_finish(self, ok, error);
	return ok;
}

/**
 * hermes_service_manager_doctor:
 * @self: a #HermesServiceManager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The backend's own checks for `hermes doctor` (the supervisor's control
 * files, its environment, linger…). A backend built before ABI 1.2, or
 * one without checks of its own, has none: an empty array.
 *
 * Returns: (transfer container) (element-type HermesDoctorFinding) (nullable):
 *   the findings, %NULL on error
 */
GPtrArray *
hermes_service_manager_doctor(HermesServiceManager *self, GCancellable *cancellable, GError **error)
{
	HermesServiceManagerInterface *iface;
	GPtrArray *findings;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	if (!hermes_service_manager_check(NULL, cancellable, error))
		return NULL;
	iface = hermes_service_manager_iface(self);
	if (iface->doctor == NULL)
		return g_ptr_array_new_with_free_func((GDestroyNotify)hermes_doctor_finding_unref);
	findings = iface->doctor(self, cancellable, error);
	hermes_service_manager_finish(self, findings != NULL, error);
	return findings;
}

/**
 * hermes_service_manager_list_gateways:
 * @self: a #HermesServiceManager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the sorted profile names that have a slot
 */
GStrv
hermes_service_manager_list_gateways(HermesServiceManager *self,
				     GCancellable *cancellable,
				     GError **error)
{
	HermesServiceManagerInterface *iface;
	GStrv names;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	if (!hermes_service_manager_check(NULL, cancellable, error))
		return NULL;
	iface = hermes_service_manager_iface(self);
	if (iface->list_gateways == NULL)
		return g_new0(gchar *, 1);
	names = iface->list_gateways(self, cancellable, error);
	if (!hermes_service_manager_finish(self, names != NULL, error))
		return NULL;
	hermes_strv_sort(names);
	return names;
}

/* register and install share everything but the vfunc and the verb */
typedef gboolean (*HermesServiceManagerSpecFunc)(HermesServiceManager *self,
						 HermesGatewaySpec *spec,
						 HermesRegisterFlags flags,
						 GCancellable *cancellable,
						 GError **error);

static gboolean
hermes_service_manager_apply_spec(HermesServiceManager *self,
				  HermesServiceManagerSpecFunc func,
				  const gchar *verb,
				  HermesGatewaySpec *spec,
				  HermesRegisterFlags flags,
				  GCancellable *cancellable,
				  GError **error)
{
	g_return_val_if_fail(spec != NULL, FALSE);
	g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
	if (!hermes_service_manager_check(
		    hermes_gateway_spec_get_profile(spec), cancellable, error))
		return FALSE;
	if (func == NULL)
		return hermes_service_manager_not_supported(self, verb, error);
	return hermes_service_manager_finish(
		self, func(self, spec, flags, cancellable, error), error);
}

/**
 * hermes_service_manager_register_gateway:
 * @self: a #HermesServiceManager
 * @spec: what to supervise
 * @flags: #HermesRegisterFlags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success; %HERMES_ERROR_ALREADY_EXISTS if a slot exists
 */
gboolean
hermes_service_manager_register_gateway(HermesServiceManager *self,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_apply_spec(
		self,
		hermes_service_manager_iface(self)->register_gateway,
		"runtime gateway registration",
		spec,
		flags,
		cancellable,
		error);
}

/**
 * hermes_service_manager_unregister_gateway:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE once no slot is left (an absent slot is success)
 */
gboolean
hermes_service_manager_unregister_gateway(HermesServiceManager *self,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_action(self,
					     hermes_service_manager_iface(self)->unregister_gateway,
					     "runtime gateway unregistration",
					     profile,
					     cancellable,
					     error);
}

/**
 * hermes_service_manager_supports_registration:
 * @self: a #HermesServiceManager
 *
 * Returns: %TRUE if slots can be registered at run time
 */
gboolean
hermes_service_manager_supports_registration(HermesServiceManager *self)
{
	HermesServiceManagerInterface *iface;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	iface = hermes_service_manager_iface(self);
	if (iface->supports_registration == NULL)
		return iface->register_gateway != NULL;
	return iface->supports_registration(self);
}

/**
 * hermes_service_manager_install:
 * @self: a #HermesServiceManager
 * @spec: what to supervise
 * @flags: #HermesRegisterFlags
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_service_manager_install(HermesServiceManager *self,
			       HermesGatewaySpec *spec,
			       HermesRegisterFlags flags,
			       GCancellable *cancellable,
			       GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_apply_spec(self,
						 hermes_service_manager_iface(self)->install,
						 "install",
						 spec,
						 flags,
						 cancellable,
						 error);
}

/**
 * hermes_service_manager_uninstall:
 * @self: a #HermesServiceManager
 * @profile: a profile name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_service_manager_uninstall(HermesServiceManager *self,
				 const gchar *profile,
				 GCancellable *cancellable,
				 GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_action(self,
					     hermes_service_manager_iface(self)->uninstall,
					     "uninstall",
					     profile,
					     cancellable,
					     error);
}

/**
 * hermes_service_manager_render:
 * @self: a #HermesServiceManager
 * @spec: what to supervise
 * @error: return location for a #GError
 *
 * Returns exactly what install/register would write or run, without doing it.
 *
 * Returns: (transfer container) (element-type HermesRenderStep) (nullable): the steps
 */
GPtrArray *
hermes_service_manager_render(HermesServiceManager *self, HermesGatewaySpec *spec, GError **error)
{
	HermesServiceManagerInterface *iface;
	GPtrArray *steps;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	g_return_val_if_fail(spec != NULL, NULL);
	iface = hermes_service_manager_iface(self);
	if (iface->render == NULL) {
		hermes_service_manager_not_supported(self, "render", error);
		return NULL;
	}
	steps = iface->render(self, spec, error);
	hermes_service_manager_finish(self, steps != NULL, error);
	return steps;
}

/**
 * hermes_service_manager_get_mode:
 * @self: a #HermesServiceManager
 *
 * Returns: how the backend supervises here (`container`, `embedded`,
 * `user`, `system` …), `host` if the backend does not say
 */
const gchar *
hermes_service_manager_get_mode(HermesServiceManager *self)
{
	HermesServiceManagerInterface *iface;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), NULL);
	iface = hermes_service_manager_iface(self);
	if (iface->get_mode == NULL)
		return "host";
	return iface->get_mode(self);
}

/* supervisor start and stop share everything but the vfunc and the verb */
typedef gboolean (*HermesServiceManagerSupervisorFunc)(HermesServiceManager *self,
						       GCancellable *cancellable,
						       GError **error);

static gboolean
hermes_service_manager_supervisor_action(HermesServiceManager *self,
					 HermesServiceManagerSupervisorFunc func,
					 const gchar *verb,
					 GCancellable *cancellable,
					 GError **error)
{
	if (!hermes_service_manager_check(NULL, cancellable, error))
		return FALSE;
	if (func == NULL)
		return hermes_service_manager_not_supported(self, verb, error);
	return hermes_service_manager_finish(self, func(self, cancellable, error), error);
}

/**
 * hermes_service_manager_supervisor_start:
 * @self: a #HermesServiceManager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Starts the supervisor hermes-svc runs itself (the embedded s6 tree).
 * Succeeds at once if it already runs. Backends whose supervisor is the
 * operating system report %HERMES_ERROR_NOT_SUPPORTED.
 *
 * Returns: %TRUE once the supervisor accepts commands
 */
gboolean
hermes_service_manager_supervisor_start(HermesServiceManager *self,
					GCancellable *cancellable,
					GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_supervisor_action(
		self,
		hermes_service_manager_iface(self)->supervisor_start,
		"starting its own supervisor",
		cancellable,
		error);
}

/**
 * hermes_service_manager_supervisor_stop:
 * @self: a #HermesServiceManager
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Stops every gateway cleanly, then the supervisor; nothing is left running.
 *
 * Returns: %TRUE once the supervisor is gone
 */
gboolean
hermes_service_manager_supervisor_stop(HermesServiceManager *self,
				       GCancellable *cancellable,
				       GError **error)
{
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	return hermes_service_manager_supervisor_action(
		self,
		hermes_service_manager_iface(self)->supervisor_stop,
		"stopping its own supervisor",
		cancellable,
		error);
}

/**
 * hermes_service_manager_supervisor_status:
 * @self: a #HermesServiceManager
 * @running: (out) (optional): whether the supervisor runs
 * @pid: (out) (optional): its pid, -1 if unknown
 * @detail: (out) (optional) (transfer full): one line, e.g. the scan directory
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the state could be determined
 */
gboolean
hermes_service_manager_supervisor_status(HermesServiceManager *self,
					 gboolean *running,
					 gint64 *pid,
					 gchar **detail,
					 GCancellable *cancellable,
					 GError **error)
{
	HermesServiceManagerInterface *iface;
	gboolean running_local = FALSE;
	gint64 pid_local = -1;
	g_autofree gchar *detail_local = NULL;

	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(self), FALSE);
	if (!hermes_service_manager_check(NULL, cancellable, error))
		return FALSE;
	iface = hermes_service_manager_iface(self);
	if (iface->supervisor_status == NULL)
		return hermes_service_manager_not_supported(self, "supervisor status", error);
	if (!hermes_service_manager_finish(
		    self,
		    iface->supervisor_status(
			    self, &running_local, &pid_local, &detail_local, cancellable, error),
		    error))
		return FALSE;
	if (running != NULL)
		*running = running_local;
	if (pid != NULL)
		*pid = pid_local;
	if (detail != NULL)
		*detail = g_steal_pointer(&detail_local);
	return TRUE;
}

/**
 * hermes_service_manager_emit_gateway_changed:
 * @self: a #HermesServiceManager
 * @profile: the profile whose gateway changed
 * @status: (nullable): the new status, %NULL if it was unregistered
 *
 * For backends: report a change the supervisor announced.
 */
void
hermes_service_manager_emit_gateway_changed(HermesServiceManager *self,
					    const gchar *profile,
					    HermesGatewayStatus *status)
{
	g_return_if_fail(HERMES_IS_SERVICE_MANAGER(self));
	g_return_if_fail(profile != NULL);
	g_signal_emit(
		self, hermes_service_manager_signals[SIGNAL_GATEWAY_CHANGED], 0, profile, status);
}
