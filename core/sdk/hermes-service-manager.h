/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

#include "hermes-context.h"
#include "hermes-doctor-finding.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-status.h"
#include "hermes-log-source.h"
#include "hermes-render-step.h"

G_BEGIN_DECLS

/**
 * HermesRegisterFlags:
 * @HERMES_REGISTER_FLAG_NONE: register the gateway stopped
 * @HERMES_REGISTER_FLAG_START: start it once registered
 * @HERMES_REGISTER_FLAG_ENABLE: start it at boot
 * @HERMES_REGISTER_FLAG_REPLACE: update an existing, different registration in place
 * @HERMES_REGISTER_FLAG_NO_RESCAN: do not ask the supervisor to pick the slot up now
 *   (batch registration, or boot, where the supervisor scans afterwards)
 */
typedef enum /*< flags >*/ {
	HERMES_REGISTER_FLAG_NONE = 0,
	HERMES_REGISTER_FLAG_START = 1 << 0,
	HERMES_REGISTER_FLAG_ENABLE = 1 << 1,
	HERMES_REGISTER_FLAG_REPLACE = 1 << 2,
	HERMES_REGISTER_FLAG_NO_RESCAN = 1 << 3,
} HermesRegisterFlags;

#define HERMES_TYPE_SERVICE_MANAGER (hermes_service_manager_get_type())
G_DECLARE_INTERFACE(HermesServiceManager, hermes_service_manager, HERMES, SERVICE_MANAGER, GObject)

/**
 * HermesServiceManagerInterface:
 * @g_iface: the parent interface
 * @setup: optional; called once by the loader with the context before first use
 * @get_name: the backend name, e.g. `s6`
 * @start: bring the profile's gateway up
 * @stop: bring it down
 * @restart: converge to up through a fresh process (a stopped gateway is started)
 * @get_status: the supervisor's view of one gateway
 * @list_gateways: the profiles that have a slot/unit
 * @register_gateway: create the slot/unit for a spec
 * @unregister_gateway: remove it (absent is not an error)
 * @supports_registration: whether register/unregister work at run time
 * @install: make the gateway persistent on this host (unit files, plists, tasks)
 * @uninstall: undo @install
 * @render: the exact files and commands @install/@register would write or run
 * @get_mode: how the supervisor runs (`embedded`, `overlay`, `user`…)
 * @supervisor_start: start the supervisor hermes-svc runs itself
 * @supervisor_stop: stop it
 * @supervisor_status: whether the supervisor runs, its pid and a line about it
 * @get_log_source: where a gateway's log is (ABI 1.1)
 * @doctor: the backend's own checks for `hermes doctor`, as
 *   #HermesDoctorFinding (ABI 1.2; optional)
 * @set_companion: supervise one of hermes-svc's own programs beside the
 *   gateways (the web dashboard of `HERMES_DASHBOARD=1`), or with a %NULL
 *   argv stop and remove it (ABI 1.3; optional)
 *
 * Every backend implements this. The public wrappers validate profile
 * names, check the cancellable and convert errors, so a vfunc receives
 * only valid names and must return only %HERMES_ERROR codes.
 */
struct _HermesServiceManagerInterface {
	GTypeInterface g_iface;

	gboolean (*setup)(HermesServiceManager *self, HermesContext *ctx, GError **error);
	const gchar *(*get_name)(HermesServiceManager *self);
	gboolean (*start)(HermesServiceManager *self,
			  const gchar *profile,
			  GCancellable *cancellable,
			  GError **error);
	gboolean (*stop)(HermesServiceManager *self,
			 const gchar *profile,
			 GCancellable *cancellable,
			 GError **error);
	gboolean (*restart)(HermesServiceManager *self,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error);
	HermesGatewayStatus *(*get_status)(HermesServiceManager *self,
					   const gchar *profile,
					   GCancellable *cancellable,
					   GError **error);
	GStrv (*list_gateways)(HermesServiceManager *self,
			       GCancellable *cancellable,
			       GError **error);
	gboolean (*register_gateway)(HermesServiceManager *self,
				     HermesGatewaySpec *spec,
				     HermesRegisterFlags flags,
				     GCancellable *cancellable,
				     GError **error);
	gboolean (*unregister_gateway)(HermesServiceManager *self,
				       const gchar *profile,
				       GCancellable *cancellable,
				       GError **error);
	gboolean (*supports_registration)(HermesServiceManager *self);
	gboolean (*install)(HermesServiceManager *self,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GCancellable *cancellable,
			    GError **error);
	gboolean (*uninstall)(HermesServiceManager *self,
			      const gchar *profile,
			      GCancellable *cancellable,
			      GError **error);
	GPtrArray *(*render)(HermesServiceManager *self, HermesGatewaySpec *spec, GError **error);
	const gchar *(*get_mode)(HermesServiceManager *self);
	gboolean (*supervisor_start)(HermesServiceManager *self,
				     GCancellable *cancellable,
				     GError **error);
	gboolean (*supervisor_stop)(HermesServiceManager *self,
				    GCancellable *cancellable,
				    GError **error);
	gboolean (*supervisor_status)(HermesServiceManager *self,
				      gboolean *running,
				      gint64 *pid,
				      gchar **detail,
				      GCancellable *cancellable,
				      GError **error);
	/* ABI 1.1: taken from the padding */
	HermesLogSource *(*get_log_source)(HermesServiceManager *self,
					   const gchar *profile,
					   GError **error);

	/* ABI 1.2 */
	GPtrArray *(*doctor)(HermesServiceManager *self, GCancellable *cancellable, GError **error);
	/* ABI 1.3 */
	gboolean (*set_companion)(HermesServiceManager *self,
				  const gchar *name,
				  const gchar *const *argv,
				  const gchar *const *envp,
				  GCancellable *cancellable,
				  GError **error);
	/*< private >*/
	gpointer padding[5];
};

gboolean
hermes_service_manager_setup(HermesServiceManager *self, HermesContext *ctx, GError **error);
gboolean
hermes_service_manager_set_companion(HermesServiceManager *self,
				     const gchar *name,
				     const gchar *const *argv,
				     const gchar *const *envp,
				     GCancellable *cancellable,
				     GError **error);
HermesContext *
hermes_service_manager_get_context(HermesServiceManager *self);
const gchar *
hermes_service_manager_get_name(HermesServiceManager *self);
gboolean
hermes_service_manager_start(HermesServiceManager *self,
			     const gchar *profile,
			     GCancellable *cancellable,
			     GError **error);
gboolean
hermes_service_manager_stop(HermesServiceManager *self,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error);
gboolean
hermes_service_manager_restart(HermesServiceManager *self,
			       const gchar *profile,
			       GCancellable *cancellable,
			       GError **error);
HermesGatewayStatus *
hermes_service_manager_get_status(HermesServiceManager *self,
				  const gchar *profile,
				  GCancellable *cancellable,
				  GError **error);
GStrv
hermes_service_manager_list_gateways(HermesServiceManager *self,
				     GCancellable *cancellable,
				     GError **error);
gboolean
hermes_service_manager_register_gateway(HermesServiceManager *self,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error);
gboolean
hermes_service_manager_unregister_gateway(HermesServiceManager *self,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error);
gboolean
hermes_service_manager_supports_registration(HermesServiceManager *self);
gboolean
hermes_service_manager_install(HermesServiceManager *self,
			       HermesGatewaySpec *spec,
			       HermesRegisterFlags flags,
			       GCancellable *cancellable,
			       GError **error);
gboolean
hermes_service_manager_uninstall(HermesServiceManager *self,
				 const gchar *profile,
				 GCancellable *cancellable,
				 GError **error);
GPtrArray *
hermes_service_manager_render(HermesServiceManager *self, HermesGatewaySpec *spec, GError **error);
const gchar *
hermes_service_manager_get_mode(HermesServiceManager *self);
gboolean
hermes_service_manager_supervisor_start(HermesServiceManager *self,
					GCancellable *cancellable,
					GError **error);
gboolean
hermes_service_manager_supervisor_stop(HermesServiceManager *self,
				       GCancellable *cancellable,
				       GError **error);
gboolean
hermes_service_manager_supervisor_status(HermesServiceManager *self,
					 gboolean *running,
					 gint64 *pid,
					 gchar **detail,
					 GCancellable *cancellable,
					 GError **error);
HermesLogSource *
hermes_service_manager_get_log_source(HermesServiceManager *self,
				      const gchar *profile,
				      GError **error);
GPtrArray *
hermes_service_manager_doctor(HermesServiceManager *self,
			      GCancellable *cancellable,
			      GError **error);
void
hermes_service_manager_emit_gateway_changed(HermesServiceManager *self,
					    const gchar *profile,
					    HermesGatewayStatus *status);

G_END_DECLS
