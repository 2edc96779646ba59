/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 backend: one slot `gateway-<profile>` per gateway in a scan
 * directory watched by s6-svscan. Three modes:
 *   container  s6-overlay is PID 1; slots live in /run/service
 *   scandir    $HERMES_S6_SCANDIR names a scan directory someone else runs
 *   embedded   no supervisor here: hermes-svc runs its own s6-svscan on
 *              $HERMES_HOME/run/service as the current user
 * Control and status never fork: see hermes-s6-control.c and hermes-s6-status.c.
 * This file is the object and its interface; the nouns live beside it:
 * hermes-s6-probe.c, -read.c, -wait.c, -events.c, -updown.c, -slot.c, -svscan.c.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-control.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager-private.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"

static void
hermes_s6_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesS6Manager,
			      hermes_s6_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_s6_manager_iface_init))

gchar *
hermes_s6_manager_slot_dir(HermesS6Manager *self, const gchar *profile)
{
	g_autofree gchar *name = hermes_s6_slot_name(profile);
	return g_build_filename(self->scandir, name, NULL);
}

gchar *
hermes_s6_manager_profile_home(HermesS6Manager *self, const gchar *profile)
{
	return hermes_profile_home_in_root(self->root, profile);
}

gboolean
hermes_s6_manager_need_bin_dir(HermesS6Manager *self, GError **error)
{
	if (self->bin_dir != NULL)
		return TRUE;
	g_set_error_literal(
		error,
		HERMES_ERROR,
		HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		"s6 is not installed: no s6-svscan in $HERMES_S6_BIN_DIR, /command or $PATH");
	return FALSE;
}

gboolean
hermes_s6_manager_need_slot(HermesS6Manager *self,
			    const gchar *profile,
			    const gchar *slot_dir,
			    GError **error)
{
	struct stat st;
	if (hermes_safe_file_stat(self->scandir, slot_dir, &st, NULL) && S_ISDIR(st.st_mode))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_REGISTERED,
		    "gateway '%s' is not registered with s6 (no %s)",
		    profile,
		    slot_dir);
	return FALSE;
}

static gboolean
hermes_s6_manager_setup(HermesServiceManager *manager, HermesContext *ctx, GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	const gchar *configured = hermes_s6_configured_scandir(ctx);

	self->ctx = g_object_ref(ctx);
	self->root = hermes_profile_get_root(ctx);
	self->bin_dir = hermes_s6_find_bin_dir(ctx);
	self->context = g_main_context_ref_thread_default();
	if (configured != NULL) {
		self->mode = "scandir";
		self->scandir = g_canonicalize_filename(configured, NULL);
	} else if (hermes_s6_is_overlay(ctx)) {
		self->mode = "container";
		self->scandir = hermes_context_build_path(ctx, "/run/service");
	} else {
		self->mode = "embedded";
		self->scandir = g_build_filename(self->root, "run", "service", NULL);
	}
	return TRUE;
}

static const gchar *
hermes_s6_manager_get_name(HermesServiceManager *manager)
{
	return "s6";
}

static const gchar *
hermes_s6_manager_get_mode(HermesServiceManager *manager)
{
	return HERMES_S6_MANAGER(manager)->mode;
}

static gboolean
hermes_s6_manager_supports_registration(HermesServiceManager *manager)
{
	return TRUE;
}

static gboolean
hermes_s6_manager_start(HermesServiceManager *manager,
			const gchar *profile,
			GCancellable *cancellable,
			GError **error)
{
	return hermes_s6_manager_bring_up(
		HERMES_S6_MANAGER(manager), profile, TRUE, cancellable, error);
}

static gboolean
hermes_s6_manager_stop(HermesServiceManager *manager,
		       const gchar *profile,
		       GCancellable *cancellable,
		       GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	if (!hermes_s6_manager_need_slot(self, profile, slot_dir, error))
		return FALSE;
	return hermes_s6_manager_bring_down(self, profile, slot_dir, cancellable, error);
}

/*
 * Converge to up through a fresh process: a running gateway is stopped as
 * an operator stop (so it neither counts as a crash for the breaker nor
 * persists "running" by accident) and brought up again; a down or
 * down-marked slot is simply brought up (upstream #39381).
 */
static gboolean
hermes_s6_manager_restart(HermesServiceManager *manager,
			  const gchar *profile,
			  GCancellable *cancellable,
			  GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);

	if (!hermes_s6_manager_need_slot(self, profile, slot_dir, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_supervised(self, slot_dir, TRUE, cancellable, error))
		return FALSE;
	if (hermes_s6_manager_current_pid(self, slot_dir) > 0 &&
	    !hermes_s6_manager_bring_down(self, profile, slot_dir, cancellable, error))
		return FALSE;
	return hermes_s6_manager_start(manager, profile, cancellable, error);
}

static HermesGatewayStatus *
hermes_s6_manager_get_status(HermesServiceManager *manager,
			     const gchar *profile,
			     GCancellable *cancellable,
			     GError **error)
{
	return hermes_s6_manager_status_of(HERMES_S6_MANAGER(manager), profile, error);
}

GStrv
hermes_s6_manager_list_gateways(HermesServiceManager *manager,
				GCancellable *cancellable,
				GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GError) error_local = NULL;
	struct dirent *entry;
	DIR *dir;
	gint fd;

	/* the scan directory itself is the caller's choice (it may be a link) */
	fd = hermes_safe_open_dir(self->scandir, self->scandir, &error_local);
	if (fd < 0) {
		/* no scan directory yet: nothing is registered */
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return g_new0(gchar *, 1);
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot list slots: ");
		return NULL;
	}
	dir = fdopendir(fd);
	if (dir == NULL) {
		hermes_error_set_errno(error, errno, "cannot list slots in %s", self->scandir);
		close(fd);
		return NULL;
	}
	hermes_s6_manager_watch_scandir(self);
	while ((entry = readdir(dir)) != NULL) {
		g_autofree gchar *profile = hermes_s6_profile_from_slot(entry->d_name);
		struct stat st;
		/* dot entries (staging, removal) are invisible to s6-svscan and to us; the
		 * entry's own type spares a stat per slot where the file system gives it */
		if (profile == NULL || (entry->d_type != DT_UNKNOWN && entry->d_type != DT_DIR))
			continue;
		if (entry->d_type == DT_UNKNOWN &&
		    (!hermes_safe_file_stat_at(fd, self->scandir, entry->d_name, &st, NULL) ||
		     !S_ISDIR(st.st_mode)))
			continue;
		hermes_s6_manager_watch_slot(self, profile);
		g_strv_builder_add(builder, profile);
	}
	closedir(dir);
	return g_strv_builder_end(builder);
}

static GPtrArray *
hermes_s6_manager_render(HermesServiceManager *manager, HermesGatewaySpec *spec, GError **error)
{
	return hermes_s6_manager_plan(
		HERMES_S6_MANAGER(manager), spec, HERMES_REGISTER_FLAG_NONE, error);
}

static gboolean
hermes_s6_manager_install(HermesServiceManager *manager,
			  HermesGatewaySpec *spec,
			  HermesRegisterFlags flags,
			  GCancellable *cancellable,
			  GError **error)
{
	/* a slot is the whole installation on s6 */
	return hermes_s6_manager_register_gateway(manager, spec, flags, cancellable, error);
}

static void
hermes_s6_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->setup = hermes_s6_manager_setup;
	iface->get_name = hermes_s6_manager_get_name;
	iface->get_mode = hermes_s6_manager_get_mode;
	iface->start = hermes_s6_manager_start;
	iface->stop = hermes_s6_manager_stop;
	iface->restart = hermes_s6_manager_restart;
	iface->get_status = hermes_s6_manager_get_status;
	iface->list_gateways = hermes_s6_manager_list_gateways;
	iface->register_gateway = hermes_s6_manager_register_gateway;
	iface->unregister_gateway = hermes_s6_manager_unregister_gateway;
	iface->supports_registration = hermes_s6_manager_supports_registration;
	iface->install = hermes_s6_manager_install;
	iface->uninstall = hermes_s6_manager_unregister_gateway;
	iface->render = hermes_s6_manager_render;
	iface->supervisor_start = hermes_s6_manager_supervisor_start;
	iface->supervisor_stop = hermes_s6_manager_supervisor_stop;
	iface->supervisor_status = hermes_s6_manager_supervisor_status;
	iface->get_log_source = hermes_s6_manager_get_log_source;
	iface->doctor = hermes_s6_manager_doctor;
	iface->set_companion = hermes_s6_manager_set_companion;
}

static void
hermes_s6_manager_finalize(GObject *object)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(object);
	g_hash_table_unref(self->watches);
	g_clear_object(&self->registrations);
	g_clear_object(&self->ctx);
	g_clear_pointer(&self->context, g_main_context_unref);
	g_free(self->scandir);
	g_free(self->bin_dir);
	g_free(self->root);
	G_OBJECT_CLASS(hermes_s6_manager_parent_class)->finalize(object);
}

static void
hermes_s6_manager_class_init(HermesS6ManagerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_s6_manager_finalize;
}

static void
hermes_s6_manager_init(HermesS6Manager *self)
{
	self->watches =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, hermes_s6_subscription_free);
	self->mode = "embedded";
}
