/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* shared by the files of the s6 backend; never installed */

#include "hermes-s6-control.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager.h"
#include "hermes-s6-status.h"

G_BEGIN_DECLS

#define HERMES_S6_START_TIMEOUT_MS 10000
#define HERMES_S6_STOP_TIMEOUT_MS  30000
#define HERMES_S6_SCAN_TIMEOUT_MS  5000
#define HERMES_S6_SVSCAN_MAX	   1000
#define HERMES_S6_GONE_TIMEOUT_MS  5000
/* a scanner starting or a slot being published holds the scan directory this long at most */
#define HERMES_S6_LOCK_TIMEOUT_MS 15000

struct _HermesS6Manager {
	GObject parent_instance;
	HermesContext *ctx;
	const gchar *mode;
	gchar *scandir;
	gchar *bin_dir; /* NULL when s6 is not installed */
	gchar *root;
	GMainContext *context;			/* where gateway-changed is emitted */
	GHashTable *watches;			/* profile -> HermesS6Watch */
	HermesRegistrationWatch *registrations; /* slots coming and going */
	gboolean leftovers_swept;		/* once a process: see sweep_leftovers */
};

typedef struct {
	GMainContext *context;
	HermesS6Watch *watch;
	HermesS6Watch *log_watch;
	GString *seen; /* every event letter since subscribing */
	gchar *scandir;
	gchar *slot_dir;
} HermesS6Waiter;

/* hermes-s6-manager.c */
gchar *
hermes_s6_manager_slot_dir(HermesS6Manager *self, const gchar *profile);
gchar *
hermes_s6_manager_profile_home(HermesS6Manager *self, const gchar *profile);
gboolean
hermes_s6_manager_need_bin_dir(HermesS6Manager *self, GError **error);
gboolean
hermes_s6_manager_need_slot(HermesS6Manager *self,
			    const gchar *profile,
			    const gchar *slot_dir,
			    GError **error);
GStrv
hermes_s6_manager_list_gateways(HermesServiceManager *manager,
				GCancellable *cancellable,
				GError **error);

/* hermes-s6-read.c */

/* what a read of a slot must include beyond supervise/status */
typedef enum {
	/* every fact around the status, for waits that judge readiness and exits */
	HERMES_S6_READ_FACTS = 1 << 0,
	/* only the facts the status's own state can use: no finish verdict for a
	 * running gateway, no notification-fd for a slot that is down and wants to
	 * be; `status --all` pays per slot for every file it looks at */
	HERMES_S6_READ_FACTS_FOR_STATE = 1 << 1,
	/* whether the slot's supervisor holds its lock */
	HERMES_S6_READ_LOCK = 1 << 2,
} HermesS6ReadFlags;

typedef struct {
	HermesS6Status st;
	gboolean have_status; /* FALSE until s6 has written supervise/status */
	gboolean have_slot;   /* FALSE when the slot itself could not be opened */
	HermesS6SlotFacts facts;
	gchar *reason_buf; /* owns the strings facts.reason_* point into */
	HermesS6LockState lock;
} HermesS6SlotRead;

void
hermes_s6_slot_read_clear(HermesS6SlotRead *read);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HermesS6SlotRead, hermes_s6_slot_read_clear)
gboolean
hermes_s6_manager_read(const gchar *scandir,
		       const gchar *slot_dir,
		       HermesS6ReadFlags flags,
		       HermesS6SlotRead *out,
		       GError **error);
gchar *
hermes_s6_manager_repair_hint(HermesS6Manager *self);
HermesGatewayStatus *
hermes_s6_manager_status_of(HermesS6Manager *self, const gchar *profile, GError **error);
gint64
hermes_s6_manager_current_pid(HermesS6Manager *self, const gchar *slot_dir);
guint
hermes_s6_stop_timeout_ms(const gchar *scandir, const gchar *slot_dir);

/* hermes-s6-wait.c */
void
hermes_s6_waiter_free(HermesS6Waiter *waiter);
HermesS6Waiter *
hermes_s6_waiter_new(const gchar *scandir,
		     const gchar *slot_dir,
		     gboolean with_log,
		     GError **error);
gboolean
hermes_s6_waiter_done(HermesS6Waiter *waiter, HermesS6WaitFor what, gint64 old_pid);
gboolean
hermes_s6_waiter_timeout_cb(gpointer user_data);
gboolean
hermes_s6_waiter_wait(HermesS6Waiter *waiter,
		      HermesS6WaitFor what,
		      gint64 old_pid,
		      guint timeout_ms,
		      const gchar *goal,
		      GCancellable *cancellable,
		      GError **error);

/* hermes-s6-events.c */
void
hermes_s6_subscription_free(gpointer data);
void
hermes_s6_manager_watch_slot(HermesS6Manager *self, const gchar *profile);
gchar *
hermes_s6_profile_from_slot(const gchar *name);
void
hermes_s6_manager_watch_scandir(HermesS6Manager *self);

/* hermes-s6-updown.c */
gboolean
hermes_s6_manager_ensure_supervised(HermesS6Manager *self,
				    const gchar *slot_dir,
				    gboolean rescan,
				    GCancellable *cancellable,
				    GError **error);
gboolean
hermes_s6_manager_bring_up(HermesS6Manager *self,
			   const gchar *profile,
			   gboolean rescan,
			   GCancellable *cancellable,
			   GError **error);
gboolean
hermes_s6_manager_bring_down(HermesS6Manager *self,
			     const gchar *profile,
			     const gchar *slot_dir,
			     GCancellable *cancellable,
			     GError **error);

/* hermes-s6-slot.c */
GPtrArray *
hermes_s6_manager_plan(HermesS6Manager *self,
		       HermesGatewaySpec *spec,
		       HermesRegisterFlags flags,
		       GError **error);
gboolean
hermes_s6_manager_ensure_scandir(HermesS6Manager *self, GError **error);
gboolean
hermes_s6_manager_trust_log(HermesS6Manager *self, HermesGatewaySpec *spec, GError **error);
gboolean
hermes_s6_manager_trust_log_of(HermesS6Manager *self, const gchar *profile, GError **error);
gboolean
hermes_s6_manager_register_gateway(HermesServiceManager *manager,
				   HermesGatewaySpec *spec,
				   HermesRegisterFlags flags,
				   GCancellable *cancellable,
				   GError **error);
gboolean
hermes_s6_manager_unregister_gateway(HermesServiceManager *manager,
				     const gchar *profile,
				     GCancellable *cancellable,
				     GError **error);

/* hermes-s6-publish.c */
void
hermes_s6_manager_sweep_leftovers(HermesS6Manager *self);
gboolean
hermes_s6_manager_drop_slot(HermesS6Manager *self,
			    const gchar *slot_dir,
			    const gchar *what,
			    GError **error);
gboolean
hermes_s6_manager_set_companion(HermesServiceManager *manager,
				const gchar *name,
				const gchar *const *argv,
				const gchar *const *envp,
				GCancellable *cancellable,
				GError **error);
gboolean
hermes_s6_manager_publish(HermesS6Manager *self,
			  const gchar *what,
			  const gchar *slot_dir,
			  GPtrArray *steps,
			  gint64 gid,
			  GError **error);

/* hermes-s6-svscan.c */
gboolean
hermes_s6_manager_supervisor_start(HermesServiceManager *manager,
				   GCancellable *cancellable,
				   GError **error);
gboolean
hermes_s6_manager_supervisor_stop(HermesServiceManager *manager,
				  GCancellable *cancellable,
				  GError **error);
gboolean
hermes_s6_manager_supervisor_status(HermesServiceManager *manager,
				    gboolean *running,
				    gint64 *pid,
				    gchar **detail,
				    GCancellable *cancellable,
				    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesS6Waiter, hermes_s6_waiter_free)

/* hermes-s6-logs.c */
HermesLogSource *
hermes_s6_manager_get_log_source(HermesServiceManager *manager,
				 const gchar *profile,
				 GError **error);

/* hermes-s6-doctor.c */
GPtrArray *
hermes_s6_manager_doctor(HermesServiceManager *manager, GCancellable *cancellable, GError **error);

G_END_DECLS
