/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* shared by the files of the systemd backend's module; never installed */

#include "hermes-systemd-bus.h"
#include "hermes-systemd-render.h"
#include "hermes-systemd-status.h"

G_BEGIN_DECLS

#define HERMES_TYPE_SYSTEMD_MANAGER (hermes_systemd_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesSystemdManager, hermes_systemd_manager, HERMES, SYSTEMD_MANAGER, GObject)

struct _HermesSystemdManager {
	GObject parent_instance;
	HermesContext *ctx;
	HermesSystemdScope scope;
	guint32 uid;
	gchar *user;
	gchar *root;	 /* the profile root, HERMES_HOME of the units */
	gchar *unit_dir; /* where our unit files live */
	HermesSystemdBus *bus;
	gchar *linger; /* "yes"/"no", looked up once; user scope only */
	gchar *linger_source;
	GMainContext *context;			/* where gateway-changed is emitted */
	GHashTable *watches;			/* profile -> HermesSystemdWatch */
	HermesRegistrationWatch *registrations; /* units coming and going */
	gchar *last_install;			/* created, updated or unchanged */
};

/* hermes-systemd-calls.c */
gboolean
hermes_systemd_manager_ensure_bus(HermesSystemdManager *self,
				  GCancellable *cancellable,
				  GError **error);
const gchar *
hermes_systemd_manager_linger(HermesSystemdManager *self);
gboolean
hermes_systemd_manager_read(HermesSystemdManager *self,
			    const gchar *unit,
			    HermesSystemdUnitFacts *facts,
			    GCancellable *cancellable,
			    GError **error);
gboolean
hermes_systemd_manager_reload(HermesSystemdManager *self,
			      GCancellable *cancellable,
			      GError **error);
void
hermes_systemd_manager_reset_failed(HermesSystemdManager *self, const gchar *unit);
gboolean
hermes_systemd_manager_enable(HermesSystemdManager *self,
			      const gchar *unit,
			      GCancellable *cancellable,
			      GError **error);

/* hermes-systemd-unit.c */
gchar *
hermes_systemd_unit_dir(HermesContext *ctx, HermesSystemdScope scope);
gchar *
hermes_systemd_manager_unit_path(HermesSystemdManager *self, const gchar *profile);
gboolean
hermes_systemd_manager_need_unit(HermesSystemdManager *self,
				 const gchar *profile,
				 const gchar *path,
				 GError **error);
gboolean
hermes_systemd_manager_check_loaded(HermesSystemdManager *self,
				    const gchar *path,
				    const HermesSystemdUnitFacts *facts,
				    GError **error);
HermesGatewayStatus *
hermes_systemd_manager_status_of(HermesSystemdManager *self,
				 const gchar *profile,
				 GCancellable *cancellable,
				 GError **error);

/* hermes-systemd-events.c */
void
hermes_systemd_watch_free(gpointer data);
gboolean
hermes_systemd_manager_has_listeners(HermesSystemdManager *self);
void
hermes_systemd_manager_emit(HermesSystemdManager *self, const gchar *profile);
void
hermes_systemd_manager_watch_unit(HermesSystemdManager *self, const gchar *profile);
void
hermes_systemd_manager_watch_unit_dir(HermesSystemdManager *self);

/* hermes-systemd-control.c */
gboolean
hermes_systemd_manager_bring_up(HermesSystemdManager *self,
				const gchar *profile,
				GCancellable *cancellable,
				GError **error);
gboolean
hermes_systemd_manager_bring_down(HermesSystemdManager *self,
				  const gchar *profile,
				  const HermesSystemdUnitFacts *before,
				  GCancellable *cancellable,
				  GError **error);
gboolean
hermes_systemd_manager_start(HermesServiceManager *manager,
			     const gchar *profile,
			     GCancellable *cancellable,
			     GError **error);
gboolean
hermes_systemd_manager_stop(HermesServiceManager *manager,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error);
gboolean
hermes_systemd_manager_restart(HermesServiceManager *manager,
			       const gchar *profile,
			       GCancellable *cancellable,
			       GError **error);

/* hermes-systemd-register.c */
GPtrArray *
hermes_systemd_manager_plan(HermesSystemdManager *self,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GError **error);
gboolean
hermes_systemd_manager_register_gateway(HermesServiceManager *manager,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error);
gboolean
hermes_systemd_manager_unregister_gateway(HermesServiceManager *manager,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error);

/* hermes-systemd-logs.c */
HermesLogSource *
hermes_systemd_manager_get_log_source(HermesServiceManager *manager,
				      const gchar *profile,
				      GError **error);

/* hermes-systemd-doctor.c */
GPtrArray *
hermes_systemd_manager_doctor(HermesServiceManager *manager,
			      GCancellable *cancellable,
			      GError **error);

G_END_DECLS
