/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the fixture and the line assertions of the `hermes doctor` tests */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor-test.h"
#include "hermes-doctor-private.h"
#include "hermes-pid-record.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#include <cmocka.h>

gchar *doctor_test_fake_dir;

/* a Unix socket something listens on, as a running dbus-daemon's is */
gint
doctor_test_listen(const gchar *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gint fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert(fd >= 0 && strlen(path) < sizeof(addr.sun_path));
	memcpy(addr.sun_path, path, strlen(path) + 1);
	g_assert(bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	g_assert(listen(fd, 64) == 0);
	/* anyone may connect, as to the system bus */
	g_assert(chmod(path, 0666) == 0);
	return fd;
}

gint
doctor_test_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	g_chmod(f->tmp, 0755);
	f->home = g_build_filename(f->tmp, "home", NULL);
	f->plugins = g_build_filename(f->tmp, "plugins", NULL);
	f->bus = g_build_filename(f->tmp, "run", "dbus", "system_bus_socket", NULL);
	f->scandir = g_build_filename(f->home, "run", "service", NULL);
	g_mkdir(f->home, 0755);
	g_mkdir_with_parents(f->scandir, 0755);
	g_mkdir(f->plugins, 0755);
	{
		g_autofree gchar *run = g_path_get_dirname(f->bus);
		g_mkdir_with_parents(run, 0755);
	}
	f->bus_fd = doctor_test_listen(f->bus);
	/* the machine is the temp tree: linger files, the system bus socket */
	f->ctx = hermes_context_new_for_root(f->tmp);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", doctor_test_fake_dir);
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->home);
	hermes_context_setenv(f->ctx, "HERMES_SERVICE_MANAGER", "fake");
	hermes_context_setenv(f->ctx, "HERMES_SUPERVISED_CHILD", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", NULL);
	hermes_context_setenv(f->ctx, "HERMES_S6_SCANDIR", NULL);
	hermes_context_setenv(f->ctx, "S6_PROFILE_GATEWAY_SCANDIR", NULL);
	hermes_context_setenv(
		f->ctx, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"));
	hermes_context_setenv(f->ctx, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"));
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_USER", NULL);
	hermes_context_setenv(f->ctx, "HERMES_SYSTEMD_SCOPE", NULL);
	hermes_context_setenv(f->ctx, "DBUS_SESSION_BUS_ADDRESS", NULL);
	hermes_context_setenv(f->ctx, "XDG_RUNTIME_DIR", NULL);
	hermes_context_setenv(f->ctx, "DBUS_SYSTEM_BUS_ADDRESS", NULL);
	*state = f;
	return 0;
}

void
doctor_test_restore_euid(Fixture *f)
{
	gid_t root_groups[] = {0};
	if (!f->dropped)
		return;
	f->dropped = FALSE;
	g_assert(seteuid(0) == 0);
	g_assert(setegid(0) == 0);
	g_assert(setgroups(1, root_groups) == 0);
}

gint
doctor_test_teardown(void **state)
{
	Fixture *f = *state;
	doctor_test_restore_euid(f);
	hermes_test_check_logs();
	if (f->svscan > 0)
		hermes_test_s6_stop(f->scandir, &f->svscan);
	if (f->cli_tree != NULL) {
		const gchar *stop[] = {"supervisor", "stop", NULL};
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		hermes_test_run_hermes((const gchar *const *)f->cli_tree, NULL, stop, &out, &err);
		g_clear_pointer(&f->cli_tree, g_strfreev);
	}
	g_clear_pointer(&f->findings, g_ptr_array_unref);
	if (f->bus_fd >= 0)
		close(f->bus_fd);
	g_clear_object(&f->manager);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->home);
	g_free(f->plugins);
	g_free(f->bus);
	g_free(f->scandir);
	g_free(f);
	return 0;
}

void
doctor_test_run(Fixture *f)
{
	g_clear_pointer(&f->findings, g_ptr_array_unref);
	f->findings = hermes_doctor_run(f->ctx, NULL, NULL);
	assert_non_null(f->findings);
}

gchar *
doctor_test_findings_text(GPtrArray *findings)
{
	GString *text = g_string_new(NULL);
	for (guint i = 0; i < findings->len; i++) {
		HermesDoctorFinding *d = g_ptr_array_index(findings, i);
		g_string_append_printf(
			text,
			"  %s %s [%s] %s | %s\n",
			hermes_doctor_status_to_string(hermes_doctor_finding_get_status(d)),
			hermes_doctor_finding_get_check(d),
			hermes_doctor_finding_get_subject(d),
			hermes_doctor_finding_get_cause(d),
			hermes_doctor_finding_get_fix(d));
	}
	return g_string_free(text, FALSE);
}

/* the one finding of @check about @subject (NULL: any subject) */
HermesDoctorFinding *
doctor_test_find(GPtrArray *findings, const gchar *check, const gchar *subject)
{
	g_autofree gchar *all = NULL;
	for (guint i = 0; i < findings->len; i++) {
		HermesDoctorFinding *d = g_ptr_array_index(findings, i);
		if (g_strcmp0(hermes_doctor_finding_get_check(d), check) == 0 &&
		    (subject == NULL ||
		     g_strcmp0(hermes_doctor_finding_get_subject(d), subject) == 0))
			return d;
	}
	all = doctor_test_findings_text(findings);
	fail_msg("no finding %s about %s in:\n%s", check, subject != NULL ? subject : "-", all);
	return NULL;
}

/* status, a piece of the cause, and the exact fix (NULL: none expected) */
void
doctor_test_assert_line(GPtrArray *findings,
			const gchar *check,
			const gchar *subject,
			HermesDoctorStatus status,
			const gchar *cause_part,
			const gchar *fix)
{
	HermesDoctorFinding *d = doctor_test_find(findings, check, subject);
	if (hermes_doctor_finding_get_status(d) != status) {
		g_autofree gchar *all = doctor_test_findings_text(findings);
		fail_msg("%s: expected %s in:\n%s",
			 check,
			 hermes_doctor_status_to_string(status),
			 all);
	}
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d), cause_part);
	assert_string_equal(hermes_doctor_finding_get_fix(d) != NULL
				    ? hermes_doctor_finding_get_fix(d)
				    : "(none)",
			    fix != NULL ? fix : "(none)");
}

void
doctor_test_create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) p = hermes_profile_create(f->ctx, name, &error);
	hermes_assert_no_error(error);
	assert_non_null(p);
}

gchar *
doctor_test_profile_home(Fixture *f, const gchar *name)
{
	return g_build_filename(f->home, "profiles", name, NULL);
}

void
doctor_test_write_state(Fixture *f, const gchar *name, const gchar *json)
{
	g_autofree gchar *home = doctor_test_profile_home(f, name);
	g_autofree gchar *path = g_build_filename(home, "gateway_state.json", NULL);
	hermes_test_write_file(path, json, 0644);
}

/* a pid nobody runs under any more */
gint64
doctor_test_dead_pid(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = {"/bin/true", NULL};
	GPid pid = 0;
	gint status = 0;
	g_spawn_async(
		NULL, (gchar **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
	hermes_assert_no_error(error);
	g_assert(waitpid(pid, &status, 0) == pid);
	return pid;
}

void
doctor_test_backend_run(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_clear_pointer(&f->findings, g_ptr_array_unref);
	f->findings = hermes_service_manager_doctor(f->manager, NULL, &error);
	hermes_assert_no_error(error);
}

gint
doctor_test_group_setup(void **state)
{
	g_autofree gchar *fake = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-fake.so", NULL);
	hermes_test_init();
	doctor_test_fake_dir = hermes_test_mkdtemp();
	/* another user the tests become may load it too */
	g_chmod(doctor_test_fake_dir, 0755);
	g_free(hermes_test_copy_file(
		fake, doctor_test_fake_dir, "libhermes-backend-fake.so", 0755));
	return 0;
}

gint
doctor_test_group_teardown(void **state)
{
	hermes_test_rmtree(doctor_test_fake_dir);
	g_clear_pointer(&doctor_test_fake_dir, g_free);
	return 0;
}
