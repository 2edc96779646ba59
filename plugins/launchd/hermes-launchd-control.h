/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-launchd-parse.h"
#include "hermes-launchd-spawner.h"

G_BEGIN_DECLS

/**
 * HermesLaunchdJob:
 * @spawner: runs launchctl
 * @domain: `gui/<uid>`, `user/<uid>` or `system`
 * @profile: the profile
 * @label: the job's label
 * @plist: the plist's absolute path
 * @home: the profile's HERMES_HOME: the planned-stop marker goes there
 * @stop_timeout_ms: how long a stopped gateway may take to exit (its ExitTimeOut)
 * @kill_margin_ms: and how much longer, for launchd's SIGKILL after that
 *
 * One gateway's job in one launchd domain.
 */
typedef struct {
	HermesLaunchdSpawner *spawner;
	gchar *domain;
	gchar *profile;
	gchar *label;
	gchar *plist;
	gchar *home;
	guint stop_timeout_ms;
	guint kill_margin_ms;
} HermesLaunchdJob;

HermesLaunchdJob *
hermes_launchd_job_new(HermesLaunchdSpawner *spawner,
		       const gchar *domain,
		       const gchar *profile,
		       const gchar *plist,
		       const gchar *home);
void
hermes_launchd_job_free(HermesLaunchdJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesLaunchdJob, hermes_launchd_job_free)

gchar *
hermes_launchd_job_target(HermesLaunchdJob *job);
gboolean
hermes_launchd_exit_means_not_loaded(gint exit_code);
gboolean
hermes_launchd_domain_validate(const gchar *domain, GError **error);
gchar *
hermes_launchd_domain_resolve(HermesLaunchdSpawner *spawner, guint32 uid, GError **error);

gboolean
hermes_launchd_job_query(HermesLaunchdJob *job,
			 gboolean *loaded,
			 HermesLaunchdJobInfo *info,
			 GError **error);
gboolean
hermes_launchd_job_set_enabled(HermesLaunchdJob *job, gboolean enabled, GError **error);
gboolean
hermes_launchd_job_bootstrap(HermesLaunchdJob *job, GError **error);
gboolean
hermes_launchd_job_unload(HermesLaunchdJob *job, GError **error);
gboolean
hermes_launchd_job_start(HermesLaunchdJob *job, GError **error);
gboolean
hermes_launchd_job_restart(HermesLaunchdJob *job, GError **error);
HermesGatewayStatus *
hermes_launchd_job_status(HermesLaunchdJob *job, GError **error);

G_END_DECLS
