/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Files that are not what they seem (issue 10, "crashes and hangs from one
 * bad file"): FIFOs, /dev/zero, a 60 MB state file and 100 000 nested '['.
 * Every command must return (each runs under a timeout), with one line and a
 * documented exit code or by treating the file as invalid; memory stays
 * bounded (`ulimit -v`); the other profiles are still handled.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hostile-common.h"

#define KIB_1G	 (1024 * 1024)
#define KIB_512M (512 * 1024)

typedef struct {
	const gchar *args[8];
	const gint *allowed;
} HostileCase;

/* p1 (the target) and p2 (running, must stay handled); returns p1's home */
static gchar *
two_profiles(HostileFixture *fx, GPid *g2)
{
	gchar *p1 = hostile_make_profile(fx, NULL, "p1");
	g_free(hostile_make_profile(fx, NULL, "p2"));
	*g2 = hostile_start_gateway(fx, NULL, "p2");
	return p1;
}

static void
run_cases(HostileFixture *fx,
	  const gchar *label,
	  guint64 vmem_kib,
	  gdouble max_seconds,
	  const HostileCase *cases,
	  gsize n_cases)
{
	gchar *payload_env[] = {"HERMES_GATEWAY_COMMAND=sh -c 'exit 0'", NULL};
	for (gsize i = 0; i < n_cases; i++) {
		g_autofree gchar *cmd = g_strjoinv(" ", (gchar **)cases[i].args);
		g_autofree gchar *what = g_strdup_printf("%s: hermes %s", label, cmd);
		hostile_run_full(fx, NULL, payload_env, vmem_kib, cases[i].args);
		hostile_assert_result(fx, what, cases[i].allowed);
		if (max_seconds > 0 && g_getenv("HERMES_TEST_WRAPPER") == NULL &&
		    fx->seconds > max_seconds)
			fail_msg("%s: took %.1f s (more than %.0f s)",
				 what,
				 fx->seconds,
				 max_seconds);
	}
}

/* every line of a reconcile about @profile is not 'skipped' */
static void
assert_reconciled(HostileFixture *fx, const gchar *profile)
{
	g_auto(GStrv) lines = g_strsplit(fx->out != NULL ? fx->out : "", "\n", -1);
	gboolean seen = FALSE;
	for (guint i = 0; lines[i] != NULL; i++) {
		if (!hostile_reconcile_line_is(lines[i], profile))
			continue;
		seen = TRUE;
		if (strstr(lines[i], "action=skipped") != NULL)
			fail_msg("reconcile skipped %s because of another profile: %s",
				 profile,
				 lines[i]);
	}
	if (!seen)
		fail_msg("reconcile did not handle %s: %s", profile, fx->out);
}

static void
assert_status_lists(HostileFixture *fx, const gchar *profile, GPid pid)
{
	g_autofree gchar *pid_text = g_strdup_printf(" %d ", (gint)pid);
	g_auto(GStrv) lines = g_strsplit(fx->out != NULL ? fx->out : "", "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], profile) && strstr(lines[i], " up ") != NULL &&
		    strstr(lines[i], pid_text) != NULL)
			return;
	}
	fail_msg("status does not show %s up with pid %d: %s", profile, (gint)pid, fx->out);
}

/*****************************************************************************/
/* FIFOs */

static const HostileCase fifo_cases[] = {
	{{"status", NULL}, HOSTILE_CODES(0, 1, 3, 65, 77)},
	{{"-p", "p1", "gateway", "status", NULL}, HOSTILE_CODES(0, 1, 3, 65, 77)},
	{{"gateway", "health", "--all", NULL}, HOSTILE_CODES(0, 1, 3, 65, 77)},
	{{"-p", "p1", "gateway", "start", NULL}, HOSTILE_CODES(0, 1, 3, 65, 77)},
	{{"-p", "p1", "gateway", "stop", NULL}, HOSTILE_CODES(0, 1, 3, 65, 77)},
	{{"-p", "p1", "gateway", "run", "--no-supervise", NULL},
	 HOSTILE_CODES(0, 1, 3, 65, 77, 78)},
	{{"boot", "reconcile", NULL}, HOSTILE_CODES(0)},
	{{"profile", "list", NULL}, HOSTILE_CODES(0, 65, 77)},
	{{"profile", "create", "p3", NULL}, HOSTILE_CODES(0, 65, 77)},
	{{"profile", "delete", "p1", "--yes", NULL}, HOSTILE_CODES(0, 1, 3, 65, 77)},
};

static void
fifo_in_profile(HostileFixture *fx, const gchar *basename)
{
	GPid g2 = 0;
	g_autofree gchar *p1 = two_profiles(fx, &g2);
	g_autofree gchar *fifo = g_build_filename(p1, basename, NULL);
	g_autofree gchar *label = g_strdup_printf("FIFO as %s", basename);

	hostile_mkfifo(fifo);
	for (gsize i = 0; i < G_N_ELEMENTS(fifo_cases); i++) {
		run_cases(fx, label, 0, 0, &fifo_cases[i], 1);
		if (g_strcmp0(fifo_cases[i].args[0], "boot") == 0)
			assert_reconciled(fx, "p2");
		/* p1 may have been repaired or deleted: put the FIFO back if p1 is there */
		if (g_file_test(p1, G_FILE_TEST_IS_DIR) && !g_file_test(fifo, G_FILE_TEST_EXISTS))
			hostile_mkfifo(fifo);
	}
	hostile_run(fx, "status");
	hostile_assert_result(fx, "status at the end", HOSTILE_CODES(0, 1, 65, 77));
	assert_status_lists(fx, "p2", g2);
}

static void
test_fifo_state(void **state)
{
	fifo_in_profile(*state, "gateway_state.json");
}

static void
test_fifo_env(void **state)
{
	fifo_in_profile(*state, ".env");
}

static void
test_fifo_pid(void **state)
{
	fifo_in_profile(*state, "gateway.pid");
}

static void
test_fifo_soul_profile(void **state)
{
	fifo_in_profile(*state, "SOUL.md");
}

/* the root profile's SOUL.md, which profile create copies */
static void
test_fifo_soul_root(void **state)
{
	HostileFixture *fx = *state;
	g_autofree gchar *fifo = g_build_filename(fx->home, "SOUL.md", NULL);
	const HostileCase cases[] = {
		{{"profile", "create", "p3", NULL}, HOSTILE_CODES(0, 65, 77)},
		{{"profile", "list", NULL}, HOSTILE_CODES(0, 65, 77)},
		{{"status", NULL}, HOSTILE_CODES(0, 1, 65, 77)},
		{{"boot", "reconcile", NULL}, HOSTILE_CODES(0, 65, 77)},
	};
	hostile_mkfifo(fifo);
	run_cases(fx, "FIFO as the root SOUL.md", 0, 0, cases, G_N_ELEMENTS(cases));
}

static void
test_fifo_svscan_log(void **state)
{
	HostileFixture *fx = *state;
	g_autofree gchar *fifo = g_build_filename(fx->home, "logs", "s6-svscan.log", NULL);
	const HostileCase cases[] = {
		{{"supervisor", "start", NULL}, HOSTILE_CODES(0, 65, 69, 77)},
		{{"supervisor", "status", NULL}, HOSTILE_CODES(0, 2, 65, 69, 77)},
		{{"supervisor", "stop", NULL}, HOSTILE_CODES(0, 2, 65, 69, 77)},
		{{"-p", "p1", "gateway", "start", NULL}, HOSTILE_CODES(0, 65, 69, 77)},
		{{"supervisor", "stop", NULL}, HOSTILE_CODES(0, 2, 65, 69, 77)},
	};
	g_free(hostile_make_profile(fx, NULL, "p1"));
	g_mkdir_with_parents(fx->home, 0755);
	{
		g_autofree gchar *logs = g_path_get_dirname(fifo);
		g_mkdir_with_parents(logs, 0755);
	}
	hostile_mkfifo(fifo);
	run_cases(fx, "FIFO as logs/s6-svscan.log", 0, 0, cases, G_N_ELEMENTS(cases));
}

/*****************************************************************************/
/* /dev/zero */

static const HostileCase zero_cases[] = {
	{{"status", NULL}, HOSTILE_CODES(0, 1, 65, 77)},
	{{"gateway", "health", "--all", NULL}, HOSTILE_CODES(0, 1, 65, 77)},
	{{"-p", "p1", "gateway", "start", NULL}, HOSTILE_CODES(0, 1, 65, 77)},
	{{"-p", "p1", "gateway", "run", "--no-supervise", NULL}, HOSTILE_CODES(0, 1, 65, 77, 78)},
	{{"-p", "p1", "gateway", "stop", NULL}, HOSTILE_CODES(0, 1, 65, 77)},
	{{"boot", "reconcile", NULL}, HOSTILE_CODES(0)},
};

static void
zero_in_profile(HostileFixture *fx, const gchar *basename, gboolean device)
{
	GPid g2 = 0;
	g_autofree gchar *p1 = two_profiles(fx, &g2);
	g_autofree gchar *path = g_build_filename(p1, basename, NULL);
	g_autofree gchar *label = g_strdup_printf(
		"%s as %s", device ? "a /dev/zero device node" : "a link to /dev/zero", basename);

	for (gsize i = 0; i < G_N_ELEMENTS(zero_cases); i++) {
		g_unlink(path);
		if (device) {
			if (mknod(path, S_IFCHR | 0644, makedev(1, 5)) != 0)
				fail_msg("mknod %s: %s", path, g_strerror(errno));
		} else {
			hostile_symlink("/dev/zero", path);
		}
		run_cases(fx, label, KIB_1G, 0, &zero_cases[i], 1);
		if (g_strcmp0(zero_cases[i].args[0], "boot") == 0)
			assert_reconciled(fx, "p2");
	}
}

static void
test_zero_env_link(void **state)
{
	zero_in_profile(*state, ".env", FALSE);
}

static void
test_zero_state_link(void **state)
{
	zero_in_profile(*state, "gateway_state.json", FALSE);
}

static gboolean
can_mknod(void)
{
	if (getuid() != 0) {
		print_message("# skipped: not root, cannot mknod a character device\n");
		return FALSE;
	}
	return TRUE;
}

static void
test_zero_env_device(void **state)
{
	if (!can_mknod())
		return;
	zero_in_profile(*state, ".env", TRUE);
}

static void
test_zero_state_device(void **state)
{
	if (!can_mknod())
		return;
	zero_in_profile(*state, "gateway_state.json", TRUE);
}

/*****************************************************************************/
/* huge and deeply nested */

static const HostileCase bad_state_cases[] = {
	{{"status", NULL}, HOSTILE_CODES(0, 65)},
	{{"--json", "status", NULL}, HOSTILE_CODES(0, 65)},
	{{"-p", "p1", "gateway", "status", NULL}, HOSTILE_CODES(0, 65)},
	{{"gateway", "health", "--all", NULL}, HOSTILE_CODES(0, 1, 65)},
	{{"-p", "p1", "gateway", "health", NULL}, HOSTILE_CODES(0, 1, 65)},
	/* "a corrupt gateway_state.json is not overwritten: the command fails with exit 65" */
	{{"-p", "p1", "gateway", "start", NULL}, HOSTILE_CODES(65)},
	{{"-p", "p1", "gateway", "stop", NULL}, HOSTILE_CODES(65)},
	{{"-p", "p1", "gateway", "restart", NULL}, HOSTILE_CODES(65)},
	{{"boot", "reconcile", NULL}, HOSTILE_CODES(0)},
	{{"boot", "reconcile", "--dry-run", NULL}, HOSTILE_CODES(0)},
};

static void
bad_state(HostileFixture *fx,
	  const gchar *label,
	  const gchar *contents,
	  gsize length,
	  guint64 vmem_kib,
	  gdouble max_seconds)
{
	GPid g2 = 0;
	g_autofree gchar *p1 = two_profiles(fx, &g2);
	g_autofree gchar *path = g_build_filename(p1, "gateway_state.json", NULL);
	g_autoptr(GError) error = NULL;

	if (!g_file_set_contents(path, contents, (gssize)length, &error))
		fail_msg("cannot write %s: %s", path, error->message);
	for (gsize i = 0; i < G_N_ELEMENTS(bad_state_cases); i++) {
		const gchar *first = bad_state_cases[i].args[0];
		const gchar *second = bad_state_cases[i].args[1];
		run_cases(fx, label, vmem_kib, max_seconds, &bad_state_cases[i], 1);
		if (g_strcmp0(first, "boot") == 0)
			assert_reconciled(fx, "p2");
		if (g_strcmp0(first, "status") == 0)
			assert_status_lists(fx, "p2", g2);
		if (g_strcmp0(first, "--json") == 0 && strstr(fx->out, "\"p2\"") == NULL)
			fail_msg("%s: --json status lost p2: %s", label, fx->out);
		(void)second;
	}
	/* nothing rewrote it */
	{
		g_autofree gchar *now = NULL;
		gsize now_len = 0;
		assert_true(g_file_get_contents(path, &now, &now_len, NULL));
		assert_int_equal(now_len, length);
		assert_memory_equal(now, contents, length);
	}
	assert_int_equal(hostile_gateway_pid(fx, NULL, "p2"), g2);
}

static void
test_huge_state(void **state)
{
	const gsize size = 60 * 1024 * 1024;
	g_autofree gchar *contents = g_malloc(size);
	const gchar *head = "{\"desired_state\":\"running\",\"pad\":\"";
	memset(contents, 'A', size);
	memcpy(contents, head, strlen(head));
	memcpy(contents + size - 3, "\"}\n", 3);
	bad_state(*state, "60 MB gateway_state.json", contents, size, KIB_512M, 10);
}

static void
test_nested_state(void **state)
{
	g_autofree gchar *contents = g_strnfill(100000, '[');
	bad_state(*state, "100000 nested [", contents, 100000, 0, 0);
}

static void
test_nested_object_state(void **state)
{
	g_autoptr(GString) contents = g_string_new(NULL);
	for (guint i = 0; i < 100000; i++)
		g_string_append(contents, "{\"a\":");
	bad_state(*state, "100000 nested {\"a\":", contents->str, contents->len, 0, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hostile_setup, hostile_teardown)

int
main(void)
{
	/* fixes not landed yet: see README.md */
	const gchar *const pending[] = {
		NULL,
	};
	struct CMUnitTest tests[] = {
		T(test_fifo_state),
		T(test_fifo_env),
		T(test_fifo_pid),
		T(test_fifo_soul_profile),
		T(test_fifo_soul_root),
		T(test_fifo_svscan_log),
		T(test_zero_env_link),
		T(test_zero_state_link),
		T(test_zero_env_device),
		T(test_zero_state_device),
		T(test_huge_state),
		T(test_nested_state),
		T(test_nested_object_state),
	};
	hermes_test_init();
	return _cmocka_run_group_tests("hostile",
				       tests,
				       hostile_apply_pending(tests, G_N_ELEMENTS(tests), pending),
				       NULL,
				       NULL);
}
