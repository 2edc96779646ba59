/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where the manager of a scope can be reached, found by looking at the
 * filesystem only; nothing here connects.
 *
 * The user manager is on the user's bus (`$DBUS_SESSION_BUS_ADDRESS`, or
 * `$XDG_RUNTIME_DIR/bus`); the system manager on the system bus. Both also
 * listen on a private peer-to-peer socket (`systemd/private`), used when
 * no bus is there (a host without dbus-user-session). From su, sudo, cron
 * or an installer the variables are missing or name another user's
 * directory (upstream #86558): they are derived from the uid instead, and
 * the notes say so. Every path goes through the context's root.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <sys/stat.h>

#include "hermes-systemd-endpoints.h"

/**
 * hermes_systemd_scope_from_env:
 * @ctx: the machine
 * @scope: (out): the user or the system manager
 * @error: return location for a #GError
 *
 * The context's scope (`--system`), else `HERMES_SYSTEMD_SCOPE`; anything
 * but `user` or `system` is refused.
 *
 * Returns: %TRUE if @scope was set
 */
gboolean
hermes_systemd_scope_from_env(HermesContext *ctx, HermesSystemdScope *scope, GError **error)
{
	const gchar *value = hermes_context_getenv(ctx, "HERMES_SYSTEMD_SCOPE");
	/* the context's scope (--system); the variable stays as the documented override */
	if (hermes_context_get_scope(ctx) == HERMES_SCOPE_SYSTEM)
		value = "system";
	if (value == NULL || value[0] == '\0' || g_strcmp0(value, "user") == 0) {
		*scope = HERMES_SYSTEMD_SCOPE_USER;
		return TRUE;
	}
	if (g_strcmp0(value, "system") == 0) {
		*scope = HERMES_SYSTEMD_SCOPE_SYSTEM;
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_ARGUMENT,
		    "HERMES_SYSTEMD_SCOPE=%s: use 'user' or 'system'",
		    value);
	return FALSE;
}

static gchar *
hermes_systemd_user_name(guint32 uid)
{
	struct passwd pwd;
	struct passwd *result = NULL;
	gchar buf[4096];
	if (getpwuid_r((uid_t)uid, &pwd, buf, sizeof(buf), &result) == 0 && result != NULL)
		return g_strdup(result->pw_name);
	return g_strdup_printf("uid %u", uid);
}

/* the path of a `unix:path=` address (unescaped), or NULL for any other transport */
static gchar *
hermes_systemd_address_path(const gchar *address)
{
	const gchar *start;
	const gchar *end;
	g_autofree gchar *escaped = NULL;
	/* only a single-entry address is taken apart; anything else is used verbatim */
	if (!g_str_has_prefix(address, "unix:") || strchr(address, ';') != NULL)
		return NULL;
	start = strstr(address, "path=");
	if (start == NULL)
		return NULL;
	start += strlen("path=");
	end = strchr(start, ',');
	escaped = end != NULL ? g_strndup(start, end - start) : g_strdup(start);
	return g_uri_unescape_string(escaped, NULL);
}

gchar *
hermes_systemd_unix_address(const gchar *path)
{
	g_autofree gchar *escaped = g_dbus_address_escape_value(path);
	return g_strconcat("unix:path=", escaped, NULL);
}

/**
 * hermes_systemd_env_address:
 * @ctx: the machine
 * @name: the variable, `DBUS_SESSION_BUS_ADDRESS` or `DBUS_SYSTEM_BUS_ADDRESS`
 * @owner: the uid the socket must belong to, or -1 for any
 * @trust_other: whether an address that is not `unix:path=` may be used as is
 * @notes: why a value was ignored is added here
 *
 * A bus address from the environment: its socket must exist and, for a
 * user bus, be ours.
 *
 * Returns: (transfer full) (nullable): the address to use
 */
gchar *
hermes_systemd_env_address(
	HermesContext *ctx, const gchar *name, gint64 owner, gboolean trust_other, GPtrArray *notes)
{
	const gchar *value = hermes_context_getenv(ctx, name);
	g_autofree gchar *path = NULL;
	g_autofree gchar *full = NULL;
	GStatBuf st;

	if (value == NULL || value[0] == '\0')
		return NULL;
	path = hermes_systemd_address_path(value);
	if (path == NULL) {
		/* abstract sockets, tcp, lists: nothing to check; never against a test root */
		if (trust_other && g_strcmp0(hermes_context_get_root(ctx), "/") == 0)
			return g_strdup(value);
		g_ptr_array_add(notes, g_strdup_printf("%s=%s ignored", name, value));
		return NULL;
	}
	full = hermes_context_build_path(ctx, path);
	if (g_lstat(full, &st) != 0) {
		g_ptr_array_add(
			notes,
			g_strdup_printf("%s=%s ignored: %s does not exist", name, value, full));
		return NULL;
	}
	if (owner >= 0 && st.st_uid != (uid_t)owner) {
		g_ptr_array_add(notes,
				g_strdup_printf("%s=%s ignored: it belongs to uid %u, not %u",
						name,
						value,
						(guint)st.st_uid,
						(guint)owner));
		return NULL;
	}
	return hermes_systemd_unix_address(full);
}

gboolean
hermes_systemd_is_socket(const gchar *path)
{
	GStatBuf st;
	return g_stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* XDG_RUNTIME_DIR if it is ours, else /run/user/<uid>; TRUE if the variable is someone else's */
static gboolean
hermes_systemd_endpoints_runtime_dir(HermesSystemdEndpoints *self, HermesContext *ctx)
{
	const gchar *env_runtime = hermes_context_getenv(ctx, "XDG_RUNTIME_DIR");
	g_autofree gchar *uid_dir = g_strdup_printf("/run/user/%u", self->uid);
	g_autofree gchar *derived = hermes_context_build_path(ctx, uid_dir);
	gboolean foreign = FALSE;
	GStatBuf st;

	if (env_runtime != NULL && env_runtime[0] != '\0') {
		g_autofree gchar *full = g_path_is_absolute(env_runtime)
						 ? hermes_context_build_path(ctx, env_runtime)
						 : NULL;
		if (full == NULL) {
			g_ptr_array_add(self->notes,
					g_strdup_printf("XDG_RUNTIME_DIR=%s ignored: not absolute",
							env_runtime));
		} else if (g_stat(full, &st) != 0 || !S_ISDIR(st.st_mode)) {
			g_ptr_array_add(
				self->notes,
				g_strdup_printf("XDG_RUNTIME_DIR=%s ignored: not a directory",
						env_runtime));
		} else if (st.st_uid != (uid_t)self->uid) {
			/* leaked from su or sudo: that is someone else's manager (upstream #86558) */
			foreign = TRUE;
			g_ptr_array_add(self->notes,
					g_strdup_printf("XDG_RUNTIME_DIR=%s ignored: it belongs to "
							"uid %u, not %u",
							env_runtime,
							(guint)st.st_uid,
							self->uid));
		} else {
			self->runtime_dir = g_steal_pointer(&full);
		}
	}
	if (self->runtime_dir == NULL) {
		if (g_stat(derived, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == (uid_t)self->uid) {
			self->runtime_dir = g_strdup(derived);
			g_ptr_array_add(
				self->notes,
				g_strdup_printf("%susing %s",
						env_runtime == NULL || env_runtime[0] == '\0'
							? "XDG_RUNTIME_DIR is not set: "
							: "",
						derived));
		} else {
			g_ptr_array_add(
				self->notes,
				g_strdup_printf("%s does not exist: %s has no login session "
						"and no lingering user manager",
						derived,
						self->user));
		}
	}
	return foreign;
}

static void
hermes_systemd_endpoints_user(HermesSystemdEndpoints *self, HermesContext *ctx)
{
	gboolean foreign = hermes_systemd_endpoints_runtime_dir(self, ctx);

	self->bus_address = hermes_systemd_env_address(
		ctx, "DBUS_SESSION_BUS_ADDRESS", self->uid, !foreign, self->notes);
	if (self->bus_address == NULL && self->runtime_dir != NULL) {
		g_autofree gchar *bus = g_build_filename(self->runtime_dir, "bus", NULL);
		if (hermes_systemd_is_socket(bus)) {
			const gchar *env_bus =
				hermes_context_getenv(ctx, "DBUS_SESSION_BUS_ADDRESS");
			self->bus_address = hermes_systemd_unix_address(bus);
			if (env_bus == NULL || env_bus[0] == '\0')
				g_ptr_array_add(
					self->notes,
					g_strdup_printf("DBUS_SESSION_BUS_ADDRESS is not set: "
							"using %s",
							self->bus_address));
		}
	}
	if (self->runtime_dir != NULL) {
		g_autofree gchar *private_path =
			g_build_filename(self->runtime_dir, "systemd", "private", NULL);
		if (hermes_systemd_is_socket(private_path))
			self->private_path = g_steal_pointer(&private_path);
	}
}

static void
hermes_systemd_endpoints_system(HermesSystemdEndpoints *self, HermesContext *ctx)
{
	g_autofree gchar *bus = hermes_context_build_path(ctx, "/run/dbus/system_bus_socket");
	g_autofree gchar *private_path = hermes_context_build_path(ctx, "/run/systemd/private");

	self->bus_address =
		hermes_systemd_env_address(ctx, "DBUS_SYSTEM_BUS_ADDRESS", -1, TRUE, self->notes);
	if (self->bus_address == NULL && hermes_systemd_is_socket(bus))
		self->bus_address = hermes_systemd_unix_address(bus);
	if (hermes_systemd_is_socket(private_path))
		self->private_path = g_steal_pointer(&private_path);
}

/**
 * hermes_systemd_endpoints_new:
 * @ctx: the machine (its root and environment)
 * @scope: the user or the system manager
 * @uid: whose user manager (the caller's euid)
 *
 * Looks at the filesystem only; connects to nothing.
 *
 * Returns: (transfer full): where the manager may be reached
 */
HermesSystemdEndpoints *
hermes_systemd_endpoints_new(HermesContext *ctx, HermesSystemdScope scope, guint32 uid)
{
	HermesSystemdEndpoints *self = g_new0(HermesSystemdEndpoints, 1);
	self->scope = scope;
	self->uid = uid;
	self->user = hermes_systemd_user_name(uid);
	self->notes = g_ptr_array_new_with_free_func(g_free);
	if (scope == HERMES_SYSTEMD_SCOPE_SYSTEM)
		hermes_systemd_endpoints_system(self, ctx);
	else
		hermes_systemd_endpoints_user(self, ctx);
	return self;
}

void
hermes_systemd_endpoints_free(HermesSystemdEndpoints *self)
{
	if (self == NULL)
		return;
	g_free(self->user);
	g_free(self->runtime_dir);
	g_free(self->bus_address);
	g_free(self->private_path);
	g_ptr_array_unref(self->notes);
	g_free(self);
}

/**
 * hermes_systemd_join:
 * @lines: strings
 *
 * Returns: (transfer full): @lines joined with "; "
 */
gchar *
hermes_systemd_join(GPtrArray *lines)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(
			out, "%s%s", i > 0 ? "; " : "", (const gchar *)g_ptr_array_index(lines, i));
	return g_string_free(out, FALSE);
}

/**
 * hermes_systemd_endpoints_describe:
 * @self: the endpoints
 *
 * Returns: (transfer full): "the user manager of NAME (uid N)" or "the system manager"
 */
gchar *
hermes_systemd_endpoints_describe(const HermesSystemdEndpoints *self)
{
	if (self->scope == HERMES_SYSTEMD_SCOPE_SYSTEM)
		return g_strdup("the system manager");
	return g_strdup_printf("the user manager of %s (uid %u)", self->user, self->uid);
}
