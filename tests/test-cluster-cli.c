/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The operator's cluster commands through the built `hermes`, against a
 * real 3-member etcd on loopback (tests/etcd-test.c): intent written
 * through one member is read back through another; a dead member listed
 * first is passed over; a cluster nobody answers for is exit 68 within the
 * client's bound, never a hang; nodes registered through core's own
 * registration (as the agent will) show with their leases, are drained,
 * undrained and moved to, and show down once their lease is gone; an etcd
 * user with a password file is authenticated, a wrong password refused;
 * https members that ask for a client certificate take hermes's.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "etcd-test.h"
#include "hermes-cluster.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *home;
	gchar **envp;
	EtcdTestCluster *etcd;
	gchar *out;
	gchar *err;
} Fixture;

static gint
setup_common(void **state, gboolean tls)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->home = g_build_filename(f->tmp, "home", NULL);
	g_assert_cmpint(g_mkdir(f->home, 0700), ==, 0);
	f->envp = hermes_test_hermes_environ(f->home);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_ETCD_ENDPOINTS");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_ETCD_PREFIX");
	f->etcd = tls ? etcd_test_cluster_start_tls(1) : etcd_test_cluster_start(3);
	*state = f;
	return 0;
}

static gint
setup(void **state)
{
	return setup_common(state, FALSE);
}

static gint
setup_tls(void **state)
{
	return setup_common(state, TRUE);
}

static gint
teardown(void **state)
{
	Fixture *f = *state;
	etcd_test_cluster_stop(f->etcd);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->home);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	return 0;
}

#define SKIP_WITHOUT_ETCD(f)             \
	do {                             \
		if ((f)->etcd == NULL) { \
			skip();          \
			return;          \
		}                        \
	} while (0)

/* `hermes ARGS…` with the fixture's environment; its output in f->out and f->err */
static gint
hermes(Fixture *f, const gchar *const *args)
{
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	return hermes_test_run_hermes((const gchar *const *)f->envp, NULL, args, &f->out, &f->err);
}

#define HERMES(f, ...) hermes((f), (const gchar *const[]){__VA_ARGS__, NULL})

/* `cluster status --json` through @endpoints, parsed */
static JsonObject *
status_json(Fixture *f, const gchar *endpoints)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	gint rc = HERMES(f, "--json", "cluster", "status", "--endpoints", endpoints);
	if (rc != 0)
		fail_msg("cluster status exited %d: %s", rc, f->err);
	json_parser_load_from_data(parser, f->out, -1, &error);
	hermes_assert_no_error(error);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

static JsonNode *
parse_json_text(const gchar *text)
{
	static JsonParser *parser = NULL;
	g_autoptr(GError) error = NULL;
	if (parser == NULL)
		parser = json_parser_new();
	json_parser_load_from_data(parser, text, -1, &error);
	hermes_assert_no_error(error);
	return json_parser_get_root(parser);
}

/* the member of `gateways` (or `nodes`) named @name, or NULL */
static JsonObject *
find_row(JsonObject *status, const gchar *list, const gchar *key, const gchar *name)
{
	JsonArray *rows = json_object_get_array_member(status, list);
	for (guint i = 0; i < json_array_get_length(rows); i++) {
		JsonObject *row = json_array_get_object_element(rows, i);
		if (g_strcmp0(json_object_get_string_member(row, key), name) == 0)
			return row;
	}
	return NULL;
}

static void
make_profile(Fixture *f, const gchar *name)
{
	gint rc = HERMES(f, "profile", "create", name);
	if (rc != 0)
		fail_msg("profile create %s exited %d: %s", name, rc, f->err);
}

/* intent written through one member is what every other member serves */
static void
test_cluster_intent(void **state)
{
	Fixture *f = *state;
	const gchar *first = NULL;
	const gchar *third = NULL;
	g_autoptr(JsonObject) empty = NULL;
	g_autoptr(JsonObject) status = NULL;
	JsonObject *row;

	SKIP_WITHOUT_ETCD(f);
	first = etcd_test_cluster_get_endpoint(f->etcd, 0);
	third = etcd_test_cluster_get_endpoint(f->etcd, 2);
	empty = status_json(f, third);
	assert_int_equal(json_array_get_length(json_object_get_array_member(empty, "gateways")), 0);
	assert_int_equal(json_array_get_length(json_object_get_array_member(empty, "nodes")), 0);
	assert_string_equal(json_object_get_string_member(empty, "prefix"), "/hermes-svc/");

	make_profile(f, "coder");
	assert_int_equal(
		HERMES(f, "-p", "Coder", "gateway", "start", "--cluster", "--endpoints", first), 0);
	hermes_assert_str_contains(f->out, "'coder' is wanted running");
	assert_int_equal(
		HERMES(f, "-p", "coder", "gateway", "restart", "--cluster", "--endpoints", first),
		0);
	status = status_json(f, third);
	row = find_row(status, "gateways", "profile", "coder");
	assert_non_null(row);
	assert_string_equal(json_object_get_string_member(row, "desired_state"), "running");
	assert_int_equal(json_object_get_int_member(row, "generation"), 1);
	assert_true(json_object_get_null_member(row, "node"));

	/* stop keeps the generation; the table says the same as the JSON */
	f->envp = g_environ_setenv(
		f->envp, "HERMES_ETCD_ENDPOINTS", etcd_test_cluster_get_endpoints(f->etcd), TRUE);
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "stop", "--cluster"), 0);
	assert_int_equal(HERMES(f, "cluster", "status"), 0);
	hermes_assert_str_contains(f->out, "coder                    stopped  -");

	/* a profile that does not exist is not started anywhere; nothing is written */
	assert_int_equal(HERMES(f, "-p", "ghost", "gateway", "start", "--cluster"), 3);
	g_clear_pointer(&status, json_object_unref);
	status = status_json(f, first);
	assert_null(find_row(status, "gateways", "profile", "ghost"));
	/* --cluster records one intent: no --all */
	assert_int_equal(HERMES(f, "gateway", "start", "--cluster", "--all"), 64);

	/* labels a gateway requires: kept by a later start without --require, refused where
	 * they mean nothing or are not labels, and nothing written then */
	assert_int_equal(HERMES(f,
				"-p",
				"coder",
				"gateway",
				"start",
				"--cluster",
				"--require",
				"gpu=yes",
				"--require",
				"zone=eu-1"),
			 0);
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "restart", "--cluster"), 0);
	g_clear_pointer(&status, json_object_unref);
	status = status_json(f, first);
	row = json_object_get_object_member(find_row(status, "gateways", "profile", "coder"),
					    "require");
	assert_int_equal(json_object_get_size(row), 2);
	assert_string_equal(json_object_get_string_member(row, "gpu"), "yes");
	assert_string_equal(json_object_get_string_member(row, "zone"), "eu-1");
	assert_int_equal(HERMES(f, "cluster", "status"), 0);
	hermes_assert_str_contains(f->out, "gpu=yes,zone=eu-1");
	assert_int_equal(
		HERMES(f, "-p", "coder", "gateway", "start", "--cluster", "--require", "GPU"), 64);
	hermes_assert_str_contains(f->err, "is not a label");
	assert_int_equal(
		HERMES(f, "-p", "coder", "gateway", "stop", "--cluster", "--require", "gpu=yes"),
		64);
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--require", "gpu=yes"), 64);
	g_clear_pointer(&status, json_object_unref);
	status = status_json(f, first);
	assert_string_equal(
		json_object_get_string_member(find_row(status, "gateways", "profile", "coder"),
					      "desired_state"),
		"running");
}

/* one member down, listed first: the next one answers; nobody answering: exit 68, bounded */
static void
test_cluster_unreachable(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dead_first = NULL;
	gint64 started;
	gdouble took_s;

	SKIP_WITHOUT_ETCD(f);
	make_profile(f, "coder");
	dead_first = g_strdup_printf("%s,%s",
				     etcd_test_cluster_get_endpoint(f->etcd, 0),
				     etcd_test_cluster_get_endpoint(f->etcd, 1));
	etcd_test_cluster_kill_member(f->etcd, 0);
	/* a leader may be elected again first: the client's bound covers that */
	assert_int_equal(HERMES(f,
				"-p",
				"coder",
				"gateway",
				"start",
				"--cluster",
				"--endpoints",
				dead_first),
			 0);

	/* every member gone: one line, exit 68, within the client's bound (5 s) and slack */
	etcd_test_cluster_kill_member(f->etcd, 1);
	etcd_test_cluster_kill_member(f->etcd, 2);
	started = g_get_monotonic_time();
	assert_int_equal(HERMES(f,
				"cluster",
				"status",
				"--endpoints",
				etcd_test_cluster_get_endpoints(f->etcd)),
			 68);
	took_s = (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
	print_message("# an unreachable cluster answered in %.2f s\n", took_s);
	assert_true(took_s < 15.0);
	hermes_assert_str_contains(f->err, "hermes: the etcd cluster cannot be reached at");
	/* one line */
	assert_ptr_equal(strchr(f->err, '\n'), f->err + strlen(f->err) - 1);
	/* not a URL: a usage error before anything is asked */
	assert_int_equal(HERMES(f, "cluster", "status", "--endpoints", "ftp://127.0.0.1:1"), 64);
	/* no cluster given at all */
	assert_int_equal(HERMES(f, "cluster", "status"), 64);
	hermes_assert_str_contains(f->err, "HERMES_ETCD_ENDPOINTS");
}

/* nodes registered as the agent registers them: listed, drained, moved to, and down when
 * their lease ends */
static void
test_cluster_nodes(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_autoptr(HermesCluster) cluster = NULL;
	g_autoptr(JsonObject) status = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *endpoints;
	JsonObject *row;
	gint64 lease_a;
	gint64 lease_b;

	SKIP_WITHOUT_ETCD(f);
	endpoints = etcd_test_cluster_get_endpoints(f->etcd);
	f->envp = g_environ_setenv(f->envp, "HERMES_ETCD_ENDPOINTS", endpoints, TRUE);
	cluster = hermes_cluster_new(ctx, endpoints, &error);
	hermes_assert_no_error(error);
	lease_a = hermes_cluster_register_node(cluster, "node-a", 10, NULL, 30, &error);
	hermes_assert_no_error(error);
	lease_b = hermes_cluster_register_node(cluster, "node-b", 0, NULL, 30, &error);
	hermes_assert_no_error(error);
	/* one name, one live node */
	assert_int_equal(hermes_cluster_register_node(cluster, "node-a", 1, NULL, 30, &error), 0);
	assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS));
	g_clear_error(&error);

	status = status_json(f, endpoints);
	row = find_row(status, "nodes", "name", "node-a");
	assert_non_null(row);
	assert_string_equal(json_object_get_string_member(row, "state"), "up");
	assert_int_equal(json_object_get_int_member(row, "capacity"), 10);
	assert_int_equal(json_object_get_int_member(row, "lease_granted_s"), 30);
	assert_in_range(json_object_get_int_member(row, "lease_remaining_s"), 1, 30);

	/* drain: the node stays listed, drained; a gateway cannot be moved there */
	make_profile(f, "coder");
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 0);
	assert_int_equal(HERMES(f, "cluster", "drain", "node-a"), 0);
	assert_int_equal(HERMES(f, "cluster", "move", "coder", "node-a"), 64);
	hermes_assert_str_contains(f->err, "drained");
	assert_int_equal(HERMES(f, "cluster", "move", "coder", "node-b"), 0);
	assert_int_equal(HERMES(f, "cluster", "drain", "node-z"), 3);
	assert_int_equal(HERMES(f, "cluster", "move", "ghost", "node-b"), 3);
	g_clear_pointer(&status, json_object_unref);
	status = status_json(f, endpoints);
	assert_string_equal(
		json_object_get_string_member(find_row(status, "nodes", "name", "node-a"), "state"),
		"drained");
	assert_string_equal(json_object_get_string_member(
				    find_row(status, "gateways", "profile", "coder"), "placement"),
			    "node-b");

	/* undrain; node-b's lease ends (as when its machine dies): down, its key gone */
	assert_int_equal(HERMES(f, "cluster", "undrain", "node-a"), 0);
	assert_true(hermes_etcd_client_lease_revoke(
		hermes_cluster_get_client(cluster), lease_b, &error));
	hermes_assert_no_error(error);
	g_clear_pointer(&status, json_object_unref);
	status = status_json(f, endpoints);
	assert_string_equal(
		json_object_get_string_member(find_row(status, "nodes", "name", "node-a"), "state"),
		"up");
	assert_null(find_row(status, "nodes", "name", "node-b"));
	assert_int_equal(HERMES(f, "cluster", "move", "coder", "node-b"), 3);
	(void)hermes_etcd_client_lease_revoke(hermes_cluster_get_client(cluster), lease_a, NULL);
}

/* etcdctl against the fixture's first member */
static void
etcdctl(Fixture *f, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *endpoints =
		g_strdup_printf("--endpoints=%s", etcd_test_cluster_get_endpoint(f->etcd, 0));
	gint status = 0;
	g_ptr_array_add(argv, (gpointer) "etcdctl");
	g_ptr_array_add(argv, endpoints);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(NULL,
		     (gchar **)argv->pdata,
		     NULL,
		     G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
		     NULL,
		     NULL,
		     NULL,
		     NULL,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	assert_true(g_spawn_check_wait_status(status, NULL));
}

/* the node agent with the fixture's credentials (over the fake backend): it registers,
 * its watch sees a gateway asked for after it started and it claims it, and it leaves
 * on SIGTERM with exit 0. Proves the watch's own stream carries the credentials too. */
static void
agent_claims(Fixture *f, const gchar *profile)
{
	g_autofree gchar *plugins = g_strdup_printf("%s:%s",
						    hermes_test_env("HERMES_TEST_PLUGIN_DIR"),
						    hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	g_auto(GStrv) envp = g_strdupv(f->envp);
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GSubprocess) agent = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = {hermes_test_env("HERMES_TEST_HERMES"),
			       "cluster",
			       "agent",
			       "--node",
			       "secure",
			       "--ttl",
			       "3",
			       NULL};
	gint64 deadline;

	envp = g_environ_setenv(envp, "HERMES_BACKEND_PATH", plugins, TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "fake", TRUE);
	g_subprocess_launcher_set_environ(launcher, envp);
	agent = g_subprocess_launcher_spawnv(launcher, argv, &error);
	hermes_assert_no_error(error);
	/* registered first, so that the claim below can only come through its watch */
	deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (HERMES(f, "cluster", "status") != 0 || strstr(f->out, "secure ") == NULL) {
		if (g_get_monotonic_time() > deadline) {
			g_subprocess_force_exit(agent);
			fail_msg("the agent never registered: %s", f->err);
		}
		g_usleep(100 * 1000);
	}
	make_profile(f, profile);
	assert_int_equal(HERMES(f, "-p", profile, "gateway", "start", "--cluster"), 0);
	deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	for (;;) {
		g_autoptr(JsonObject) status = NULL;
		JsonObject *row;
		assert_int_equal(HERMES(f, "--json", "cluster", "status"), 0);
		status = json_object_ref(json_node_get_object(parse_json_text(f->out)));
		row = find_row(status, "gateways", "profile", profile);
		if (row != NULL &&
		    g_strcmp0(json_object_get_string_member(row, "node"), "secure") == 0)
			break;
		if (g_get_monotonic_time() > deadline) {
			g_subprocess_force_exit(agent);
			fail_msg("the agent's watch never brought it %s", profile);
		}
		g_usleep(100 * 1000);
	}
	g_subprocess_send_signal(agent, SIGTERM);
	if (!hermes_test_subprocess_wait(agent, 20)) {
		g_subprocess_force_exit(agent);
		fail_msg("the agent did not leave within 20 s of SIGTERM");
	}
	assert_true(g_subprocess_get_if_exited(agent));
	assert_int_equal(g_subprocess_get_exit_status(agent), 0);
}

/* an etcd with authentication on: the user and its password file let hermes in */
static void
test_cluster_auth(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *password = NULL;
	g_autofree gchar *wrong = NULL;
	g_autofree gchar *etcdctl_path = g_find_program_in_path("etcdctl");

	SKIP_WITHOUT_ETCD(f);
	if (etcdctl_path == NULL) {
		skip();
		return;
	}
	password = g_build_filename(f->tmp, "etcd-password", NULL);
	wrong = g_build_filename(f->tmp, "etcd-wrong", NULL);
	hermes_test_write_file(password, "s3cret-pw\n", 0600);
	hermes_test_write_file(wrong, "not-it\n", 0600);
	etcdctl(f, (const gchar *[]){"user", "add", "root:s3cret-pw", NULL});
	etcdctl(f, (const gchar *[]){"auth", "enable", NULL});
	make_profile(f, "coder");
	f->envp = g_environ_setenv(
		f->envp, "HERMES_ETCD_ENDPOINTS", etcd_test_cluster_get_endpoints(f->etcd), TRUE);

	/* no credentials: refused, permission (77) */
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 77);
	f->envp = g_environ_setenv(f->envp, "HERMES_ETCD_USER", "root", TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_ETCD_PASSWORD_FILE", wrong, TRUE);
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 77);
	f->envp = g_environ_setenv(f->envp, "HERMES_ETCD_PASSWORD_FILE", password, TRUE);
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 0);
	assert_int_equal(HERMES(f, "--json", "cluster", "status"), 0);
	hermes_assert_str_contains(f->out, "\"desired_state\" : \"running\"");
	agent_claims(f, "watched");
}

/* https members that want a client certificate: the CA and the certificate let hermes in */
static void
test_cluster_tls(void **state)
{
	Fixture *f = *state;

	SKIP_WITHOUT_ETCD(f);
	make_profile(f, "coder");
	/*
	 * Under ASan, LeakSanitizer's own tracer crashes ("Tracer caught signal 11")
	 * stopping a `hermes` whose TLS handshake thread (GIO's GnuTLS module) is
	 * still in the pool at exit: leaks of these runs are checked by the
	 * valgrind pass instead, everything else ASan checks still holds.
	 */
	if (g_strcmp0(hermes_test_env("HERMES_TEST_SANITIZER"), "none") != 0) {
		g_autofree gchar *asan = g_strdup_printf(
			"%s:detect_leaks=0", g_environ_getenv(f->envp, "ASAN_OPTIONS") ?: "");
		f->envp = g_environ_setenv(f->envp, "ASAN_OPTIONS", asan, TRUE);
	}
	f->envp = g_environ_setenv(
		f->envp, "HERMES_ETCD_ENDPOINTS", etcd_test_cluster_get_endpoints(f->etcd), TRUE);
	assert_true(g_str_has_prefix(etcd_test_cluster_get_endpoints(f->etcd), "https://"));
	/* not knowing the members' CA: the certificate is not trusted, nothing is written */
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 68);
	f->envp = g_environ_setenv(f->envp,
				   "HERMES_ETCD_CACERT",
				   etcd_test_cluster_get_tls_file(f->etcd, "ca.pem"),
				   TRUE);
	/* trusting the members, but showing no certificate of its own: refused */
	assert_int_not_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 0);
	f->envp = g_environ_setenv(f->envp,
				   "HERMES_ETCD_CERT",
				   etcd_test_cluster_get_tls_file(f->etcd, "client.pem"),
				   TRUE);
	f->envp = g_environ_setenv(f->envp,
				   "HERMES_ETCD_KEY",
				   etcd_test_cluster_get_tls_file(f->etcd, "client.key"),
				   TRUE);
	assert_int_equal(HERMES(f, "-p", "coder", "gateway", "start", "--cluster"), 0);
	assert_int_equal(HERMES(f, "--json", "cluster", "status"), 0);
	hermes_assert_str_contains(f->out, "\"desired_state\" : \"running\"");
	agent_claims(f, "watched");
	/* a certificate file that is not one: a usage error naming it */
	f->envp = g_environ_setenv(f->envp, "HERMES_ETCD_CERT", f->home, TRUE);
	assert_int_not_equal(HERMES(f, "cluster", "status"), 0);
	hermes_assert_str_contains(f->err, "the etcd client certificate");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cluster_intent),
		T(test_cluster_unreachable),
		T(test_cluster_nodes),
		T(test_cluster_auth),
		cmocka_unit_test_setup_teardown(test_cluster_tls, setup_tls, teardown),
	};
	hermes_test_init();
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
