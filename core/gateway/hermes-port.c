/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The port a profile's gateway listens on. `API_SERVER_PORT` in the
 * profile's `.env` wins (what hermes-agent reads). Without one, upstream
 * gave every profile 8642 and two gateways fought over it silently; here
 * the port comes from a SHA-256 of the profile name in [9200, 9800),
 * stepping past ports other profiles of the same root use and, for the
 * profile being started, past ports something already listens on. For a
 * given set of profiles (and bound ports) the answer is always the same.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hermes-dotenv.h"
#include "hermes-error.h"
#include "hermes-port-private.h"
#include "hermes-port.h"
#include "hermes-profile.h"

#define HERMES_PORT_RANGE_SIZE (HERMES_PORT_RANGE_END - HERMES_PORT_RANGE_START)

/**
 * hermes_port_parse:
 * @text: (nullable): a port number as text
 *
 * Returns: the port, or 0 unless @text is a plain decimal number in 1..65535
 */
guint
hermes_port_parse(const gchar *text)
{
	guint64 value = 0;
	if (text == NULL || text[0] == '\0' || strlen(text) > 5)
		return 0;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit(*p))
			return 0;
		value = value * 10 + (guint64)(*p - '0');
	}
	return value >= 1 && value <= 65535 ? (guint)value : 0;
}

/**
 * hermes_profile_explicit_port:
 * @home: a profile's `HERMES_HOME`
 *
 * Returns: `API_SERVER_PORT` from `<home>/.env` when it is a valid port, else 0
 */
guint
hermes_profile_explicit_port(const gchar *home)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *value = NULL;
	g_return_val_if_fail(home != NULL, 0);
	path = g_build_filename(home, ".env", NULL);
	value = hermes_env_file_get(path, "API_SERVER_PORT");
	return hermes_port_parse(value);
}

/**
 * hermes_port_hash_start:
 * @profile: a profile name
 *
 * The first 32 bits of the SHA-256 of @profile, modulo the range size,
 * added to %HERMES_PORT_RANGE_START.
 *
 * Returns: where the search for @profile's port starts
 */
guint
hermes_port_hash_start(const gchar *profile)
{
	g_autofree gchar *sum = NULL;
	gchar head[9];
	g_return_val_if_fail(profile != NULL, 0);
	sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, profile, -1);
	memcpy(head, sum, 8);
	head[8] = '\0';
	return HERMES_PORT_RANGE_START +
	       (guint)(g_ascii_strtoull(head, NULL, 16) % HERMES_PORT_RANGE_SIZE);
}

static guint
hermes_port_next(guint port)
{
	port++;
	return port >= HERMES_PORT_RANGE_END ? HERMES_PORT_RANGE_START : port;
}

/**
 * hermes_port_is_bound:
 * @port: a TCP port
 *
 * Tries to bind 127.0.0.1:@port the way the built-in gateway does
 * (`SO_REUSEADDR`, so a port in TIME_WAIT is free).
 *
 * Returns: %TRUE if something already listens there
 */
gboolean
hermes_port_is_bound(guint port)
{
	struct sockaddr_in addr = {0};
	gint one = 1;
	gint fd;
	gboolean bound;

	g_return_val_if_fail(port > 0 && port <= 65535, FALSE);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((guint16)port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bound = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 && errno == EADDRINUSE;
	close(fd);
	return bound;
}

HermesPortEntry *
hermes_port_entry_new(const gchar *name, const gchar *home)
{
	HermesPortEntry *entry = g_new0(HermesPortEntry, 1);
	entry->name = g_strdup(name);
	entry->explicit_port = hermes_profile_explicit_port(home);
	return entry;
}

void
hermes_port_entry_free(HermesPortEntry *entry)
{
	g_free(entry->name);
	g_free(entry);
}

/* every profile of the root, in the profile list's order, with its explicit port */
GPtrArray *
hermes_port_entries_read(HermesContext *ctx, GError **error)
{
	g_autoptr(GPtrArray) profiles = hermes_profile_list(ctx, error);
	GPtrArray *entries;
	if (profiles == NULL)
		return NULL;
	entries = g_ptr_array_new_full(profiles->len, (GDestroyNotify)hermes_port_entry_free);
	for (guint i = 0; i < profiles->len; i++) {
		HermesProfile *profile = g_ptr_array_index(profiles, i);
		g_ptr_array_add(entries,
				hermes_port_entry_new(hermes_profile_get_name(profile),
						      hermes_profile_get_home(profile)));
	}
	return entries;
}

/*
 * Every profile of the root with its port, in the profile list's order
 * (default first, then by name): explicit ports are taken first, then
 * each other profile gets its hash port, stepping past every port
 * already taken. @extra is added when it is not a profile yet.
 */
static GPtrArray *
hermes_port_assign_all(HermesContext *ctx, const gchar *extra, GError **error)
{
	g_autoptr(GPtrArray) entries = hermes_port_entries_read(ctx, error);
	g_autoptr(GHashTable) taken = g_hash_table_new(g_direct_hash, g_direct_equal);
	gboolean have_extra = extra == NULL;

	if (entries == NULL)
		return NULL;
	for (guint i = 0; i < entries->len && !have_extra; i++) {
		HermesPortEntry *entry = g_ptr_array_index(entries, i);
		have_extra = g_strcmp0(entry->name, extra) == 0;
	}
	if (!have_extra) {
		g_autoptr(HermesProfile) profile = hermes_profile_lookup(ctx, extra, error);
		if (profile == NULL)
			return NULL;
		g_ptr_array_add(entries,
				hermes_port_entry_new(extra, hermes_profile_get_home(profile)));
	}
	for (guint i = 0; i < entries->len; i++) {
		HermesPortEntry *entry = g_ptr_array_index(entries, i);
		if (entry->explicit_port == 0)
			continue;
		entry->port = entry->explicit_port;
		g_hash_table_add(taken, GUINT_TO_POINTER(entry->port));
	}
	for (guint i = 0; i < entries->len; i++) {
		HermesPortEntry *entry = g_ptr_array_index(entries, i);
		guint port;
		if (entry->explicit_port != 0)
			continue;
		port = hermes_port_hash_start(entry->name);
		/* a full range cannot be helped here; the bind reports it */
		for (guint n = 0; n < HERMES_PORT_RANGE_SIZE &&
				  g_hash_table_contains(taken, GUINT_TO_POINTER(port));
		     n++)
			port = hermes_port_next(port);
		entry->port = port;
		g_hash_table_add(taken, GUINT_TO_POINTER(port));
	}
	return g_steal_pointer(&entries);
}

/**
 * hermes_profile_port_full:
 * @ctx: a #HermesContext
 * @profile: a profile name (it need not exist yet)
 * @flags: #HermesPortFlags
 * @explicit_port: (out) (optional): set to %TRUE when the port comes from `API_SERVER_PORT`
 * @error: return location for a #GError
 *
 * See hermes_profile_port(). With %HERMES_PORT_FLAG_SKIP_BOUND nothing is
 * probed, which is what a status display wants for a gateway that runs
 * (its own listener would otherwise push it off its port).
 *
 * Returns: the port, or 0 with @error set (%HERMES_ERROR_BUSY when every
 * port of the range is taken)
 */
guint
hermes_profile_port_full(HermesContext *ctx,
			 const gchar *profile,
			 HermesPortFlags flags,
			 gboolean *explicit_port,
			 GError **error)
{
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(GHashTable) others = g_hash_table_new(g_direct_hash, g_direct_equal);
	HermesPortEntry *self = NULL;
	guint port;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), 0);
	g_return_val_if_fail(profile != NULL, 0);
	if (explicit_port != NULL)
		*explicit_port = FALSE;
	if (!hermes_profile_name_validate(profile, error))
		return 0;
	entries = hermes_port_assign_all(ctx, profile, error);
	if (entries == NULL)
		return 0;
	for (guint i = 0; i < entries->len; i++) {
		HermesPortEntry *entry = g_ptr_array_index(entries, i);
		if (g_strcmp0(entry->name, profile) == 0)
			self = entry;
		else
			g_hash_table_add(others, GUINT_TO_POINTER(entry->port));
	}
	g_assert(self != NULL);
	if (self->explicit_port != 0) {
		if (explicit_port != NULL)
			*explicit_port = TRUE;
		return self->explicit_port;
	}
	port = self->port;
	for (guint n = 0; n < HERMES_PORT_RANGE_SIZE; n++) {
		if (!g_hash_table_contains(others, GUINT_TO_POINTER(port)) &&
		    ((flags & HERMES_PORT_FLAG_SKIP_BOUND) != 0 || !hermes_port_is_bound(port)))
			return port;
		port = hermes_port_next(port);
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_BUSY,
		    "no free port for profile '%s' in %d-%d: set API_SERVER_PORT in its .env",
		    profile,
		    HERMES_PORT_RANGE_START,
		    HERMES_PORT_RANGE_END - 1);
	return 0;
}

/**
 * hermes_profile_port:
 * @ctx: a #HermesContext
 * @profile: a profile name (it need not exist yet)
 * @explicit_port: (out) (optional): set to %TRUE when the port comes from `API_SERVER_PORT`
 * @error: return location for a #GError
 *
 * The port @profile's gateway should listen on: `API_SERVER_PORT` from its
 * `.env` when that is a valid port; else a port in [9200, 9800) derived from
 * the SHA-256 of the name, stepping forward (wrapping within the range)
 * past the ports of the root's other profiles (explicit ones first, then
 * hash-derived ones in profile-list order) and past ports bound on
 * 127.0.0.1. A gateway that runs should report the `port` it recorded in
 * `gateway_state.json` instead of asking again.
 *
 * Returns: the port, or 0 with @error set
 */
guint
hermes_profile_port(HermesContext *ctx,
		    const gchar *profile,
		    gboolean *explicit_port,
		    GError **error)
{
	return hermes_profile_port_full(ctx, profile, HERMES_PORT_FLAG_NONE, explicit_port, error);
}
