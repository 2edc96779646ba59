/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The port every profile of a root asks for in its `.env`, read once, and
 * the collisions among them: two profiles whose `API_SERVER_PORT` is the
 * same (derived ports step past each other and never collide). A status
 * of N gateways reads N `.env` files once instead of once per row, and a
 * long-lived reader (hermes-svcd) re-reads one profile's `.env` when that
 * gateway changes, learning which other rows the change concerns.
 */

#include "config.h"

#include "hermes-port-private.h"
#include "hermes-port.h"
#include "hermes-profile.h"

struct _HermesPortTable {
	GObject parent_instance;
	HermesContext *ctx;
	GPtrArray *entries;	/* HermesPortEntry: default first, then by name */
	GPtrArray *lines;	/* each collision, one line, by port */
	GHashTable *by_profile; /* profile -> GPtrArray of its lines */
};

G_DEFINE_FINAL_TYPE(HermesPortTable, hermes_port_table, G_TYPE_OBJECT)

static gint
hermes_port_cmp(gconstpointer a, gconstpointer b)
{
	guint pa = GPOINTER_TO_UINT(*(gpointer const *)a);
	guint pb = GPOINTER_TO_UINT(*(gpointer const *)b);
	return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/* `profiles a and b both use port 8642 (API_SERVER_PORT)`, names in list order */
static gchar *
hermes_port_table_line(guint port, GPtrArray *names)
{
	g_autoptr(GString) who = g_string_new(NULL);
	for (guint j = 0; j < names->len; j++) {
		if (j > 0)
			g_string_append(who, j + 1 == names->len ? " and " : ", ");
		g_string_append(who, g_ptr_array_index(names, j));
	}
	return g_strdup_printf("profiles %s %s use port %u (API_SERVER_PORT)",
			       who->str,
			       names->len == 2 ? "both" : "all",
			       port);
}

static void
hermes_port_table_add_line(HermesPortTable *self, const gchar *profile, const gchar *line)
{
	GPtrArray *mine = g_hash_table_lookup(self->by_profile, profile);
	if (mine == NULL) {
		mine = g_ptr_array_new_with_free_func(g_free);
		g_hash_table_insert(self->by_profile, g_strdup(profile), mine);
	}
	g_ptr_array_add(mine, g_strdup(line));
}

/* the collisions of the entries as they are now; in memory, no file is read */
static void
hermes_port_table_group(HermesPortTable *self)
{
	g_autoptr(GHashTable) by_port = g_hash_table_new_full(
		g_direct_hash, g_direct_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
	g_autoptr(GPtrArray) ports = g_ptr_array_new();

	for (guint i = 0; i < self->entries->len; i++) {
		HermesPortEntry *entry = g_ptr_array_index(self->entries, i);
		GPtrArray *names;
		if (entry->explicit_port == 0)
			continue;
		names = g_hash_table_lookup(by_port, GUINT_TO_POINTER(entry->explicit_port));
		if (names == NULL) {
			names = g_ptr_array_new();
			g_hash_table_insert(by_port, GUINT_TO_POINTER(entry->explicit_port), names);
			g_ptr_array_add(ports, GUINT_TO_POINTER(entry->explicit_port));
		}
		g_ptr_array_add(names, entry->name);
	}
	g_ptr_array_sort(ports, hermes_port_cmp);
	g_ptr_array_set_size(self->lines, 0);
	g_hash_table_remove_all(self->by_profile);
	for (guint i = 0; i < ports->len; i++) {
		guint port = GPOINTER_TO_UINT(g_ptr_array_index(ports, i));
		GPtrArray *names = g_hash_table_lookup(by_port, GUINT_TO_POINTER(port));
		gchar *line;
		if (names->len < 2)
			continue;
		line = hermes_port_table_line(port, names);
		g_ptr_array_add(self->lines, line);
		for (guint j = 0; j < names->len; j++)
			hermes_port_table_add_line(self, g_ptr_array_index(names, j), line);
	}
}

/**
 * hermes_port_table_new:
 * @ctx: a #HermesContext
 * @error: return location for a #GError
 *
 * Reads the `.env` of every profile of the root (hermes_profile_list())
 * once.
 *
 * Returns: (transfer full) (nullable): the table, or %NULL when the
 *   profiles cannot be listed
 */
HermesPortTable *
hermes_port_table_new(HermesContext *ctx, GError **error)
{
	g_autoptr(HermesPortTable) self = NULL;
	GPtrArray *entries;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	entries = hermes_port_entries_read(ctx, error);
	if (entries == NULL)
		return NULL;
	self = g_object_new(HERMES_TYPE_PORT_TABLE, NULL);
	self->ctx = g_object_ref(ctx);
	self->entries = entries;
	hermes_port_table_group(self);
	return g_steal_pointer(&self);
}

/* where @profile is, or would go; *found says which */
static guint
hermes_port_table_find(HermesPortTable *self, const gchar *profile, gboolean *found)
{
	guint i = 0;
	*found = FALSE;
	for (; i < self->entries->len; i++) {
		HermesPortEntry *entry = g_ptr_array_index(self->entries, i);
		gint cmp = hermes_profile_name_compare(entry->name, profile);
		if (cmp >= 0) {
			*found = cmp == 0;
			break;
		}
	}
	return i;
}

/* whether the lines of two by-profile tables differ for @profile */
static gboolean
hermes_port_table_lines_differ(GHashTable *before, GHashTable *after, const gchar *profile)
{
	GPtrArray *a = g_hash_table_lookup(before, profile);
	GPtrArray *b = g_hash_table_lookup(after, profile);
	if (a == NULL || b == NULL)
		return a != b;
	if (a->len != b->len)
		return TRUE;
	for (guint i = 0; i < a->len; i++) {
		if (g_strcmp0(g_ptr_array_index(a, i), g_ptr_array_index(b, i)) != 0)
			return TRUE;
	}
	return FALSE;
}

/* the profiles other than @profile whose lines differ between @before and now */
static GStrv
hermes_port_table_changed(HermesPortTable *self, GHashTable *before, const gchar *profile)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	GHashTable *tables[] = {before, self->by_profile};
	GHashTableIter iter;
	gpointer name;

	for (guint t = 0; t < G_N_ELEMENTS(tables); t++) {
		g_hash_table_iter_init(&iter, tables[t]);
		while (g_hash_table_iter_next(&iter, &name, NULL)) {
			/* once each: a name in both tables is taken from the first */
			if (g_strcmp0(name, profile) == 0 ||
			    (t == 1 && g_hash_table_contains(before, name)) ||
			    !hermes_port_table_lines_differ(before, self->by_profile, name))
				continue;
			g_strv_builder_add(builder, name);
		}
	}
	return g_strv_builder_end(builder);
}

/* @profile as the disk says now: its port, or gone; %FALSE when nothing changed */
static gboolean
hermes_port_table_reread(HermesPortTable *self, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(self->ctx, profile, NULL);
	gboolean found = FALSE;
	guint i;
	guint port;

	if (p == NULL)
		return FALSE;
	i = hermes_port_table_find(self, profile, &found);
	/* the default profile is always listed; a named one while its marker exists */
	if (!hermes_profile_is_default(p) && !hermes_profile_exists(p)) {
		if (!found)
			return FALSE;
		g_ptr_array_remove_index(self->entries, i);
		return TRUE;
	}
	port = hermes_profile_explicit_port(hermes_profile_get_home(p));
	if (found) {
		HermesPortEntry *entry = g_ptr_array_index(self->entries, i);
		if (entry->explicit_port == port)
			return FALSE;
		entry->explicit_port = port;
		return TRUE;
	}
	g_ptr_array_insert(
		self->entries, (gint)i, hermes_port_entry_new(profile, hermes_profile_get_home(p)));
	return TRUE;
}

/**
 * hermes_port_table_update:
 * @self: a #HermesPortTable
 * @profile: a profile that may have changed: its `.env`, or whether it exists
 *
 * Reads @profile's `.env` again (and whether the profile still exists),
 * nothing else: a port changed in another profile shows once that profile
 * is updated in turn.
 *
 * Returns: (transfer full): the other profiles whose collision lines
 *   changed with it (their rows need drawing again); empty when none did
 */
GStrv
hermes_port_table_update(HermesPortTable *self, const gchar *profile)
{
	g_autoptr(GHashTable) before = NULL;
	g_return_val_if_fail(HERMES_IS_PORT_TABLE(self), NULL);
	g_return_val_if_fail(profile != NULL, NULL);
	if (!hermes_port_table_reread(self, profile))
		return g_new0(gchar *, 1);
	before = g_steal_pointer(&self->by_profile);
	self->by_profile = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
	hermes_port_table_group(self);
	return hermes_port_table_changed(self, before, profile);
}

/**
 * hermes_port_table_get_collisions:
 * @self: a #HermesPortTable
 * @profile: a profile name
 *
 * Returns: (transfer none) (nullable) (element-type utf8): the collision
 *   lines that name @profile, %NULL when none do
 */
GPtrArray *
hermes_port_table_get_collisions(HermesPortTable *self, const gchar *profile)
{
	g_return_val_if_fail(HERMES_IS_PORT_TABLE(self), NULL);
	g_return_val_if_fail(profile != NULL, NULL);
	return g_hash_table_lookup(self->by_profile, profile);
}

/**
 * hermes_port_table_get_profiles:
 * @self: a #HermesPortTable
 *
 * Returns: (transfer full): the profiles the table holds, as
 *   hermes_profile_list() named them (default first, then by name)
 */
GStrv
hermes_port_table_get_profiles(HermesPortTable *self)
{
	GStrv names;
	g_return_val_if_fail(HERMES_IS_PORT_TABLE(self), NULL);
	names = g_new0(gchar *, self->entries->len + 1);
	for (guint i = 0; i < self->entries->len; i++)
		names[i] = g_strdup(((HermesPortEntry *)g_ptr_array_index(self->entries, i))->name);
	return names;
}

/**
 * hermes_port_collisions:
 * @ctx: a #HermesContext
 * @error: return location for a #GError
 *
 * Profiles of the root whose `API_SERVER_PORT` values are the same (only
 * explicit ports can collide: derived ones step past each other), one
 * line each, by port: `profiles a and b both use port 8642 (API_SERVER_PORT)`.
 *
 * Returns: (transfer container) (element-type utf8) (nullable): the lines,
 * empty when there is no collision
 */
GPtrArray *
hermes_port_collisions(HermesContext *ctx, GError **error)
{
	g_autoptr(HermesPortTable) self = NULL;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	self = hermes_port_table_new(ctx, error);
	return self != NULL ? g_ptr_array_ref(self->lines) : NULL;
}

/**
 * hermes_port_collisions_by_profile: (skip)
 * @ctx: a #HermesContext
 * @error: return location for a #GError
 *
 * The same as hermes_port_collisions(), keyed by the profiles each line
 * names, so a status can put the warning on every row it concerns.
 *
 * Returns: (transfer full) (nullable): profile name → #GPtrArray of lines
 */
GHashTable *
hermes_port_collisions_by_profile(HermesContext *ctx, GError **error)
{
	g_autoptr(HermesPortTable) self = NULL;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	self = hermes_port_table_new(ctx, error);
	return self != NULL ? g_hash_table_ref(self->by_profile) : NULL;
}

static void
hermes_port_table_finalize(GObject *object)
{
	HermesPortTable *self = HERMES_PORT_TABLE(object);
	g_clear_object(&self->ctx);
	g_clear_pointer(&self->entries, g_ptr_array_unref);
	g_clear_pointer(&self->lines, g_ptr_array_unref);
	g_clear_pointer(&self->by_profile, g_hash_table_unref);
	G_OBJECT_CLASS(hermes_port_table_parent_class)->finalize(object);
}

static void
hermes_port_table_class_init(HermesPortTableClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_port_table_finalize;
}

static void
hermes_port_table_init(HermesPortTable *self)
{
	self->lines = g_ptr_array_new_with_free_func(g_free);
	self->by_profile = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
}
