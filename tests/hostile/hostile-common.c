/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile-common.h"

gboolean
hostile_pending_enabled(void)
{
	return g_strcmp0(g_getenv("HERMES_HOSTILE_PENDING"), "1") == 0;
}

void
hostile_write(const gchar *path, const gchar *contents, guint mode)
{
	hermes_test_write_file(path, contents, mode);
}

void
hostile_symlink(const gchar *target, const gchar *link)
{
	g_unlink(link);
	if (symlink(target, link) != 0)
		fail_msg("cannot link %s -> %s: %s", link, target, g_strerror(errno));
}

void
hostile_mkfifo(const gchar *path)
{
	g_unlink(path);
	if (mkfifo(path, 0644) != 0)
		fail_msg("cannot make FIFO %s: %s", path, g_strerror(errno));
}

GPid
hostile_spawn_sleep(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = {"sleep", "1000", NULL};
	GPid pid = 0;
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
			      G_SPAWN_STDERR_TO_DEV_NULL,
		      NULL,
		      NULL,
		      &pid,
		      &error);
	hermes_assert_no_error(error);
	return pid;
}

void
hostile_reap(GPid *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

/* the process state letter in /proc/PID/stat, '\0' if gone */
static gchar
hostile_proc_state(GPid pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/stat", (gint)pid);
	g_autofree gchar *text = NULL;
	const gchar *paren;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return '\0';
	paren = strrchr(text, ')');
	if (paren == NULL || paren[1] == '\0' || paren[2] == '\0')
		return '\0';
	return paren[2];
}

gboolean
hostile_pid_alive(GPid pid)
{
	gchar state;
	if (pid <= 0 || kill(pid, 0) != 0)
		return FALSE;
	state = hostile_proc_state(pid);
	return state != '\0' && state != 'Z' && state != 'X' && state != 'T' && state != 't';
}

gint64
hostile_start_time(GPid pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d/stat", (gint)pid);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) fields = NULL;
	const gchar *paren;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	paren = strrchr(text, ')');
	if (paren == NULL)
		return -1;
	/* after ")": field 3 (state) is index 0, so field 22 is index 19 */
	fields = g_strsplit(paren + 2, " ", -1);
	if (g_strv_length(fields) < 20)
		return -1;
	return g_ascii_strtoll(fields[19], NULL, 10);
}

gchar *
hostile_boot_id(void)
{
	gchar *text = NULL;
	if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &text, NULL, NULL))
		return g_strdup("");
	return g_strstrip(text);
}

static void
hostile_snapshot_walk(const gchar *path, const gchar *rel, GPtrArray *out)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;
	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		g_autofree gchar *child_rel =
			rel != NULL ? g_build_filename(rel, name, NULL) : g_strdup(name);
		g_autofree gchar *digest = NULL;
		g_autofree gchar *target = NULL;
		struct stat st;
		if (lstat(child, &st) != 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			g_autofree gchar *contents = NULL;
			gsize len = 0;
			if (g_file_get_contents(child, &contents, &len, NULL))
				digest = g_compute_checksum_for_data(
					G_CHECKSUM_SHA256, (const guchar *)contents, len);
		} else if (S_ISLNK(st.st_mode)) {
			target = g_file_read_link(child, NULL);
		}
		g_ptr_array_add(out,
				g_strdup_printf("%s %o %u:%u %" G_GINT64_FORMAT " %s%s",
						child_rel,
						(guint)st.st_mode,
						(guint)st.st_uid,
						(guint)st.st_gid,
						(gint64)st.st_size,
						digest != NULL ? digest : "",
						target != NULL ? target : ""));
		if (S_ISDIR(st.st_mode))
			hostile_snapshot_walk(child, child_rel, out);
	}
}

static gint
hostile_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

gchar *
hostile_snapshot(const gchar *path)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	struct stat st;
	if (lstat(path, &st) == 0)
		g_ptr_array_add(lines,
				g_strdup_printf(". %o %u:%u",
						(guint)st.st_mode,
						(guint)st.st_uid,
						(guint)st.st_gid));
	hostile_snapshot_walk(path, NULL, lines);
	g_ptr_array_sort(lines, hostile_strptr_cmp);
	g_ptr_array_add(lines, NULL);
	return g_strjoinv("\n", (gchar **)lines->pdata);
}

gboolean
hostile_tree_contains(const gchar *path, const gchar *needle)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;
	if (dir == NULL)
		return FALSE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		struct stat st;
		if (lstat(child, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && hostile_tree_contains(child, needle))
			return TRUE;
		if (S_ISREG(st.st_mode) && st.st_size < 64 * 1024 * 1024) {
			g_autofree gchar *contents = NULL;
			gsize len = 0;
			if (g_file_get_contents(child, &contents, &len, NULL) &&
			    g_strstr_len(contents, (gssize)len, needle) != NULL)
				return TRUE;
		}
	}
	return FALSE;
}

void
hostile_mark_outside(HostileFixture *fx)
{
	g_free(fx->outside_snapshot);
	fx->outside_snapshot = hostile_snapshot(fx->outside);
}

/* the first line where two snapshots differ */
static void
hostile_fail_snapshot(const gchar *what, const gchar *before, const gchar *after)
{
	g_auto(GStrv) a = g_strsplit(before, "\n", -1);
	g_auto(GStrv) b = g_strsplit(after, "\n", -1);
	guint i = 0;
	while (a[i] != NULL && b[i] != NULL && g_strcmp0(a[i], b[i]) == 0)
		i++;
	fail_msg("%s: the outside directory changed: before '%s', after '%s'",
		 what,
		 a[i] != NULL ? a[i] : "(end)",
		 b[i] != NULL ? b[i] : "(end)");
}

void
hostile_assert_outside_unchanged(HostileFixture *fx, const gchar *what)
{
	g_autofree gchar *now = hostile_snapshot(fx->outside);
	if (g_strcmp0(now, fx->outside_snapshot) != 0)
		hostile_fail_snapshot(what, fx->outside_snapshot, now);
}

void
hostile_assert_victim_alive(HostileFixture *fx, const gchar *what)
{
	if (!hostile_pid_alive(fx->victim))
		fail_msg("%s: another process (pid %d, a sleep of the test) was signalled",
			 what,
			 (gint)fx->victim);
}

void
hostile_assert_one_line_error(HostileFixture *fx, const gchar *what)
{
	const gchar *err = fx->err != NULL ? fx->err : "";
	const gchar *nl = strchr(err, '\n');
	if (!g_str_has_prefix(err, "hermes: ") || nl == NULL || nl[1] != '\0')
		fail_msg("%s (exit %d): expected one line 'hermes: …' on stderr, got '%s'",
			 what,
			 fx->status,
			 err);
}

void
hostile_assert_result(HostileFixture *fx, const gchar *what, const gint *allowed)
{
	gboolean ok = FALSE;
	if (fx->signal != 0)
		fail_msg("%s: hermes was killed by signal %d (%s); stderr: %s",
			 what,
			 fx->signal,
			 g_strsignal(fx->signal),
			 fx->err);
	for (guint i = 0; allowed[i] >= 0; i++) {
		if (allowed[i] == fx->status)
			ok = TRUE;
	}
	if (!ok) {
		g_autoptr(GString) codes = g_string_new(NULL);
		for (guint i = 0; allowed[i] >= 0; i++)
			g_string_append_printf(codes, "%s%d", i > 0 ? "," : "", allowed[i]);
		fail_msg("%s: exit %d, expected one of {%s}; stderr: %s",
			 what,
			 fx->status,
			 codes->str,
			 fx->err);
	}
	if (fx->status == 2 && (fx->err == NULL || fx->err[0] == '\0'))
		; /* nothing to do / not running: an answer on stdout, not an error */
	else if (fx->status != 0)
		hostile_assert_one_line_error(fx, what);
	hostile_assert_outside_unchanged(fx, what);
	hostile_assert_victim_alive(fx, what);
}

gboolean
hostile_reconcile_line_is(const gchar *line, const gchar *profile)
{
	g_autofree gchar *plain = g_strdup_printf("profile=%s", profile);
	g_autofree gchar *quoted = g_strdup_printf("profile=\"%s\"", profile);
	const gchar *at = strstr(line, "profile=");
	gsize n;
	if (at == NULL)
		return FALSE;
	if (g_str_has_prefix(at, quoted))
		return TRUE;
	n = strlen(plain);
	return strncmp(at, plain, n) == 0 && (at[n] == ' ' || at[n] == '\0');
}

gchar *
hostile_make_profile(HostileFixture *fx, const gchar *home, const gchar *name)
{
	if (hostile_run_home(fx, home, "profile", "create", name) != 0)
		fail_msg("profile create %s: exit %d: %s", name, fx->status, fx->err);
	return g_build_filename(home != NULL ? home : fx->home, "profiles", name, NULL);
}

GPid
hostile_gateway_pid(HostileFixture *fx, const gchar *home, const gchar *name)
{
	g_autoptr(JsonParser) parser = NULL;
	JsonNode *root;
	JsonArray *gateways;
	if (hostile_run_home(fx, home, "--json", "-p", name, "gateway", "status") != 0)
		return 0;
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, fx->out, -1, NULL))
		return 0;
	root = json_parser_get_root(parser);
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return 0;
	gateways = json_object_get_array_member(json_node_get_object(root), "gateways");
	if (gateways == NULL || json_array_get_length(gateways) == 0)
		return 0;
	{
		JsonObject *gw = json_array_get_object_element(gateways, 0);
		JsonNode *pid = json_object_get_member(gw, "pid");
		if (pid == NULL || JSON_NODE_HOLDS_NULL(pid))
			return 0;
		return (GPid)json_node_get_int(pid);
	}
}

GPid
hostile_start_gateway(HostileFixture *fx, const gchar *home, const gchar *name)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	GPid pid = 0;
	if (hostile_run_home(fx, home, "-p", name, "gateway", "start") != 0)
		fail_msg("gateway start %s: exit %d: %s", name, fx->status, fx->err);
	while ((pid = hostile_gateway_pid(fx, home, name)) <= 0) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("gateway %s never reported a pid", name);
		g_usleep(50000);
	}
	return pid;
}

static gboolean
hostile_proc_mentions(const gchar *pid_dir, const gchar *dir)
{
	g_autofree gchar *cmdline_path = g_build_filename(pid_dir, "cmdline", NULL);
	g_autofree gchar *cwd_path = g_build_filename(pid_dir, "cwd", NULL);
	g_autofree gchar *cmdline = NULL;
	g_autofree gchar *cwd = g_file_read_link(cwd_path, NULL);
	gsize len = 0;
	if (cwd != NULL && g_str_has_prefix(cwd, dir))
		return TRUE;
	if (!g_file_get_contents(cmdline_path, &cmdline, &len, NULL))
		return FALSE;
	for (gsize i = 0; i + 1 < len; i++) {
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	}
	return g_strstr_len(cmdline, (gssize)len, dir) != NULL;
}

void
hostile_kill_strays(const gchar *dir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	if (dir == NULL)
		return;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *pid_dir = g_build_filename("/proc", entry, NULL);
		gint64 pid = g_ascii_strtoll(entry, NULL, 10);
		if (pid <= 1 || pid == getpid())
			continue;
		if (hostile_proc_mentions(pid_dir, dir))
			kill((pid_t)pid, SIGKILL);
	}
}

gsize
hostile_apply_pending(struct CMUnitTest *tests, gsize n_tests, const gchar *const *pending)
{
	gsize kept = 0;
	for (guint p = 0; pending[p] != NULL && pending[p + 1] != NULL; p += 2) {
		gboolean found = FALSE;
		for (gsize i = 0; i < n_tests; i++) {
			if (g_strcmp0(tests[i].name, pending[p]) == 0)
				found = TRUE;
		}
		if (!found) {
			/* a stale list would hide nothing and say something false */
			print_error("pending case %s is not a test of this binary\n", pending[p]);
			exit(1);
		}
		print_message("# %s: pending, %s: %s\n",
			      pending[p],
			      hostile_pending_enabled()
				      ? "run (HERMES_HOSTILE_PENDING=1)"
				      : "not run (HERMES_HOSTILE_PENDING=1 runs it)",
			      pending[p + 1]);
	}
	/* a cmocka skip is "not ok # SKIP" in TAP, which meson counts as a failure: leave
	 * the pending cases out of the plan instead */
	for (gsize i = 0; i < n_tests; i++) {
		gboolean is_pending = FALSE;
		for (guint p = 0; pending[p] != NULL && pending[p + 1] != NULL; p += 2) {
			if (g_strcmp0(tests[i].name, pending[p]) == 0)
				is_pending = TRUE;
		}
		if (is_pending && !hostile_pending_enabled())
			continue;
		tests[kept++] = tests[i];
	}
	return kept;
}

int
hostile_setup(void **state)
{
	HostileFixture *fx = g_new0(HostileFixture, 1);
	g_autofree gchar *secret = NULL;
	fx->tmp = hermes_test_mkdtemp();
	g_chmod(fx->tmp, 0755);
	fx->home = g_build_filename(fx->tmp, "home", NULL);
	fx->outside = g_build_filename(fx->tmp, "outside", NULL);
	g_mkdir(fx->home, 0755);
	g_mkdir(fx->outside, 0755);
	/* what a hostile home points at: a root-only JSON file, a secret, a log, a directory */
	secret = g_build_filename(fx->outside, "secret.json", NULL);
	hostile_write(secret,
		      "{\"desired_state\":\"running\",\"secret\":\"TOPSECRET-JSON\","
		      "\"pid\":1,\"port\":9999}\n",
		      0600);
	g_clear_pointer(&secret, g_free);
	secret = g_build_filename(fx->outside, "secret.txt", NULL);
	hostile_write(secret, "TOPSECRET-TEXT\nAPI_SERVER_PORT=9999\n", 0600);
	g_clear_pointer(&secret, g_free);
	secret = g_build_filename(fx->outside, "existing.log", NULL);
	hostile_write(secret, "an existing log nobody may append to\n", 0644);
	g_clear_pointer(&secret, g_free);
	secret = g_build_filename(fx->outside, "dir", NULL);
	g_mkdir(secret, 0755);
	hostile_mark_outside(fx);

	fx->homes = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(fx->homes, g_strdup(fx->home));
	fx->mounts = g_ptr_array_new_with_free_func(g_free);
	fx->envp = hermes_test_hermes_environ(fx->home);
	fx->envp = g_environ_setenv(fx->envp, "HOME", fx->tmp, TRUE);
	fx->envp = g_environ_setenv(fx->envp, "NO_COLOR", "1", TRUE);
	for (const gchar *const *u = (const gchar *[]){"HERMES_SUPERVISED_CHILD",
						       "HERMES_S6_SUPERVISED_CHILD",
						       "HERMES_S6_SCANDIR",
						       "S6_PROFILE_GATEWAY_SCANDIR",
						       "HERMES_GATEWAY_USER",
						       "HERMES_GATEWAY_COMMAND",
						       "HERMES_GATEWAY_NO_SUPERVISE",
						       "HERMES_READY_FD",
						       "NOTIFY_SOCKET",
						       "API_SERVER_PORT",
						       NULL};
	     *u != NULL;
	     u++)
		fx->envp = g_environ_unsetenv(fx->envp, *u);
	fx->victim = hostile_spawn_sleep();
	*state = fx;
	return 0;
}

int
hostile_teardown(void **state)
{
	HostileFixture *fx = *state;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) err = g_string_new(NULL);

	/* an embedded tree a test started must not outlive it; a stop that hangs is cut */
	for (guint i = 0; i < fx->homes->len; i++) {
		g_auto(GStrv) envp = g_environ_setenv(
			g_strdupv(fx->envp), "HERMES_HOME", g_ptr_array_index(fx->homes, i), TRUE);
		const gchar *argv[] = {
			hermes_test_env("HERMES_TEST_HERMES"), "supervisor", "stop", NULL};
		gint status = 0;
		hostile_spawn_bounded(
			(gchar **)argv, envp, fx->tmp, 30 * G_USEC_PER_SEC, out, err, &status);
	}
	hostile_kill_strays(fx->tmp);
	hostile_reap(&fx->victim);
	for (guint i = 0; i < fx->mounts->len; i++)
		umount2(g_ptr_array_index(fx->mounts, i), MNT_DETACH);
	hermes_test_rmtree(fx->tmp);
	g_free(fx->tmp);
	g_free(fx->home);
	g_free(fx->outside);
	g_free(fx->outside_snapshot);
	g_ptr_array_unref(fx->homes);
	g_ptr_array_unref(fx->mounts);
	g_strfreev(fx->envp);
	g_free(fx->out);
	g_free(fx->err);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}
