/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Trust of a home when hermes runs privileged. A user owns their
 * `HERMES_HOME` and everything in it: scripts, slots, state files. Root acting
 * on that tree must never run what the user planted there as root, so before
 * any command touches a home, core decides once:
 *
 *  - a home every user may write is refused, whoever asks;
 *  - root over a home another user owns acts as that user: it drops to the
 *    owner's uid, gid and groups for the whole command, so an embedded s6
 *    tree started from there runs as the owner, and every file it creates
 *    belongs to them (OpenSSH's privilege separation, in one step);
 *  - the exceptions stay root on purpose: an s6-overlay container's boot
 *    (its scandir is root's /run/service and its slots run the gateway as
 *    HERMES_GATEWAY_USER) and system scope (`--system`, which needs root);
 *    there the safe file layer is what keeps root from following the user's
 *    links, FIFOs and hard links.
 */

#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-home-trust.h"
#include "hermes-platform-private.h"
#include "hermes-profile.h"

/**
 * hermes_home_trust_check:
 * @home: the profile root (`HERMES_HOME`)
 * @euid: the effective uid about to act on it
 * @trust: (out): who the home belongs to, seen from @euid
 * @owner_uid: (out) (optional): the home's owner
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HERMES_ERROR_PERMISSION_DENIED when nobody should act
 * on @home (every user may write it), else %TRUE
 */
gboolean
hermes_home_trust_check(
	const gchar *home, guint32 euid, HermesHomeTrust *trust, guint32 *owner_uid, GError **error)
{
	struct stat st;

	g_return_val_if_fail(home != NULL, FALSE);
	g_return_val_if_fail(trust != NULL, FALSE);
	*trust = HERMES_HOME_TRUST_OWN;
	if (owner_uid != NULL)
		*owner_uid = euid;
	if (stat(home, &st) != 0) {
		/* a missing home is created by this very caller */
		if (errno == ENOENT)
			return TRUE;
		hermes_error_set_errno(error, errno, "cannot inspect HERMES_HOME %s", home);
		return FALSE;
	}
	if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing HERMES_HOME %s: every user may write it (fix: chmod o-w %s)",
			    home,
			    home);
		return FALSE;
	}
	if (owner_uid != NULL)
		*owner_uid = st.st_uid;
	if (st.st_uid != euid && euid == 0)
		*trust = HERMES_HOME_TRUST_FOREIGN;
	return TRUE;
}

/* s6-overlay's boot: PID 1 is s6-svscan and /run/s6/basedir exists */
static gboolean
hermes_home_trust_in_container(HermesContext *ctx)
{
	g_autofree gchar *comm_path = hermes_context_build_path(ctx, "/proc/1/comm");
	g_autofree gchar *basedir = hermes_context_build_path(ctx, "/run/s6/basedir");
	g_autofree gchar *comm = hermes_platform_read_proc(comm_path, NULL);
	if (comm == NULL)
		return FALSE;
	g_strchomp(comm);
	return g_strcmp0(comm, "s6-svscan") == 0 && g_file_test(basedir, G_FILE_TEST_IS_DIR);
}

static gboolean
hermes_home_trust_become(guint32 uid, const gchar *home, GError **error)
{
	struct passwd *pw = getpwuid((uid_t)uid);
	gid_t gid;

	if (pw == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing to act as root on HERMES_HOME %s: its owner (uid %u) has no "
			    "account to act as (fix: chown it to an account, or run as its owner)",
			    home,
			    uid);
		return FALSE;
	}
	gid = pw->pw_gid;
	if (initgroups(pw->pw_name, gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) {
		hermes_error_set_errno(
			error, errno, "cannot act as %s, the owner of %s", pw->pw_name, home);
		return FALSE;
	}
	/* no way back: a later bug must not be able to regain root */
	if (setuid(0) == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "dropping to %s did not stick; refusing to go on as root",
			    pw->pw_name);
		return FALSE;
	}
	g_debug("acting as %s (uid %u), the owner of %s", pw->pw_name, uid, home);
	return TRUE;
}

/**
 * hermes_home_trust_enforce:
 * @ctx: a #HermesContext
 * @error: return location for a #GError
 *
 * The rule every front door applies before a command touches the profile
 * root: refuse a home every user may write; as root over another user's
 * home, become that user (except in an s6-overlay container's boot and in
 * system scope, which need root and rely on the safe file layer).
 *
 * Returns: %TRUE when the command may go on (possibly as another user)
 */
gboolean
hermes_home_trust_enforce(HermesContext *ctx, GError **error)
{
	g_autofree gchar *root = NULL;
	HermesHomeTrust trust;
	guint32 owner = 0;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), FALSE);
	root = hermes_profile_get_root(ctx);
	if (!hermes_home_trust_check(root, (guint32)geteuid(), &trust, &owner, error))
		return FALSE;
	if (trust == HERMES_HOME_TRUST_OWN)
		return TRUE;
	if (hermes_context_get_scope(ctx) == HERMES_SCOPE_SYSTEM ||
	    hermes_home_trust_in_container(ctx))
		return TRUE;
	return hermes_home_trust_become(owner, root, error);
}
