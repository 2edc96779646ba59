/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-pid-record.h"
#include "hermes-planned-stop.h"
#include "hermes-platform-private.h"
#include "hermes-profile.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

struct _HermesProfile {
	GObject parent_instance;
	gchar *name;
	gchar *home;
	gchar *root; /* the trusted root every file of the profile is resolved beneath */
};

G_DEFINE_FINAL_TYPE(HermesProfile, hermes_profile, G_TYPE_OBJECT)

/* the subdirectories hermes-agent creates, so both tools see the same tree */
static const gchar *hermes_profile_subdirs[] = {
	"logs", "memories", "sessions", "skills", "skins", "plans", "workspace", "cron", "home"};

static const gchar hermes_profile_env_seed[] =
	"# Secrets for this Hermes profile only (API keys, tokens).\n"
	"# Values here win over the shell environment of the gateway.\n"
	"# Put behaviour settings in config.yaml instead.\n";

static const gchar hermes_profile_soul_seed[] =
	"# Soul\n"
	"\n"
	"Describe who this agent is and how it should behave.\n";

static void
hermes_profile_finalize(GObject *object)
{
	HermesProfile *self = HERMES_PROFILE(object);
	g_free(self->name);
	g_free(self->home);
	g_free(self->root);
	G_OBJECT_CLASS(hermes_profile_parent_class)->finalize(object);
}

static void
hermes_profile_class_init(HermesProfileClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_profile_finalize;
}

static void
hermes_profile_init(HermesProfile *self)
{
}

/* "<root>/profiles/<valid name>" -> that name, else NULL */
static gchar *
hermes_profile_name_from_home(const gchar *home)
{
	g_autofree gchar *base = g_path_get_basename(home);
	g_autofree gchar *parent = g_path_get_dirname(home);
	g_autofree gchar *parent_base = g_path_get_basename(parent);
	if (g_strcmp0(parent_base, "profiles") != 0)
		return NULL;
	if (g_strcmp0(base, HERMES_PROFILE_DEFAULT) == 0 ||
	    !hermes_profile_name_validate(base, NULL))
		return NULL;
	return g_steal_pointer(&base);
}

/**
 * hermes_profile_get_root:
 * @ctx: a #HermesContext
 *
 * The profile root is `$HERMES_HOME` (default `~/.hermes`). When
 * `$HERMES_HOME` itself is `<root>/profiles/<name>` (a supervised gateway),
 * the root is `<root>`.
 *
 * Returns: (transfer full): the profile root directory
 */
gchar *
hermes_profile_get_root(HermesContext *ctx)
{
	g_autofree gchar *home = hermes_context_get_hermes_home(ctx);
	g_autofree gchar *name = hermes_profile_name_from_home(home);
	g_autofree gchar *parent = NULL;
	if (name == NULL)
		return g_steal_pointer(&home);
	parent = g_path_get_dirname(home);
	return g_path_get_dirname(parent);
}

/**
 * hermes_profile_get_current_name:
 * @ctx: a #HermesContext
 *
 * Returns: (transfer full): the profile `$HERMES_HOME` selects, `default` for the root
 */
gchar *
hermes_profile_get_current_name(HermesContext *ctx)
{
	g_autofree gchar *home = hermes_context_get_hermes_home(ctx);
	gchar *name = hermes_profile_name_from_home(home);
	return name != NULL ? name : g_strdup(HERMES_PROFILE_DEFAULT);
}

/**
 * hermes_profile_home_in_root:
 * @root: a profile root, as hermes_profile_get_root() returns it
 * @name: a valid profile name
 *
 * The one place that says where a profile lives: the root itself for
 * `default`, `<root>/profiles/<name>` otherwise. Backends use it to reach
 * the home of the profile they act on, never the caller's.
 *
 * Returns: (transfer full): the profile's `HERMES_HOME`
 */
gchar *
hermes_profile_home_in_root(const gchar *root, const gchar *name)
{
	g_return_val_if_fail(root != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);
	if (g_strcmp0(name, HERMES_PROFILE_DEFAULT) == 0)
		return g_strdup(root);
	return g_build_filename(root, "profiles", name, NULL);
}

static HermesProfile *
hermes_profile_new(const gchar *name, const gchar *root)
{
	HermesProfile *self = g_object_new(HERMES_TYPE_PROFILE, NULL);
	self->name = g_strdup(name);
	self->home = hermes_profile_home_in_root(root, name);
	self->root = g_strdup(root);
	return self;
}

/**
 * hermes_profile_lookup:
 * @ctx: a #HermesContext
 * @name: a profile name
 * @error: return location for a #GError
 *
 * Resolves @name to its home directory without touching the disk.
 *
 * Returns: (transfer full) (nullable): the profile, or %NULL if @name is invalid
 */
HermesProfile *
hermes_profile_lookup(HermesContext *ctx, const gchar *name, GError **error)
{
	g_autofree gchar *root = NULL;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	if (!hermes_profile_name_validate(name, error))
		return NULL;
	root = hermes_profile_get_root(ctx);
	return hermes_profile_new(name, root);
}

/* @dir must be a real directory beneath @root, reached without links */
static gboolean
hermes_profile_check_dir(const gchar *root, const gchar *dir, GError **error)
{
	gint fd = hermes_safe_open_dir(root, dir, error);
	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

static gboolean
hermes_profile_populate(const gchar *staging, const gchar *root, GError **error)
{
	g_autofree gchar *soul_path = g_build_filename(staging, HERMES_PROFILE_SOUL_FILE, NULL);
	g_autofree gchar *env_path = g_build_filename(staging, ".env", NULL);
	g_autofree gchar *root_soul = g_build_filename(root, HERMES_PROFILE_SOUL_FILE, NULL);
	g_autofree gchar *soul = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(hermes_profile_subdirs); i++) {
		g_autofree gchar *sub = g_build_filename(staging, hermes_profile_subdirs[i], NULL);
		if (g_mkdir(sub, 0755) != 0) {
			hermes_error_set_errno(error, errno, "cannot create %s", sub);
			return FALSE;
		}
	}
	if (!hermes_file_write_atomic(env_path, hermes_profile_env_seed, -1, 0600, error))
		return FALSE;
	/* a new profile starts from the root profile's soul when there is one; a
	 * link, a FIFO or a huge file there is not a soul (it could be a secret) */
	soul = hermes_safe_file_read(root, root_soul, HERMES_SAFE_MAX_TEXT, NULL, NULL);
	if (soul == NULL)
		soul = g_strdup(hermes_profile_soul_seed);
	return hermes_file_write_atomic(soul_path, soul, -1, 0644, error);
}

/**
 * hermes_profile_create:
 * @ctx: a #HermesContext
 * @name: a new profile name
 * @error: return location for a #GError
 *
 * Creates `<root>/profiles/<name>` with `SOUL.md`, a mode-0600 `.env`,
 * `logs/` and the other directories hermes-agent expects. The tree is built in a hidden staging directory and appears in
 * one rename, so a failure leaves nothing behind.
 *
 * Returns: (transfer full) (nullable): the new profile
 */
HermesProfile *
hermes_profile_create(HermesContext *ctx, const gchar *name, GError **error)
{
	g_autoptr(HermesProfile) profile = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *root = NULL;
	g_autofree gchar *parent = NULL;
	g_autofree gchar *staging = NULL;
	struct stat st;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	profile = hermes_profile_lookup(ctx, name, error);
	if (profile == NULL)
		return NULL;
	root = hermes_profile_get_root(ctx);
	if (hermes_profile_is_default(profile)) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_INVALID_ARGUMENT,
			"cannot create a profile named 'default': it is the built-in profile (%s)",
			root);
		return NULL;
	}
	if (hermes_profile_exists(profile)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ALREADY_EXISTS,
			    "profile '%s' already exists (%s)",
			    name,
			    profile->home);
		return NULL;
	}
	if (hermes_safe_file_stat(root, profile->home, &st, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ALREADY_EXISTS,
			    "%s is in the way of profile '%s' but is not a profile (no SOUL.md); "
			    "remove it or run 'hermes profile delete %s'",
			    profile->home,
			    name,
			    name);
		return NULL;
	}
	parent = g_path_get_dirname(profile->home);
	if (g_mkdir_with_parents(parent, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", parent);
		return NULL;
	}
	/* a profiles/ that is a link would put the new profile somewhere else */
	if (!hermes_profile_check_dir(root, parent, error))
		return NULL;
	staging = g_strdup_printf("%s/.%s.new-XXXXXX", parent, name);
	if (g_mkdtemp_full(staging, 0755) == NULL) {
		hermes_error_set_errno(
			error, errno, "cannot create a staging directory in %s", parent);
		return NULL;
	}
	if (!hermes_profile_populate(staging, root, &error_local) ||
	    !hermes_platform_rename_noreplace(staging, profile->home, &error_local)) {
		/* best effort: the staging dir is hidden, so a leftover is harmless */
		hermes_safe_remove_tree(root, staging, NULL);
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "profile '%s' already exists (%s)",
				    name,
				    profile->home);
			return NULL;
		}
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot create profile '%s': ", name);
		return NULL;
	}
	if (!hermes_platform_fsync_dir(parent, error))
		return NULL;
	return g_steal_pointer(&profile);
}

/**
 * hermes_profile_stop_stray_gateway:
 * @self: a #HermesProfile
 * @warning: (out) (optional) (nullable) (transfer full): set when a live process
 *   stands behind a record that does not prove it is this profile's gateway
 *   (a stale or poisoned record); it is left alone
 * @error: return location for a #GError
 *
 * Stops a gateway of this profile that runs outside any supervisor, as an
 * operator stop (the planned-stop marker first, then SIGTERM through a pidfd),
 * but only if hermes_pid_record_open_process() proves that its `gateway.pid`
 * record names this very home (upstream #89315: a poisoned record made one
 * profile's delete kill another's gateway). No record is success.
 * hermes_profile_delete() calls it; a caller that wants to show @warning calls
 * it first.
 *
 * Returns: %TRUE if no stray gateway of this profile runs any more;
 *   %HERMES_ERROR_TIMED_OUT if it did not stop within 10 s
 */
gboolean
hermes_profile_stop_stray_gateway(HermesProfile *self, gchar **warning, GError **error)
{
	g_autofree gchar *root = NULL;
	g_autofree gchar *pid_path = NULL;
	g_autofree gchar *canonical = NULL;
	g_autoptr(HermesPidRecord) record = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean ok;
	gint pidfd = -1;

	g_return_val_if_fail(HERMES_IS_PROFILE(self), FALSE);
	root = g_path_get_dirname(self->home);
	pid_path = g_build_filename(self->home, "gateway.pid", NULL);
	/* a named profile's home sits in <root>/profiles: nothing below that is followed */
	canonical = hermes_pid_canonical_home(root, self->home, &error_local);
	if (canonical != NULL)
		record = hermes_pid_record_load(root, pid_path, &error_local);
	if (record == NULL)
		return TRUE;
	if (!hermes_pid_record_open_process(record, canonical, &pidfd, &error_local)) {
		/* a live process behind a record that does not prove it: say so, leave it */
		if (hermes_platform_process_alive(hermes_pid_record_get_pid(record))) {
			g_debug("%s (a stale or poisoned record)", error_local->message);
			if (warning != NULL)
				*warning = g_strdup_printf("%s (a stale or poisoned record)",
							   error_local->message);
		}
		return TRUE;
	}
	ok = hermes_planned_stop_write(self->home, hermes_pid_record_get_pid(record), error) &&
	     hermes_pid_record_send_signal(record, pidfd, SIGTERM, error);
	if (ok && !hermes_pid_record_wait_exit(record, pidfd, 10000)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_TIMED_OUT,
			    "profile '%s' kept: its gateway (pid %" G_GINT64_FORMAT
			    ") did not stop within 10 s",
			    self->name,
			    hermes_pid_record_get_pid(record));
		ok = FALSE;
	}
	if (pidfd >= 0)
		close(pidfd);
	return ok;
}

/**
 * hermes_profile_delete:
 * @ctx: a #HermesContext
 * @name: a named profile
 * @error: return location for a #GError
 *
 * Removes the profile's tree. It is first renamed to a hidden name so
 * it stops being a profile at once, even if the removal is interrupted.
 * A gateway of this profile running outside any supervisor, proven by its
 * `gateway.pid` record, is stopped first (hermes_profile_stop_stray_gateway());
 * unregistering its slot from a supervisor is the caller's part.
 *
 * Returns: %TRUE on success; %HERMES_ERROR_NOT_FOUND if there is no such profile,
 *   %HERMES_ERROR_TIMED_OUT if its gateway did not stop (the profile is kept)
 */
gboolean
hermes_profile_delete(HermesContext *ctx, const gchar *name, GError **error)
{
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *parent = NULL;
	g_autofree gchar *graveyard = NULL;
	struct stat st;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), FALSE);
	profile = hermes_profile_lookup(ctx, name, error);
	if (profile == NULL)
		return FALSE;
	if (hermes_profile_is_default(profile)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "cannot delete the default profile");
		return FALSE;
	}
	if (!hermes_safe_file_stat(profile->root, profile->home, &st, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "no such profile '%s' (%s does not exist)",
			    name,
			    profile->home);
		return FALSE;
	}
	/* only a profile is removed: a link, or a directory someone put there
	 * without the marker, is not ours to delete */
	if (!hermes_profile_exists(profile)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing to delete %s: it is not a profile (%s); remove it by hand "
			    "if it is yours",
			    profile->home,
			    S_ISLNK(st.st_mode) ? "a symbolic link"
						: "no SOUL.md in a real directory");
		return FALSE;
	}
	if (!hermes_profile_stop_stray_gateway(profile, NULL, error))
		return FALSE;
	parent = g_path_get_dirname(profile->home);
	graveyard = g_strdup_printf("%s/.%s.deleted-%08x", parent, name, g_random_int());
	if (g_rename(profile->home, graveyard) != 0) {
		hermes_error_set_errno(error, errno, "cannot delete profile '%s'", name);
		return FALSE;
	}
	if (!hermes_platform_fsync_dir(parent, error))
		return FALSE;
	if (!hermes_safe_remove_tree(profile->root, graveyard, error)) {
		g_prefix_error(
			error, "profile '%s' is gone, but removing its files failed: ", name);
		return FALSE;
	}
	return TRUE;
}

static gint
hermes_profile_cmp(gconstpointer a, gconstpointer b)
{
	return hermes_profile_name_compare((*(HermesProfile **)a)->name,
					   (*(HermesProfile **)b)->name);
}

/*
 * The marker of one listed entry. Where the directory says the entry is a
 * directory (not a link), one fstatat() answers, as `status --all` asks it
 * of every profile; a link swapped in after the listing could only make a
 * name appear, and nothing is ever opened through it: every file of a
 * profile is opened beneath the home by the safe file layer, which refuses
 * it. Otherwise the safe layer looks, links refused at every step.
 */
static gboolean
hermes_profile_list_has_marker(gint fd,
			       const gchar *profiles_dir,
			       const struct dirent *entry,
			       const gchar *marker,
			       struct stat *st)
{
	if (entry->d_type == DT_DIR)
		return fstatat(fd, marker, st, AT_SYMLINK_NOFOLLOW) == 0;
	if (entry->d_type != DT_UNKNOWN)
		return FALSE;
	return hermes_safe_file_stat_at(fd, profiles_dir, marker, st, NULL);
}

/**
 * hermes_profile_list:
 * @ctx: a #HermesContext
 * @error: return location for a #GError
 *
 * Lists `default` and every directory of `<root>/profiles/` that has a
 * valid name and the `SOUL.md` marker, sorted by name. Hidden staging or
 * deleted trees and invalid names are skipped.
 *
 * Returns: (transfer container) (element-type HermesProfile): the profiles
 */
GPtrArray *
hermes_profile_list(HermesContext *ctx, GError **error)
{
	g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func(g_object_unref);
	g_autofree gchar *root = NULL;
	g_autofree gchar *profiles_dir = NULL;
	struct dirent *entry;
	DIR *dir;
	gint fd;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	root = hermes_profile_get_root(ctx);
	g_ptr_array_add(profiles, hermes_profile_new(HERMES_PROFILE_DEFAULT, root));
	profiles_dir = g_build_filename(root, "profiles", NULL);
	/* a linked profiles/ is not listed: nothing under it would be trusted; the
	 * markers are looked up beneath this one fd, not walked to from / each */
	fd = hermes_safe_open_dir(root, profiles_dir, NULL);
	if (fd < 0)
		return g_steal_pointer(&profiles);
	dir = fdopendir(fd);
	if (dir == NULL) {
		hermes_error_set_errno(error, errno, "cannot list %s", profiles_dir);
		close(fd);
		return NULL;
	}
	while ((entry = readdir(dir)) != NULL) {
		g_autofree gchar *marker = NULL;
		struct stat st;
		if (entry->d_name[0] == '.' ||
		    g_strcmp0(entry->d_name, HERMES_PROFILE_DEFAULT) == 0 ||
		    !hermes_profile_name_validate(entry->d_name, NULL))
			continue;
		marker = g_build_filename(entry->d_name, HERMES_PROFILE_SOUL_FILE, NULL);
		/* the rule of hermes_profile_exists(), beneath the listed directory */
		if (hermes_profile_list_has_marker(fd, profiles_dir, entry, marker, &st) &&
		    S_ISREG(st.st_mode))
			g_ptr_array_add(profiles, hermes_profile_new(entry->d_name, root));
	}
	closedir(dir);
	g_ptr_array_sort(profiles, hermes_profile_cmp);
	return g_steal_pointer(&profiles);
}

/**
 * hermes_profile_get_name:
 * @self: a #HermesProfile
 *
 * Returns: the profile name
 */
const gchar *
hermes_profile_get_name(HermesProfile *self)
{
	g_return_val_if_fail(HERMES_IS_PROFILE(self), NULL);
	return self->name;
}

/**
 * hermes_profile_get_home:
 * @self: a #HermesProfile
 *
 * Returns: the profile's `HERMES_HOME`
 */
const gchar *
hermes_profile_get_home(HermesProfile *self)
{
	g_return_val_if_fail(HERMES_IS_PROFILE(self), NULL);
	return self->home;
}

/**
 * hermes_profile_is_default:
 * @self: a #HermesProfile
 *
 * Returns: %TRUE for the root profile
 */
gboolean
hermes_profile_is_default(HermesProfile *self)
{
	g_return_val_if_fail(HERMES_IS_PROFILE(self), FALSE);
	return g_strcmp0(self->name, HERMES_PROFILE_DEFAULT) == 0;
}

/**
 * hermes_profile_exists:
 * @self: a #HermesProfile
 *
 * The default profile exists when its root directory does; a named one
 * when its `SOUL.md` marker does.
 *
 * Returns: %TRUE if the profile exists on disk
 */
gboolean
hermes_profile_exists(HermesProfile *self)
{
	g_autofree gchar *marker = NULL;
	struct stat st;
	g_return_val_if_fail(HERMES_IS_PROFILE(self), FALSE);
	if (hermes_profile_is_default(self))
		return g_file_test(self->home, G_FILE_TEST_IS_DIR);
	/* resolved beneath the root without links: a profile directory that is a
	 * link into another home is not a profile of this one */
	marker = g_build_filename(self->home, HERMES_PROFILE_SOUL_FILE, NULL);
	return hermes_safe_file_stat(self->root, marker, &st, NULL) && S_ISREG(st.st_mode);
}

/**
 * hermes_profile_get_trusted_root:
 * @self: a #HermesProfile
 *
 * The directory every file of this profile is resolved beneath (the profile
 * root, `$HERMES_HOME` of the default profile): pass it as the root to the
 * safe file layer so a link inside the tree cannot lead elsewhere.
 *
 * Returns: the trusted root
 */
const gchar *
hermes_profile_get_trusted_root(HermesProfile *self)
{
	g_return_val_if_fail(HERMES_IS_PROFILE(self), NULL);
	return self->root;
}
