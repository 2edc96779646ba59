/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor`, the checks that need no backend: who owns HERMES_HOME,
 * whether hermes-svcd has a bus to publish on, and which backend files
 * the loader refused. Nothing here connects or waits: a bus is judged by
 * its address or socket, never by connecting to it.
 */

#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hermes-doctor-private.h"
#include "hermes-error.h"
#include "hermes-home-trust.h"
#include "hermes-platform.h"
#include "hermes-plugin.h"
#include "hermes-profile.h"

static gchar *
hermes_doctor_user_name(guint32 uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);
	if (pw != NULL && pw->pw_name != NULL)
		return g_strdup(pw->pw_name);
	return g_strdup_printf("%u", uid);
}

/* `sudo ` unless already root */
static const gchar *
hermes_doctor_sudo(guint32 euid)
{
	return euid == 0 ? "" : "sudo ";
}

/*
 * hermes_doctor_home_finding:
 * @home: the profile root
 * @euid: who acts on it
 *
 * A home every user may write is refused by core; one another user owns is
 * acted on as that user by root (core/platform/hermes-home-trust.c), and
 * cannot be written by anyone else.
 */
HermesDoctorFinding *
hermes_doctor_home_finding(const gchar *home, guint32 euid)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *owner_name = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *cause = NULL;
	g_autofree gchar *fix = NULL;
	HermesHomeTrust trust;
	guint32 owner = euid;

	if (!hermes_home_trust_check(home, euid, &trust, &owner, &error_local)) {
		fix = g_strdup_printf("%schmod o-w %s", hermes_doctor_sudo(euid), home);
		return hermes_doctor_finding_new_fail(
			"home-owner", home, error_local->message, fix);
	}
	if (owner == euid || euid == 0) {
		owner_name = hermes_doctor_user_name(owner);
		cause = g_strdup_printf(
			"owned by %s%s", owner_name, owner != euid ? ", whom root acts as" : "");
		return hermes_doctor_finding_new_ok("home-owner", home, cause);
	}
	owner_name = hermes_doctor_user_name(owner);
	user = hermes_doctor_user_name(euid);
	cause = g_strdup_printf("HERMES_HOME is owned by %s, not by %s: this user cannot write "
				"its state files",
				owner_name,
				user);
	fix = g_strdup_printf("sudo chown -R %s: %s", user, home);
	return hermes_doctor_finding_new_fail("home-owner", home, cause, fix);
}

void
hermes_doctor_check_home(HermesContext *ctx, GPtrArray *findings)
{
	g_autofree gchar *root = hermes_profile_get_root(ctx);
	g_ptr_array_add(findings, hermes_doctor_home_finding(root, hermes_platform_get_euid()));
}

/*
 * Whether something listens on the Unix socket at @path. A dbus-daemon that
 * died leaves its socket file behind, so existing is not enough; a connect
 * says it at once, without a D-Bus handshake that could wait on a stuck peer
 * (non-blocking: a full backlog, EAGAIN, still means a listener).
 */
static gboolean
hermes_doctor_socket_listens(const gchar *path, gchar **why)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint fd;
	gint rc;
	gint errsv;

	if (strlen(path) >= sizeof(addr.sun_path))
		return TRUE; /* not reachable by path here; believed */
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return TRUE;
	rc = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	errsv = errno;
	close(fd);
	if (rc == 0 || errsv == EAGAIN || errsv == EINPROGRESS)
		return TRUE;
	if (errsv == ENOENT)
		*why = g_strdup_printf("%s does not exist", path);
	else if (errsv == ECONNREFUSED)
		*why = g_strdup_printf("nothing listens on %s (a stale socket)", path);
	else
		*why = g_strdup_printf("cannot connect to %s: %s", path, g_strerror(errsv));
	return FALSE;
}

/* a `unix:path=` address names a socket something must listen on; other kinds are believed */
static gboolean
hermes_doctor_address_usable(const gchar *address, gchar **why)
{
	g_auto(GStrv) parts = NULL;
	if (address == NULL || address[0] == '\0')
		return FALSE;
	parts = g_strsplit(address, ",", -1);
	for (guint i = 0; parts[i] != NULL; i++) {
		const gchar *path = NULL;
		if (g_str_has_prefix(parts[i], "unix:path="))
			path = parts[i] + strlen("unix:path=");
		if (path == NULL)
			continue;
		if (!hermes_doctor_socket_listens(path, why))
			return FALSE;
	}
	return TRUE;
}

static gboolean
hermes_doctor_bus_found(
	HermesContext *ctx, const gchar *variable, const gchar *socket, gchar **where, GString *why)
{
	const gchar *address = hermes_context_getenv(ctx, variable);
	g_autofree gchar *reason = NULL;
	if (address != NULL && address[0] != '\0') {
		if (hermes_doctor_address_usable(address, &reason)) {
			*where = g_strdup_printf("%s=%s", variable, address);
			return TRUE;
		}
		g_string_append_printf(why, "%s%s: %s", why->len > 0 ? "; " : "", variable, reason);
		return FALSE;
	}
	if (socket != NULL && hermes_doctor_socket_listens(socket, &reason)) {
		*where = g_strdup(socket);
		return TRUE;
	}
	g_string_append_printf(why,
			       "%s%s unset and %s",
			       why->len > 0 ? "; " : "",
			       variable,
			       reason != NULL ? reason : "XDG_RUNTIME_DIR unset");
	return FALSE;
}

void
hermes_doctor_check_bus(HermesContext *ctx, GPtrArray *findings)
{
	g_autofree gchar *system = hermes_context_build_path(ctx, "/run/dbus/system_bus_socket");
	const gchar *runtime = hermes_context_getenv(ctx, "XDG_RUNTIME_DIR");
	g_autofree gchar *session = NULL;
	g_autofree gchar *where = NULL;
	g_autofree gchar *cause = NULL;
	g_autoptr(GString) why = g_string_new(NULL);

	if (runtime != NULL && g_path_is_absolute(runtime))
		session = g_build_filename(runtime, "bus", NULL);
	if (hermes_doctor_bus_found(ctx, "DBUS_SYSTEM_BUS_ADDRESS", system, &where, why) ||
	    hermes_doctor_bus_found(ctx, "DBUS_SESSION_BUS_ADDRESS", session, &where, why)) {
		cause = g_strdup_printf("hermes-svcd has a bus: %s", where);
		g_ptr_array_add(findings, hermes_doctor_finding_new_ok("bus", NULL, cause));
		return;
	}
	cause = g_strdup_printf("no session or system bus for hermes-svcd (%s)", why->str);
	g_ptr_array_add(findings,
			hermes_doctor_finding_new_fail("bus",
						       NULL,
						       cause,
						       hermes_platform_get_euid() == 0
							       ? "service dbus start"
							       : "sudo service dbus start"));
}

static gchar *
hermes_doctor_backend_fix(HermesPlugin *plugin)
{
	const gchar *path = hermes_plugin_get_path(plugin);
	const gchar *sudo = hermes_doctor_sudo(hermes_platform_get_euid());
	HermesError code = hermes_plugin_get_refusal_code(plugin);
	if (code == HERMES_ERROR_PERMISSION_DENIED)
		return g_strdup_printf(
			"%schown root: %s && %schmod go-w %s", sudo, path, sudo, path);
	if (code == HERMES_ERROR_ABI_MISMATCH)
		return g_strdup_printf("%srm %s (then reinstall the backend built for this "
				       "hermes-svc)",
				       sudo,
				       path);
	return g_strdup_printf("%srm %s", sudo, path);
}

void
hermes_doctor_check_backends(GPtrArray *plugins, GPtrArray *findings)
{
	guint refused = 0;
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *plugin = g_ptr_array_index(plugins, i);
		g_autofree gchar *cause = NULL;
		g_autofree gchar *fix = NULL;
		if (hermes_plugin_get_state(plugin) != HERMES_PLUGIN_STATE_REFUSED)
			continue;
		refused++;
		cause = g_strdup_printf("backend '%s' refused by the loader: %s",
					hermes_plugin_get_name(plugin),
					hermes_plugin_get_refusal(plugin));
		fix = hermes_doctor_backend_fix(plugin);
		g_ptr_array_add(
			findings,
			hermes_doctor_finding_new_fail(
				"backend-refused", hermes_plugin_get_path(plugin), cause, fix));
	}
	if (refused == 0)
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_ok(
					"backend-refused", NULL, "no backend file was refused"));
}
