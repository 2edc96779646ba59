/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "faults-common.h"
#include "hermes-platform.h"

guint
faults_count(guint normal, guint under_valgrind)
{
	return hostile_wrapper() != NULL ? under_valgrind : normal;
}

gchar *
faults_profile_home(HostileFixture *fx, const gchar *home, const gchar *profile)
{
	if (g_strcmp0(profile, "default") == 0)
		return g_strdup(home != NULL ? home : fx->home);
	return g_build_filename(home != NULL ? home : fx->home, "profiles", profile, NULL);
}

gchar *
faults_desired(const gchar *profile_home, const gchar *what)
{
	g_autofree gchar *path = g_build_filename(profile_home, "gateway_state.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	JsonNode *root;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("%s: %s is not JSON (%s): '%s'", what, path, error->message, text);
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		fail_msg("%s: %s is not a JSON object: '%s'", what, path, text);
	return g_strdup(json_object_get_string_member_with_default(
		json_node_get_object(root), "desired_state", NULL));
}

static const gchar *
faults_raw(JsonObject *row, const gchar *key)
{
	JsonObject *raw = json_object_get_object_member(row, "raw");
	return raw != NULL ? json_object_get_string_member_with_default(raw, key, NULL) : NULL;
}

static void
faults_assert_truthful(JsonObject *row, const gchar *what)
{
	gint64 pid = json_object_get_int_member_with_default(row, "pid", 0);
	if (g_strcmp0(json_object_get_string_member(row, "state"), "up") != 0)
		return;
	if (!hermes_platform_process_alive(pid))
		fail_msg("%s: status says up with pid %" G_GINT64_FORMAT ", which is dead",
			 what,
			 pid);
	if (g_strcmp0(faults_raw(row, "s6.supervisor"), "gone") == 0)
		fail_msg("%s: status says up although the slot's s6-supervise is gone", what);
}

JsonObject *
faults_status(HostileFixture *fx, const gchar *home, const gchar *profile, const gchar *what)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *label = g_strdup_printf("%s: gateway status", what);
	JsonArray *rows;
	JsonObject *row;

	hostile_observe_home(fx, home, "--json", "-p", profile, "gateway", "status");
	hostile_assert_result(fx, label, HOSTILE_CODES(0));
	if (!json_parser_load_from_data(parser, fx->out, -1, NULL))
		fail_msg("%s: status is not JSON: %s", what, fx->out);
	rows = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					    "gateways");
	if (rows == NULL || json_array_get_length(rows) != 1)
		fail_msg("%s: status has no row for %s: %s", what, profile, fx->out);
	row = json_array_get_object_element(rows, 0);
	faults_assert_truthful(row, what);
	return json_object_ref(row);
}

/* NULL when @row is where @desired says it should be, else what is off */
static gchar *
faults_off_intent(JsonObject *row, const gchar *desired)
{
	const gchar *state = json_object_get_string_member(row, "state");
	const gchar *wanted = json_object_get_string_member(row, "wanted");
	const gchar *ready = json_object_get_string_member_with_default(row, "ready", NULL);
	const gchar *supervisor = faults_raw(row, "s6.supervisor");
	const gchar *runtime =
		json_object_get_string_member_with_default(row, "runtime_state", NULL);
	gboolean run = g_strcmp0(desired, "running") == 0;

	if (g_strcmp0(supervisor, "running") != 0)
		return g_strdup_printf("no s6-supervise holds the slot (%s)", supervisor);
	if (run && (g_strcmp0(state, "up") != 0 || g_strcmp0(wanted, "up") != 0 ||
		    g_strcmp0(ready, "no") == 0))
		return g_strdup_printf(
			"meant to run but %s, wanted %s, ready %s", state, wanted, ready);
	/* up in s6, but the gateway itself is on its way out */
	if (run && g_strcmp0(runtime, "draining") == 0)
		return g_strdup("meant to run but its gateway is draining");
	if (!run && (g_strcmp0(state, "down") != 0 || g_strcmp0(wanted, "down") != 0))
		return g_strdup_printf("meant to be stopped but %s, wanted %s", state, wanted);
	return NULL;
}

void
faults_assert_converged(HostileFixture *fx,
			const gchar *home,
			const gchar *profile,
			const gchar *what)
{
	g_autofree gchar *profile_home = faults_profile_home(fx, home, profile);
	g_autofree gchar *desired = faults_desired(profile_home, what);
	/* the command that recorded the intent has returned; s6 only needs to say so */
	gint64 deadline =
		g_get_monotonic_time() + (gint64)hostile_timeout_seconds() / 4 * G_USEC_PER_SEC;

	if (g_strcmp0(desired, "running") != 0 && g_strcmp0(desired, "stopped") != 0)
		fail_msg("%s: %s's desired_state is '%s', not running or stopped",
			 what,
			 profile,
			 desired != NULL ? desired : "(none)");
	while (TRUE) {
		g_autoptr(JsonObject) row = faults_status(fx, home, profile, what);
		g_autofree gchar *off = faults_off_intent(row, desired);
		if (off == NULL)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s: %s has desired_state %s, but the supervisor disagrees: %s",
				 what,
				 profile,
				 desired,
				 off);
		g_usleep(50 * 1000);
	}
}

/* the gateway took SIGTERM and drains: it records that itself, so a tight poll of its
 * state file sees it without running hermes (slow under valgrind) each time */
static gboolean
faults_draining(const gchar *profile_home)
{
	g_autofree gchar *path = g_build_filename(profile_home, "gateway_state.json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	if (!json_parser_load_from_file(parser, path, NULL))
		return FALSE;
	root = json_parser_get_root(parser);
	return root != NULL && JSON_NODE_HOLDS_OBJECT(root) &&
	       g_strcmp0(json_object_get_string_member_with_default(
				 json_node_get_object(root), "gateway_state", NULL),
			 "draining") == 0;
}

HostileChild *
faults_spawn_draining_stop(HostileFixture *fx, const gchar *profile)
{
	g_autofree gchar *home = faults_profile_home(fx, NULL, profile);
	g_autofree gchar *conf = g_build_filename(home, "hermes-svc.conf", NULL);
	HostileChild *stop;
	gint64 deadline;

	hostile_write(conf,
		      "[gateway]\ncommand=/bin/sh -c \"trap 'sleep 4; exit 0' TERM; "
		      "while :; do sleep 0.1; done\"\n",
		      0644);
	hostile_start_gateway(fx, NULL, profile);
	stop = hostile_spawn_home(fx, NULL, "-p", profile, "gateway", "stop");
	deadline = g_get_monotonic_time() + (gint64)hostile_timeout_seconds() * G_USEC_PER_SEC;
	while (!faults_draining(home)) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("the stop of %s never reached its gateway", profile);
		g_usleep(5 * 1000);
	}
	return stop;
}

/* the names a fault could leave behind; see faults_assert_no_leftovers() */
static gboolean
faults_is_leftover(const gchar *name)
{
	static GRegex *temporary = NULL;
	if (temporary == NULL)
		/* hermes_safe_file_replace(): .<base>.<8 hex>; slots and profiles being
		 * built, replaced or removed; an s6 event FIFO not yet published */
		temporary = g_regex_new("^(\\..+\\.[0-9a-f]{8}|\\..+\\.(new|replaced|removing|"
					"deleted)-.+|\\.ftrig1:.*)$",
					G_REGEX_OPTIMIZE,
					0,
					NULL);
	return g_regex_match(temporary, name, 0, NULL);
}

static void
faults_walk(const gchar *dir, const gchar *what)
{
	g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
	const gchar *name;
	while (listing != NULL && (name = g_dir_read_name(listing)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		GStatBuf st;
		if (faults_is_leftover(name))
			fail_msg("%s: %s was left behind", what, path);
		if (g_lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			faults_walk(path, what);
	}
}

/* a slot s6-svscan can see is complete: half a slot would be supervised as it is */
static void
faults_assert_slots_complete(const gchar *home, const gchar *what)
{
	g_autofree gchar *scandir = g_build_filename(home, "run", "service", NULL);
	g_autoptr(GDir) listing = g_dir_open(scandir, 0, NULL);
	const gchar *name;
	while (listing != NULL && (name = g_dir_read_name(listing)) != NULL) {
		if (name[0] == '.')
			continue;
		for (const gchar *const *f =
			     (const gchar *const[]){"type", "run", "finish", "log/run", NULL};
		     *f != NULL;
		     f++) {
			g_autofree gchar *path = g_build_filename(scandir, name, *f, NULL);
			if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
				fail_msg("%s: slot %s has no %s", what, name, *f);
		}
	}
}

void
faults_assert_no_leftovers(const gchar *home, const gchar *what)
{
	faults_walk(home, what);
	faults_assert_slots_complete(home, what);
}

guint
faults_svscan_count(const gchar *home)
{
	g_autofree gchar *scandir = g_build_filename(home, "run", "service", NULL);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	guint n = 0;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *comm_path = g_strdup_printf("/proc/%s/comm", entry);
		g_autofree gchar *cwd_path = g_strdup_printf("/proc/%s/cwd", entry);
		g_autofree gchar *comm = NULL;
		g_autofree gchar *cwd = NULL;
		if (!g_file_get_contents(comm_path, &comm, NULL, NULL) ||
		    !g_str_has_prefix(comm, "s6-svscan"))
			continue;
		cwd = g_file_read_link(cwd_path, NULL);
		if (g_strcmp0(cwd, scandir) == 0)
			n++;
	}
	return n;
}
