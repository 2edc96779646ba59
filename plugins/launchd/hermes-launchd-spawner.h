/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* where launchctl lives on every macOS; $HERMES_LAUNCHCTL overrides it (tests) */
#define HERMES_LAUNCHD_LAUNCHCTL "/bin/launchctl"

/* longer than any ExitTimeOut launchd honours: bootout waits for the job to exit */
#define HERMES_LAUNCHD_SPAWN_TIMEOUT_MS 150000

#define HERMES_TYPE_LAUNCHD_SPAWNER (hermes_launchd_spawner_get_type())
G_DECLARE_DERIVABLE_TYPE(
	HermesLaunchdSpawner, hermes_launchd_spawner, HERMES, LAUNCHD_SPAWNER, GObject)

/**
 * HermesLaunchdSpawnerClass:
 * @parent_class: the parent class
 * @run: runs `launchctl <args>`; returns %FALSE only when launchctl could not
 *   be run at all (or did not finish), never for a non-zero exit code
 *
 * The one seam between the launchd backend and launchctl. The default
 * implementation runs the program given to hermes_launchd_spawner_new();
 * tests subclass it to record the arguments and replay scripted answers.
 */
struct _HermesLaunchdSpawnerClass {
	GObjectClass parent_class;
	gboolean (*run)(HermesLaunchdSpawner *self,
			const gchar *const *args,
			gchar **out,
			gchar **err,
			gint *exit_code,
			GError **error);
	/*< private >*/
	gpointer padding[4];
};

HermesLaunchdSpawner *
hermes_launchd_spawner_new(const gchar *program, const gchar *const *envp);
const gchar *
hermes_launchd_spawner_get_program(HermesLaunchdSpawner *self);
void
hermes_launchd_spawner_set_timeout(HermesLaunchdSpawner *self, guint timeout_ms);
gboolean
hermes_launchd_spawner_run(HermesLaunchdSpawner *self,
			   const gchar *const *args,
			   gchar **out,
			   gchar **err,
			   gint *exit_code,
			   GError **error);

G_END_DECLS
