/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The boot reconciler and the container around it: the container's command
 * (upstream's legacy `gateway run` seed), who owns what cont-init creates,
 * the dashboard container, the boot log's format and rotation, and the
 * `hermes boot reconcile` command.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "reconciler-test.h"

/*****************************************************************************/
/* the container's command */

static void
test_reconciler_classify(void **state)
{
	const struct {
		const gchar *argv[10];
		HermesContainerCommand want;
	} cases[] = {
		{{NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"gateway", "run", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"hermes", "gateway", "run", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/opt/hermes/bin/hermes", "gateway", "run", "-v", NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/init", "/opt/hermes/docker/main-wrapper.sh", "gateway", "run", NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/init", "gateway", "run", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/opt/hermes/docker/entrypoint-dispatch.sh", "gateway", "run", NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/bin/sh",
		  "-e",
		  "/run/s6/basedir/scripts/rc.init",
		  "top",
		  "hermes",
		  "gateway",
		  "run",
		  NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		/* upstream: -p dashboard names a profile, not a dashboard container */
		{{"gateway", "run", "-p", "dashboard", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"gateway", "run", "--no-supervise", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/init",
		  "/opt/hermes/docker/main-wrapper.sh",
		  "gateway",
		  "run",
		  "--no-supervise",
		  NULL},
		 HERMES_CONTAINER_COMMAND_OTHER},
		{{"dashboard", NULL}, HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"dashboard", "--host", "0.0.0.0", "--insecure", NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"/init",
		  "/opt/hermes/docker/main-wrapper.sh",
		  "dashboard",
		  "--port",
		  "9119",
		  NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"/init", "/opt/hermes/docker/main-wrapper.sh", "hermes", "dashboard", NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		/* s6-overlay v3 (#49196) */
		{{"/bin/sh",
		  "-e",
		  "/run/s6/basedir/scripts/rc.init",
		  "top",
		  "/opt/hermes/docker/main-wrapper.sh",
		  "dashboard",
		  "--insecure",
		  NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"chat", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"gateway", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/init", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/sbin/init", "splash", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"sleep", "infinity", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/init", "/opt/hermes/docker/main-wrapper.sh", NULL},
		 HERMES_CONTAINER_COMMAND_OTHER},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesContainerCommand got = hermes_container_command_classify(cases[i].argv);
		if (got != cases[i].want) {
			g_autofree gchar *shown = g_strjoinv(" ", (gchar **)cases[i].argv);
			fail_msg("'%s': got %d, expected %d", shown, got, cases[i].want);
		}
	}
}

static void
test_reconciler_read_command(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) argv = NULL;
	g_autofree gchar *joined = NULL;
	g_autofree gchar *self_dir = g_build_filename(f->sysroot, "proc", "self", NULL);

	argv = hermes_container_command_read(f->ctx);
	joined = g_strjoinv(" ", argv);
	assert_string_equal(joined, "/sbin/init splash");
	g_clear_pointer(&argv, g_strfreev);
	g_clear_pointer(&joined, g_free);

	/* s6-overlay v3: PID 1 is s6-svscan, the command runs under rc.init */
	set_cmdline(f, "1", (const gchar *[]){"s6-svscan", "-d4", "--", "/run/service", NULL});
	set_cmdline(f, "20", (const gchar *[]){"s6-supervise", "s6-linux-init-shutdownd", NULL});
	set_cmdline(f,
		    "31",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "hermes",
				      "dashboard",
				      NULL});
	g_mkdir_with_parents(self_dir, 0755);
	argv = hermes_container_command_read(f->ctx);
	joined = g_strjoinv(" ", argv);
	assert_string_equal(joined,
			    "/bin/sh -e /run/s6/basedir/scripts/rc.init top hermes dashboard");
	assert_int_equal(hermes_container_command_classify((const gchar *const *)argv),
			 HERMES_CONTAINER_COMMAND_DASHBOARD);
	g_clear_pointer(&argv, g_strfreev);

	/* invalid UTF-8 is replaced, not fatal */
	g_clear_pointer(&joined, g_free);
	joined = g_build_filename(f->sysroot, "proc", "1", "cmdline", NULL);
	write_bytes(joined, "gate\xffway\0run\0", 13);
	argv = hermes_container_command_read(f->ctx);
	assert_int_equal(g_strv_length(argv), 2);
	assert_true(g_utf8_validate(argv[0], -1, NULL));
}

static void
test_reconciler_legacy_seed(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) seeded = NULL;
	HermesReconciler *r;
	HermesReconcileAction *a;

	set_cmdline(f,
		    "1",
		    (const gchar *[]){
			    "/init", "/opt/hermes/docker/main-wrapper.sh", "gateway", "run", NULL});
	/* "0" is a false value: it does not opt out */
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", "0");
	r = reconcile(f, FALSE);
	a = action_at(r, 0);
	check_action(a, "default", "running", HERMES_RECONCILE_STARTED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a),
				   "seeded desired_state running");
	assert_false(slot_is_down(f, "default"));
	seeded = hermes_gateway_state_load(f->root, &error);
	hermes_assert_no_error(error);
	assert_string_equal(json_object_get_string_member(seeded, "desired_state"), "running");
	assert_string_equal(json_object_get_string_member(seeded, "migrated_from"),
			    "legacy-container-cmd");
	g_object_unref(r);

	/* once: an operator stop afterwards is respected on the next boot */
	assert_true(hermes_gateway_state_set_desired(f->root, "stopped", &error));
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "stopped", HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "default"));
	g_object_unref(r);
}

/* cont-init runs as root: what it creates in a home belongs to the home's owner */
static void
test_reconciler_ownership(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	const gchar *created[] = {"logs", "logs/container-boot.log", "gateway_state.json"};

	if (geteuid() != 0)
		skip();
	assert_int_equal(chown(f->root, 4242, 4243), 0);
	set_cmdline(f, "1", (const gchar *[]){"gateway", "run", NULL});
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "running", HERMES_RECONCILE_STARTED);
	for (guint i = 0; i < G_N_ELEMENTS(created); i++) {
		g_autofree gchar *path = g_build_filename(f->root, created[i], NULL);
		GStatBuf st;
		assert_int_equal(g_stat(path, &st), 0);
		if (st.st_uid != 4242 || st.st_gid != 4243)
			fail_msg("%s belongs to %u:%u",
				 created[i],
				 (guint)st.st_uid,
				 (guint)st.st_gid);
	}
}

static void
test_reconciler_legacy_no_seed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *state_path = g_build_filename(f->root, "gateway_state.json", NULL);
	const gchar *opt_outs[] = {"1", "TRUE", "yes", "Yes"};
	HermesReconciler *r;
	HermesReconcileAction *a;

	/* --no-supervise in the command */
	set_cmdline(f,
		    "1",
		    (const gchar *[]){"/init",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "gateway",
				      "run",
				      "--no-supervise",
				      NULL});
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "default"));
	assert_false(g_file_test(state_path, G_FILE_TEST_EXISTS));
	g_object_unref(r);

	/* HERMES_GATEWAY_NO_SUPERVISE true: upstream's 1/true/yes, in any case */
	set_cmdline(f, "1", (const gchar *[]){"gateway", "run", NULL});
	for (guint i = 0; i < G_N_ELEMENTS(opt_outs); i++) {
		hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", opt_outs[i]);
		r = reconcile(f, FALSE);
		check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
		assert_false(g_file_test(state_path, G_FILE_TEST_EXISTS));
		g_object_unref(r);
	}
	/* anything else is false, and said: `on` too (upstream accepts exactly 1/true/yes) */
	for (guint i = 0; i < 2; i++) {
		const gchar *value = i == 0 ? "maybe" : "On";
		g_autofree gchar *expected = g_strdup_printf(
			"HERMES_GATEWAY_NO_SUPERVISE='%s' is not a truth value", value);
		hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", value);
		r = reconcile(f, TRUE);
		a = action_at(r, 0);
		check_action(a, "default", "running", HERMES_RECONCILE_STARTED);
		hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), expected);
		g_object_unref(r);
	}
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", NULL);

	/* an explicit stopped beats the legacy command, and the file is left alone */
	hermes_test_write_file(state_path, "{\"desired_state\":\"stopped\",\"x\":1}", 0644);
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "stopped", HERMES_RECONCILE_REGISTERED);
	g_object_unref(r);
	{
		g_autofree gchar *text = read_file(state_path);
		assert_string_equal(text, "{\"desired_state\":\"stopped\",\"x\":1}");
	}
	/* so does startup_failed */
	hermes_test_write_file(state_path, "{\"gateway_state\":\"startup_failed\"}", 0644);
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "startup_failed", HERMES_RECONCILE_REGISTERED);
	g_object_unref(r);
}

static void
test_reconciler_legacy_seed_s6v3(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	set_cmdline(
		f,
		"1",
		(const gchar *[]){
			"/package/admin/s6/command/s6-svscan", "-d4", "--", "/run/service", NULL});
	set_cmdline(f,
		    "57",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "gateway",
				      "run",
				      NULL});
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "running", HERMES_RECONCILE_STARTED);
	assert_true(exists_in_home(f, "default", "gateway_state.json"));
}

static void
test_reconciler_dashboard_skips(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	const gchar *const *commands[] = {
		(const gchar *[]){"/init",
				  "/opt/hermes/docker/main-wrapper.sh",
				  "dashboard",
				  "--port",
				  "9119",
				  NULL},
		(const gchar *[]){"dashboard", NULL},
	};

	make_profile(f, "worker", "{\"desired_state\":\"running\"}");
	before = hermes_test_snapshot_tree(f->tmp);
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autoptr(HermesReconciler) r = NULL;
		set_cmdline(f, "1", commands[i]);
		g_clear_pointer(&before, g_free);
		before = hermes_test_snapshot_tree(f->tmp);
		r = reconcile(f, FALSE);
		hermes_assert_str_contains(hermes_reconciler_get_skip_reason(r),
					   "dashboard container");
		assert_int_equal(hermes_reconciler_get_actions(r)->len, 0);
		g_clear_pointer(&after, g_free);
		after = hermes_test_snapshot_tree(f->tmp);
		assert_string_equal(after, before);
	}
	/* the v3 form, through rc.init */
	set_cmdline(f, "1", (const gchar *[]){"s6-svscan", "-d4", "--", "/run/service", NULL});
	set_cmdline(f,
		    "44",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "dashboard",
				      NULL});
	{
		g_autoptr(HermesReconciler) r = reconcile(f, FALSE);
		assert_non_null(hermes_reconciler_get_skip_reason(r));
		assert_false(slot_exists(f, "worker"));
		assert_false(slot_exists(f, "default"));
	}
	/* a gateway container does reconcile */
	set_cmdline(f,
		    "44",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "gateway",
				      "run",
				      "-p",
				      "dashboard",
				      NULL});
	{
		g_autoptr(HermesReconciler) r = reconcile(f, FALSE);
		assert_null(hermes_reconciler_get_skip_reason(r));
		assert_true(slot_exists(f, "worker"));
		assert_false(slot_is_down(f, "worker"));
	}
}

/*****************************************************************************/
/* the boot log */

static void
test_reconciler_boot_log(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *ts = NULL;
	g_autoptr(GDateTime) when = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	make_profile(f, "a", "{\"desired_state\":\"running\"}");
	make_profile(f, "b", "{\"desired_state\":\"stopped\"}");
	make_profile(f, "c", NULL);
	make_profile(f, "bad\"name", NULL);
	make_profile(f, "bad\nname", NULL);
	write_in_home(f, "a", "state/gateway.lifecycle.json", "{\"phase\":\"exited\",\"pid\":1}");
	write_in_home(f, "b", "state/gateway.lifecycle.json", "{\"phase\":\"running\",\"pid\":1}");
	write_in_home(f, "c", "state/gateway.lifecycle.json", "{\"phase\":");

	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconcile_action_get_prior_exit(action_of(r, "a")),
			 HERMES_PRIOR_EXIT_CLEAN);
	assert_int_equal(hermes_reconcile_action_get_prior_exit(action_of(r, "b")),
			 HERMES_PRIOR_EXIT_UNCLEAN);
	assert_int_equal(hermes_reconcile_action_get_prior_exit(action_of(r, "c")),
			 HERMES_PRIOR_EXIT_UNKNOWN);
	log = boot_log(f);
	assert_non_null(log);
	/* default, a, b, the two bad names, c, and the summary */
	check_log_lines(log, 7);
	hermes_assert_str_contains(
		log, " profile=a prior_state=running action=started prior_exit=clean\n");
	hermes_assert_str_contains(
		log,
		" profile=b prior_state=stopped action=registered prior_exit=unclean "
		"reason=\"desired state is stopped\"\n");
	hermes_assert_str_contains(
		log,
		" profile=c prior_state=None action=registered prior_exit=unknown "
		"reason=\"no saved state\"\n");
	hermes_assert_str_contains(log, " profile=\"bad\\\"name\" prior_state=None action=skipped");
	hermes_assert_str_contains(log, " profile=\"bad\\nname\" prior_state=None action=skipped");
	hermes_assert_str_contains(log, " summary total=6 started=1 registered=3 skipped=2\n");
	/* upstream's strftime("%Y-%m-%dT%H:%M:%S%z"), and now */
	ts = g_strndup(log, strlen("2026-01-01T00:00:00+0000"));
	when = g_date_time_new_from_iso8601(ts, NULL);
	assert_non_null(when);
	assert_true(ABS(g_date_time_difference(now, when)) < 120 * G_TIME_SPAN_SECOND);
	{
		g_autofree gchar *path =
			g_build_filename(f->root, "logs", "container-boot.log", NULL);
		assert_string_equal(hermes_reconciler_get_log_path(r), path);
	}

	/* a second run appends */
	g_clear_object(&r);
	r = reconcile(f, FALSE);
	g_clear_pointer(&log, g_free);
	log = boot_log(f);
	check_log_lines(log, 14);
}

static void
test_reconciler_boot_log_rotation(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = g_build_filename(f->root, "logs", "container-boot.log", NULL);
	g_autofree gchar *rotated = g_strconcat(path, ".1", NULL);
	g_autofree gchar *big = g_strnfill(HERMES_RECONCILE_LOG_MAX, 'x');
	g_autofree gchar *log = NULL;
	g_autofree gchar *old = NULL;
	HermesReconciler *r;

	/* just below the limit: appended in place */
	write_bytes(path, big, HERMES_RECONCILE_LOG_MAX - 1);
	r = reconcile(f, FALSE);
	g_object_unref(r);
	assert_false(g_file_test(rotated, G_FILE_TEST_EXISTS));
	log = boot_log(f);
	assert_true(strlen(log) > HERMES_RECONCILE_LOG_MAX);
	assert_true(g_str_has_prefix(log, "xxxx"));

	/* at or over the limit: the old file becomes .1 and the new one holds only this run */
	write_bytes(rotated, "an older rotation\n", 18);
	write_bytes(path, big, HERMES_RECONCILE_LOG_MAX);
	r = reconcile(f, FALSE);
	g_object_unref(r);
	old = read_file(rotated);
	assert_int_equal(strlen(old), HERMES_RECONCILE_LOG_MAX);
	assert_string_equal(old, big);
	g_clear_pointer(&log, g_free);
	log = boot_log(f);
	check_log_lines(log, 2);

	/* a rotation that fails is reported and loses nothing: the run goes to the big file */
	assert_int_equal(g_unlink(rotated), 0);
	g_mkdir_with_parents(rotated, 0755);
	write_in_home(f, "default", "logs/container-boot.log.1/keep", "x");
	write_bytes(path, big, HERMES_RECONCILE_LOG_MAX);
	r = hermes_reconciler_new(f->ctx, f->manager);
	assert_true(hermes_reconciler_run(r, NULL));
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r), "cannot rotate");
	g_object_unref(r);
	g_clear_pointer(&log, g_free);
	log = boot_log(f);
	assert_true(g_str_has_prefix(log, "xxxx"));
	hermes_assert_str_contains(log + HERMES_RECONCILE_LOG_MAX, " summary total=1 ");
}

/* the home is the gateway user's and we run as root: its links are not followed */
static void
test_reconciler_boot_log_links(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *victim = g_build_filename(f->tmp, "victim", NULL);
	g_autofree gchar *victim_dir = g_build_filename(f->tmp, "victim-dir", NULL);
	g_autofree gchar *logs = g_build_filename(f->root, "logs", NULL);
	g_autofree gchar *path = g_build_filename(logs, "container-boot.log", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *listing = NULL;
	HermesReconciler *r;

	hermes_test_write_file(victim, "precious\n", 0644);
	g_mkdir(logs, 0755);
	assert_int_equal(symlink(victim, path), 0);
	r = hermes_reconciler_new(f->ctx, f->manager);
	assert_true(hermes_reconciler_run(r, NULL));
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r),
				   "a symbolic link is in the way");
	g_object_unref(r);
	text = read_file(victim);
	assert_string_equal(text, "precious\n");

	assert_int_equal(g_unlink(path), 0);
	assert_int_equal(g_rmdir(logs), 0);
	g_mkdir(victim_dir, 0755);
	assert_int_equal(symlink(victim_dir, logs), 0);
	r = hermes_reconciler_new(f->ctx, f->manager);
	assert_true(hermes_reconciler_run(r, NULL));
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r),
				   "not writing the boot log: refusing");
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r), "symbolic link");
	g_object_unref(r);
	listing = hermes_test_list_dir(victim_dir);
	assert_string_equal(listing, "");
	/* the slots were written all the same */
	assert_true(slot_exists(f, "default"));
}

/*****************************************************************************/
/* the CLI */

static void
test_reconciler_cli(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *out = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *root;
	JsonArray *profiles;
	g_autofree gchar *missing = g_build_filename(f->tmp, "no-such-scandir", NULL);

	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "Bad", NULL);

	before = hermes_test_snapshot_tree(f->tmp);
	assert_int_equal(
		run_cli(f,
			&out,
			(const gchar *[]){
				"--backend", "s6", "boot", "reconcile", "--dry-run", NULL}),
		0);
	after = hermes_test_snapshot_tree(f->tmp);
	assert_string_equal(after, before);
	hermes_assert_str_contains(out, "profile=default prior_state=None action=registered");
	hermes_assert_str_contains(
		out, "summary total=3 started=1 registered=1 skipped=1 dry_run=yes\n");
	g_clear_pointer(&out, g_free);

	assert_int_equal(
		run_cli(f, &out, (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL}),
		0);
	assert_string_equal(
		out,
		"profile=default prior_state=None action=registered prior_exit=unknown "
		"reason=\"no saved state\"\n"
		"profile=Bad prior_state=None action=skipped prior_exit=unknown "
		"reason=\"invalid profile name 'Bad': profile names are lowercase (try 'bad')\"\n"
		"profile=alpha prior_state=running action=started prior_exit=unknown\n"
		"summary total=3 started=1 registered=1 skipped=1\n");
	assert_true(slot_exists(f, "alpha"));
	g_clear_pointer(&out, g_free);

	assert_int_equal(
		run_cli(f,
			&out,
			(const gchar *[]){"--backend", "s6", "boot", "reconcile", "--json", NULL}),
		0);
	assert_true(json_parser_load_from_data(parser, out, -1, &error));
	hermes_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	assert_string_equal(json_object_get_string_member(root, "backend"), "s6");
	assert_false(json_object_get_boolean_member(root, "dry_run"));
	profiles = json_object_get_array_member(root, "profiles");
	assert_int_equal(json_array_get_length(profiles), 3);
	{
		JsonObject *alpha = json_array_get_object_element(profiles, 2);
		assert_string_equal(json_object_get_string_member(alpha, "profile"), "alpha");
		assert_string_equal(json_object_get_string_member(alpha, "action"), "started");
		assert_string_equal(json_object_get_string_member(alpha, "prior_state"), "running");
		assert_true(json_object_get_null_member(alpha, "reason"));
	}
	assert_int_equal(json_object_get_int_member(json_object_get_object_member(root, "summary"),
						    "skipped"),
			 1);
	g_clear_pointer(&out, g_free);

	/* the shipped cont-init script runs the same command (with-contenv aside) */
	{
		g_autofree gchar *script = g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"),
							    "..",
							    "data",
							    "s6-overlay",
							    "cont-init.d",
							    "50-hermes-reconcile",
							    NULL);
		g_auto(GStrv) envp = hermes_context_get_environ(f->ctx);
		const gchar *argv[] = {"/bin/sh", script, NULL};
		/* whatever supervisor this machine has, the test's is s6 */
		envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
		g_autofree gchar *script_out = NULL;
		g_autoptr(GError) spawn_error = NULL;
		gint wait_status = -1;
		assert_true(g_file_test(script, G_FILE_TEST_IS_EXECUTABLE));
		g_spawn_sync(NULL,
			     (gchar **)argv,
			     envp,
			     G_SPAWN_DEFAULT,
			     NULL,
			     NULL,
			     &script_out,
			     NULL,
			     &wait_status,
			     &spawn_error);
		hermes_assert_no_error(spawn_error);
		assert_true(g_spawn_check_wait_status(wait_status, NULL));
		hermes_assert_str_contains(script_out,
					   "summary total=3 started=1 registered=1 skipped=1\n");
	}

	/* the one failure: no slot can be written at all */
	hermes_context_setenv(f->ctx, "HERMES_S6_SCANDIR", missing);
	assert_int_not_equal(
		run_cli(f, &out, (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL}),
		0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reconciler_classify),
		T(test_reconciler_read_command),
		T(test_reconciler_legacy_seed),
		T(test_reconciler_legacy_no_seed),
		T(test_reconciler_ownership),
		T(test_reconciler_legacy_seed_s6v3),
		T(test_reconciler_dashboard_skips),
		T(test_reconciler_boot_log),
		T(test_reconciler_boot_log_rotation),
		T(test_reconciler_boot_log_links),
		T(test_reconciler_cli),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
