/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd backend plugin through the built `hermes` binary, forced with
 * --backend launchd (its probe says no on Linux): render and install
 * --dry-run print the plist a Mac would get, install/status/stop/restart/
 * uninstall and the profile hooks drive a fake launchctl, and the rendered
 * plist's own environment makes the real gateway runner turn a fatal
 * configuration into exit 0.
 */

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launchd-test.h"

/*
 * `hermes --backend launchd gateway render` on Linux prints the plist a
 * Mac would get; `install --dry-run` prints the same. Without --backend
 * the probe says no: this is not macOS.
 */
static void
test_cli_render(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *plist_path =
		g_build_filename(f->tmp, "LaunchAgents", "ai.hermes.gateway-demo.plist", NULL);
	g_autofree gchar *home = NULL;
	g_autofree gchar *render_out = NULL;
	g_autofree gchar *plist = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *expected_run = NULL;
	g_autoptr(JsonObject) root = NULL;
	g_autofree gchar *hermes_real = NULL;
	JsonArray *args;
	JsonObject *env;

	cli_setup(f, FALSE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	/* no launchd here: nothing was registered by the profile hook */
	assert_false(g_file_test(f->agents, G_FILE_TEST_EXISTS));

	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	render_out = g_strdup(f->out);
	plist = plist_in_output(render_out, plist_path);
	if (!g_file_test(TEST_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
		skip();
	json = lint_json(f, plist);
	root = parse_json_object(json);
	assert_string_equal(json_object_get_string_member(root, "Label"), "ai.hermes.gateway-demo");
	args = json_object_get_array_member(root, "ProgramArguments");
	assert_int_equal(json_array_get_length(args), 5);
	hermes_real = g_canonicalize_filename(hermes_test_env("HERMES_TEST_HERMES"), NULL);
	{
		g_autofree gchar *arg0 =
			g_canonicalize_filename(json_array_get_string_element(args, 0), NULL);
		assert_string_equal(arg0, hermes_real);
	}
	assert_string_equal(json_array_get_string_element(args, 1), "-p");
	assert_string_equal(json_array_get_string_element(args, 2), "demo");
	assert_string_equal(json_array_get_string_element(args, 3), "gateway");
	assert_string_equal(json_array_get_string_element(args, 4), "run");
	env = json_object_get_object_member(root, "EnvironmentVariables");
	assert_string_equal(json_object_get_string_member(env, "HERMES_HOME"), home);
	assert_string_equal(json_object_get_string_member(env, "HERMES_SUPERVISED_CHILD"), "1");
	assert_string_equal(json_object_get_string_member(env, "XPC_SERVICE_NAME"),
			    "ai.hermes.gateway-demo");
	assert_string_equal(json_object_get_string_member(root, "WorkingDirectory"), home);
	/* the rest of the plan, for the gui domain a logged-in user has */
	{
		g_autofree gchar *logs = g_build_filename(home, "logs", NULL);
		g_autofree gchar *line = g_strdup_printf("# directory %s (mode 0755)\n", logs);
		g_autofree gchar *agents =
			g_strdup_printf("# directory %s (mode 0755)\n", f->agents);
		hermes_assert_str_contains(render_out, line);
		hermes_assert_str_contains(render_out, agents);
	}
	expected_run = g_strdup_printf("disable gui/%u/ai.hermes.gateway-demo",
				       (guint)hermes_platform_get_euid());
	hermes_assert_str_contains(render_out, expected_run);
	/* rendering wrote nothing */
	assert_false(g_file_test(f->agents, G_FILE_TEST_EXISTS));

	assert_ok(
		f,
		hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install", "--dry-run"));
	assert_string_equal(f->out, render_out);
	assert_false(g_file_test(f->agents, G_FILE_TEST_EXISTS));

	/* the probe claims only macOS, so launchd must be forced here */
	assert_int_equal(hermes(f, "-p", "demo", "gateway", "render"), 69);
	hermes_assert_str_contains(f->err, "no supported service manager");
	/* `hermes backends` says why (and exits 69: nothing is chosen) */
	assert_int_equal(hermes(f, "backends"), 69);
	hermes_assert_str_contains(f->out, "not macOS (this host is linux)");
}

/* the default directory is the passwd entry's home, never $HOME */
static void
test_cli_render_passwd_home(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesUser) pw = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *header = NULL;

	cli_setup(f, FALSE);
	cli_set_env(f, "HERMES_LAUNCHD_AGENTS_DIR", NULL);
	pw = hermes_platform_lookup_user(g_get_user_name(), &error);
	hermes_assert_no_error(error);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	expected = g_build_filename(pw->home, "Library", "LaunchAgents", NULL);
	header = g_strdup_printf("# file %s/ai.hermes.gateway-demo.plist (mode 0644)\n", expected);
	hermes_assert_str_contains(f->out, header);
	{
		g_autofree gchar *wrong = g_strdup_printf("# file %s/Library", f->tmp);
		assert_null(strstr(f->out, wrong));
	}
	/* a LaunchDaemon: /Library/LaunchDaemons, the system domain, and a user to run as */
	cli_set_env(f, "HERMES_LAUNCHD_SCOPE", "system");
	assert_int_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"), 64);
	hermes_assert_str_contains(f->err, "HERMES_GATEWAY_USER");
	cli_set_env(f, "HERMES_GATEWAY_USER", "nobody");
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	hermes_assert_str_contains(
		f->out, "# file /Library/LaunchDaemons/ai.hermes.gateway-demo.plist (mode 0644)\n");
	hermes_assert_str_contains(f->out, "\t<key>UserName</key>\n\t<string>nobody</string>\n");
	hermes_assert_str_contains(f->out, "disable system/ai.hermes.gateway-demo");
	/* a LaunchAgent cannot run as somebody else */
	cli_set_env(f, "HERMES_LAUNCHD_SCOPE", NULL);
	assert_int_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"), 64);
	hermes_assert_str_contains(f->err, "LaunchAgent runs as the user who loads it");
	cli_set_env(f, "HERMES_LAUNCHD_SCOPE", "sideways");
	assert_int_not_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"),
			     0);
	hermes_assert_str_contains(f->err, "HERMES_LAUNCHD_SCOPE");
}

static gchar *
cli_read_plist(Fixture *f, const gchar *profile)
{
	g_autofree gchar *name = hermes_launchd_plist_name(profile);
	g_autofree gchar *path = g_build_filename(f->agents, name, NULL);
	gchar *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return text;
}

static void
assert_fake_calls(Fixture *f, const gchar *const *expected)
{
	g_autofree gchar *calls = fake_calls(f->fake_dir);
	g_autofree gchar *want = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);
	for (guint i = 0; expected[i] != NULL; i++)
		g_string_append_printf(joined, "%s\n", expected[i]);
	want = g_strdelimit(g_strdup(joined->str), " ", '\t');
	if (g_strcmp0(calls, want) != 0)
		fail_msg("launchctl calls differ:\n got:\n%s\n expected:\n%s", calls, want);
	{
		g_auto(GStrv) lines = g_strsplit(calls, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix(lines[i], "load\t") ||
			    g_str_has_prefix(lines[i], "unload\t"))
				fail_msg("a deprecated verb was used:\n%s", calls);
		}
	}
}

#define assert_fake(f, ...) assert_fake_calls(f, (const gchar *const[]){__VA_ARGS__, NULL})

static void
fake_reset(Fixture *f)
{
	hermes_test_rmtree(f->fake_dir);
	g_mkdir_with_parents(f->fake_dir, 0755);
	fake_file(f->fake_dir, "managername.out", "Aqua\n");
}

/* install --start, status, restart, stop (marker first), uninstall: the plugin end to end */
static void
test_cli_lifecycle(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *target = g_strdup_printf("gui/%s/ai.hermes.gateway-demo", uid);
	g_autofree gchar *plist_path = NULL;
	g_autofree gchar *rendered = NULL;
	g_autofree gchar *written = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *marker = NULL;
	g_autofree gchar *running = NULL;
	g_autofree gchar *print_target = NULL;
	g_autofree gchar *kickstart = NULL;
	g_autofree gchar *bootstrap = NULL;
	GPid old = dead_pid();

	cli_setup(f, TRUE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	marker = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	plist_path = g_build_filename(f->agents, "ai.hermes.gateway-demo.plist", NULL);
	print_target = g_strdup_printf("print %s", target);
	kickstart = g_strdup_printf("kickstart %s", target);
	bootstrap = g_strdup_printf("bootstrap gui/%s %s", uid, plist_path);
	running = g_strdup_printf("%s = {\n\tstate = running\n\tpid = %d\n\truns = 1\n"
				  "\tlast exit code = (never exited)\n}\n",
				  target,
				  (gint)old);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	rendered = plist_in_output(f->out, plist_path);
	fake_reset(f);

	/* install --start: not loaded, so enable, bootstrap, kickstart, then check */
	fake_file(f->fake_dir, "print.1.rc", "113\n");
	fake_file(f->fake_dir, "kickstart.1.rc", "113\n");
	fake_file(f->fake_dir, "print.out", running);
	assert_ok(f,
		  hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install", "--start"));
	hermes_assert_str_contains(f->out,
				   "Installed gateway 'demo' with launchd (agent), started");
	written = cli_read_plist(f, "demo");
	assert_non_null(written);
	/* install writes exactly what render printed */
	assert_string_equal(written, rendered);
	{
		g_autofree gchar *enable = g_strdup_printf("enable %s", target);
		assert_fake(f,
			    "managername",
			    print_target,
			    kickstart,
			    enable,
			    bootstrap,
			    kickstart,
			    print_target);
	}

	/* status: launchd's view, through print */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	assert_ok(f,
		  hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "status", "--json"));
	{
		g_autoptr(JsonObject) root = parse_json_object(f->out);
		JsonArray *gateways = json_object_get_array_member(root, "gateways");
		JsonObject *gw = json_array_get_object_element(gateways, 0);
		JsonObject *raw = json_object_get_object_member(gw, "raw");
		assert_string_equal(json_object_get_string_member(gw, "state"), "up");
		assert_int_equal(json_object_get_int_member(gw, "pid"), old);
		assert_string_equal(json_object_get_string_member(raw, "launchd.supervised"),
				    "true");
		assert_string_equal(
			json_object_get_string_member(
				json_object_get_object_member(root, "manager"), "backend"),
			"launchd");
	}

	/* restart: marker, kickstart -k */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	fake_file(f->fake_dir, "marker", marker);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "restart"));
	{
		g_autofree gchar *kill_start = g_strdup_printf("kickstart -k %s", target);
		g_autofree gchar *seen_path = g_build_filename(f->fake_dir, "marker-seen", NULL);
		g_autofree gchar *seen = NULL;
		/* the CLI asks for the status first (is it registered?) */
		assert_fake(f, "managername", print_target, print_target, kill_start, print_target);
		assert_true(g_file_get_contents(seen_path, &seen, NULL, NULL));
		assert_string_equal(seen, "kickstart marker=yes\n");
	}
	g_unlink(marker);

	/* a plist another hermes wrote (a binary since moved): start rewrites it, launchd reloads */
	{
		g_autoptr(GString) stale = g_string_new(rendered);
		g_autofree gchar *calls = NULL;
		g_autofree gchar *now = NULL;
		g_string_replace(stale, hermes_test_env("HERMES_TEST_HERMES"), "/gone/hermes", 0);
		assert_string_not_equal(stale->str, rendered);
		assert_true(g_file_set_contents(plist_path, stale->str, -1, NULL));
		fake_reset(f);
		fake_file(f->fake_dir, "print.out", running);
		assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "start"));
		now = cli_read_plist(f, "demo");
		assert_string_equal(now, rendered);
		calls = fake_calls(f->fake_dir);
		hermes_assert_str_contains(calls, "bootout\t");
	}

	/* stop: the marker in the profile's own home first, then bootout */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	fake_file(f->fake_dir, "marker", marker);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "stop"));
	{
		g_autofree gchar *bootout = g_strdup_printf("bootout %s", target);
		g_autofree gchar *seen_path = g_build_filename(f->fake_dir, "marker-seen", NULL);
		g_autofree gchar *seen = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) m = NULL;
		/* core reads the pid for the marker first, then the backend reads again */
		assert_fake(f, "managername", print_target, print_target, bootout);
		assert_true(g_file_get_contents(seen_path, &seen, NULL, NULL));
		assert_string_equal(seen, "bootout marker=yes\n");
		m = hermes_json_file_load(marker, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_json_get_int(m, "target_pid", -1), old);
	}

	/* a domain launchd refuses: the start fails loudly, exit 1, "UNSUPERVISED" */
	fake_reset(f);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	fake_file(f->fake_dir, "kickstart.rc", "113\n");
	fake_file(f->fake_dir, "bootstrap.rc", "5\n");
	fake_file(f->fake_dir, "bootstrap.err", "Bootstrap failed: 5: Input/output error\n");
	assert_int_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "start"), 69);
	hermes_assert_str_contains(f->err, "UNSUPERVISED");
	hermes_assert_str_contains(f->err, "SupervisorUnavailable");
	/* and nothing was started in its place */
	{
		g_autofree gchar *calls = fake_calls(f->fake_dir);
		assert_null(strstr(calls, "kickstart\t-k"));
		g_autofree gchar *pidfile = g_build_filename(home, "gateway.pid", NULL);
		assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	}

	/* uninstall: bootout and the plist is gone */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "uninstall"));
	assert_false(g_file_test(plist_path, G_FILE_TEST_EXISTS));
	{
		g_autofree gchar *bootout = g_strdup_printf("bootout %s", target);
		assert_fake(f, "managername", print_target, bootout);
	}
	/* and once more: absent is not an error, and launchctl is not even asked */
	fake_reset(f);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "uninstall"));
	{
		g_autofree gchar *calls = fake_calls(f->fake_dir);
		assert_string_equal(calls, "");
	}
}

/* install without --start registers it stopped, and twice needs no --force */
static void
test_cli_install_stopped(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *target = g_strdup_printf("gui/%s/ai.hermes.gateway-demo", uid);
	g_autofree gchar *print_target = g_strdup_printf("print %s", target);
	g_autofree gchar *disable = g_strdup_printf("disable %s", target);
	g_autofree gchar *enable = g_strdup_printf("enable %s", target);

	cli_setup(f, TRUE);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install"));
	assert_fake(f, "managername", print_target, disable);
	/* --enable: loaded at login from now on, not started now */
	fake_reset(f);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(
		f,
		hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install", "--enable"));
	assert_fake(f, "managername", print_target, enable);
	/* gateway list sees it; a plist of another hermes home is not ours */
	{
		g_autofree gchar *foreign =
			g_build_filename(f->agents, "ai.hermes.gateway-other.plist", NULL);
		g_autofree gchar *text = cli_read_plist(f, "demo");
		g_autofree gchar *other = g_strdup(text);
		GString *s = g_string_new(other);
		g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
		g_string_replace(s, home, "/elsewhere/profiles/other", 0);
		g_string_replace(s, "ai.hermes.gateway-demo", "ai.hermes.gateway-other", 0);
		hermes_test_write_file(foreign, s->str, 0644);
		g_string_free(s, TRUE);
		assert_ok(f, hermes(f, "profile", "create", "other"));
		fake_reset(f);
		fake_file(f->fake_dir, "print.rc", "113\n");
		assert_ok(f, hermes(f, "--backend", "launchd", "status", "--json"));
		{
			g_autoptr(JsonObject) root = parse_json_object(f->out);
			JsonArray *gateways = json_object_get_array_member(root, "gateways");
			guint seen = 0;
			for (guint i = 0; i < json_array_get_length(gateways); i++) {
				JsonObject *gw = json_array_get_object_element(gateways, i);
				const gchar *name = json_object_get_string_member(gw, "profile");
				gboolean registered =
					json_object_get_boolean_member(gw, "registered");
				if (g_strcmp0(name, "demo") == 0 && registered)
					seen++;
				if (g_strcmp0(name, "other") == 0 && !registered)
					seen++;
			}
			if (seen != 2)
				fail_msg("expected demo registered and other not:\n%s", f->out);
		}
		/* installing over it is refused, even with replace */
		fake_reset(f);
		fake_file(f->fake_dir, "print.rc", "113\n");
		assert_int_equal(
			hermes(f, "--backend", "launchd", "-p", "other", "gateway", "install"), 4);
		hermes_assert_str_contains(f->err, "belongs to another hermes home");
		g_free(text);
		text = NULL;
		assert_true(g_file_get_contents(foreign, &text, NULL, NULL));
		hermes_assert_str_contains(text, "/elsewhere/profiles/other");
	}
}

/* profile create/delete register and unregister the gateway (the hooks) */
static void
test_cli_profile_hooks(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *target = g_strdup_printf("gui/%s/ai.hermes.gateway-hooked", uid);
	g_autofree gchar *print_target = g_strdup_printf("print %s", target);
	g_autofree gchar *disable = g_strdup_printf("disable %s", target);
	g_autofree gchar *plist = NULL;

	cli_setup(f, TRUE);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(f, hermes(f, "--backend", "launchd", "profile", "create", "hooked"));
	hermes_assert_str_contains(f->out,
				   "Registered gateway 'hooked' with launchd (agent), stopped");
	plist = cli_read_plist(f, "hooked");
	assert_non_null(plist);
	hermes_assert_str_contains(plist, "<string>ai.hermes.gateway-hooked</string>");
	assert_fake(f, "managername", print_target, disable);

	fake_reset(f);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(f, hermes(f, "--backend", "launchd", "profile", "delete", "hooked", "--yes"));
	g_free(plist);
	plist = cli_read_plist(f, "hooked");
	assert_null(plist);
	/* not loaded: nothing to boot out */
	assert_fake(f, "managername", print_target);
}

/* boot reconcile (NO_RESCAN): plists written, only the login overrides set, nothing loaded */
static void
test_cli_boot_reconcile(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *disable = g_strdup_printf("disable gui/%s/ai.hermes.gateway", uid);
	g_autofree gchar *enable = g_strdup_printf("enable gui/%s/ai.hermes.gateway-demo", uid);
	g_autofree gchar *home = NULL;
	g_autofree gchar *plist_default = NULL;
	g_autofree gchar *plist_demo = NULL;
	g_autoptr(GError) error = NULL;

	cli_setup(f, TRUE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_true(hermes_gateway_state_set_desired(home, "running", &error));
	hermes_assert_no_error(error);
	assert_ok(f, hermes(f, "--backend", "launchd", "boot", "reconcile"));
	hermes_assert_str_contains(f->out, "summary total=2");
	plist_default = cli_read_plist(f, "default");
	plist_demo = cli_read_plist(f, "demo");
	assert_non_null(plist_default);
	assert_non_null(plist_demo);
	hermes_assert_str_contains(plist_demo, "<string>ai.hermes.gateway-demo</string>");
	/* default stays down at login, demo (desired running) comes up at the next one */
	assert_fake(f, "managername", disable, enable);
}

/*
 * The exit-code contract under launchd, end to end: run the plist's own
 * ProgramArguments with exactly its EnvironmentVariables in its
 * WorkingDirectory, as launchd would. A fatal configuration (the payload
 * exits 78) must then exit 0, which KeepAlive={SuccessfulExit=false} does
 * not restart, and still be recorded as startup_failed. Without the
 * plist's XPC_SERVICE_NAME the same run exits 78: the plist carries it.
 */
static void
test_cli_runner_contract(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *plist_path = NULL;
	g_autofree gchar *plist = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *state_path = NULL;
	g_autoptr(GVariant) dict = NULL;
	g_autoptr(GVariant) args = NULL;
	g_autoptr(GVariant) env = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) envp = NULL;
	const gchar *workdir = NULL;
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	cli_setup(f, FALSE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	state_path = g_build_filename(home, "gateway_state.json", NULL);
	plist_path = g_build_filename(f->agents, "ai.hermes.gateway-demo.plist", NULL);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	plist = plist_in_output(f->out, plist_path);
	dict = hermes_launchd_plist_parse(plist, -1, &error);
	hermes_assert_no_error(error);
	args = g_variant_lookup_value(dict, "ProgramArguments", G_VARIANT_TYPE("av"));
	env = g_variant_lookup_value(dict, "EnvironmentVariables", G_VARIANT_TYPE("a{sv}"));
	assert_true(g_variant_lookup(dict, "WorkingDirectory", "&s", &workdir));
	for (gsize i = 0; i < g_variant_n_children(args); i++) {
		g_autoptr(GVariant) child = g_variant_get_child_value(args, i);
		g_autoptr(GVariant) inner = g_variant_get_variant(child);
		g_ptr_array_add(argv, g_variant_dup_string(inner, NULL));
	}
	g_ptr_array_add(argv, NULL);
	/* launchd's environment is the plist's, plus HOME; nothing of ours leaks in */
	envp = g_new0(gchar *, 1);
	g_variant_iter_init(&iter, env);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		envp = g_environ_setenv(envp, key, g_variant_get_string(value, NULL), TRUE);
		g_variant_unref(value);
	}
	envp = g_environ_setenv(envp, "HOME", f->tmp, TRUE);
	/* keep backend discovery hermetic: no backend here claims this host */
	envp = g_environ_setenv(envp, "HERMES_BACKEND_PATH", launchd_backend_dir(), TRUE);
	envp = g_environ_setenv(envp, "HERMES_GATEWAY_COMMAND", "sh -c 'exit 78'", TRUE);

	assert_int_equal(
		spawn_wait(
			f, (const gchar *const *)argv->pdata, (const gchar *const *)envp, workdir),
		0);
	{
		g_autoptr(JsonObject) st = hermes_json_file_load(state_path, &error);
		hermes_assert_no_error(error);
		assert_string_equal(hermes_json_get_string(st, "gateway_state"), "startup_failed");
	}
	/* the plist's XPC_SERVICE_NAME is what makes the difference */
	envp = g_environ_unsetenv(envp, "XPC_SERVICE_NAME");
	assert_int_equal(
		spawn_wait(
			f, (const gchar *const *)argv->pdata, (const gchar *const *)envp, workdir),
		78);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		LAUNCHD_TEST(test_cli_render),
		LAUNCHD_TEST(test_cli_render_passwd_home),
		LAUNCHD_TEST(test_cli_lifecycle),
		LAUNCHD_TEST(test_cli_install_stopped),
		LAUNCHD_TEST(test_cli_profile_hooks),
		LAUNCHD_TEST(test_cli_boot_reconcile),
		LAUNCHD_TEST(test_cli_runner_contract),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
