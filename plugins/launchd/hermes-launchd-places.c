/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where a profile's job is: the launchd domain, the plist's path and the
 * profile's home; an existing plist read back, and whose home it pins; the
 * job handle the launchctl protocol (hermes-launchd-control.c) works on.
 */

#include "config.h"

#include "hermes-launchd-manager-private.h"
#include "hermes-launchd-plist-reader.h"

/*
 * The domain: configured, or asked of launchctl once. A plan can be
 * rendered where there is no launchctl (Linux): it then shows gui/<uid>,
 * the domain of a user logged in at the Mac, without remembering it.
 */
gchar *
hermes_launchd_manager_domain(HermesLaunchdManager *self, gboolean for_render, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	if (self->domain == NULL) {
		self->domain =
			hermes_launchd_domain_resolve(self->spawner, self->uid, &error_local);
		if (self->domain == NULL) {
			if (!for_render) {
				g_propagate_error(error, g_steal_pointer(&error_local));
				return NULL;
			}
			g_debug("rendering for gui/%u: %s", (guint)self->uid, error_local->message);
			return g_strdup_printf("gui/%u", (guint)self->uid);
		}
	}
	return g_strdup(self->domain);
}

gchar *
hermes_launchd_manager_plist_path(HermesLaunchdManager *self, const gchar *profile)
{
	g_autofree gchar *name = hermes_launchd_plist_name(profile);
	return g_build_filename(self->agents_dir, name, NULL);
}

gchar *
hermes_launchd_manager_home(HermesLaunchdManager *self, const gchar *profile)
{
	return hermes_profile_home_in_root(self->root, profile);
}

/* the plist as launchd reads it, or NULL (missing or unreadable) */
GVariant *
hermes_launchd_manager_read_plist(const gchar *path, GError **error)
{
	g_autofree gchar *text = NULL;
	gsize length = 0;
	/* LaunchAgents is the user's: no link, FIFO or huge file is a plist */
	text = hermes_safe_file_read(NULL, path, HERMES_SAFE_MAX_TEXT, &length, error);
	if (text == NULL)
		return NULL;
	return hermes_launchd_plist_parse(text, (gssize)length, error);
}

static gchar *
hermes_launchd_manager_pinned_home(GVariant *plist)
{
	g_autoptr(GVariant) env = NULL;
	const gchar *home = NULL;
	if (plist == NULL || !g_variant_is_of_type(plist, G_VARIANT_TYPE("a{sv}")))
		return NULL;
	env = g_variant_lookup_value(plist, "EnvironmentVariables", G_VARIANT_TYPE("a{sv}"));
	if (env == NULL || !g_variant_lookup(env, "HERMES_HOME", "&s", &home))
		return NULL;
	return g_strdup(home);
}

static guint
hermes_launchd_manager_exit_timeout_ms(GVariant *plist)
{
	gint64 seconds = 0;
	if (plist != NULL && g_variant_is_of_type(plist, G_VARIANT_TYPE("a{sv}")) &&
	    g_variant_lookup(plist, "ExitTimeOut", "x", &seconds) && seconds > 0 &&
	    seconds < 24 * 3600)
		return (guint)seconds * 1000;
	return 90000;
}

/* a plist of ours names a profile's home; one that names another root is not ours */
gboolean
hermes_launchd_manager_plist_is_ours(HermesLaunchdManager *self,
				     const gchar *profile,
				     GVariant *plist,
				     gchar **pinned)
{
	g_autofree gchar *home = hermes_launchd_manager_home(self, profile);
	g_autofree gchar *found = hermes_launchd_manager_pinned_home(plist);
	gboolean ours = found != NULL && g_strcmp0(found, home) == 0;
	if (pinned != NULL)
		*pinned = g_steal_pointer(&found);
	return ours;
}

HermesLaunchdJob *
hermes_launchd_manager_job(HermesLaunchdManager *self,
			   const gchar *profile,
			   GVariant *plist,
			   gboolean for_render,
			   GError **error)
{
	g_autofree gchar *domain = hermes_launchd_manager_domain(self, for_render, error);
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autofree gchar *home = hermes_launchd_manager_home(self, profile);
	HermesLaunchdJob *job;
	if (domain == NULL)
		return NULL;
	job = hermes_launchd_job_new(self->spawner, domain, profile, path, home);
	job->stop_timeout_ms = hermes_launchd_manager_exit_timeout_ms(plist);
	return job;
}

/* the registered job of @profile: its plist exists and pins this profile's home */
HermesLaunchdJob *
hermes_launchd_manager_registered_job(HermesLaunchdManager *self,
				      const gchar *profile,
				      GError **error)
{
	g_autofree gchar *path = hermes_launchd_manager_plist_path(self, profile);
	g_autofree gchar *pinned = NULL;
	g_autoptr(GVariant) plist = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_REGISTERED,
			    "gateway '%s' is not registered with launchd (no %s)",
			    profile,
			    path);
		return NULL;
	}
	plist = hermes_launchd_manager_read_plist(path, &error_local);
	if (plist == NULL) {
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot read %s: ", path);
		return NULL;
	}
	if (!hermes_launchd_manager_plist_is_ours(self, profile, plist, &pinned)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_REGISTERED,
			    "gateway '%s' is not registered with launchd: %s belongs to another "
			    "hermes home (HERMES_HOME=%s)",
			    profile,
			    path,
			    pinned != NULL ? pinned : "none");
		return NULL;
	}
	return hermes_launchd_manager_job(self, profile, plist, FALSE, error);
}
