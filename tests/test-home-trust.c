/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Trust of a home: the pure rule (any uid can be tried unprivileged), then,
 * when the suite runs as root with the CI accounts, the real `hermes` as
 * root over a home that `hermes-ci` owns: it must act as hermes-ci (files it
 * creates are hermes-ci's; the embedded s6 tree runs as hermes-ci), and a
 * home every user may write is refused.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-home-trust.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *home;
} TrustFixture;

static int
test_setup(void **state)
{
	TrustFixture *fx = g_new0(TrustFixture, 1);
	fx->tmp = hermes_test_mkdtemp();
	/* another account must be able to reach the home below it */
	g_chmod(fx->tmp, 0755);
	fx->home = g_build_filename(fx->tmp, "home", NULL);
	g_mkdir(fx->home, 0755);
	*state = fx;
	return 0;
}

static int
test_teardown(void **state)
{
	TrustFixture *fx = *state;
	g_auto(GStrv) envp = hermes_test_hermes_environ(fx->home);
	/* an embedded tree a test started must not outlive it */
	if (getuid() == 0)
		hermes_test_run_hermes((const gchar *const *)envp,
				       fx->tmp,
				       (const gchar *const[]){"supervisor", "stop", NULL},
				       NULL,
				       NULL);
	hermes_test_rmtree(fx->tmp);
	g_free(fx->tmp);
	g_free(fx->home);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

static void
test_trust_rule(void **state)
{
	TrustFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *missing = g_build_filename(fx->tmp, "missing", NULL);
	HermesHomeTrust trust;
	guint32 owner = 0;
	guint32 me = (guint32)geteuid();

	assert_true(hermes_home_trust_check(fx->home, me, &trust, &owner, &error));
	assert_int_equal(trust, HERMES_HOME_TRUST_OWN);
	assert_int_equal(owner, me);
	/* seen from root, a home someone else owns is foreign; from another user it is not ours
	 * to change, but the kernel already keeps them out */
	if (me != 0) {
		assert_true(hermes_home_trust_check(fx->home, 0, &trust, &owner, &error));
		assert_int_equal(trust, HERMES_HOME_TRUST_FOREIGN);
		assert_int_equal(owner, me);
	}
	/* a home that does not exist yet is created by whoever asks */
	assert_true(hermes_home_trust_check(missing, 0, &trust, NULL, &error));
	assert_int_equal(trust, HERMES_HOME_TRUST_OWN);
	/* every user may write it: nobody should act on it */
	g_chmod(fx->home, 0777);
	assert_false(hermes_home_trust_check(fx->home, me, &trust, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "chmod o-w");
	g_clear_error(&error);
	/* sticky like /tmp: others cannot replace what is there */
	g_chmod(fx->home, 01777);
	assert_true(hermes_home_trust_check(fx->home, me, &trust, NULL, &error));
	hermes_assert_no_error(error);
}

static void
test_world_writable_home_refused_by_cli(void **state)
{
	TrustFixture *fx = *state;
	g_auto(GStrv) envp = hermes_test_hermes_environ(fx->home);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *created = g_build_filename(fx->home, "profiles", NULL);
	gint status;

	g_chmod(fx->home, 0777);
	status = hermes_test_run_hermes((const gchar *const *)envp,
					fx->tmp,
					(const gchar *const[]){"profile", "create", "alpha", NULL},
					&out,
					&err);
	assert_int_equal(status, 77);
	assert_true(g_str_has_prefix(err, "hermes: "));
	assert_non_null(strstr(err, "every user may write it"));
	assert_null(strchr(err, '\n') == NULL ? NULL : strchr(strchr(err, '\n') + 1, '\n'));
	assert_false(g_file_test(created, G_FILE_TEST_EXISTS));
}

static struct passwd *
test_ci_account(void)
{
	if (getuid() != 0) {
		print_message("# skipped: not root, cannot act over another user's home\n");
		return NULL;
	}
	return getpwnam("hermes-ci");
}

static void
test_root_acts_as_owner(void **state)
{
	TrustFixture *fx = *state;
	g_auto(GStrv) envp = hermes_test_hermes_environ(fx->home);
	g_autofree gchar *err = NULL;
	g_autofree gchar *soul = g_build_filename(fx->home, "profiles", "alpha", "SOUL.md", NULL);
	g_autofree gchar *pid_path = g_build_filename(fx->home, "run", "s6-svscan.pid", NULL);
	g_autofree gchar *pid_text = NULL;
	g_autofree gchar *proc_status = NULL;
	g_autofree gchar *uid_line = NULL;
	struct passwd *pw = test_ci_account();
	GStatBuf st;
	gint status;

	if (pw == NULL) {
		if (getuid() == 0)
			print_message("# skipped: no hermes-ci account (.ci/run creates it)\n");
		skip();
		return; /* skip() jumps, but is not declared noreturn */
	}
	assert_int_equal(chown(fx->home, pw->pw_uid, pw->pw_gid), 0);
	status = hermes_test_run_hermes((const gchar *const *)envp,
					fx->tmp,
					(const gchar *const[]){"profile", "create", "alpha", NULL},
					NULL,
					&err);
	if (status != 0)
		fail_msg("profile create as root over hermes-ci's home: %d: %s", status, err);
	/* what root created there belongs to the home's owner */
	assert_int_equal(g_stat(soul, &st), 0);
	assert_int_equal(st.st_uid, pw->pw_uid);

	/* the embedded tree over that home runs as its owner, never as root */
	g_clear_pointer(&err, g_free);
	status = hermes_test_run_hermes((const gchar *const *)envp,
					fx->tmp,
					(const gchar *const[]){"supervisor", "start", NULL},
					NULL,
					&err);
	if (status != 0)
		fail_msg("supervisor start as root over hermes-ci's home: %d: %s", status, err);
	assert_true(g_file_get_contents(pid_path, &pid_text, NULL, NULL));
	g_strstrip(pid_text);
	{
		g_autofree gchar *path = g_strdup_printf("/proc/%s/status", pid_text);
		g_auto(GStrv) lines = NULL;
		assert_true(g_file_get_contents(path, &proc_status, NULL, NULL));
		lines = g_strsplit(proc_status, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix(lines[i], "Uid:"))
				uid_line = g_strdup(lines[i]);
		}
	}
	assert_non_null(uid_line);
	{
		g_autofree gchar *want = g_strdup_printf("%u", (guint)pw->pw_uid);
		g_auto(GStrv) fields = g_strsplit_set(uid_line + 4, " \t", -1);
		guint seen = 0;
		for (guint i = 0; fields[i] != NULL; i++) {
			if (fields[i][0] == '\0')
				continue;
			assert_string_equal(fields[i], want);
			seen++;
		}
		assert_int_equal(seen, 4);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_trust_rule),
		T(test_world_writable_home_refused_by_cli),
		T(test_root_acts_as_owner),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
