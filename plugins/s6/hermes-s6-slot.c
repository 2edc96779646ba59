/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Registration: render is the plan, register executes exactly that plan in a
 * dot-prefixed staging directory, through fds, and publishes it in one rename.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-control.h"
#include "hermes-s6-diff.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager-private.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"
#include "hermes-s6-trust.h"

/*
 * Who `run` and `log/run` drop to when started as root: the spec's user,
 * else, when root registers for a home a user owns, that user. Root never
 * runs a gateway or s6-log in a directory a non-root user can write.
 */
static gchar *
hermes_s6_manager_run_as(HermesS6Manager *self, HermesGatewaySpec *spec)
{
	const gchar *user = hermes_gateway_spec_get_user(spec);
	g_autofree gchar *home = NULL;
	struct stat st;

	if (user != NULL)
		return g_strdup(user);
	if (hermes_platform_get_euid() != 0)
		return NULL;
	home = hermes_s6_manager_profile_home(self, hermes_gateway_spec_get_profile(spec));
	if (!(hermes_safe_file_stat(NULL, home, &st, NULL) && st.st_uid != 0) &&
	    !(hermes_safe_file_stat(NULL, self->root, &st, NULL) && st.st_uid != 0))
		return NULL;
	/* an owner without a passwd entry: s6-setuidgid takes uid:gid */
	if (getpwuid(st.st_uid) == NULL)
		return g_strdup_printf("%u:%u", (guint)st.st_uid, (guint)st.st_gid);
	return hermes_s6_user_name(st.st_uid);
}

static gboolean
hermes_s6_manager_trust_log_as(HermesS6Manager *self,
			       HermesGatewaySpec *spec,
			       const gchar *user,
			       GError **error);

/**
 * hermes_s6_manager_trust_log:
 * @self: the backend
 * @spec: the gateway whose `log/run` is checked
 * @error: return location for a #GError
 *
 * `log/run` drops to the run-as user where there is one; otherwise s6-log
 * writes as root, and then only into a directory only root can change.
 *
 * Returns: %TRUE when the gateway's s6-log may start
 */
gboolean
hermes_s6_manager_trust_log(HermesS6Manager *self, HermesGatewaySpec *spec, GError **error)
{
	g_autofree gchar *user = NULL;

	if (hermes_platform_get_euid() != 0)
		return TRUE;
	user = hermes_s6_manager_run_as(self, spec);
	return hermes_s6_manager_trust_log_as(self, spec, user, error);
}

/* the same, for a caller that already knows whom the slot runs as (@user, or %NULL for root) */
static gboolean
hermes_s6_manager_trust_log_as(HermesS6Manager *self,
			       HermesGatewaySpec *spec,
			       const gchar *user,
			       GError **error)
{
	const gchar *explicit_dir = hermes_gateway_spec_get_log_directory(spec);
	g_autofree gchar *log_dir = NULL;

	if (user != NULL || hermes_platform_get_euid() != 0)
		return TRUE;
	log_dir = explicit_dir != NULL ? g_strdup(explicit_dir)
				       : g_build_filename(self->root,
							  "logs",
							  "gateways",
							  hermes_gateway_spec_get_profile(spec),
							  NULL);
	return hermes_s6_trust_log_dir(log_dir, error);
}

/* the same for a slot started without a spec at hand: the default one is what was registered */
gboolean
hermes_s6_manager_trust_log_of(HermesS6Manager *self, const gchar *profile, GError **error)
{
	g_autoptr(HermesGatewaySpec) spec = NULL;
	if (hermes_platform_get_euid() != 0)
		return TRUE;
	spec = hermes_gateway_spec_new_default(self->ctx, profile, error);
	return spec != NULL && hermes_s6_manager_trust_log(self, spec, error);
}

static gboolean
hermes_s6_manager_group_of(const gchar *user, gint64 *gid, gchar **group_name, GError **error)
{
	g_autoptr(HermesUser) pw = NULL;
	*gid = -1;
	if (user == NULL)
		return TRUE;
	if (strchr(user, ':') != NULL) {
		*gid = g_ascii_strtoll(strchr(user, ':') + 1, NULL, 10);
		if (group_name != NULL)
			*group_name = g_strdup(strchr(user, ':') + 1);
		return TRUE;
	}
	/* resolved now, never a hard-coded uid: images remap it (upstream §5.10) */
	pw = hermes_platform_lookup_user(user, error);
	if (pw == NULL) {
		g_prefix_error(error, "run-as user: ");
		return FALSE;
	}
	*gid = pw->gid;
	if (group_name != NULL)
		*group_name = g_strdup_printf("%u", (guint)pw->gid);
	return TRUE;
}

static void
hermes_s6_plan_skeleton(GPtrArray *steps, const gchar *dir, const gchar *group)
{
	g_autofree gchar *supervise = g_build_filename(dir, "supervise", NULL);
	g_autofree gchar *control = g_build_filename(supervise, "control", NULL);
	g_autofree gchar *event = g_build_filename(dir, "event", NULL);
	/* made before s6-supervise sees the slot, which keeps what exists: the group
	 * may traverse supervise/ (status), write control, and subscribe in event/ */
	g_ptr_array_add(steps, hermes_render_step_new_directory(supervise, 0710));
	g_ptr_array_add(steps,
			hermes_render_step_new_command(
				(const gchar *[]){"mkfifo", "-m", "0620", control, NULL},
				"the control FIFO"));
	g_ptr_array_add(steps, hermes_render_step_new_directory(event, 03730));
	if (group != NULL)
		g_ptr_array_add(
			steps,
			hermes_render_step_new_command(
				(const gchar *[]){"chgrp", group, supervise, control, event, NULL},
				"let the run-as user's group control and watch the slot"));
}

static void
hermes_s6_plan_rescan(HermesS6Manager *self, GPtrArray *steps)
{
	g_autofree gchar *svscanctl = g_build_filename(self->bin_dir, "s6-svscanctl", NULL);
	g_ptr_array_add(steps,
			hermes_render_step_new_command(
				(const gchar *[]){svscanctl, "-a", self->scandir, NULL},
				"rescan (done in-process: 'a' to .s6-svscan/control)"));
}

static GPtrArray *
hermes_s6_manager_plan_as(HermesS6Manager *self,
			  HermesGatewaySpec *spec,
			  HermesRegisterFlags flags,
			  const gchar *user,
			  GError **error);

GPtrArray *
hermes_s6_manager_plan(HermesS6Manager *self,
		       HermesGatewaySpec *spec,
		       HermesRegisterFlags flags,
		       GError **error)
{
	g_autofree gchar *user = hermes_s6_manager_run_as(self, spec);
	return hermes_s6_manager_plan_as(self, spec, flags, user, error);
}

/* the plan for a slot that runs as @user (%NULL: as whoever runs the supervisor) */
static GPtrArray *
hermes_s6_manager_plan_as(HermesS6Manager *self,
			  HermesGatewaySpec *spec,
			  HermesRegisterFlags flags,
			  const gchar *user,
			  GError **error)
{
	g_autoptr(GPtrArray) steps =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_render_step_unref);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autofree gchar *log_dir = g_build_filename(slot_dir, "log", NULL);
	g_autofree gchar *run = NULL;
	g_autofree gchar *finish = NULL;
	g_autofree gchar *log_run = NULL;
	g_autofree gchar *group = NULL;
	HermesS6RenderOptions opts = {NULL, FALSE, NULL, NULL, NULL};
	g_autoptr(HermesUser) pw = NULL;
	gint64 gid = -1;

	if (!hermes_s6_manager_need_bin_dir(self, error))
		return NULL;
	opts.bin_dir = self->bin_dir;
	opts.overlay = g_strcmp0(self->mode, "container") == 0;
	opts.hermes_home = self->root;
	opts.user = user;
	if (user != NULL && strchr(user, ':') == NULL) {
		pw = hermes_platform_lookup_user(user, error);
		if (pw == NULL) {
			g_prefix_error(error, "run-as user: ");
			return NULL;
		}
		opts.user_home = pw->home;
	}
	run = hermes_s6_render_run(&opts, spec, error);
	if (run == NULL)
		return NULL;
	log_run = hermes_s6_render_log_run(&opts, spec, error);
	if (log_run == NULL)
		return NULL;
	finish = hermes_s6_render_finish(&opts, spec);
	if (!hermes_s6_manager_group_of(user, &gid, &group, error))
		return NULL;

#define PATH_IN(dir, name) g_build_filename(dir, name, NULL)
	{
		g_autofree gchar *p_type = PATH_IN(slot_dir, "type");
		g_autofree gchar *p_run = PATH_IN(slot_dir, "run");
		g_autofree gchar *p_finish = PATH_IN(slot_dir, "finish");
		g_autofree gchar *p_notify = PATH_IN(slot_dir, "notification-fd");
		g_autofree gchar *p_kill = PATH_IN(slot_dir, "timeout-kill");
		g_autofree gchar *kill_ms =
			g_strdup_printf("%u\n", hermes_gateway_spec_get_stop_timeout_ms(spec));
		g_autofree gchar *p_down = PATH_IN(slot_dir, "down");
		g_autofree gchar *p_data = PATH_IN(slot_dir, "data");
		g_autofree gchar *p_log_run = PATH_IN(log_dir, "run");
		g_autofree gchar *notify = g_strdup_printf("%d\n", HERMES_S6_NOTIFY_FD);

		g_ptr_array_add(steps, hermes_render_step_new_directory(slot_dir, 0755));
		g_ptr_array_add(steps, hermes_render_step_new_file(p_type, 0644, "longrun\n"));
		g_ptr_array_add(steps, hermes_render_step_new_file(p_run, 0755, run));
		g_ptr_array_add(steps, hermes_render_step_new_file(p_finish, 0755, finish));
		if (hermes_gateway_spec_get_notify(spec))
			g_ptr_array_add(steps, hermes_render_step_new_file(p_notify, 0644, notify));
		/* a graceful drain gets this long after SIGTERM, then s6 sends SIGKILL */
		g_ptr_array_add(steps, hermes_render_step_new_file(p_kill, 0644, kill_ms));
		if ((flags & HERMES_REGISTER_FLAG_START) == 0)
			g_ptr_array_add(steps, hermes_render_step_new_file(p_down, 0644, ""));
		/* finish keeps its breaker tally here; only the scanner's account writes it */
		g_ptr_array_add(steps, hermes_render_step_new_directory(p_data, 0755));
		hermes_s6_plan_skeleton(steps, slot_dir, group);
		g_ptr_array_add(steps, hermes_render_step_new_directory(log_dir, 0755));
		g_ptr_array_add(steps, hermes_render_step_new_file(p_log_run, 0755, log_run));
		hermes_s6_plan_skeleton(steps, log_dir, group);
	}
#undef PATH_IN
	hermes_s6_plan_rescan(self, steps);
	return g_steal_pointer(&steps);
}

/*
 * A supervised slot cannot be swapped under its s6-supervise: rewrite its
 * files atomically instead, as one set (every new file written before the
 * first is renamed into place). s6 runs the new scripts from the next start;
 * the down marker follows the flags.
 */
static gboolean
hermes_s6_manager_update_in_place(HermesS6Manager *self,
				  GPtrArray *steps,
				  const gchar *slot_dir,
				  HermesRegisterFlags flags,
				  GCancellable *cancellable,
				  GError **error)
{
	g_autofree gchar *down = g_build_filename(slot_dir, "down", NULL);
	g_autofree gchar *profile_part = g_path_get_basename(slot_dir);
	g_autoptr(GPtrArray) paths = g_ptr_array_new();
	g_autoptr(GPtrArray) contents = g_ptr_array_new();
	g_autoptr(GArray) modes = g_array_new(FALSE, FALSE, sizeof(guint));

	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		guint mode = hermes_render_step_get_mode(step);
		if (hermes_render_step_get_kind(step) != HERMES_RENDER_STEP_FILE)
			continue;
		g_ptr_array_add(paths, (gpointer)hermes_render_step_get_path(step));
		g_ptr_array_add(contents, (gpointer)hermes_render_step_get_contents(step));
		g_array_append_val(modes, mode);
	}
	/* all written before any is renamed: a full disk leaves the old slot whole */
	if (!hermes_safe_files_replace_set(self->scandir,
					   (const gchar *const *)paths->pdata,
					   (const gchar *const *)contents->pdata,
					   (const guint *)(gpointer)modes->data,
					   paths->len,
					   error))
		return FALSE;
	if ((flags & HERMES_REGISTER_FLAG_START) != 0) {
		if (!hermes_safe_file_unlink(self->scandir, down, error))
			return FALSE;
		return hermes_s6_manager_bring_up(
			self, profile_part + strlen("gateway-"), TRUE, cancellable, error);
	}
	return TRUE;
}

gboolean
hermes_s6_manager_ensure_scandir(HermesS6Manager *self, GError **error)
{
	if (g_file_test(self->scandir, G_FILE_TEST_IS_DIR))
		return TRUE;
	if (g_strcmp0(self->mode, "embedded") == 0) {
		if (g_mkdir_with_parents(self->scandir, 0755) != 0) {
			hermes_error_set_errno(error, errno, "cannot create %s", self->scandir);
			return FALSE;
		}
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		    "the s6 scan directory %s does not exist",
		    self->scandir);
	return FALSE;
}

/* s6-svscan picks the published slot up; an embedded tree that is not running does at start */
static gboolean
hermes_s6_manager_rescan_new(HermesS6Manager *self,
			     const gchar *profile,
			     const gchar *slot_dir,
			     GError **error)
{
	g_autoptr(GError) error_local = NULL;
	if (hermes_s6_control_scanner(self->scandir, "a", &error_local))
		return TRUE;
	if (g_strcmp0(self->mode, "embedded") == 0 &&
	    g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE))
		return TRUE;
	hermes_safe_remove_tree(self->scandir, slot_dir, NULL);
	g_propagate_prefixed_error(
		error, g_steal_pointer(&error_local), "cannot register gateway '%s': ", profile);
	return FALSE;
}

/* the slot already is what the plan would write: only the start, if asked */
static gboolean
hermes_s6_manager_keep_unchanged(HermesS6Manager *self,
				 const gchar *profile,
				 const gchar *slot_dir,
				 HermesRegisterFlags flags,
				 GCancellable *cancellable,
				 GError **error)
{
	gboolean released;

	g_debug("slot %s is unchanged", slot_dir);
	hermes_s6_manager_watch_slot(self, profile);
	if ((flags & HERMES_REGISTER_FLAG_START) == 0)
		return TRUE;
	released = hermes_s6_slot_released(self->scandir, slot_dir);
	if ((flags & HERMES_REGISTER_FLAG_NO_RESCAN) != 0 && released)
		return TRUE;
	/* a slot no supervisor holds needs the scanner to look again */
	return hermes_s6_manager_bring_up(self, profile, released, cancellable, error);
}

/* what a registration does with the slot on disk */
typedef enum {
	HERMES_S6_REGISTER_PUBLISH, /* build it in staging and rename it in */
	HERMES_S6_REGISTER_KEEP,    /* it already is what the plan would write */
	HERMES_S6_REGISTER_UPDATE,  /* it differs but is supervised: rewrite its files */
} HermesS6RegisterWay;

/*
 * Under the scan directory's lock: sweep what killed commands left, decide,
 * and publish a new slot. What follows (a rescan, bring-up waits) runs
 * unlocked, so one slow start never holds up another profile's registration.
 */
static gboolean
hermes_s6_manager_register_locked(HermesS6Manager *self,
				  const gchar *profile,
				  const gchar *slot_dir,
				  GPtrArray *steps,
				  gint64 gid,
				  HermesRegisterFlags flags,
				  HermesS6RegisterWay *way,
				  GError **error)
{
	gint lock = hermes_s6_scandir_lock(self->scandir, HERMES_S6_LOCK_TIMEOUT_MS, error);
	gboolean ok = TRUE;
	gboolean exists = FALSE;
	gboolean same;

	if (lock < 0)
		return FALSE;
	hermes_s6_manager_sweep_leftovers(self);
	*way = HERMES_S6_REGISTER_PUBLISH;
	/* one open of the slot answers both "is it there" and "is it the same" */
	same = hermes_s6_slot_matches(self->scandir, slot_dir, steps, gid, &exists);
	if (exists) {
		if ((flags & HERMES_REGISTER_FLAG_REPLACE) == 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "gateway '%s' is already registered at %s",
				    profile,
				    slot_dir);
			ok = FALSE;
		} else if (same) {
			*way = HERMES_S6_REGISTER_KEEP;
		} else if (!hermes_s6_slot_released(self->scandir, slot_dir)) {
			*way = HERMES_S6_REGISTER_UPDATE;
		}
	}
	if (ok && *way == HERMES_S6_REGISTER_PUBLISH) {
		g_autofree gchar *what = g_strdup_printf("gateway '%s'", profile);
		ok = hermes_s6_manager_publish(self, what, slot_dir, steps, gid, error);
	}
	close(lock);
	return ok;
}

gboolean
hermes_s6_manager_register_gateway(HermesServiceManager *manager,
				   HermesGatewaySpec *spec,
				   HermesRegisterFlags flags,
				   GCancellable *cancellable,
				   GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autoptr(GPtrArray) steps = NULL;
	g_autofree gchar *user = hermes_s6_manager_run_as(self, spec);
	HermesS6RegisterWay way;
	gint64 gid = -1;

	if (!hermes_s6_trust_tree(self->scandir, slot_dir, FALSE, error) ||
	    !hermes_s6_manager_trust_log_as(self, spec, user, error))
		return FALSE;
	steps = hermes_s6_manager_plan_as(self, spec, flags, user, error);
	if (steps == NULL)
		return FALSE;
	if (!hermes_s6_manager_group_of(user, &gid, NULL, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_scandir(self, error))
		return FALSE;
	if (!hermes_s6_manager_register_locked(
		    self, profile, slot_dir, steps, gid, flags, &way, error))
		return FALSE;
	if (way == HERMES_S6_REGISTER_KEEP)
		return hermes_s6_manager_keep_unchanged(
			self, profile, slot_dir, flags, cancellable, error);
	if (way == HERMES_S6_REGISTER_UPDATE)
		return hermes_s6_manager_update_in_place(
			self, steps, slot_dir, flags, cancellable, error);
	if ((flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0 &&
	    !hermes_s6_manager_rescan_new(self, profile, slot_dir, error))
		return FALSE;
	hermes_s6_manager_watch_slot(self, profile);
	if ((flags & HERMES_REGISTER_FLAG_START) && (flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0)
		return hermes_s6_manager_bring_up(self, profile, FALSE, cancellable, error);
	return TRUE;
}

/*
 * Takes @slot_dir (brought down already) out of the tree: renamed aside, the
 * scanner told to drop it, waited for until no s6-supervise holds it (driven
 * by its exit event, bounded), then removed. @what names it in messages.
 */
gboolean
hermes_s6_manager_drop_slot(HermesS6Manager *self,
			    const gchar *slot_dir,
			    const gchar *what,
			    GError **error)
{
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	g_autofree gchar *removing = NULL;
	g_autoptr(HermesS6Waiter) waiter = NULL;
	g_autoptr(GError) error_local = NULL;
	gint64 deadline;

	/* subscribe before the scanner is told: s6-supervise says 'x' as it exits */
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, TRUE, error);
	if (waiter == NULL)
		return FALSE;
	removing = g_strdup_printf("%s/.%s.removing-%08x", self->scandir, name, g_random_int());
	if (g_rename(slot_dir, removing) != 0) {
		hermes_error_set_errno(error, errno, "cannot remove %s", what);
		return FALSE;
	}
	g_free(waiter->slot_dir);
	waiter->slot_dir = g_strdup(removing);
	if (!hermes_s6_control_scanner(self->scandir, "an", &error_local))
		g_debug("no scanner to drop %s: %s", what, error_local->message);
	deadline = g_get_monotonic_time() + HERMES_S6_STOP_TIMEOUT_MS * 1000;
	while (!hermes_s6_slot_released(self->scandir, removing)) {
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "s6-supervise still holds %s after %d s",
				    removing,
				    HERMES_S6_STOP_TIMEOUT_MS / 1000);
			return FALSE;
		}
		{
			g_autoptr(GSource) tick = g_timeout_source_new(100);
			gboolean fired = FALSE;
			g_source_set_callback(tick, hermes_s6_waiter_timeout_cb, &fired, NULL);
			g_source_attach(tick, waiter->context);
			/* an event or, at worst, a short tick re-checks the lock */
			g_main_context_iteration(waiter->context, TRUE);
			g_source_destroy(tick);
		}
	}
	g_clear_pointer(&waiter, hermes_s6_waiter_free);
	if (!hermes_safe_remove_tree(self->scandir, removing, error))
		return FALSE;
	if (hermes_s6_path_exists(self->scandir, removing) ||
	    hermes_s6_path_exists(self->scandir, slot_dir)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_FAILED,
			    "%s could not be removed completely",
			    what);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_s6_manager_unregister_gateway(HermesServiceManager *manager,
				     const gchar *profile,
				     GCancellable *cancellable,
				     GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autofree gchar *what = g_strdup_printf("gateway '%s'", profile);

	if (!hermes_s6_path_exists(self->scandir, slot_dir))
		return TRUE;
	if (hermes_s6_manager_current_pid(self, slot_dir) > 0 &&
	    !hermes_s6_manager_bring_down(self, profile, slot_dir, cancellable, error))
		return FALSE;
	g_hash_table_remove(self->watches, profile);
	if (!hermes_s6_manager_drop_slot(self, slot_dir, what, error))
		return FALSE;
	hermes_service_manager_emit_gateway_changed(manager, profile, NULL);
	return TRUE;
}
