/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The only file that calls dlopen(). Order of checks for each file:
 * trusted directory chain (every directory from / down, each opened
 * relative to its checked parent), trusted file (opened once, relative to
 * that directory, checked on the open fd), a sane ELF object (read from the
 * same fd), dlopen("/proc/self/fd/N") of that very fd with
 * RTLD_NOW|RTLD_LOCAL, the query symbol, the descriptor (major, minor,
 * size, name), then get_type(). No name is resolved twice, so swapping a
 * directory or file after a check cannot change what is loaded. Until
 * get_type() runs no GType exists, so a refused handle can be closed;
 * after it, never.
 */

#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-backend-loader.h"
#include "hermes-backend.h"
#include "hermes-elf-check.h"
#include "hermes-error.h"
#include "hermes-plugin-private.h"
#include "hermes-util.h"

#define HERMES_BACKEND_PREFIX "libhermes-backend-"
#define HERMES_BACKEND_SUFFIX ".so"

/* the descriptor prefix every ABI-1 plugin must provide */
#define HERMES_BACKEND_INFO_MIN_SIZE (G_STRUCT_OFFSET(HermesBackendInfo, probe) + sizeof(gpointer))

G_STATIC_ASSERT(HERMES_BACKEND_ABI_MAJOR == HERMES_BACKEND_ABI_MAJOR_CONF);
G_STATIC_ASSERT(HERMES_BACKEND_ABI_MINOR == HERMES_BACKEND_ABI_MINOR_CONF);

typedef struct {
	dev_t dev;
	ino_t ino;
	/*
	 * open for the life of the process: dlopen() finds resident objects by
	 * name first, so /proc/self/fd/<fd> must never come to name another file
	 */
	gint fd;
	gchar *name;
	gchar *path;
	const HermesBackendInfo *info;
	GType type;
	gchar *type_error; /* set when get_type() returned something unusable */
} HermesLoadedModule;

/* process-wide: a module stays loaded for the life of the process */
static GMutex hermes_loader_mutex;
static GPtrArray *hermes_loader_modules = NULL;
static HermesBackendLoaderCheckedFunc hermes_loader_checked_func = NULL;
static gpointer hermes_loader_checked_data = NULL;

static HermesLoadedModule *
hermes_loader_find_by_file(dev_t dev, ino_t ino)
{
	if (hermes_loader_modules == NULL)
		return NULL;
	for (guint i = 0; i < hermes_loader_modules->len; i++) {
		HermesLoadedModule *m = g_ptr_array_index(hermes_loader_modules, i);
		if (m->dev == dev && m->ino == ino)
			return m;
	}
	return NULL;
}

static HermesLoadedModule *
hermes_loader_find_by_name(const gchar *name)
{
	if (hermes_loader_modules == NULL)
		return NULL;
	for (guint i = 0; i < hermes_loader_modules->len; i++) {
		HermesLoadedModule *m = g_ptr_array_index(hermes_loader_modules, i);
		if (g_strcmp0(m->name, name) == 0)
			return m;
	}
	return NULL;
}

static gboolean
hermes_backend_name_is_valid(const gchar *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > 32)
		return FALSE;
	if (!g_ascii_islower(name[0]) && !g_ascii_isdigit(name[0]))
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '-' && *p != '_')
			return FALSE;
	}
	return TRUE;
}

/* "libhermes-backend-<name>.so" -> "<name>", else NULL */
static gchar *
hermes_backend_name_from_file(const gchar *basename)
{
	gsize len = strlen(basename);
	gsize plen = strlen(HERMES_BACKEND_PREFIX);
	gsize slen = strlen(HERMES_BACKEND_SUFFIX);
	if (len <= plen + slen || !g_str_has_prefix(basename, HERMES_BACKEND_PREFIX) ||
	    !g_str_has_suffix(basename, HERMES_BACKEND_SUFFIX))
		return NULL;
	return g_strndup(basename + plen, len - plen - slen);
}

/**
 * hermes_backend_loader_get_search_path:
 * @ctx: a #HermesContext
 *
 * `$HERMES_BACKEND_PATH` (colon-separated, absolute entries only) followed
 * by the system backend directory: the compiled-in one, or
 * `$HERMES_BACKEND_SYSTEM_DIR` when that is set (empty: none).
 *
 * Returns: (transfer full): the directories searched, in order
 */
GStrv
hermes_backend_loader_get_search_path(HermesContext *ctx)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	const gchar *env;
	const gchar *system_dir;
	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	env = hermes_context_getenv(ctx, "HERMES_BACKEND_PATH");
	if (env != NULL) {
		g_auto(GStrv) parts = g_strsplit(env, ":", -1);
		for (guint i = 0; parts[i] != NULL; i++) {
			/* a relative entry would depend on the caller's cwd */
			if (parts[i][0] == '/')
				g_strv_builder_add(builder, parts[i]);
			else if (parts[i][0] != '\0')
				g_debug("ignoring relative HERMES_BACKEND_PATH entry %s", parts[i]);
		}
	}
	/* the test suite sets it empty, so an installed copy can never leak into a test run */
	system_dir = hermes_context_getenv(ctx, "HERMES_BACKEND_SYSTEM_DIR");
	if (system_dir == NULL)
		g_strv_builder_add(builder, HERMES_BACKEND_DIR);
	else if (system_dir[0] == '/')
		g_strv_builder_add(builder, system_dir);
	else if (system_dir[0] != '\0')
		g_debug("ignoring relative HERMES_BACKEND_SYSTEM_DIR %s", system_dir);
	return g_strv_builder_end(builder);
}

static gchar *
hermes_loader_check_descriptor(const HermesBackendInfo *info, const gchar *name)
{
	if (info->abi_major != HERMES_BACKEND_ABI_MAJOR)
		return g_strdup_printf("built for backend ABI %u.%u, this core speaks %d.%d",
				       info->abi_major,
				       info->abi_minor,
				       HERMES_BACKEND_ABI_MAJOR,
				       HERMES_BACKEND_ABI_MINOR);
	if (info->abi_minor > HERMES_BACKEND_ABI_MINOR)
		return g_strdup_printf(
			"built for a newer backend ABI %u.%u, this core speaks %d.%d",
			info->abi_major,
			info->abi_minor,
			HERMES_BACKEND_ABI_MAJOR,
			HERMES_BACKEND_ABI_MINOR);
	if (info->struct_size < HERMES_BACKEND_INFO_MIN_SIZE)
		return g_strdup_printf("descriptor is %" G_GSIZE_FORMAT
				       " bytes, at least %" G_GSIZE_FORMAT " are required",
				       info->struct_size,
				       (gsize)HERMES_BACKEND_INFO_MIN_SIZE);
	if (info->name == NULL || info->get_type == NULL || info->probe == NULL)
		return g_strdup("descriptor lacks a name, get_type or probe");
	if (g_strcmp0(info->name, name) != 0) {
		g_autofree gchar *shown = g_strescape(info->name, NULL);
		return g_strdup_printf(
			"descriptor names backend '%s' but the file is named for '%s'",
			shown,
			name);
	}
	return NULL;
}

static gchar *
hermes_loader_check_type(GType type)
{
	if (type == G_TYPE_INVALID)
		return g_strdup("get_type() returned G_TYPE_INVALID");
	if (!g_type_is_a(type, HERMES_TYPE_SERVICE_MANAGER))
		return g_strdup_printf("type %s does not implement HermesServiceManager",
				       g_type_name(type));
	if (!G_TYPE_IS_INSTANTIATABLE(type) || G_TYPE_IS_ABSTRACT(type))
		return g_strdup_printf("type %s cannot be instantiated", g_type_name(type));
	return NULL;
}

/**
 * hermes_backend_loader_set_checked_func: (skip)
 * @func: (nullable): called with the file's path after every check, right before dlopen()
 * @user_data: passed to @func
 *
 * Tests only: lets a test swap files at the worst moment and prove that what
 * is loaded is what was checked.
 */
void
hermes_backend_loader_set_checked_func(HermesBackendLoaderCheckedFunc func, gpointer user_data)
{
	g_mutex_lock(&hermes_loader_mutex);
	hermes_loader_checked_func = func;
	hermes_loader_checked_data = user_data;
	g_mutex_unlock(&hermes_loader_mutex);
}

/* dlopen() of the checked descriptor itself, never of a name that could be re-resolved */
static gpointer
hermes_loader_dlopen_fd(gint fd, const gchar *path, gchar **reason)
{
	g_autofree gchar *proc = g_strdup_printf("/proc/self/fd/%d", fd);
	gpointer handle = dlopen(proc, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const gchar *msg = dlerror();
		/* dlerror() names the /proc path; the user knows the file by its own */
		if (msg != NULL && g_str_has_prefix(msg, proc) && msg[strlen(proc)] == ':')
			*reason = g_strdup_printf("dlopen failed: %s%s", path, msg + strlen(proc));
		else
			*reason = g_strdup_printf("dlopen failed: %s", msg != NULL ? msg : "?");
	}
	return handle;
}

/* a refused object is closed; if it stays resident anyway (-z nodelete), so does its fd */
static void
hermes_loader_close(gpointer handle, gint fd)
{
	g_autofree gchar *proc = g_strdup_printf("/proc/self/fd/%d", fd);
	gpointer resident;
	dlclose(handle);
	resident = dlopen(proc, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	if (resident != NULL) {
		dlclose(resident);
		g_debug("%s stays loaded after dlclose(), keeping its descriptor open", proc);
		return;
	}
	dlerror();
	close(fd);
}

/* the query symbol and the descriptor; NULL with *reason set if either is unusable */
static const HermesBackendInfo *
hermes_loader_query(gpointer handle, const gchar *name, HermesPlugin *plugin, gchar **reason)
{
	HermesBackendQueryFunc query;
	const HermesBackendInfo *info;
	query = (HermesBackendQueryFunc)dlsym(handle, HERMES_BACKEND_QUERY_SYMBOL);
	if (query == NULL) {
		*reason = g_strdup("does not export " HERMES_BACKEND_QUERY_SYMBOL "()");
		return NULL;
	}
	info = query();
	if (info == NULL) {
		*reason = g_strdup(HERMES_BACKEND_QUERY_SYMBOL "() returned NULL");
		return NULL;
	}
	hermes_plugin_set_abi(plugin, info->abi_major, info->abi_minor);
	*reason = hermes_loader_check_descriptor(info, name);
	if (*reason != NULL)
		return NULL;
	if (hermes_loader_find_by_name(name) != NULL) {
		*reason = g_strdup_printf("another file for backend '%s' is already loaded from %s",
					  name,
					  hermes_loader_find_by_name(name)->path);
		return NULL;
	}
	return info;
}

/* from here on a GType may exist: the handle and its fd are never closed */
static HermesLoadedModule *
hermes_loader_register(gint fd,
		       const struct stat *st,
		       const gchar *name,
		       const gchar *path,
		       const HermesBackendInfo *info)
{
	HermesLoadedModule *module = g_new0(HermesLoadedModule, 1);
	module->dev = st->st_dev;
	module->ino = st->st_ino;
	module->fd = fd;
	module->name = g_strdup(name);
	module->path = g_strdup(path);
	module->info = info;
	module->type = info->get_type();
	module->type_error = hermes_loader_check_type(module->type);
	if (hermes_loader_modules == NULL)
		hermes_loader_modules = g_ptr_array_new();
	g_ptr_array_add(hermes_loader_modules, module);
	return module;
}

/* a link to a loaded backend under another name is still another name */
static HermesLoadedModule *
hermes_loader_reuse(HermesLoadedModule *module,
		    const gchar *name,
		    HermesError *code,
		    gchar **reason)
{
	if (g_strcmp0(module->name, name) == 0)
		return module;
	*reason = g_strdup_printf(
		"is the same file as backend '%s' (%s), whose descriptor names '%s'",
		module->name,
		module->path,
		module->name);
	*code = HERMES_ERROR_ABI_MISMATCH;
	return NULL;
}

/* loads one file of the checked directory @dirfd; on refusal returns NULL and sets *reason */
static HermesLoadedModule *
hermes_loader_load_file(gint dirfd,
			const gchar *basename,
			const gchar *path,
			const gchar *name,
			HermesPlugin *plugin,
			HermesError *code,
			gchar **reason)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *what = g_strdup_printf("file %s", path);
	const HermesBackendInfo *info;
	HermesLoadedModule *module;
	struct stat st;
	gpointer handle;
	gint fd;

	*code = HERMES_ERROR_PERMISSION_DENIED;
	fd = hermes_elf_check_open_file(dirfd, basename, path, &st, reason);
	if (fd < 0)
		return NULL;
	module = hermes_loader_find_by_file(st.st_dev, st.st_ino);
	if (module != NULL) {
		close(fd);
		return hermes_loader_reuse(module, name, code, reason);
	}
	*code = HERMES_ERROR_ABI_MISMATCH;
	if (!hermes_elf_check_fd(fd, (guint64)st.st_size, what, &error_local)) {
		*reason = g_strdup(error_local->message);
		close(fd);
		return NULL;
	}
	if (hermes_loader_checked_func != NULL)
		hermes_loader_checked_func(path, hermes_loader_checked_data);
	handle = hermes_loader_dlopen_fd(fd, path, reason);
	if (handle == NULL) {
		close(fd);
		return NULL;
	}
	info = hermes_loader_query(handle, name, plugin, reason);
	if (info == NULL) {
		hermes_loader_close(handle, fd);
		return NULL;
	}
	return hermes_loader_register(fd, &st, name, path, info);
}

/* probe output is shown on one line, whatever the plugin wrote */
static gchar *
hermes_loader_one_line(gchar *reason)
{
	if (reason == NULL)
		return g_strdup("no reason given");
	g_strdelimit(reason, "\r\n\t", ' ');
	return reason;
}

static void
hermes_loader_consider(HermesContext *ctx,
		       gint dirfd,
		       const gchar *basename,
		       const gchar *path,
		       const gchar *name,
		       GHashTable *winners,
		       const gchar *dir_refusal,
		       GPtrArray *plugins)
{
	g_autoptr(HermesPlugin) plugin = hermes_plugin_new(name, path);
	g_autofree gchar *reason = NULL;
	HermesError code = HERMES_ERROR_FAILED;
	const gchar *winner = g_hash_table_lookup(winners, name);
	HermesLoadedModule *module;

	if (winner != NULL) {
		g_autofree gchar *why = g_strdup_printf("shadowed by %s", winner);
		hermes_plugin_set_refused(
			plugin, HERMES_PLUGIN_STATE_SHADOWED, HERMES_ERROR_ALREADY_EXISTS, why);
	} else if (!hermes_backend_name_is_valid(name)) {
		hermes_plugin_set_refused(plugin,
					  HERMES_PLUGIN_STATE_REFUSED,
					  HERMES_ERROR_INVALID_ARGUMENT,
					  "invalid backend name in the file name: "
					  "use lowercase letters, digits, '-' and '_'");
	} else if (dir_refusal != NULL) {
		hermes_plugin_set_refused(plugin,
					  HERMES_PLUGIN_STATE_REFUSED,
					  HERMES_ERROR_PERMISSION_DENIED,
					  dir_refusal);
	} else {
		g_mutex_lock(&hermes_loader_mutex);
		module = hermes_loader_load_file(
			dirfd, basename, path, name, plugin, &code, &reason);
		g_mutex_unlock(&hermes_loader_mutex);
		if (module == NULL) {
			hermes_plugin_set_refused(
				plugin, HERMES_PLUGIN_STATE_REFUSED, code, reason);
		} else if (module->type_error != NULL) {
			hermes_plugin_set_refused(plugin,
						  HERMES_PLUGIN_STATE_REFUSED,
						  HERMES_ERROR_ABI_MISMATCH,
						  module->type_error);
		} else {
			gchar *probe_reason = NULL;
			guint score;
			hermes_plugin_set_loaded(plugin,
						 module->info->abi_major,
						 module->info->abi_minor,
						 module->info->version,
						 module->type);
			score = module->info->probe(ctx, &probe_reason);
			probe_reason = hermes_loader_one_line(probe_reason);
			hermes_plugin_set_probe(plugin, score, probe_reason);
			g_free(probe_reason);
			g_hash_table_insert(winners, g_strdup(name), g_strdup(path));
		}
	}
	g_ptr_array_add(plugins, g_steal_pointer(&plugin));
}

static gboolean
hermes_loader_is_backend_file(const gchar *entry)
{
	return g_str_has_prefix(entry, HERMES_BACKEND_PREFIX) &&
	       g_str_has_suffix(entry, HERMES_BACKEND_SUFFIX);
}

/*
 * the backend file names in the checked directory @dirfd; an untrusted
 * directory (-1) is still listed by name, so its files show up as refused
 */
static GStrv
hermes_loader_list_dir(gint dirfd, const gchar *dirpath)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	GStrv names;
	if (dirfd >= 0) {
		gint listfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *dir = listfd >= 0 ? fdopendir(listfd) : NULL;
		struct dirent *entry;
		if (dir == NULL && listfd >= 0)
			close(listfd);
		while (dir != NULL && (entry = readdir(dir)) != NULL) {
			if (hermes_loader_is_backend_file(entry->d_name))
				g_strv_builder_add(builder, entry->d_name);
		}
		if (dir != NULL)
			closedir(dir);
	} else {
		g_autoptr(GDir) dir = g_dir_open(dirpath, 0, NULL);
		const gchar *entry;
		while (dir != NULL && (entry = g_dir_read_name(dir)) != NULL) {
			if (hermes_loader_is_backend_file(entry))
				g_strv_builder_add(builder, entry);
		}
	}
	names = g_strv_builder_end(builder);
	hermes_strv_sort(names);
	return names;
}

static void
hermes_loader_scan_dir(HermesContext *ctx,
		       const gchar *dirpath,
		       GHashTable *winners,
		       GPtrArray *plugins)
{
	g_autoptr(GError) error_dir = NULL;
	g_auto(GStrv) names = NULL;
	gint dirfd = hermes_elf_check_open_dir(dirpath, &error_dir);

	names = hermes_loader_list_dir(dirfd, dirpath);
	for (guint i = 0; names[i] != NULL; i++) {
		const gchar *basename = names[i];
		g_autofree gchar *path = g_build_filename(dirpath, basename, NULL);
		g_autofree gchar *name = hermes_backend_name_from_file(basename);
		if (name == NULL)
			continue;
		hermes_loader_consider(ctx,
				       dirfd,
				       basename,
				       path,
				       name,
				       winners,
				       error_dir != NULL ? error_dir->message : NULL,
				       plugins);
	}
	if (dirfd >= 0)
		close(dirfd);
}

/**
 * hermes_backend_loader_discover:
 * @ctx: a #HermesContext
 *
 * Finds every `libhermes-backend-<name>.so` on the search path, loads the
 * ones that pass every check, and probes them. A refused file never stops
 * the others; it is listed with its reason.
 *
 * Returns: (transfer container) (element-type HermesPlugin): every file found, in search order
 */
GPtrArray *
hermes_backend_loader_discover(HermesContext *ctx)
{
	g_autoptr(GPtrArray) plugins = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GHashTable) winners =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GHashTable) seen_dirs =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_auto(GStrv) search = NULL;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	search = hermes_backend_loader_get_search_path(ctx);
	for (guint i = 0; search[i] != NULL; i++) {
		g_autofree gchar *canonical = g_canonicalize_filename(search[i], NULL);
		if (!g_hash_table_add(seen_dirs, g_steal_pointer(&canonical)))
			continue;
		hermes_loader_scan_dir(ctx, search[i], winners, plugins);
	}
	return g_steal_pointer(&plugins);
}

static gchar *
hermes_loader_available(GPtrArray *plugins)
{
	g_autoptr(GString) str = g_string_new(NULL);
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		if (hermes_plugin_get_state(p) != HERMES_PLUGIN_STATE_LOADED)
			continue;
		if (str->len > 0)
			g_string_append(str, ", ");
		g_string_append(str, hermes_plugin_get_name(p));
	}
	if (str->len == 0)
		g_string_append(str, "none");
	return g_string_free(g_steal_pointer(&str), FALSE);
}

/**
 * hermes_backend_loader_choose:
 * @plugins: (element-type HermesPlugin): the result of hermes_backend_loader_discover()
 * @forced: (nullable): a backend name that overrides the probes
 * @error: return location for a #GError
 *
 * With @forced, that backend is used whatever its score. Otherwise the
 * loaded backend with the highest non-zero score wins; on a tie, the one
 * found first. The winner is marked chosen.
 *
 * Returns: (transfer none) (nullable): the chosen plugin, or %NULL with
 * %HERMES_ERROR_SUPERVISOR_UNAVAILABLE
 */
HermesPlugin *
hermes_backend_loader_choose(GPtrArray *plugins, const gchar *forced, GError **error)
{
	HermesPlugin *best = NULL;
	g_autofree gchar *available = NULL;

	g_return_val_if_fail(plugins != NULL, NULL);
	available = hermes_loader_available(plugins);
	if (forced != NULL && forced[0] != '\0') {
		HermesPlugin *refused = NULL;
		for (guint i = 0; i < plugins->len; i++) {
			HermesPlugin *p = g_ptr_array_index(plugins, i);
			if (g_strcmp0(hermes_plugin_get_name(p), forced) != 0)
				continue;
			if (hermes_plugin_get_state(p) == HERMES_PLUGIN_STATE_LOADED) {
				best = p;
				break;
			}
			if (refused == NULL)
				refused = p;
		}
		if (best == NULL && refused != NULL) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "backend '%s' was refused (%s: %s); available backends: %s",
				    forced,
				    hermes_plugin_get_path(refused),
				    hermes_plugin_get_refusal(refused),
				    available);
			return NULL;
		}
		if (best == NULL) {
			g_autofree gchar *shown = g_strescape(forced, NULL);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "no backend named '%s'; available backends: %s",
				    shown,
				    available);
			return NULL;
		}
	} else {
		for (guint i = 0; i < plugins->len; i++) {
			HermesPlugin *p = g_ptr_array_index(plugins, i);
			if (hermes_plugin_get_state(p) != HERMES_PLUGIN_STATE_LOADED ||
			    hermes_plugin_get_score(p) == 0)
				continue;
			if (best == NULL ||
			    hermes_plugin_get_score(p) > hermes_plugin_get_score(best))
				best = p;
		}
		if (best == NULL) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "no supported service manager detected (loaded backends: %s); "
				    "run 'hermes backends' for the reasons",
				    available);
			return NULL;
		}
	}
	for (guint i = 0; i < plugins->len; i++)
		hermes_plugin_set_chosen(g_ptr_array_index(plugins, i), FALSE);
	hermes_plugin_set_chosen(best, TRUE);
	return best;
}

/**
 * hermes_backend_loader_new_manager:
 * @ctx: a #HermesContext
 * @forced: (nullable): a backend name; %NULL uses `$HERMES_SERVICE_MANAGER` or the probes
 * @error: return location for a #GError
 *
 * Discover, choose and set up in one call.
 *
 * Returns: (transfer full) (nullable): the manager of the active supervisor
 */
HermesServiceManager *
hermes_backend_loader_new_manager(HermesContext *ctx, const gchar *forced, GError **error)
{
	g_autoptr(GPtrArray) plugins = NULL;
	HermesPlugin *chosen;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), NULL);
	if (forced == NULL)
		forced = hermes_context_getenv(ctx, "HERMES_SERVICE_MANAGER");
	plugins = hermes_backend_loader_discover(ctx);
	chosen = hermes_backend_loader_choose(plugins, forced, error);
	if (chosen == NULL)
		return NULL;
	return hermes_plugin_create_manager(chosen, ctx, error);
}
