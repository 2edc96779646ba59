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
 */

#include "config.h"

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
#include "hermes-s6-manager.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"

#define HERMES_S6_START_TIMEOUT_MS 10000
#define HERMES_S6_STOP_TIMEOUT_MS  30000
#define HERMES_S6_SCAN_TIMEOUT_MS  5000
#define HERMES_S6_SVSCAN_MAX	   1000
#define HERMES_S6_GONE_TIMEOUT_MS  5000

struct _HermesS6Manager {
	GObject parent_instance;
	HermesContext *ctx;
	const gchar *mode;
	gchar *scandir;
	gchar *bin_dir; /* NULL when s6 is not installed */
	gchar *root;
	GMainContext *context; /* where gateway-changed is emitted */
	GHashTable *watches;   /* profile -> HermesS6Watch */
	GFileMonitor *monitor; /* the scan directory, for slots coming and going */
};

static void
hermes_s6_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesS6Manager,
			      hermes_s6_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_s6_manager_iface_init))

/*****************************************************************************/
/* where things are */

gboolean
hermes_s6_is_overlay(HermesContext *ctx)
{
	g_autofree gchar *comm_path = hermes_context_build_path(ctx, "/proc/1/comm");
	g_autofree gchar *basedir = hermes_context_build_path(ctx, "/run/s6/basedir");
	g_autofree gchar *comm = NULL;
	/* /proc/1/comm, never /proc/1/exe: that is unreadable to non-root users */
	if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
		return FALSE;
	g_strstrip(comm);
	return g_strcmp0(comm, "s6-svscan") == 0 && g_file_test(basedir, G_FILE_TEST_IS_DIR);
}

/* the directory holding s6-svscan: $HERMES_S6_BIN_DIR, /command (s6-overlay), then $PATH */
gchar *
hermes_s6_find_bin_dir(HermesContext *ctx)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) dirs = NULL;
	const gchar *bin_dir = hermes_context_getenv(ctx, "HERMES_S6_BIN_DIR");
	const gchar *path = hermes_context_getenv(ctx, "PATH");

	if (bin_dir != NULL && bin_dir[0] != '\0')
		g_strv_builder_add(builder, bin_dir);
	g_strv_builder_add(builder, "/command");
	if (path != NULL) {
		g_auto(GStrv) parts = g_strsplit(path, ":", -1);
		g_strv_builder_addv(builder, (const gchar **)parts);
	}
	dirs = g_strv_builder_end(builder);
	for (guint i = 0; dirs[i] != NULL; i++) {
		g_autofree gchar *rel = NULL;
		g_autofree gchar *full = NULL;
		if (dirs[i][0] != '/')
			continue;
		rel = g_build_filename(dirs[i], "s6-svscan", NULL);
		full = hermes_context_build_path(ctx, rel);
		if (g_file_test(full, G_FILE_TEST_IS_EXECUTABLE) &&
		    !g_file_test(full, G_FILE_TEST_IS_DIR))
			return g_strdup(dirs[i]);
	}
	return NULL;
}

const gchar *
hermes_s6_configured_scandir(HermesContext *ctx)
{
	const gchar *dir = hermes_context_getenv(ctx, "HERMES_S6_SCANDIR");
	if (dir == NULL || dir[0] == '\0')
		dir = hermes_context_getenv(ctx, "S6_PROFILE_GATEWAY_SCANDIR");
	return dir != NULL && dir[0] != '\0' ? dir : NULL;
}

static gchar *
hermes_s6_manager_slot_dir(HermesS6Manager *self, const gchar *profile)
{
	g_autofree gchar *name = hermes_s6_slot_name(profile);
	return g_build_filename(self->scandir, name, NULL);
}

static gchar *
hermes_s6_manager_profile_home(HermesS6Manager *self, const gchar *profile)
{
	return hermes_profile_home_in_root(self->root, profile);
}

static gboolean
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

static gboolean
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

/*****************************************************************************/
/* status */

/* finish could not write its reason (disk full): an empty data/finish-reason.<kind> says which */
static void
hermes_s6_read_reason_marker(const gchar *scandir,
			     const gchar *slot_dir,
			     HermesS6SlotFacts *facts,
			     gchar **buf)
{
	const gchar *kinds[] = {"parked", "failed", "stopped", NULL};
	for (guint i = 0; kinds[i] != NULL; i++) {
		g_autofree gchar *name = g_strdup_printf("finish-reason.%s", kinds[i]);
		g_autofree gchar *path = g_build_filename(slot_dir, "data", name, NULL);
		struct stat st;
		if (!hermes_safe_file_stat(scandir, path, &st, NULL))
			continue;
		*buf = g_strdup_printf(
			"%s%c(the reason could not be written: is the disk full?)", kinds[i], 0);
		facts->reason_time = (gint64)st.st_mtime;
		facts->reason_kind = *buf;
		facts->reason_text = *buf + strlen(kinds[i]) + 1;
		return;
	}
}

static void
hermes_s6_read_reason(const gchar *scandir,
		      const gchar *slot_dir,
		      HermesS6SlotFacts *facts,
		      gchar **buf)
{
	g_autofree gchar *path = g_build_filename(slot_dir, "data", "finish-reason", NULL);
	gchar **parts;
	*buf = hermes_safe_file_read(scandir, path, 4096, NULL, NULL);
	if (*buf == NULL) {
		hermes_s6_read_reason_marker(scandir, slot_dir, facts, buf);
		return;
	}
	g_strchomp(*buf);
	/* "<unix time> <kind> <text>" */
	parts = g_strsplit(*buf, " ", 3);
	if (g_strv_length(parts) == 3) {
		facts->reason_time = g_ascii_strtoll(parts[0], NULL, 10);
		/* point into *buf so the facts need no ownership */
		facts->reason_kind = *buf + strlen(parts[0]) + 1;
		(*buf)[strlen(parts[0]) + 1 + strlen(parts[1])] = '\0';
		facts->reason_text = *buf + strlen(parts[0]) + 1 + strlen(parts[1]) + 1;
	}
	g_strfreev(parts);
}

/* reads everything status needs; *have_status is FALSE when not supervised yet */
static gboolean
hermes_s6_manager_read(const gchar *scandir,
		       const gchar *slot_dir,
		       HermesS6Status *st,
		       gboolean *have_status,
		       HermesS6SlotFacts *facts,
		       gchar **reason_buf,
		       GError **error)
{
	g_autofree gchar *status_path = g_build_filename(slot_dir, "supervise", "status", NULL);
	g_autofree gchar *down_path = g_build_filename(slot_dir, "down", NULL);
	g_autofree gchar *notify_path = g_build_filename(slot_dir, "notification-fd", NULL);
	g_autofree gchar *tally_path = g_build_filename(slot_dir, "supervise", "death_tally", NULL);
	g_autofree gchar *data = NULL;
	g_autoptr(GError) error_local = NULL;
	struct stat tally;
	gsize len = 0;

	memset(facts, 0, sizeof(*facts));
	facts->normally_up = !hermes_s6_path_exists(scandir, down_path);
	facts->notifies = hermes_s6_path_exists(scandir, notify_path);
	facts->deaths = hermes_safe_file_stat(scandir, tally_path, &tally, NULL)
				? (gint)(tally.st_size / HERMES_S6_DTALLY_SIZE)
				: -1;
	hermes_s6_read_reason(scandir, slot_dir, facts, reason_buf);
	*have_status = FALSE;
	data = hermes_safe_file_read(scandir, status_path, 4096, &len, &error_local);
	if (data == NULL) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot read status: ");
		hermes_error_convert(error);
		return FALSE;
	}
	/* s6-supervise creates the file empty before its first write */
	if (len == 0)
		return TRUE;
	if (!hermes_s6_status_parse((const guint8 *)data, len, st, error)) {
		g_prefix_error(error, "%s: ", status_path);
		return FALSE;
	}
	*have_status = TRUE;
	return TRUE;
}

/* what brings a lost s6-supervise back, as exact as we can say it */
static gchar *
hermes_s6_manager_repair_hint(HermesS6Manager *self)
{
	g_autofree gchar *svscanctl =
		self->bin_dir != NULL ? g_build_filename(self->bin_dir, "s6-svscanctl", NULL)
				      : g_strdup("s6-svscanctl");
	if (hermes_s6_scanner_is_running(self->scandir))
		return g_strdup_printf("s6-svscan respawns it on a rescan: %s -a %s (hermes "
				       "gateway start does that too)",
				       svscanctl,
				       self->scandir);
	if (g_strcmp0(self->mode, "embedded") == 0)
		return g_strdup_printf("s6-svscan is not running on %s either: run hermes "
				       "supervisor start",
				       self->scandir);
	return g_strdup_printf("s6-svscan is not running on %s either: restart it", self->scandir);
}

static HermesGatewayStatus *
hermes_s6_manager_status_of(HermesS6Manager *self, const gchar *profile, GError **error)
{
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autofree gchar *reason_buf = NULL;
	HermesS6SlotFacts facts;
	HermesS6Status st;
	HermesGatewayStatus *status;
	gboolean have_status = FALSE;

	if (!hermes_s6_manager_need_slot(self, profile, slot_dir, error))
		return NULL;
	if (!hermes_s6_manager_read(
		    self->scandir, slot_dir, &st, &have_status, &facts, &reason_buf, error))
		return NULL;
	status = hermes_s6_status_to_gateway(profile, have_status ? &st : NULL, &facts);
	/* only a lock that exists and that nobody holds proves the supervisor dead */
	if (have_status) {
		gboolean held =
			hermes_s6_lock_state(self->scandir, slot_dir) != HERMES_S6_LOCK_FREE;
		g_autofree gchar *hint = held ? NULL : hermes_s6_manager_repair_hint(self);
		hermes_s6_status_judge_supervisor(status,
						  &st,
						  held,
						  st.pid > 0 &&
							  hermes_platform_process_alive(st.pid),
						  hint);
	}
	return status;
}

/*****************************************************************************/
/* waiting for s6, driven by its events */

typedef enum {
	HERMES_S6_WAIT_UP,
	HERMES_S6_WAIT_READY,
	HERMES_S6_WAIT_DOWN,
	HERMES_S6_WAIT_SUPERVISED,
	HERMES_S6_WAIT_RESPAWNED,
} HermesS6WaitFor;

typedef struct {
	GMainContext *context;
	HermesS6Watch *watch;
	HermesS6Watch *log_watch;
	GString *seen; /* every event letter since subscribing */
	gchar *scandir;
	gchar *slot_dir;
} HermesS6Waiter;

static void
hermes_s6_waiter_cb(const gchar *events, gsize n, gpointer user_data)
{
	HermesS6Waiter *waiter = user_data;
	g_string_append_len(waiter->seen, events, (gssize)n);
}

static void
hermes_s6_waiter_free(HermesS6Waiter *waiter)
{
	if (waiter == NULL)
		return;
	hermes_s6_watch_free(waiter->watch);
	hermes_s6_watch_free(waiter->log_watch);
	g_main_context_unref(waiter->context);
	g_string_free(waiter->seen, TRUE);
	g_free(waiter->scandir);
	g_free(waiter->slot_dir);
	g_free(waiter);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesS6Waiter, hermes_s6_waiter_free)

/* subscribe first, act second: no event can slip between the two */
static HermesS6Waiter *
hermes_s6_waiter_new(const gchar *scandir, const gchar *slot_dir, gboolean with_log, GError **error)
{
	g_autoptr(HermesS6Waiter) waiter = g_new0(HermesS6Waiter, 1);
	g_autofree gchar *event_dir = g_build_filename(slot_dir, "event", NULL);
	waiter->context = g_main_context_new();
	waiter->seen = g_string_new(NULL);
	waiter->scandir = g_strdup(scandir);
	waiter->slot_dir = g_strdup(slot_dir);
	waiter->watch =
		hermes_s6_watch_new(event_dir, waiter->context, hermes_s6_waiter_cb, waiter, error);
	if (waiter->watch == NULL)
		return NULL;
	if (with_log) {
		g_autofree gchar *log_events = g_build_filename(slot_dir, "log", "event", NULL);
		/* the logger is optional; without its fifodir there is nothing to wait for */
		waiter->log_watch = hermes_s6_watch_new(
			log_events, waiter->context, hermes_s6_waiter_cb, waiter, NULL);
	}
	return g_steal_pointer(&waiter);
}

static gboolean
hermes_s6_waiter_done(HermesS6Waiter *waiter, HermesS6WaitFor what, gint64 old_pid)
{
	g_autofree gchar *reason_buf = NULL;
	HermesS6SlotFacts facts;
	HermesS6Status st;
	gboolean have_status = FALSE;

	if (!hermes_s6_manager_read(waiter->scandir,
				    waiter->slot_dir,
				    &st,
				    &have_status,
				    &facts,
				    &reason_buf,
				    NULL))
		return FALSE;
	switch (what) {
	case HERMES_S6_WAIT_SUPERVISED:
		/* status outlives its supervisor; the supervisor's lock does not */
		return have_status && hermes_s6_lock_state(waiter->scandir, waiter->slot_dir) ==
					      HERMES_S6_LOCK_HELD;
	case HERMES_S6_WAIT_READY:
		/* a slot without notification-fd has no readiness to wait for */
		if (!facts.notifies)
			return (have_status && st.pid != 0 && !st.finishing) ||
			       strchr(waiter->seen->str, 'u') != NULL;
		return (have_status && st.pid != 0 && !st.finishing && st.ready) ||
		       strchr(waiter->seen->str, 'U') != NULL;
	case HERMES_S6_WAIT_UP:
		/* a gateway that dies at once was still up: s6 said 'u' */
		return (have_status && st.pid != 0 && !st.finishing) ||
		       strchr(waiter->seen->str, 'u') != NULL;
	case HERMES_S6_WAIT_RESPAWNED:
		return have_status && st.pid != 0 && !st.finishing && st.pid != old_pid;
	case HERMES_S6_WAIT_DOWN:
		/* between a crash and the throttled respawn the pid is 0 too: down means
		 * s6 has taken the command and wants it down */
		return have_status && st.pid == 0 && !st.finishing && !st.wantup;
	default:
		return FALSE;
	}
}

static gboolean
hermes_s6_waiter_timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
hermes_s6_waiter_tick_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

static gboolean
hermes_s6_waiter_wait(HermesS6Waiter *waiter,
		      HermesS6WaitFor what,
		      gint64 old_pid,
		      guint timeout_ms,
		      const gchar *goal,
		      GCancellable *cancellable,
		      GError **error)
{
	g_autoptr(GSource) timeout = g_timeout_source_new(timeout_ms);
	gboolean timed_out = FALSE;

	g_autoptr(GSource) recheck = g_timeout_source_new(50);
	g_source_set_callback(timeout, hermes_s6_waiter_timeout_cb, &timed_out, NULL);
	g_source_attach(timeout, waiter->context);
	/* s6 records some changes (what it wants, after a command that lands between a
	 * crash and the respawn) without an event: during a bounded wait, also look again
	 * every 50 ms. Nothing of this runs when nobody waits. */
	g_source_set_callback(recheck, hermes_s6_waiter_tick_cb, NULL, NULL);
	g_source_attach(recheck, waiter->context);
	while (!hermes_s6_waiter_done(waiter, what, old_pid)) {
		if (what == HERMES_S6_WAIT_READY && strchr(waiter->seen->str, 'O') != NULL) {
			g_autofree gchar *name = g_path_get_basename(waiter->slot_dir);
			g_source_destroy(timeout);
			g_source_destroy(recheck);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_COMMAND_FAILED,
				    "%s exited for good before it was ready (see its finish reason "
				    "in status)",
				    name);
			return FALSE;
		}
		if (timed_out) {
			g_autofree gchar *name = g_path_get_basename(waiter->slot_dir);
			g_source_destroy(timeout);
			g_source_destroy(recheck);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "%s did not %s within %u s",
				    name,
				    goal,
				    timeout_ms / 1000);
			return FALSE;
		}
		if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
			g_source_destroy(timeout);
			g_source_destroy(recheck);
			hermes_error_convert(error);
			return FALSE;
		}
		g_main_context_iteration(waiter->context, TRUE);
	}
	g_source_destroy(timeout);
	g_source_destroy(recheck);
	return TRUE;
}

/*****************************************************************************/
/* events for status consumers: no polling */

static void
hermes_s6_manager_emit(HermesS6Manager *self, const gchar *profile)
{
	g_autoptr(HermesGatewayStatus) status = hermes_s6_manager_status_of(self, profile, NULL);
	hermes_service_manager_emit_gateway_changed(HERMES_SERVICE_MANAGER(self), profile, status);
}

typedef struct {
	HermesS6Manager *self;
	gchar *profile;
} HermesS6EventTarget;

static void
hermes_s6_event_target_free(gpointer data)
{
	HermesS6EventTarget *target = data;
	g_free(target->profile);
	g_free(target);
}

static void
hermes_s6_manager_event_cb(const gchar *events, gsize n, gpointer user_data)
{
	HermesS6EventTarget *target = user_data;
	hermes_s6_manager_emit(target->self, target->profile);
}

typedef struct {
	HermesS6Watch *watch;
	HermesS6EventTarget *target;
} HermesS6Subscription;

static void
hermes_s6_subscription_free(gpointer data)
{
	HermesS6Subscription *sub = data;
	hermes_s6_watch_free(sub->watch);
	hermes_s6_event_target_free(sub->target);
	g_free(sub);
}

/* subscriptions cost a FIFO and two fds per slot: only for someone listening */
static gboolean
hermes_s6_manager_has_listeners(HermesS6Manager *self)
{
	guint signal_id = g_signal_lookup("gateway-changed", HERMES_TYPE_SERVICE_MANAGER);
	return g_signal_has_handler_pending(self, signal_id, 0, TRUE);
}

static void
hermes_s6_manager_watch_slot(HermesS6Manager *self, const gchar *profile)
{
	g_autofree gchar *slot_dir = NULL;
	g_autofree gchar *event_dir = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesS6Subscription *sub;

	if (g_hash_table_contains(self->watches, profile) || !hermes_s6_manager_has_listeners(self))
		return;
	slot_dir = hermes_s6_manager_slot_dir(self, profile);
	event_dir = g_build_filename(slot_dir, "event", NULL);
	sub = g_new0(HermesS6Subscription, 1);
	sub->target = g_new0(HermesS6EventTarget, 1);
	sub->target->self = self;
	sub->target->profile = g_strdup(profile);
	sub->watch = hermes_s6_watch_new(
		event_dir, self->context, hermes_s6_manager_event_cb, sub->target, &error_local);
	if (sub->watch == NULL) {
		/* a reader without access to event/ still gets status, just no events */
		g_debug("no events for %s: %s", profile, error_local->message);
		hermes_s6_subscription_free(sub);
		return;
	}
	g_hash_table_insert(self->watches, g_strdup(profile), sub);
}

static gchar *
hermes_s6_profile_from_slot(const gchar *name)
{
	if (!g_str_has_prefix(name, "gateway-"))
		return NULL;
	if (!hermes_profile_name_validate(name + strlen("gateway-"), NULL))
		return NULL;
	return g_strdup(name + strlen("gateway-"));
}

static void
hermes_s6_manager_scandir_changed_cb(GFileMonitor *monitor,
				     GFile *file,
				     GFile *other,
				     GFileMonitorEvent event,
				     gpointer user_data)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(user_data);
	g_autofree gchar *name = NULL;
	g_autofree gchar *profile = NULL;
	GFile *subject = file;

	if (event == G_FILE_MONITOR_EVENT_MOVED_IN || event == G_FILE_MONITOR_EVENT_RENAMED)
		subject = other != NULL && event == G_FILE_MONITOR_EVENT_RENAMED ? other : file;
	name = g_file_get_basename(subject);
	profile = hermes_s6_profile_from_slot(name);
	if (profile == NULL) {
		/* a slot renamed away (unregister) leaves under its old name */
		if (event == G_FILE_MONITOR_EVENT_RENAMED) {
			g_autofree gchar *old = g_file_get_basename(file);
			g_autofree gchar *gone = hermes_s6_profile_from_slot(old);
			if (gone != NULL && g_hash_table_remove(self->watches, gone))
				hermes_service_manager_emit_gateway_changed(
					HERMES_SERVICE_MANAGER(self), gone, NULL);
		}
		return;
	}
	switch (event) {
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_RENAMED:
		hermes_s6_manager_watch_slot(self, profile);
		hermes_s6_manager_emit(self, profile);
		break;
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_OUT:
		if (g_hash_table_remove(self->watches, profile))
			hermes_service_manager_emit_gateway_changed(
				HERMES_SERVICE_MANAGER(self), profile, NULL);
		break;
	case G_FILE_MONITOR_EVENT_CHANGED:
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
	case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
	case G_FILE_MONITOR_EVENT_UNMOUNTED:
	case G_FILE_MONITOR_EVENT_MOVED:
	default:
		break;
	}
}

static void
hermes_s6_manager_watch_scandir(HermesS6Manager *self)
{
	g_autoptr(GFile) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	if (self->monitor != NULL || !hermes_s6_manager_has_listeners(self))
		return;
	dir = g_file_new_for_path(self->scandir);
	self->monitor =
		g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error_local);
	if (self->monitor == NULL) {
		g_debug("cannot watch %s: %s", self->scandir, error_local->message);
		return;
	}
	g_signal_connect(
		self->monitor, "changed", G_CALLBACK(hermes_s6_manager_scandir_changed_cb), self);
}

/*****************************************************************************/
/* the interface */

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

/* the slot must be under a running s6-supervise before it can be told anything */
static gboolean
hermes_s6_manager_ensure_supervised(HermesS6Manager *self,
				    const gchar *slot_dir,
				    gboolean rescan,
				    GCancellable *cancellable,
				    GError **error)
{
	g_autoptr(HermesS6Waiter) waiter = NULL;
	if (g_strcmp0(self->mode, "embedded") == 0 &&
	    !hermes_service_manager_supervisor_start(
		    HERMES_SERVICE_MANAGER(self), cancellable, error))
		return FALSE;
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, FALSE, error);
	if (waiter == NULL)
		return FALSE;
	if (hermes_s6_waiter_done(waiter, HERMES_S6_WAIT_SUPERVISED, 0))
		return TRUE;
	/* a registration has asked for the rescan already: each one rereads the whole directory */
	if (rescan && !hermes_s6_control_scanner(self->scandir, "a", error))
		return FALSE;
	return hermes_s6_waiter_wait(waiter,
				     HERMES_S6_WAIT_SUPERVISED,
				     0,
				     HERMES_S6_SCAN_TIMEOUT_MS,
				     "get picked up by s6-svscan",
				     cancellable,
				     error);
}

static gboolean
hermes_s6_manager_bring_up(HermesS6Manager *self,
			   const gchar *profile,
			   gboolean rescan,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autoptr(HermesS6Waiter) waiter = NULL;
	g_autoptr(GError) error_local = NULL;

	if (!hermes_s6_manager_need_slot(self, profile, slot_dir, error))
		return FALSE;
	if (!hermes_s6_trust_tree(self->scandir, FALSE, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_supervised(self, slot_dir, rescan, cancellable, error))
		return FALSE;
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, FALSE, error);
	if (waiter == NULL)
		return FALSE;
	if (!hermes_s6_control_slot(slot_dir, "u", error))
		return FALSE;
	/* like systemd's Type=notify: started means ready, where the gateway can say so */
	if (hermes_s6_waiter_wait(waiter,
				  HERMES_S6_WAIT_READY,
				  0,
				  HERMES_S6_START_TIMEOUT_MS,
				  "come up and report ready",
				  cancellable,
				  &error_local))
		return TRUE;
	/* the caller takes a failed start back: s6 must not keep restarting it meanwhile */
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_TIMED_OUT)) {
		g_autoptr(GError) error_down = NULL;
		if (hermes_s6_control_slot(slot_dir, "d", &error_down))
			g_prefix_error(&error_local,
				       "start abandoned, s6 was told to take it down: ");
		else
			g_prefix_error(&error_local,
				       "start timed out and s6 keeps trying (%s): ",
				       error_down->message);
	}
	g_propagate_error(error, g_steal_pointer(&error_local));
	return FALSE;
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

static gint64
hermes_s6_manager_current_pid(HermesS6Manager *self, const gchar *slot_dir)
{
	g_autofree gchar *reason_buf = NULL;
	HermesS6SlotFacts facts;
	HermesS6Status st;
	gboolean have_status = FALSE;
	if (!hermes_s6_manager_read(
		    self->scandir, slot_dir, &st, &have_status, &facts, &reason_buf, NULL) ||
	    !have_status || st.finishing)
		return 0;
	return st.pid;
}

/* the slot's drain time plus a margin for finish: a stop never waits forever */
static guint
hermes_s6_stop_timeout_ms(const gchar *scandir, const gchar *slot_dir)
{
	g_autofree gchar *path = g_build_filename(slot_dir, "timeout-kill", NULL);
	g_autofree gchar *text = hermes_safe_file_read(scandir, path, 64, NULL, NULL);
	guint64 kill_ms;
	if (text == NULL)
		return HERMES_S6_STOP_TIMEOUT_MS;
	kill_ms = g_ascii_strtoull(text, NULL, 10);
	if (kill_ms == 0 || kill_ms > 3600 * 1000)
		return HERMES_S6_STOP_TIMEOUT_MS;
	return (guint)kill_ms + 10000;
}

/* a slot whose s6-supervise was killed: get one back before telling it anything */
static gboolean
hermes_s6_manager_repair(HermesS6Manager *self,
			 const gchar *slot_dir,
			 GCancellable *cancellable,
			 GError **error)
{
	g_autoptr(GError) error_local = NULL;
	if (hermes_s6_lock_state(self->scandir, slot_dir) != HERMES_S6_LOCK_FREE)
		return TRUE;
	if (hermes_s6_manager_ensure_supervised(self, slot_dir, TRUE, cancellable, &error_local))
		return TRUE;
	{
		g_autofree gchar *name = g_path_get_basename(slot_dir);
		g_autofree gchar *hint = hermes_s6_manager_repair_hint(self);
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "the s6-supervise of %s is gone and could not be brought back (%s); %s",
			    name,
			    error_local->message,
			    hint);
	}
	return FALSE;
}

/* after a stop, the process s6 had must be gone: believe the kernel, not the status file */
static gboolean
hermes_s6_manager_verify_gone(const gchar *slot_dir, gint64 pid, GError **error)
{
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	if (pid <= 0 || hermes_platform_wait_exit(pid, HERMES_S6_GONE_TIMEOUT_MS, NULL))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_FAILED,
		    "%s is down in s6, but its gateway (pid %" G_GINT64_FORMAT
		    ") still runs; stop it with kill %" G_GINT64_FORMAT,
		    name,
		    pid,
		    pid);
	return FALSE;
}

/* TERM, the slot's drain time, KILL: what s6 would have done had it not lost @pid */
static gboolean
hermes_s6_manager_stop_lost(HermesS6Manager *self,
			    const gchar *profile,
			    const gchar *slot_dir,
			    gint64 pid)
{
	g_autofree gchar *home = hermes_s6_manager_profile_home(self, profile);
	guint drain_ms = hermes_s6_stop_timeout_ms(self->scandir, slot_dir);
	/* a --replace successor may be taking it over right now */
	if (hermes_platform_wait_exit(pid, 2000, NULL))
		return TRUE;
	/* an operator stop for the gateway too, not a crash */
	if (!hermes_planned_stop_write(home, pid, NULL))
		g_debug("no planned-stop marker for lost pid %" G_GINT64_FORMAT, pid);
	if (kill((pid_t)pid, SIGTERM) != 0)
		return errno == ESRCH;
	if (hermes_platform_wait_exit(pid, drain_ms, NULL))
		return TRUE;
	if (kill((pid_t)pid, SIGKILL) != 0)
		return errno == ESRCH;
	return hermes_platform_wait_exit(pid, HERMES_S6_GONE_TIMEOUT_MS, NULL);
}

/*
 * A killed s6-supervise leaves its gateway running; s6-svscan starts a new
 * supervisor and a second gateway. Every process started from the slot
 * carries HERMES_S6_SLOT, so once the slot is down any such process is one
 * s6 lost: it is stopped like s6 would have, or the stop fails naming it.
 */
static gboolean
hermes_s6_manager_reap_lost(HermesS6Manager *self,
			    const gchar *profile,
			    const gchar *slot_dir,
			    GError **error)
{
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	g_autoptr(GArray) left = hermes_s6_slot_processes(slot_dir);
	g_autoptr(GString) pids = g_string_new(NULL);
	for (guint i = 0; i < left->len; i++) {
		gint64 pid = g_array_index(left, gint64, i);
		if (!hermes_s6_manager_stop_lost(self, profile, slot_dir, pid))
			g_string_append_printf(pids, " %" G_GINT64_FORMAT, pid);
		else
			g_debug("%s: stopped pid %" G_GINT64_FORMAT " that s6 had lost", name, pid);
	}
	if (pids->len == 0)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_FAILED,
		    "%s is down in s6, but processes started from it still run unsupervised (an "
		    "s6-supervise of the slot was killed and lost them, and they survived "
		    "SIGKILL); pids:%s",
		    name,
		    pids->str);
	return FALSE;
}

/* down, after telling the gateway it is an operator stop (in its own home) */
static gboolean
hermes_s6_manager_bring_down(HermesS6Manager *self,
			     const gchar *profile,
			     const gchar *slot_dir,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(HermesS6Waiter) waiter = NULL;
	gint64 pid;

	if (!hermes_s6_manager_repair(self, slot_dir, cancellable, error))
		return FALSE;
	pid = hermes_s6_manager_current_pid(self, slot_dir);
	if (pid > 0) {
		g_autofree gchar *home = hermes_s6_manager_profile_home(self, profile);
		g_autoptr(GError) error_marker = NULL;
		/* without the marker the gateway treats the stop as a crash and says so at boot */
		if (!hermes_planned_stop_write(home, pid, &error_marker))
			g_debug("no planned-stop marker for %s: %s",
				profile,
				error_marker->message);
	}
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, FALSE, error);
	if (waiter == NULL)
		return FALSE;
	if (!hermes_s6_control_slot(slot_dir, "d", error))
		return FALSE;
	if (!hermes_s6_waiter_wait(waiter,
				   HERMES_S6_WAIT_DOWN,
				   0,
				   hermes_s6_stop_timeout_ms(self->scandir, slot_dir),
				   "stop",
				   cancellable,
				   error))
		return FALSE;
	if (!hermes_s6_manager_verify_gone(slot_dir, pid, error))
		return FALSE;
	return hermes_s6_manager_reap_lost(self, profile, slot_dir, error);
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

static GStrv
hermes_s6_manager_list_gateways(HermesServiceManager *manager,
				GCancellable *cancellable,
				GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	GStrv names;
	const gchar *entry;

	dir = g_dir_open(self->scandir, 0, &error_local);
	if (dir == NULL) {
		/* no scan directory yet: nothing is registered */
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_new0(gchar *, 1);
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "cannot list slots: ");
		hermes_error_convert(error);
		return NULL;
	}
	hermes_s6_manager_watch_scandir(self);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(self->scandir, entry, NULL);
		g_autofree gchar *profile = hermes_s6_profile_from_slot(entry);
		struct stat st;
		/* dot entries (staging, removal) are invisible to s6-svscan and to us */
		if (profile == NULL || !hermes_safe_file_stat(self->scandir, path, &st, NULL) ||
		    !S_ISDIR(st.st_mode))
			continue;
		hermes_s6_manager_watch_slot(self, profile);
		g_strv_builder_add(builder, profile);
	}
	names = g_strv_builder_end(builder);
	return names;
}

/*****************************************************************************/
/* registration: render is the plan, register executes exactly that plan */

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

static GPtrArray *
hermes_s6_manager_plan(HermesS6Manager *self,
		       HermesGatewaySpec *spec,
		       HermesRegisterFlags flags,
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
	g_autofree gchar *user = hermes_s6_manager_run_as(self, spec);
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
	{
		g_autofree gchar *svscanctl = g_build_filename(self->bin_dir, "s6-svscanctl", NULL);
		g_ptr_array_add(steps,
				hermes_render_step_new_command(
					(const gchar *[]){svscanctl, "-a", self->scandir, NULL},
					"rescan (done in-process: 'a' to .s6-svscan/control)"));
	}
	return g_steal_pointer(&steps);
}

/* @path below @slot_dir as a path relative to the staging directory; "." for the slot */
static const gchar *
hermes_s6_relative(const gchar *path, const gchar *slot_dir)
{
	if (!g_str_has_prefix(path, slot_dir))
		return NULL;
	path += strlen(slot_dir);
	while (*path == '/')
		path++;
	return *path == '\0' ? "." : path;
}

/* chmod through an fd opened without following links: a swapped entry is never changed */
static gboolean
hermes_s6_chmod_at(gint dir_fd, const gchar *rel, guint mode, gint64 gid, GError **error)
{
	gint fd = openat(dir_fd, rel, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open %s", rel);
		return FALSE;
	}
	if (gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)gid) != 0) {
		hermes_error_set_errno(
			error, errno, "cannot give %s to group %" G_GINT64_FORMAT, rel, gid);
		close(fd);
		return FALSE;
	}
	/* after the chgrp, which clears setgid on some systems */
	if (fchmod(fd, mode) != 0) {
		hermes_error_set_errno(error, errno, "cannot set the mode of %s", rel);
		close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static gboolean
hermes_s6_execute_command(gint staging_fd,
			  const gchar *const *argv,
			  const gchar *slot_dir,
			  gint64 gid,
			  GError **error)
{
	if (g_strcmp0(argv[0], "mkfifo") == 0) {
		const gchar *rel = hermes_s6_relative(argv[3], slot_dir);
		/* mkfifo honours the umask: set the mode explicitly */
		if (rel == NULL || mkfifoat(staging_fd, rel, 0600) != 0) {
			hermes_error_set_errno(error, errno, "cannot create %s", argv[3]);
			return FALSE;
		}
		return hermes_s6_chmod_at(staging_fd, rel, 0620, -1, error);
	}
	if (g_strcmp0(argv[0], "chgrp") == 0) {
		for (guint j = 2; argv[j] != NULL; j++) {
			const gchar *rel = hermes_s6_relative(argv[j], slot_dir);
			struct stat st;
			if (rel == NULL ||
			    fstatat(staging_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) {
				hermes_error_set_errno(error, errno, "cannot stat %s", argv[j]);
				return FALSE;
			}
			if (!hermes_s6_chmod_at(staging_fd, rel, st.st_mode & 07777, gid, error))
				return FALSE;
		}
	}
	/* the rescan is the caller's, after publishing */
	return TRUE;
}

static gboolean
hermes_s6_execute_step(gint staging_fd,
		       const gchar *staging,
		       HermesRenderStep *step,
		       const gchar *slot_dir,
		       gint64 gid,
		       GError **error)
{
	const gchar *path = hermes_render_step_get_path(step);
	const gchar *rel = path != NULL ? hermes_s6_relative(path, slot_dir) : NULL;

	switch (hermes_render_step_get_kind(step)) {
	case HERMES_RENDER_STEP_DIRECTORY:
		/* the slot itself is the staging directory, made already */
		if (rel == NULL ||
		    (g_strcmp0(rel, ".") != 0 && mkdirat(staging_fd, rel, 0700) != 0)) {
			hermes_error_set_errno(error, errno, "cannot create %s", path);
			return FALSE;
		}
		return hermes_s6_chmod_at(
			staging_fd, rel, hermes_render_step_get_mode(step), -1, error);
	case HERMES_RENDER_STEP_FILE: {
		g_autofree gchar *target =
			rel != NULL ? g_build_filename(staging, rel, NULL) : NULL;
		if (target == NULL) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_FAILED,
				    "%s is outside the slot",
				    path);
			return FALSE;
		}
		return hermes_safe_file_replace(staging,
						target,
						hermes_render_step_get_contents(step),
						-1,
						hermes_render_step_get_mode(step),
						error);
	}
	case HERMES_RENDER_STEP_COMMAND:
		return hermes_s6_execute_command(
			staging_fd, hermes_render_step_get_argv(step), slot_dir, gid, error);
	default:
		return TRUE;
	}
}

/* carries out the plan below @staging instead of the final slot directory */
static gboolean
hermes_s6_manager_execute(GPtrArray *steps,
			  const gchar *slot_dir,
			  const gchar *staging,
			  gint64 gid,
			  const gchar *scandir,
			  GError **error)
{
	gint staging_fd = hermes_safe_open_dir(scandir, staging, error);
	if (staging_fd < 0)
		return FALSE;
	for (guint i = 0; i < steps->len; i++) {
		if (!hermes_s6_execute_step(staging_fd,
					    staging,
					    g_ptr_array_index(steps, i),
					    slot_dir,
					    gid,
					    error)) {
			close(staging_fd);
			return FALSE;
		}
	}
	close(staging_fd);
	return TRUE;
}

static gboolean
hermes_s6_slot_released(const gchar *scandir, const gchar *dir)
{
	g_autofree gchar *log_dir = g_build_filename(dir, "log", NULL);
	return hermes_s6_lock_state(scandir, dir) != HERMES_S6_LOCK_HELD &&
	       hermes_s6_lock_state(scandir, log_dir) != HERMES_S6_LOCK_HELD;
}

/*
 * A supervised slot cannot be swapped under its s6-supervise: rewrite its
 * files atomically instead. s6 runs the new scripts from the next start;
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
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		if (hermes_render_step_get_kind(step) != HERMES_RENDER_STEP_FILE)
			continue;
		if (!hermes_safe_file_replace(self->scandir,
					      hermes_render_step_get_path(step),
					      hermes_render_step_get_contents(step),
					      -1,
					      hermes_render_step_get_mode(step),
					      error))
			return FALSE;
	}
	if ((flags & HERMES_REGISTER_FLAG_START) != 0) {
		if (!hermes_safe_file_unlink(self->scandir, down, error))
			return FALSE;
		return hermes_s6_manager_bring_up(
			self, profile_part + strlen("gateway-"), TRUE, cancellable, error);
	}
	return TRUE;
}

static gboolean
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

/* staging, replaced or removed trees of this profile that a crash left behind */
static void
hermes_s6_manager_sweep_leftovers(HermesS6Manager *self, const gchar *profile)
{
	g_autoptr(GDir) dir = g_dir_open(self->scandir, 0, NULL);
	g_autofree gchar *prefix = g_strdup_printf(".gateway-%s.", profile);
	const gchar *entry;
	if (dir == NULL)
		return;
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = NULL;
		const gchar *kind = entry + strlen(prefix);
		if (!g_str_has_prefix(entry, prefix))
			continue;
		/* only our own suffixes, so a profile named like a suffix is never touched */
		if (!g_str_has_prefix(kind, "new-") && !g_str_has_prefix(kind, "removing-") &&
		    !g_str_has_prefix(kind, "replaced-"))
			continue;
		path = g_build_filename(self->scandir, entry, NULL);
		hermes_safe_remove_tree(self->scandir, path, NULL);
	}
}

static gboolean
hermes_s6_manager_register_gateway(HermesServiceManager *manager,
				   HermesGatewaySpec *spec,
				   HermesRegisterFlags flags,
				   GCancellable *cancellable,
				   GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autofree gchar *staging = NULL;
	g_autoptr(GPtrArray) steps = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *user = hermes_s6_manager_run_as(self, spec);
	gint64 gid = -1;

	if (!hermes_s6_trust_tree(self->scandir, FALSE, error))
		return FALSE;
	steps = hermes_s6_manager_plan(self, spec, flags, error);
	if (steps == NULL)
		return FALSE;
	if (!hermes_s6_manager_group_of(user, &gid, NULL, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_scandir(self, error))
		return FALSE;
	if (hermes_s6_path_exists(self->scandir, slot_dir)) {
		if ((flags & HERMES_REGISTER_FLAG_REPLACE) == 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "gateway '%s' is already registered at %s",
				    profile,
				    slot_dir);
			return FALSE;
		}
		if (!hermes_s6_slot_released(self->scandir, slot_dir))
			return hermes_s6_manager_update_in_place(
				self, steps, slot_dir, flags, cancellable, error);
	}
	hermes_s6_manager_sweep_leftovers(self, profile);
	/* dot-prefixed: s6-svscan never supervises a half-built slot (upstream #54834) */
	staging = g_strdup_printf("%s/.gateway-%s.new-XXXXXX", self->scandir, profile);
	if (g_mkdtemp_full(staging, 0700) == NULL) {
		hermes_error_set_errno(
			error, errno, "cannot create a staging directory in %s", self->scandir);
		return FALSE;
	}
	if (hermes_s6_path_exists(self->scandir, slot_dir)) {
		/* an unsupervised old slot (boot, a second reconcile): move it aside first */
		g_autofree gchar *old = g_strdup_printf(
			"%s/.gateway-%s.replaced-%08x", self->scandir, profile, g_random_int());
		if (g_rename(slot_dir, old) != 0) {
			hermes_error_set_errno(error, errno, "cannot replace %s", slot_dir);
			hermes_safe_remove_tree(self->scandir, staging, NULL);
			return FALSE;
		}
		if (!hermes_safe_remove_tree(self->scandir, old, error)) {
			hermes_safe_remove_tree(self->scandir, staging, NULL);
			return FALSE;
		}
	}
	if (!hermes_s6_manager_execute(
		    steps, slot_dir, staging, gid, self->scandir, &error_local) ||
	    !hermes_platform_rename_noreplace(staging, slot_dir, &error_local)) {
		hermes_safe_remove_tree(self->scandir, staging, NULL);
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ALREADY_EXISTS,
				    "gateway '%s' is already registered at %s",
				    profile,
				    slot_dir);
			return FALSE;
		}
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "cannot register gateway '%s': ",
					   profile);
		return FALSE;
	}
	if ((flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0 &&
	    !hermes_s6_control_scanner(self->scandir, "a", &error_local)) {
		/* an embedded tree that is not running picks the slot up when it starts */
		if (!(g_strcmp0(self->mode, "embedded") == 0 &&
		      g_error_matches(
			      error_local, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE))) {
			hermes_safe_remove_tree(self->scandir, slot_dir, NULL);
			g_propagate_prefixed_error(error,
						   g_steal_pointer(&error_local),
						   "cannot register gateway '%s': ",
						   profile);
			return FALSE;
		}
	}
	hermes_s6_manager_watch_slot(self, profile);
	if ((flags & HERMES_REGISTER_FLAG_START) && (flags & HERMES_REGISTER_FLAG_NO_RESCAN) == 0)
		return hermes_s6_manager_bring_up(self, profile, FALSE, cancellable, error);
	return TRUE;
}

static gboolean
hermes_s6_manager_unregister_gateway(HermesServiceManager *manager,
				     const gchar *profile,
				     GCancellable *cancellable,
				     GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, profile);
	g_autofree gchar *removing = NULL;
	g_autoptr(HermesS6Waiter) waiter = NULL;
	g_autoptr(GError) error_local = NULL;
	gint64 deadline;

	if (!hermes_s6_path_exists(self->scandir, slot_dir))
		return TRUE;
	if (hermes_s6_manager_current_pid(self, slot_dir) > 0 &&
	    !hermes_s6_manager_bring_down(self, profile, slot_dir, cancellable, error))
		return FALSE;
	/* subscribe before the scanner is told: s6-supervise says 'x' as it exits */
	waiter = hermes_s6_waiter_new(self->scandir, slot_dir, TRUE, error);
	if (waiter == NULL)
		return FALSE;
	removing = g_strdup_printf(
		"%s/.gateway-%s.removing-%08x", self->scandir, profile, g_random_int());
	if (g_rename(slot_dir, removing) != 0) {
		hermes_error_set_errno(error, errno, "cannot unregister gateway '%s'", profile);
		return FALSE;
	}
	g_hash_table_remove(self->watches, profile);
	g_free(waiter->slot_dir);
	waiter->slot_dir = g_strdup(removing);
	if (!hermes_s6_control_scanner(self->scandir, "an", &error_local))
		g_debug("no scanner to drop %s: %s", profile, error_local->message);
	/* wait for every s6-supervise of the slot to let go, driven by its exit event */
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
			    "gateway '%s' could not be removed completely",
			    profile);
		return FALSE;
	}
	hermes_service_manager_emit_gateway_changed(manager, profile, NULL);
	return TRUE;
}

static GPtrArray *
hermes_s6_manager_render(HermesServiceManager *manager, HermesGatewaySpec *spec, GError **error)
{
	return hermes_s6_manager_plan(
		HERMES_S6_MANAGER(manager), spec, HERMES_REGISTER_FLAG_NONE, error);
}

/*****************************************************************************/
/* the embedded tree */

static gchar *
hermes_s6_manager_pidfile(HermesS6Manager *self)
{
	return g_build_filename(self->root, "run", "s6-svscan.pid", NULL);
}

static gint64
hermes_s6_manager_read_pid(HermesS6Manager *self)
{
	g_autofree gchar *path = hermes_s6_manager_pidfile(self);
	g_autofree gchar *text = hermes_safe_file_read(self->root, path, 64, NULL, NULL);
	gint64 pid;
	if (text == NULL)
		return -1;
	pid = g_ascii_strtoll(text, NULL, 10);
	return pid > 0 && hermes_platform_process_alive(pid) ? pid : -1;
}

static gboolean
hermes_s6_manager_need_embedded(HermesS6Manager *self, GError **error)
{
	if (g_strcmp0(self->mode, "embedded") == 0)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "s6-svscan on %s is not hermes-svc's to run (mode: %s)",
		    self->scandir,
		    self->mode);
	return FALSE;
}

static gboolean
hermes_s6_manager_supervisor_start(HermesServiceManager *manager,
				   GCancellable *cancellable,
				   GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *svscan = NULL;
	g_autofree gchar *max = g_strdup_printf("%d", HERMES_S6_SVSCAN_MAX);
	g_autofree gchar *logs = g_build_filename(self->root, "logs", NULL);
	g_autofree gchar *log_path = g_build_filename(logs, "s6-svscan.log", NULL);
	g_autofree gchar *pidfile = hermes_s6_manager_pidfile(self);
	g_autofree gchar *pid_text = NULL;
	g_auto(GStrv) envp = NULL;
	gint64 pid = -1;
	gint64 deadline;

	if (!hermes_s6_manager_need_embedded(self, error) ||
	    !hermes_s6_manager_need_bin_dir(self, error))
		return FALSE;
	if (hermes_s6_scanner_is_running(self->scandir))
		return TRUE;
	/* root's s6-svscan runs every run script of the tree as root */
	if (!hermes_s6_trust_tree(self->scandir, TRUE, error))
		return FALSE;
	if (!hermes_s6_manager_ensure_scandir(self, error))
		return FALSE;
	if (g_mkdir_with_parents(logs, 0755) != 0) {
		hermes_error_set_errno(error, errno, "cannot create %s", logs);
		return FALSE;
	}
	svscan = g_build_filename(self->bin_dir, "s6-svscan", NULL);
	envp = hermes_context_get_environ(self->ctx);
	/* the slots' scripts expand $HERMES_HOME at run time: give them the root explicitly */
	envp = g_environ_setenv(envp, "HERMES_HOME", self->root, TRUE);
	if (!hermes_platform_spawn_detached(
		    (const gchar *[]){svscan, "-c", max, self->scandir, NULL},
		    (const gchar *const *)envp,
		    log_path,
		    &pid,
		    error)) {
		g_prefix_error(error, "cannot start the embedded s6 tree: ");
		return FALSE;
	}
	pid_text = g_strdup_printf("%" G_GINT64_FORMAT "\n", pid);
	if (!hermes_safe_file_replace(self->root, pidfile, pid_text, -1, 0644, error))
		return FALSE;
	/* ready when it reads its control FIFO; give up if it died (e.g. another one holds the lock) */
	deadline = g_get_monotonic_time() + HERMES_S6_SCAN_TIMEOUT_MS * 1000;
	while (!hermes_s6_scanner_is_running(self->scandir)) {
		if (!hermes_platform_process_alive(pid)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_COMMAND_FAILED,
				    "s6-svscan exited at once; see %s",
				    log_path);
			hermes_safe_file_unlink(self->root, pidfile, NULL);
			return FALSE;
		}
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "s6-svscan did not start within %d s; see %s",
				    HERMES_S6_SCAN_TIMEOUT_MS / 1000,
				    log_path);
			return FALSE;
		}
		g_usleep(5000);
	}
	return TRUE;
}

static guint
hermes_s6_count_supervisors(const gchar *scandir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	guint n = 0;
	if (proc == NULL)
		return 0;
	while ((entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *cwd_link = NULL;
		g_autofree gchar *cwd = NULL;
		g_autofree gchar *comm_path = NULL;
		g_autofree gchar *comm = NULL;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		comm_path = g_strdup_printf("/proc/%s/comm", entry);
		if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
			continue;
		g_strstrip(comm);
		if (g_strcmp0(comm, "s6-supervise") != 0)
			continue;
		cwd_link = g_strdup_printf("/proc/%s/cwd", entry);
		cwd = g_file_read_link(cwd_link, NULL);
		/* s6-supervise runs in the scan directory (or a slot's log/ below it) */
		if (cwd != NULL && g_str_has_prefix(cwd, scandir))
			n++;
	}
	return n;
}

static gboolean
hermes_s6_manager_supervisor_stop(HermesServiceManager *manager,
				  GCancellable *cancellable,
				  GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autofree gchar *pidfile = hermes_s6_manager_pidfile(self);
	g_auto(GStrv) names = NULL;
	gint64 pid;
	gint64 deadline;

	if (!hermes_s6_manager_need_embedded(self, error))
		return FALSE;
	if (!hermes_s6_scanner_is_running(self->scandir)) {
		hermes_safe_file_unlink(self->root, pidfile, NULL);
		return TRUE;
	}
	/* every gateway stops as an operator stop first, so none thinks it crashed */
	names = hermes_s6_manager_list_gateways(manager, cancellable, error);
	if (names == NULL)
		return FALSE;
	for (guint i = 0; names[i] != NULL; i++) {
		g_autofree gchar *slot_dir = hermes_s6_manager_slot_dir(self, names[i]);
		if (hermes_s6_manager_current_pid(self, slot_dir) > 0 &&
		    !hermes_s6_manager_bring_down(self, names[i], slot_dir, cancellable, error))
			return FALSE;
	}
	g_hash_table_remove_all(self->watches);
	pid = hermes_s6_manager_read_pid(self);
	if (!hermes_s6_control_scanner(self->scandir, "t", error))
		return FALSE;
	if (pid > 0) {
		if (!hermes_platform_wait_exit(pid, HERMES_S6_STOP_TIMEOUT_MS, error))
			return FALSE;
	}
	/* loggers drain after the scanner; nothing of the tree may stay behind */
	deadline = g_get_monotonic_time() + HERMES_S6_STOP_TIMEOUT_MS * 1000;
	while (hermes_s6_scanner_is_running(self->scandir) ||
	       hermes_s6_count_supervisors(self->scandir) > 0) {
		if (g_get_monotonic_time() > deadline) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_TIMED_OUT,
				    "the embedded s6 tree on %s did not stop",
				    self->scandir);
			return FALSE;
		}
		g_usleep(10000);
	}
	hermes_safe_file_unlink(self->root, pidfile, NULL);
	return TRUE;
}

static gboolean
hermes_s6_manager_supervisor_status(HermesServiceManager *manager,
				    gboolean *running,
				    gint64 *pid,
				    gchar **detail,
				    GCancellable *cancellable,
				    GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	*running = hermes_s6_scanner_is_running(self->scandir);
	*pid = g_strcmp0(self->mode, "embedded") == 0 ? hermes_s6_manager_read_pid(self) : -1;
	*detail = g_strdup_printf("s6-svscan (%s) on %s", self->mode, self->scandir);
	return TRUE;
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
}

static void
hermes_s6_manager_finalize(GObject *object)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(object);
	g_hash_table_unref(self->watches);
	if (self->monitor != NULL) {
		g_file_monitor_cancel(self->monitor);
		g_object_unref(self->monitor);
	}
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

/*****************************************************************************/
/* detection */

static guint
hermes_s6_probe(HermesContext *ctx, gchar **reason)
{
	g_autofree gchar *bin_dir = NULL;
	const gchar *scandir = hermes_s6_configured_scandir(ctx);

	if (hermes_s6_is_overlay(ctx)) {
		*reason = g_strdup(
			"/proc/1/comm is s6-svscan and /run/s6/basedir exists (s6-overlay)");
		return HERMES_BACKEND_SCORE_ACTIVE;
	}
	if (scandir != NULL) {
		g_autofree gchar *full = hermes_context_build_path(ctx, scandir);
		if (hermes_s6_scanner_is_running(full)) {
			*reason = g_strdup_printf("$HERMES_S6_SCANDIR %s has a running s6-svscan",
						  scandir);
			return HERMES_BACKEND_SCORE_ACTIVE - 10;
		}
	}
	bin_dir = hermes_s6_find_bin_dir(ctx);
	if (bin_dir != NULL) {
		*reason = g_strdup_printf(
			"no s6-overlay here; %s/s6-svscan is installed, so hermes-svc can run "
			"an embedded s6 tree",
			bin_dir);
		return HERMES_BACKEND_SCORE_FALLBACK;
	}
	*reason = g_strdup("s6 is not running as PID 1 and s6-svscan is not installed");
	return HERMES_BACKEND_SCORE_NONE;
}

HERMES_BACKEND_DEFINE("s6", PACKAGE_VERSION, hermes_s6_manager_get_type, hermes_s6_probe)
