/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What the launchd tests share: the fake on the spawner seam (records every
 * launchctl call, replays scripted answers), the fixture, the fake launchctl
 * script for the real spawner and the CLI, and running the built `hermes`.
 */

#include "launchd-test.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/*****************************************************************************/
/* the fake on the spawner seam */

typedef struct {
	gchar *prefix; /* matches the call's arguments, joined by spaces */
	gint code;
	gchar *out;
	gchar *err;
	gboolean sticky;
	gboolean used;
} TestAnswer;

static void
test_answer_free(gpointer data)
{
	TestAnswer *answer = data;
	g_free(answer->prefix);
	g_free(answer->out);
	g_free(answer->err);
	g_free(answer);
}

G_DEFINE_FINAL_TYPE(TestFakeSpawner, test_fake_spawner, HERMES_TYPE_LAUNCHD_SPAWNER)

static gboolean
test_fake_spawner_run(HermesLaunchdSpawner *spawner,
		      const gchar *const *args,
		      gchar **out,
		      gchar **err,
		      gint *exit_code,
		      GError **error)
{
	TestFakeSpawner *self = TEST_FAKE_SPAWNER(spawner);
	g_autofree gchar *joined = g_strjoinv(" ", (gchar **)args);
	TestAnswer *found = NULL;

	g_ptr_array_add(self->calls, g_strdup(joined));
	if (self->unavailable) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "cannot run launchctl: no such file");
		return FALSE;
	}
	if (self->marker != NULL &&
	    (g_strcmp0(args[0], "bootout") == 0 || g_strcmp0(args[0], "kickstart") == 0))
		g_ptr_array_add(self->marker_seen,
				g_strdup_printf("%s marker=%s",
						args[0],
						g_file_test(self->marker, G_FILE_TEST_EXISTS)
							? "yes"
							: "no"));
	if (g_strcmp0(args[0], "bootout") == 0 && self->kill_on_bootout > 0)
		kill(self->kill_on_bootout, SIGTERM);
	/* one-shot answers in order first, then the latest sticky one */
	for (guint i = 0; i < self->answers->len && found == NULL; i++) {
		TestAnswer *a = g_ptr_array_index(self->answers, i);
		if (!a->sticky && !a->used && g_str_has_prefix(joined, a->prefix))
			found = a;
	}
	for (guint i = self->answers->len; i > 0 && found == NULL; i--) {
		TestAnswer *a = g_ptr_array_index(self->answers, i - 1);
		if (a->sticky && g_str_has_prefix(joined, a->prefix))
			found = a;
	}
	if (found != NULL)
		found->used = TRUE;
	*exit_code = found != NULL ? found->code : 0;
	*out = g_strdup(found != NULL && found->out != NULL ? found->out : "");
	*err = g_strdup(found != NULL && found->err != NULL ? found->err : "");
	return TRUE;
}

static void
test_fake_spawner_finalize(GObject *object)
{
	TestFakeSpawner *self = TEST_FAKE_SPAWNER(object);
	g_ptr_array_unref(self->calls);
	g_ptr_array_unref(self->answers);
	g_ptr_array_unref(self->marker_seen);
	g_free(self->marker);
	G_OBJECT_CLASS(test_fake_spawner_parent_class)->finalize(object);
}

static void
test_fake_spawner_class_init(TestFakeSpawnerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = test_fake_spawner_finalize;
	HERMES_LAUNCHD_SPAWNER_CLASS(klass)->run = test_fake_spawner_run;
}

static void
test_fake_spawner_init(TestFakeSpawner *self)
{
	self->calls = g_ptr_array_new_with_free_func(g_free);
	self->answers = g_ptr_array_new_with_free_func(test_answer_free);
	self->marker_seen = g_ptr_array_new_with_free_func(g_free);
}

void
fake_add(TestFakeSpawner *fake,
	 gboolean sticky,
	 const gchar *prefix,
	 gint code,
	 const gchar *out,
	 const gchar *err)
{
	TestAnswer *a = g_new0(TestAnswer, 1);
	a->prefix = g_strdup(prefix);
	a->code = code;
	a->out = g_strdup(out);
	a->err = g_strdup(err);
	a->sticky = sticky;
	g_ptr_array_add(fake->answers, a);
}

/* the calls so far are exactly @expected, in order */
void
fake_assert_calls(TestFakeSpawner *fake, const gchar *const *expected)
{
	guint n = g_strv_length((gchar **)expected);
	g_autoptr(GString) got = g_string_new(NULL);
	gboolean same = fake->calls->len == n;

	for (guint i = 0; i < fake->calls->len; i++) {
		const gchar *call = g_ptr_array_index(fake->calls, i);
		g_string_append_printf(got, "\n  %s", call);
		if (i < n && g_strcmp0(call, expected[i]) != 0)
			same = FALSE;
	}
	if (!same) {
		g_autofree gchar *want = g_strjoinv("\n  ", (gchar **)expected);
		fail_msg("launchctl calls differ:\n got:%s\n expected:\n  %s", got->str, want);
	}
}

/*****************************************************************************/
/* fixtures */

gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->home = g_build_filename(f->tmp, "job-home", "profiles", "demo", NULL);
	f->plist = g_build_filename(f->tmp, "job-agents", "ai.hermes.gateway-demo.plist", NULL);
	g_mkdir_with_parents(f->home, 0755);
	f->fake = g_object_new(TEST_TYPE_FAKE_SPAWNER, NULL);
	f->job = hermes_launchd_job_new(
		HERMES_LAUNCHD_SPAWNER(f->fake), TEST_DOMAIN, "demo", f->plist, f->home);
	f->children = g_array_new(FALSE, FALSE, sizeof(GPid));
	*state = f;
	return 0;
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	/* whatever a test did, it never used the deprecated verbs */
	fake_assert_no_legacy_verbs(f->fake);
	for (guint i = 0; i < f->children->len; i++) {
		GPid pid = g_array_index(f->children, GPid, i);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	g_array_unref(f->children);
	hermes_launchd_job_free(f->job);
	g_object_unref(f->fake);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->home);
	g_free(f->plist);
	g_free(f->root);
	g_free(f->agents);
	g_free(f->fake_dir);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

gchar *
fixture_text(const gchar *name)
{
	g_autofree gchar *path = g_build_filename(
		hermes_test_env("HERMES_TEST_SRCDIR"), "fixtures", "launchd", name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return text;
}

/* `launchctl print` of a running job with @pid */
gchar *
print_running(gint64 pid)
{
	return g_strdup_printf("%s = {\n"
			       "\tactive count = 1\n"
			       "\tstate = running\n"
			       "\tenvironment = {\n"
			       "\t\tpid => 1\n"
			       "\t}\n"
			       "\truns = 1\n"
			       "\tpid = %" G_GINT64_FORMAT "\n"
			       "\tlast exit code = (never exited)\n"
			       "}\n",
			       TEST_TARGET,
			       pid);
}

/* a child that has exited and been reaped: its pid names no process */
GPid
dead_pid(void)
{
	g_autoptr(GError) error = NULL;
	GPid pid = 0;
	if (!g_spawn_async(NULL,
			   (gchar **)(const gchar *[]){"/bin/true", NULL},
			   NULL,
			   G_SPAWN_DO_NOT_REAP_CHILD,
			   NULL,
			   NULL,
			   &pid,
			   &error))
		fail_msg("cannot spawn /bin/true: %s", error->message);
	waitpid(pid, NULL, 0);
	return pid;
}

/* a stand-in gateway process; @ignore_term makes it survive SIGTERM */
GPid
live_child(Fixture *f, gboolean ignore_term)
{
	g_autoptr(GError) error = NULL;
	const gchar *sleeper[] = {"/bin/sleep", "60", NULL};
	/* an ignored signal stays ignored across exec: no grandchild outlives teardown */
	const gchar *stubborn[] = {"/bin/sh", "-c", "trap '' TERM; exec sleep 60", NULL};
	GPid pid = 0;
	if (!g_spawn_async(NULL,
			   (gchar **)(ignore_term ? stubborn : sleeper),
			   NULL,
			   G_SPAWN_DO_NOT_REAP_CHILD,
			   NULL,
			   NULL,
			   &pid,
			   &error))
		fail_msg("cannot spawn a child: %s", error->message);
	g_array_append_val(f->children, pid);
	/* let the shell install its trap before anyone signals it */
	if (ignore_term)
		g_usleep(200 * 1000);
	return pid;
}

/* no test may ever use the deprecated verbs */
void
fake_assert_no_legacy_verbs(TestFakeSpawner *fake)
{
	for (guint i = 0; i < fake->calls->len; i++) {
		const gchar *call = g_ptr_array_index(fake->calls, i);
		if (g_str_has_prefix(call, "load ") || g_str_has_prefix(call, "unload ") ||
		    g_str_has_prefix(call, "start ") || g_str_has_prefix(call, "stop "))
			fail_msg("deprecated launchctl verb used: %s", call);
	}
}

/*****************************************************************************/
/* the real spawner, against a fake launchctl script */

gchar *
fake_script(Fixture *f)
{
	g_autofree gchar *src = g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"),
						 "fixtures",
						 "launchd",
						 "fake-launchctl.sh",
						 NULL);
	return hermes_test_copy_file(src, f->tmp, "launchctl", 0755);
}

gchar *
fake_dir_setup(Fixture *f)
{
	gchar *dir = g_build_filename(f->tmp, "fake", NULL);
	g_mkdir_with_parents(dir, 0755);
	return dir;
}

void
fake_file(const gchar *dir, const gchar *name, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	hermes_test_write_file(path, contents, 0644);
}

gchar *
fake_calls(const gchar *dir)
{
	g_autofree gchar *path = g_build_filename(dir, "calls", NULL);
	gchar *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

/*****************************************************************************/
/* the plugin, through the built hermes binary */

const gchar *
launchd_backend_dir(void)
{
	static gchar *found = NULL;
	if (found == NULL) {
		g_auto(GStrv) dirs =
			g_strsplit(hermes_test_env("HERMES_TEST_BACKEND_DIRS"), ":", -1);
		for (guint i = 0; dirs[i] != NULL && found == NULL; i++) {
			g_autofree gchar *so =
				g_build_filename(dirs[i], "libhermes-backend-launchd.so", NULL);
			if (g_file_test(so, G_FILE_TEST_EXISTS))
				found = g_strdup(dirs[i]);
		}
		if (found == NULL)
			fail_msg("no libhermes-backend-launchd.so in HERMES_TEST_BACKEND_DIRS");
	}
	return found;
}

void
cli_setup(Fixture *f, gboolean with_fake)
{
	const gchar *unset[] = {"HERMES_SERVICE_MANAGER",
				"HERMES_LAUNCHD_SCOPE",
				"HERMES_LAUNCHD_DOMAIN",
				"HERMES_LAUNCHD_AGENTS_DIR",
				"HERMES_LAUNCHCTL",
				"HERMES_GATEWAY_USER",
				"HERMES_SUPERVISED_CHILD",
				"HERMES_S6_SUPERVISED_CHILD",
				"XPC_SERVICE_NAME",
				"HERMES_CLI_PATH",
				"HERMES_GATEWAY_COMMAND"};
	f->root = g_build_filename(f->tmp, "hermes-home", NULL);
	f->agents = g_build_filename(f->tmp, "LaunchAgents", NULL);
	f->envp = g_get_environ();
	for (guint i = 0; i < G_N_ELEMENTS(unset); i++)
		f->envp = g_environ_unsetenv(f->envp, unset[i]);
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_BACKEND_PATH", launchd_backend_dir(), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_LAUNCHD_AGENTS_DIR", f->agents, TRUE);
	if (with_fake) {
		g_autofree gchar *script = fake_script(f);
		f->fake_dir = fake_dir_setup(f);
		f->envp = g_environ_setenv(f->envp, "HERMES_LAUNCHCTL", script, TRUE);
		f->envp = g_environ_setenv(f->envp, "FAKE_LAUNCHCTL_DIR", f->fake_dir, TRUE);
		/* a Mac with a GUI login */
		fake_file(f->fake_dir, "managername.out", "Aqua\n");
	} else {
		/* as on Linux: there is no launchctl to ask */
		g_autofree gchar *missing = g_build_filename(f->tmp, "no-launchctl", NULL);
		f->envp = g_environ_setenv(f->envp, "HERMES_LAUNCHCTL", missing, TRUE);
	}
}

void
cli_set_env(Fixture *f, const gchar *name, const gchar *value)
{
	if (value == NULL)
		f->envp = g_environ_unsetenv(f->envp, name);
	else
		f->envp = g_environ_setenv(f->envp, name, value, TRUE);
}

/* the wrapper (valgrind under the valgrind setup), then @argv */
GPtrArray *
wrapped_argv(const gchar *const *argv)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(out, g_strdup(parts[i]));
		g_ptr_array_add(out, g_strdup("--quiet"));
	}
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add(out, g_strdup(argv[i]));
	g_ptr_array_add(out, NULL);
	return out;
}

gint
spawn_wait(Fixture *f, const gchar *const *argv, const gchar *const *envp, const gchar *cwd)
{
	g_autoptr(GPtrArray) full = wrapped_argv(argv);
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;

	g_subprocess_launcher_set_environ(launcher, (gchar **)envp);
	g_subprocess_launcher_set_cwd(launcher, cwd != NULL ? cwd : f->tmp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)full->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	if (!g_subprocess_get_if_exited(proc))
		fail_msg("%s did not exit normally; stderr: %s", argv[0], f->err);
	return g_subprocess_get_exit_status(proc);
}

gint
run_hermes(Fixture *f, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)hermes_test_env("HERMES_TEST_HERMES"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return spawn_wait(
		f, (const gchar *const *)argv->pdata, (const gchar *const *)f->envp, NULL);
}

void
assert_ok(Fixture *f, gint code)
{
	if (code != 0)
		fail_msg("hermes exited %d\nstdout: %s\nstderr: %s", code, f->out, f->err);
}

/* the plist in render's output, after its `# file <path> (mode 0644)` line */
gchar *
plist_in_output(const gchar *output, const gchar *path)
{
	g_autofree gchar *header = g_strdup_printf("# file %s (mode 0644)\n", path);
	const gchar *start = strstr(output, header);
	const gchar *end;
	if (start == NULL)
		fail_msg("no '%s' in:\n%s", header, output);
	start += strlen(header);
	end = strstr(start, "</plist>\n");
	if (end == NULL)
		fail_msg("no </plist> in:\n%s", start);
	return g_strndup(start, (gsize)(end + strlen("</plist>\n") - start));
}

gchar *
lint_json(Fixture *f, const gchar *plist)
{
	g_autofree gchar *lint =
		g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"), "plist-lint.py", NULL);
	g_autofree gchar *path = g_build_filename(f->tmp, "rendered.plist", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = 0;

	hermes_test_write_file(path, plist, 0644);
	if (!g_spawn_sync(NULL,
			  (gchar **)(const gchar *[]){TEST_PYTHON, lint, "--json", path, NULL},
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &out,
			  &err,
			  &status,
			  &error))
		fail_msg("cannot run %s: %s", lint, error->message);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the rendered plist fails plist-lint.py:\n%s%s\n%s", out, err, plist);
	return g_steal_pointer(&out);
}

JsonObject *
parse_json_object(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("not JSON (%s): %s", error->message, text);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
