/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The etcd cluster fixture (etcd-test.c) against the real etcd: three
 * members form one cluster (a key put through one member's JSON gateway is
 * read through the others); with one member killed the other two still
 * serve reads and writes; the killed member, restarted, catches up on what
 * was written while it was down; stop leaves no member process and no temp
 * dir; a member's output goes to its log, never to the test's stdout; and
 * members die with the process that started them. Skipped without etcd.
 */

#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "etcd-test.h"
#include "hermes-test.h"

typedef struct {
	EtcdTestCluster *cluster;
	SoupSession *session;
	/* test_etcd_fixture_dies_with_test: the helper, and the temp dir it could not remove */
	GSubprocess *helper;
	gchar *orphan_tmp;
	GPid orphan;
	gboolean subreaper;
} Fixture;

typedef struct {
	guint status; /* 0: no answer at all */
	gchar *body;
} Answer;

static Answer
post(Fixture *f, const gchar *endpoint, const gchar *path, const gchar *json)
{
	g_autofree gchar *uri = g_strconcat(endpoint, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) request = g_bytes_new(json, strlen(json));
	g_autoptr(GBytes) body = NULL;
	Answer a = {0, NULL};

	soup_message_set_request_body_from_bytes(msg, "application/json", request);
	body = soup_session_send_and_read(f->session, msg, NULL, NULL);
	if (body == NULL)
		return a;
	a.status = soup_message_get_status(msg);
	a.body = g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
	return a;
}

static void
put(Fixture *f, guint member, const gchar *key, const gchar *value)
{
	const gchar *endpoint = etcd_test_cluster_get_endpoint(f->cluster, member);
	g_autofree gchar *k = g_base64_encode((const guchar *)key, strlen(key));
	g_autofree gchar *v = g_base64_encode((const guchar *)value, strlen(value));
	g_autofree gchar *json = g_strdup_printf("{\"key\":\"%s\",\"value\":\"%s\"}", k, v);
	Answer a = post(f, endpoint, "/v3/kv/put", json);
	if (a.status != SOUP_STATUS_OK)
		fail_msg("put %s through %s: %u %s", key, endpoint, a.status, a.body);
	g_free(a.body);
}

/* the value of @key read through @member, NULL if it has none; a @serializable read
 * answers from the member's own copy, without asking the leader */
static gchar *
get(Fixture *f, guint member, const gchar *key, gboolean serializable)
{
	const gchar *endpoint = etcd_test_cluster_get_endpoint(f->cluster, member);
	g_autofree gchar *k = g_base64_encode((const guchar *)key, strlen(key));
	g_autofree gchar *json = g_strdup_printf(
		"{\"key\":\"%s\",\"serializable\":%s}", k, serializable ? "true" : "false");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	Answer a = post(f, endpoint, "/v3/kv/range", json);
	JsonObject *root;
	JsonArray *kvs;
	gsize len = 0;
	g_autofree guchar *value = NULL;

	if (a.status != SOUP_STATUS_OK)
		fail_msg("get %s through %s: %u %s", key, endpoint, a.status, a.body);
	json_parser_load_from_data(parser, a.body, -1, &error);
	g_free(a.body);
	hermes_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	if (!json_object_has_member(root, "kvs"))
		return NULL;
	kvs = json_object_get_array_member(root, "kvs");
	assert_int_equal(json_array_get_length(kvs), 1);
	value = g_base64_decode(
		json_object_get_string_member(json_array_get_object_element(kvs, 0), "value"),
		&len);
	return g_strndup((const gchar *)value, len);
}

/* @member's own id and its leader's ("0": none), from POST /v3/maintenance/status
 * (the JSON gateway leaves out a leader of 0); FALSE if it does not answer */
static gboolean
status(Fixture *f, guint member, gchar **id, gchar **leader)
{
	const gchar *endpoint = etcd_test_cluster_get_endpoint(f->cluster, member);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	Answer a = post(f, endpoint, "/v3/maintenance/status", "{}");
	JsonObject *root;

	if (a.status != SOUP_STATUS_OK) {
		g_free(a.body);
		return FALSE;
	}
	json_parser_load_from_data(parser, a.body, -1, &error);
	g_free(a.body);
	hermes_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	if (id != NULL)
		*id = g_strdup(json_object_get_string_member(
			json_object_get_object_member(root, "header"), "member_id"));
	if (leader != NULL)
		*leader = g_strdup(json_object_get_string_member_with_default(root, "leader", "0"));
	return TRUE;
}

/* the pid of the etcd serving @endpoint (0 if none), from /proc; *@data_dir its --data-dir */
static GPid
member_pid(const gchar *endpoint, gchar **data_dir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	GPid found = 0;

	assert_non_null(proc);
	while ((entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = g_strdup_printf("/proc/%s/cmdline", entry);
		g_autofree gchar *cmdline = NULL;
		gsize len = 0;
		gboolean ours = FALSE;
		const gchar *dir = NULL;
		if (!g_ascii_isdigit(entry[0]) || !g_file_get_contents(path, &cmdline, &len, NULL))
			continue;
		/* NUL-separated arguments: --listen-client-urls ENDPOINT ... --data-dir DIR */
		for (const gchar *arg = cmdline; arg < cmdline + len; arg += strlen(arg) + 1) {
			const gchar *next = arg + strlen(arg) + 1;
			if (next >= cmdline + len)
				break;
			if (g_strcmp0(arg, "--listen-client-urls") == 0)
				ours = g_strcmp0(next, endpoint) == 0;
			if (g_strcmp0(arg, "--data-dir") == 0)
				dir = next;
		}
		if (!ours)
			continue;
		if (found != 0)
			fail_msg("two processes serve %s: %d and %s", endpoint, (gint)found, entry);
		found = (GPid)atoi(entry);
		if (data_dir != NULL)
			*data_dir = g_strdup(dir);
	}
	return found;
}

static gboolean
pid_exists(GPid pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%d", (gint)pid);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static Fixture *
start(void **state, guint members)
{
	Fixture *f = *state;
	f->cluster = etcd_test_cluster_start(members);
	if (f->cluster == NULL)
		skip();
	return f;
}

/* a key put through one member is read through each of the others */
static void
test_etcd_fixture_replicates(void **state)
{
	Fixture *f = start(state, 3);
	g_auto(GStrv) endpoints = g_strsplit(etcd_test_cluster_get_endpoints(f->cluster), ",", -1);
	g_autofree gchar *through_1 = NULL;
	g_autofree gchar *through_2 = NULL;
	g_autofree gchar *never = NULL;

	assert_int_equal(g_strv_length(endpoints), 3);
	for (guint i = 0; i < 3; i++) {
		assert_string_equal(endpoints[i], etcd_test_cluster_get_endpoint(f->cluster, i));
		assert_true(g_str_has_prefix(endpoints[i], "http://127.0.0.1:"));
		for (guint j = 0; j < i; j++)
			assert_string_not_equal(endpoints[i], endpoints[j]);
	}
	put(f, 0, "hermes/replicated", "put through m0");
	through_1 = get(f, 1, "hermes/replicated", FALSE);
	through_2 = get(f, 2, "hermes/replicated", FALSE);
	assert_string_equal(through_1, "put through m0");
	assert_string_equal(through_2, "put through m0");
	never = get(f, 2, "hermes/never-written", FALSE);
	assert_null(never);
}

/* two of three keep the quorum; the third, back, catches up from them */
static void
test_etcd_fixture_quorum(void **state)
{
	Fixture *f = start(state, 3);
	const gchar *down = etcd_test_cluster_get_endpoint(f->cluster, 2);
	GPid pid = member_pid(down, NULL);
	g_autofree gchar *read_back = NULL;
	g_autofree gchar *caught_up = NULL;
	g_autofree gchar *linearized = NULL;
	g_autofree gchar *killed_id = NULL;
	g_autofree gchar *leader = NULL;
	Answer a;

	assert_true(pid > 0);
	assert_true(status(f, 2, &killed_id, NULL));
	etcd_test_cluster_kill_member(f->cluster, 2);
	/* gone and reaped: not even a zombie is left */
	assert_false(pid_exists(pid));
	a = post(f, down, "/v3/maintenance/status", "{}");
	assert_int_equal(a.status, 0);
	/* if m2 led, the two left elect one of them first (a write before that times
	 * out, as it would for any client): a leader within 10 s, and not m2 */
	for (guint i = 0; i < 500; i++) {
		g_clear_pointer(&leader, g_free);
		if (status(f, 0, NULL, &leader) && g_strcmp0(leader, "0") != 0 &&
		    g_strcmp0(leader, killed_id) != 0)
			break;
		g_usleep(20000);
	}
	assert_string_not_equal(leader, "0");
	assert_string_not_equal(leader, killed_id);
	put(f, 0, "hermes/while-down", "written while m2 was down");
	read_back = get(f, 1, "hermes/while-down", FALSE);
	assert_string_equal(read_back, "written while m2 was down");

	etcd_test_cluster_restart_member(f->cluster, 2);
	assert_true(member_pid(down, NULL) > 0);
	/* its own copy (a serializable read) has the key once it has caught up */
	for (guint i = 0; i < 500 && caught_up == NULL; i++) {
		caught_up = get(f, 2, "hermes/while-down", TRUE);
		if (caught_up == NULL)
			g_usleep(20000);
	}
	assert_string_equal(caught_up, "written while m2 was down");
	linearized = get(f, 2, "hermes/while-down", FALSE);
	assert_string_equal(linearized, "written while m2 was down");
	/* and it takes writes again */
	put(f, 2, "hermes/after", "through m2 again");
	g_free(read_back);
	read_back = get(f, 0, "hermes/after", FALSE);
	assert_string_equal(read_back, "through m2 again");
}

/* a member's stdout and stderr are its log in the cluster's temp dir, never our stdout */
static void
assert_output_in(GPid pid, const gchar *tmp)
{
	for (gint fd = 1; fd <= 2; fd++) {
		g_autofree gchar *link = g_strdup_printf("/proc/%d/fd/%d", (gint)pid, fd);
		g_autofree gchar *target = g_file_read_link(link, NULL);
		g_autofree gchar *prefix = g_strconcat(tmp, "/", NULL);
		if (target == NULL || !g_str_has_prefix(target, prefix))
			fail_msg("fd %d of etcd %d is %s, not a log in %s",
				 fd,
				 (gint)pid,
				 target != NULL ? target : "(unreadable)",
				 tmp);
	}
}

/* stop: every member process gone and reaped, the temp dir removed */
static void
test_etcd_fixture_stop(void **state)
{
	Fixture *f = start(state, 3);
	g_auto(GStrv) endpoints = g_strsplit(etcd_test_cluster_get_endpoints(f->cluster), ",", -1);
	g_autofree gchar *tmp = NULL;
	GPid pids[3];

	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *data_dir = NULL;
		pids[i] = member_pid(endpoints[i], &data_dir);
		assert_true(pids[i] > 0);
		assert_non_null(data_dir);
		assert_true(g_file_test(data_dir, G_FILE_TEST_IS_DIR));
		if (tmp == NULL)
			tmp = g_path_get_dirname(data_dir);
		else
			assert_true(g_str_has_prefix(data_dir, tmp));
		assert_output_in(pids[i], tmp);
	}
	etcd_test_cluster_stop(g_steal_pointer(&f->cluster));
	for (guint i = 0; i < 3; i++) {
		assert_false(pid_exists(pids[i]));
		assert_int_equal(member_pid(endpoints[i], NULL), 0);
	}
	assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
}

/* the helper (this binary, HELPER_ENV set): a 1-member cluster it never stops, its
 * endpoint on stdout, then wait to be killed */
#define HELPER_ENV "HERMES_TEST_ETCD_FIXTURE_HELPER"

static int
helper_main(void)
{
	EtcdTestCluster *cluster;
	/* GLib's own writer would put debug output on stdout, before the endpoint */
	hermes_test_init();
	cluster = etcd_test_cluster_start(1);
	if (cluster == NULL)
		return 77;
	printf("%s\n", etcd_test_cluster_get_endpoint(cluster, 0));
	fflush(stdout);
	for (;;)
		pause();
}

/* a test process that dies unexpectedly (SIGKILL: no teardown, no stop) takes its
 * members with it: they die of SIGKILL too. This process is the subreaper while it
 * runs, so the helper's orphaned member becomes its child, and its death is seen
 * in its wait status rather than guessed from /proc */
static void
test_etcd_fixture_dies_with_test(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree gchar *self = NULL;
	g_autofree gchar *endpoint = NULL;
	g_autofree gchar *data_dir = NULL;
	GPid pid;
	gint status = 0;
	pid_t reaped = 0;

	if (g_getenv("HERMES_TEST_ETCD") == NULL || g_getenv("HERMES_TEST_ETCD")[0] == '\0')
		skip();
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	f->subreaper = TRUE;
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_subprocess_launcher_setenv(launcher, HELPER_ENV, "1", TRUE);
	/* by name, not as /proc/self/exe: under valgrind, that is valgrind in the child */
	self = g_file_read_link("/proc/self/exe", &error);
	hermes_assert_no_error(error);
	f->helper = g_subprocess_launcher_spawn(launcher, &error, self, NULL);
	hermes_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(f->helper));
	endpoint = g_data_input_stream_read_line(out, NULL, NULL, &error);
	hermes_assert_no_error(error);
	assert_non_null(endpoint);
	pid = member_pid(endpoint, &data_dir);
	if (pid <= 0)
		fail_msg("no etcd serves %s, the helper's member", endpoint);
	f->orphan_tmp = g_path_get_dirname(data_dir);
	f->orphan = pid;

	g_subprocess_force_exit(f->helper);
	assert_true(g_subprocess_wait(f->helper, NULL, &error));
	hermes_assert_no_error(error);
	for (guint i = 0; i < 500 && reaped == 0; i++) {
		reaped = waitpid(pid, &status, WNOHANG);
		if (reaped == 0)
			g_usleep(20000);
	}
	if (reaped != pid)
		fail_msg("the orphaned member %d: waitpid %d (%s)",
			 (gint)pid,
			 (gint)reaped,
			 reaped < 0 ? g_strerror(errno) : "still running after 10 s");
	f->orphan = 0;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static gint
setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);
	/* a short timeout: a killed member refuses at once, nothing here waits long */
	f->session = soup_session_new_with_options("proxy-resolver", direct, "timeout", 10, NULL);
	*state = f;
	return 0;
}

static gint
teardown(void **state)
{
	Fixture *f = *state;
	g_clear_pointer(&f->cluster, etcd_test_cluster_stop);
	if (f->helper != NULL) {
		g_subprocess_force_exit(f->helper);
		g_subprocess_wait(f->helper, NULL, NULL);
		g_clear_object(&f->helper);
	}
	/* a member that outlived its helper (the test failed): ours as the subreaper */
	if (f->orphan > 0) {
		kill(f->orphan, SIGKILL);
		waitpid(f->orphan, NULL, 0);
	}
	if (f->subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	hermes_test_rmtree(f->orphan_tmp);
	g_free(f->orphan_tmp);
	g_clear_object(&f->session);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_etcd_fixture_replicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etcd_fixture_quorum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etcd_fixture_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_etcd_fixture_dies_with_test, setup, teardown),
	};
	if (g_getenv(HELPER_ENV) != NULL)
		return helper_main();
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
