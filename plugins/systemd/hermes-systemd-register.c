/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Registration: render is the plan (the unit directory, the unit file,
 * Reload, then EnableUnitFiles and StartUnit as the flags ask), register
 * carries out exactly that plan, unregister stops, disables, resets and
 * removes the unit.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <grp.h>

#include "hermes-platform.h"
#include "hermes-systemd-manager-private.h"

/* systemctl's spelling of what is done in-process, for render */
static HermesRenderStep *
hermes_systemd_manager_command(HermesSystemdManager *self,
			       const gchar *verb,
			       const gchar *unit,
			       const gchar *description)
{
	const gchar *argv[5] = {"systemctl", NULL, NULL, NULL, NULL};
	guint i = 1;
	if (self->scope == HERMES_SYSTEMD_SCOPE_USER)
		argv[i++] = "--user";
	argv[i++] = verb;
	argv[i] = unit;
	return hermes_render_step_new_command(argv, description);
}

static const gchar *
hermes_systemd_command_verb(HermesRenderStep *step)
{
	const gchar *const *argv = hermes_render_step_get_argv(step);
	return g_strcmp0(argv[1], "--user") == 0 ? argv[2] : argv[1];
}

static gchar *
hermes_systemd_group_name(guint32 gid, GError **error)
{
	struct group grp;
	struct group *result = NULL;
	gchar buf[8192];
	gint rc = getgrgid_r((gid_t)gid, &grp, buf, sizeof(buf), &result);
	if (rc != 0 || result == NULL) {
		hermes_error_set_errno(error, rc != 0 ? rc : ENOENT, "no group with gid %u", gid);
		return NULL;
	}
	return g_strdup(result->gr_name);
}

GPtrArray *
hermes_systemd_manager_plan(HermesSystemdManager *self,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GError **error)
{
	g_autoptr(GPtrArray) steps =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_render_step_unref);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	const gchar *user = hermes_gateway_spec_get_user(spec);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *group = NULL;
	g_autofree gchar *text = NULL;
	HermesSystemdRenderOptions opts = {self->scope, self->root, NULL};

	if (self->scope == HERMES_SYSTEMD_SCOPE_SYSTEM && user != NULL) {
		/* resolved now, never a hard-coded id: images remap it */
		g_autoptr(HermesUser) pw = hermes_platform_lookup_user(user, error);
		if (pw == NULL) {
			g_prefix_error(error, "run-as user: ");
			return NULL;
		}
		group = hermes_systemd_group_name(pw->gid, error);
		if (group == NULL)
			return NULL;
		opts.group = group;
	}
	text = hermes_systemd_render_unit(&opts, spec, error);
	if (text == NULL)
		return NULL;
	g_ptr_array_add(steps, hermes_render_step_new_directory(self->unit_dir, 0755));
	g_ptr_array_add(steps, hermes_render_step_new_file(path, 0644, text));
	g_ptr_array_add(steps,
			hermes_systemd_manager_command(
				self,
				"daemon-reload",
				NULL,
				"done in-process: org.freedesktop.systemd1.Manager.Reload()"));
	if (flags & HERMES_REGISTER_FLAG_ENABLE)
		g_ptr_array_add(steps,
				hermes_systemd_manager_command(
					self,
					"enable",
					unit,
					"done in-process: EnableUnitFiles(), then Reload()"));
	if (flags & HERMES_REGISTER_FLAG_START)
		g_ptr_array_add(
			steps,
			hermes_systemd_manager_command(
				self,
				"start",
				unit,
				"done in-process: StartUnit(replace), waiting for JobRemoved"));
	return g_steal_pointer(&steps);
}

/* one directory or file of the plan, through the SDK; an identical unit is left alone */
static gboolean
hermes_systemd_manager_apply_step(HermesRenderStep *step, gboolean *changed, GError **error)
{
	g_autoptr(GPtrArray) one = g_ptr_array_new();
	g_ptr_array_add(one, step);
	return hermes_render_steps_apply(one, changed, error);
}

/* the unit file: no write and so no reload when it is what systemd has already */
static gboolean
hermes_systemd_manager_write_unit(HermesSystemdManager *self,
				  HermesRenderStep *step,
				  const gchar *existing,
				  gboolean *changed,
				  GError **error)
{
	if (!hermes_systemd_manager_apply_step(step, changed, error))
		return FALSE;
	g_free(self->last_install);
	self->last_install = g_strdup(existing == NULL ? "created"
				      : *changed       ? "updated"
						       : "unchanged");
	g_debug("%s: %s", hermes_render_step_get_path(step), self->last_install);
	return TRUE;
}

/* daemon-reload after the write: systemd must then have loaded exactly our file */
static gboolean
hermes_systemd_manager_rescan(HermesSystemdManager *self,
			      const gchar *unit,
			      const gchar *path,
			      gboolean changed,
			      GCancellable *cancellable,
			      GError **error)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	if (!changed) {
		/* identical, and systemd has it already: a no-op */
		if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
			return FALSE;
		if (!facts.need_daemon_reload && g_strcmp0(facts.load_state, "loaded") == 0)
			return TRUE;
		hermes_systemd_unit_facts_clear(&facts);
	}
	return hermes_systemd_manager_reload(self, cancellable, error) &&
	       hermes_systemd_manager_read(self, unit, &facts, cancellable, error) &&
	       hermes_systemd_manager_check_loaded(self, path, &facts, error);
}

/* a command step of the plan, done in-process */
static gboolean
hermes_systemd_manager_run_command(HermesSystemdManager *self,
				   HermesRenderStep *step,
				   const gchar *profile,
				   const gchar *path,
				   gboolean changed,
				   gboolean rescan,
				   GCancellable *cancellable,
				   GError **error)
{
	const gchar *verb = hermes_systemd_command_verb(step);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	if (g_strcmp0(verb, "daemon-reload") == 0)
		return !rescan ||
		       hermes_systemd_manager_rescan(self, unit, path, changed, cancellable, error);
	if (g_strcmp0(verb, "enable") == 0)
		return hermes_systemd_manager_enable(self, unit, cancellable, error);
	if (g_strcmp0(verb, "start") == 0)
		return hermes_systemd_manager_bring_up(self, profile, cancellable, error);
	return TRUE;
}

gboolean
hermes_systemd_manager_register_gateway(HermesServiceManager *manager,
					HermesGatewaySpec *spec,
					HermesRegisterFlags flags,
					GCancellable *cancellable,
					GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *existing = NULL;
	g_autoptr(GPtrArray) steps = NULL;
	gboolean changed = TRUE;
	gboolean rescan = (flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0;

	steps = hermes_systemd_manager_plan(self, spec, flags, error);
	if (steps == NULL)
		return FALSE;
	/* a unit dir is the user's: a link, FIFO or huge file there is not our unit */
	existing = hermes_safe_file_read(NULL, path, HERMES_SAFE_MAX_TEXT, NULL, NULL);
	if (existing != NULL && (flags & HERMES_REGISTER_FLAG_REPLACE) == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ALREADY_EXISTS,
			    "gateway '%s' is already registered at %s",
			    profile,
			    path);
		return FALSE;
	}
	/* nothing is written while the manager cannot be told about it */
	if ((rescan || (flags & (HERMES_REGISTER_FLAG_ENABLE | HERMES_REGISTER_FLAG_START))) &&
	    !hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return FALSE;
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		switch (hermes_render_step_get_kind(step)) {
		case HERMES_RENDER_STEP_DIRECTORY:
			if (!hermes_systemd_manager_apply_step(step, NULL, error))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_FILE:
			if (!hermes_systemd_manager_write_unit(
				    self, step, existing, &changed, error))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_COMMAND:
			if (!hermes_systemd_manager_run_command(
				    self, step, profile, path, changed, rescan, cancellable, error))
				return FALSE;
			break;
		default:
			break;
		}
	}
	if (changed) {
		hermes_systemd_manager_watch_unit(self, profile);
		hermes_systemd_manager_emit(self, profile);
	}
	return TRUE;
}

gboolean
hermes_systemd_manager_unregister_gateway(HermesServiceManager *manager,
					  const gchar *profile,
					  GCancellable *cancellable,
					  GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error_local = NULL;
	const gchar *units[] = {unit, NULL};

	if (!g_file_test(path, G_FILE_TEST_EXISTS))
		return TRUE;
	/* a gateway must be stopped before its unit goes, so the manager is needed */
	if (!hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return FALSE;
	if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
		return FALSE;
	if (facts.main_pid != 0 || (g_strcmp0(facts.active_state, "inactive") != 0 &&
				    g_strcmp0(facts.active_state, "failed") != 0)) {
		if (!hermes_systemd_manager_bring_down(self, profile, &facts, cancellable, error))
			return FALSE;
	}
	reply = hermes_systemd_bus_call(self->bus,
					"DisableUnitFiles",
					g_variant_new("(^asb)", units, FALSE),
					"(a(sss))",
					cancellable,
					&error_local);
	if (reply == NULL)
		g_debug("DisableUnitFiles %s: %s", unit, error_local->message);
	/* a failed unit stays loaded until it is reset, and with it its state */
	hermes_systemd_manager_reset_failed(self, unit);
	g_hash_table_remove(self->watches, profile);
	if (g_unlink(path) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s", path);
		return FALSE;
	}
	if (!hermes_systemd_manager_reload(self, cancellable, error))
		return FALSE;
	if (hermes_systemd_manager_has_listeners(self))
		hermes_service_manager_emit_gateway_changed(manager, profile, NULL);
	return TRUE;
}
