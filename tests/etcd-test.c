/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* a real etcd cluster for tests: see etcd-test.h */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
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

#define ETCD_TEST_MAX_MEMBERS 5
/* how long a start or restart may take before the test fails */
#define ETCD_TEST_READY_SECONDS 30
/* how long a member may take to go after SIGTERM (then SIGKILL) or SIGKILL */
#define ETCD_TEST_STOP_SECONDS 10
/* fresh ports and a fresh cluster when a port was taken before etcd bound it */
#define ETCD_TEST_ATTEMPTS 3
/* the tail of a member's log that a failure puts on stderr */
#define ETCD_TEST_LOG_TAIL 4000
/* a failure message as a whole: cmocka prints at most 1023 bytes of one */
#define ETCD_TEST_MESSAGE_MAX 1000

typedef struct {
	gchar *name;
	gchar *data_dir;
	gchar *log_path;
	gchar *client_url;
	gchar *peer_url;
	GPid pid; /* 0: not running (never started, killed, or exited and reaped) */
	gint exit_status;
} EtcdTestMember;

struct _EtcdTestCluster {
	gchar *tmp;
	gchar *tls_dir; /* NULL: plain http; else ca.pem, server.*, client.* */
	gchar *tls_last;
	GTlsCertificate *client_cert;
	gchar *token;
	gchar *initial_cluster;
	gchar *endpoints;
	SoupSession *session;
	guint n_members;
	EtcdTestMember members[ETCD_TEST_MAX_MEMBERS];
};

typedef enum {
	ETCD_TEST_WAIT_READY,
	ETCD_TEST_WAIT_EXITED,
	ETCD_TEST_WAIT_TIMED_OUT,
} EtcdTestWait;

static void
etcd_test_member_clear(EtcdTestMember *m)
{
	g_clear_pointer(&m->name, g_free);
	g_clear_pointer(&m->data_dir, g_free);
	g_clear_pointer(&m->log_path, g_free);
	g_clear_pointer(&m->client_url, g_free);
	g_clear_pointer(&m->peer_url, g_free);
}

/*
 * Free ports for every member at once: all sockets stay bound until every port
 * is known, so no two members get the same one. Another process may still take
 * one before etcd binds it; etcd_test_cluster_start() retries then.
 */
static void
etcd_test_pick_ports(guint16 *ports, guint n)
{
	g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);

	for (guint i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GSocketAddress) bound = NULL;
		GSocket *socket = g_socket_new(
			G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
		hermes_assert_no_error(error);
		g_ptr_array_add(sockets, socket);
		g_socket_bind(socket, any, FALSE, &error);
		hermes_assert_no_error(error);
		bound = g_socket_get_local_address(socket, &error);
		hermes_assert_no_error(error);
		ports[i] = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	}
}

/* names, URLs, a token no other cluster (a parallel test's) shares, and the member list */
static void
etcd_test_cluster_plan(EtcdTestCluster *cluster, guint attempt)
{
	guint16 ports[2 * ETCD_TEST_MAX_MEMBERS];
	g_autoptr(GPtrArray) peers = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) clients = g_ptr_array_new();

	etcd_test_pick_ports(ports, 2 * cluster->n_members);
	for (guint i = 0; i < cluster->n_members; i++) {
		EtcdTestMember *m = &cluster->members[i];
		etcd_test_member_clear(m);
		m->name = g_strdup_printf("m%u", i);
		m->data_dir = g_build_filename(cluster->tmp, m->name, NULL);
		m->log_path = g_strdup_printf("%s/%s.log", cluster->tmp, m->name);
		m->client_url = g_strdup_printf("%s://127.0.0.1:%u",
						cluster->tls_dir != NULL ? "https" : "http",
						ports[2 * i]);
		m->peer_url = g_strdup_printf("http://127.0.0.1:%u", ports[2 * i + 1]);
		g_ptr_array_add(peers, g_strdup_printf("%s=%s", m->name, m->peer_url));
		g_ptr_array_add(clients, m->client_url);
	}
	g_ptr_array_add(peers, NULL);
	g_ptr_array_add(clients, NULL);
	g_free(cluster->initial_cluster);
	cluster->initial_cluster = g_strjoinv(",", (gchar **)peers->pdata);
	g_free(cluster->endpoints);
	cluster->endpoints = g_strjoinv(",", (gchar **)clients->pdata);
	g_free(cluster->token);
	cluster->token = g_strdup_printf(
		"hermes-test-%d-%s-%u", (gint)getpid(), strrchr(cluster->tmp, '-') + 1, attempt);
}

/*
 * In the child, before exec: the member gets SIGKILL when the test process
 * dies, however it dies, so CI never keeps an etcd. The signal follows the
 * death of the spawning *thread*: members are spawned from the test's thread,
 * which lives as long as the test. If the parent died before prctl() took
 * effect, getppid() has changed already: give up at once.
 */
static void
etcd_test_child_setup(gpointer user_data)
{
	pid_t parent = GPOINTER_TO_INT(user_data);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
}

/* etcd reads ETCD_* variables as flags: none from the developer's shell may steer a member */
static gchar **
etcd_test_environ(void)
{
	gchar **envp = g_get_environ();
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; envp[i] != NULL; i++) {
		if (g_str_has_prefix(envp[i], "ETCD_") &&
		    !g_str_has_prefix(envp[i], "ETCD_UNSUPPORTED_ARCH="))
			g_ptr_array_add(names, g_strndup(envp[i], strcspn(envp[i], "=")));
	}
	for (guint i = 0; i < names->len; i++)
		envp = g_environ_unsetenv(envp, g_ptr_array_index(names, i));
	return envp;
}

static void
etcd_test_member_spawn(EtcdTestCluster *cluster, guint i, const gchar *state)
{
	EtcdTestMember *m = &cluster->members[i];
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) envp = etcd_test_environ();
	/* election timeout 500 ms, heartbeat 50 ms (etcd's defaults are 1000 and 100):
	 * loopback answers in microseconds, so a tenth of the election timeout is still
	 * a wide margin, and a cluster elects its leader, and a restarted member finds
	 * it, in half the time, which is most of what a test waits for */
	const gchar *argv[] = {
		hermes_test_env("HERMES_TEST_ETCD"),
		"--name",
		m->name,
		"--data-dir",
		m->data_dir,
		"--listen-client-urls",
		m->client_url,
		"--advertise-client-urls",
		m->client_url,
		"--listen-peer-urls",
		m->peer_url,
		"--initial-advertise-peer-urls",
		m->peer_url,
		"--initial-cluster",
		cluster->initial_cluster,
		"--initial-cluster-state",
		state,
		"--initial-cluster-token",
		cluster->token,
		"--heartbeat-interval",
		"50",
		"--election-timeout",
		"500",
		NULL,
	};
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) args = NULL;
	gint log_fd = open(m->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	g_strv_builder_addv(builder, argv);
	/* clients must show a certificate of the test CA; peers stay on plain http */
	if (cluster->tls_dir != NULL) {
		g_autofree gchar *cert = g_build_filename(cluster->tls_dir, "server.pem", NULL);
		g_autofree gchar *key = g_build_filename(cluster->tls_dir, "server.key", NULL);
		g_autofree gchar *ca = g_build_filename(cluster->tls_dir, "ca.pem", NULL);
		const gchar *tls[] = {"--cert-file",
				      cert,
				      "--key-file",
				      key,
				      "--client-cert-auth",
				      "--trusted-ca-file",
				      ca,
				      NULL};
		g_strv_builder_addv(builder, tls);
	}
	args = g_strv_builder_end(builder);

	if (log_fd < 0)
		fail_msg("cannot open %s: %s", m->log_path, g_strerror(errno));
	g_spawn_async_with_pipes_and_fds(NULL,
					 (const gchar *const *)args,
					 (const gchar *const *)envp,
					 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
					 etcd_test_child_setup,
					 GINT_TO_POINTER((gint)getpid()),
					 -1,
					 log_fd,
					 log_fd,
					 NULL,
					 NULL,
					 0,
					 &m->pid,
					 NULL,
					 NULL,
					 NULL,
					 &error);
	close(log_fd);
	hermes_assert_no_error(error);
}

/* TRUE once the member is gone and reaped; waits until @deadline (monotonic) at most */
static gboolean
etcd_test_member_reap(EtcdTestMember *m, gint64 deadline)
{
	while (m->pid > 0) {
		gint status = 0;
		pid_t ret = waitpid(m->pid, &status, WNOHANG);
		if (ret == m->pid || (ret < 0 && errno == ECHILD)) {
			m->pid = 0;
			m->exit_status = status;
			break;
		}
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		g_usleep(10000);
	}
	return TRUE;
}

/* the member answers POST /v3/maintenance/status (with a leader, if @want_leader) */
static gboolean
etcd_test_member_answers(EtcdTestCluster *cluster, guint i, gboolean want_leader)
{
	g_autofree gchar *uri =
		g_strconcat(cluster->members[i].client_url, "/v3/maintenance/status", NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", uri);
	g_autoptr(GBytes) request = g_bytes_new_static("{}", 2);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	const gchar *leader;

	soup_message_set_request_body_from_bytes(msg, "application/json", request);
	if (cluster->client_cert != NULL)
		soup_message_set_tls_client_certificate(msg, cluster->client_cert);
	body = soup_session_send_and_read(cluster->session, msg, NULL, NULL);
	if (body == NULL || soup_message_get_status(msg) != SOUP_STATUS_OK)
		return FALSE;
	if (!want_leader)
		return TRUE;
	/* a member that lost its quorum, or has not found it yet, says leader 0 */
	if (!json_parser_load_from_data(
		    parser, g_bytes_get_data(body, NULL), (gssize)g_bytes_get_size(body), NULL))
		return FALSE;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return FALSE;
	leader = json_object_get_string_member_with_default(
		json_node_get_object(root), "leader", "0");
	return g_strcmp0(leader, "0") != 0;
}

/* polls every member in @which until each answers, one exits, or @deadline passes;
 * *@culprit is the member that exited or did not answer */
static EtcdTestWait
etcd_test_cluster_wait(EtcdTestCluster *cluster,
		       const gboolean *which,
		       gboolean want_leader,
		       gint64 deadline,
		       guint *culprit)
{
	gboolean ready[ETCD_TEST_MAX_MEMBERS] = {FALSE};

	for (;;) {
		gboolean all = TRUE;
		for (guint i = 0; i < cluster->n_members; i++) {
			EtcdTestMember *m = &cluster->members[i];
			if (!which[i] || ready[i])
				continue;
			*culprit = i;
			/* reaps it if it exited: a member that is gone never answers */
			etcd_test_member_reap(m, 0);
			if (m->pid == 0)
				return ETCD_TEST_WAIT_EXITED;
			ready[i] = etcd_test_member_answers(cluster, i, want_leader);
			all = all && ready[i];
		}
		if (all)
			return ETCD_TEST_WAIT_READY;
		if (g_get_monotonic_time() > deadline)
			return ETCD_TEST_WAIT_TIMED_OUT;
		g_usleep(20000);
	}
}

/* the last lines of a member's log, at most @max bytes */
static gchar *
etcd_test_member_log_tail(EtcdTestMember *m, gsize max)
{
	g_autofree gchar *text = NULL;
	gsize len = 0;
	const gchar *start;

	if (!g_file_get_contents(m->log_path, &text, &len, NULL))
		return g_strdup_printf("(no log at %s)", m->log_path);
	if (len <= max)
		return g_steal_pointer(&text);
	start = strchr(text + len - max, '\n');
	return g_strdup(start != NULL ? start + 1 : text + len - max);
}

static gchar *
etcd_test_member_describe(EtcdTestCluster *cluster, guint i, EtcdTestWait wait)
{
	EtcdTestMember *m = &cluster->members[i];
	g_autofree gchar *how = NULL;
	g_autofree gchar *summary = NULL;
	g_autofree gchar *long_tail = etcd_test_member_log_tail(m, ETCD_TEST_LOG_TAIL);
	g_autofree gchar *short_tail = NULL;

	if (wait == ETCD_TEST_WAIT_EXITED && WIFSIGNALED(m->exit_status))
		how = g_strdup_printf("was killed by signal %d", WTERMSIG(m->exit_status));
	else if (wait == ETCD_TEST_WAIT_EXITED)
		how = g_strdup_printf("exited with status %d", WEXITSTATUS(m->exit_status));
	else
		how = g_strdup_printf("did not answer POST /v3/maintenance/status on %s (with a "
				      "leader, given a quorum) within %d s",
				      m->client_url,
				      ETCD_TEST_READY_SECONDS);
	summary = g_strdup_printf("etcd member %s %s", m->name, how);
	/* the log goes with its temp dir: what fits in the message, and more on stderr */
	fprintf(stderr, "%s; the end of its log:\n%s\n", summary, long_tail);
	short_tail = etcd_test_member_log_tail(
		m, ETCD_TEST_MESSAGE_MAX - MIN(strlen(summary), ETCD_TEST_MESSAGE_MAX / 2) - 64);
	return g_strdup_printf("%s; the end of its log (more on stderr):\n%s", summary, short_tail);
}

/* fails the test with @why, freed first: fail_msg() longjmps past every cleanup */
static void
etcd_test_fail(gchar *why)
{
	static gchar message[ETCD_TEST_MESSAGE_MAX + 24];
	g_strlcpy(message, why, sizeof(message));
	g_free(why);
	fail_msg("%s", message);
}

/* SIGKILL to every running member at once, then reap them all */
static void
etcd_test_cluster_kill_all(EtcdTestCluster *cluster)
{
	for (guint i = 0; i < cluster->n_members; i++) {
		if (cluster->members[i].pid > 0)
			kill(cluster->members[i].pid, SIGKILL);
	}
	/* SIGKILL cannot be ignored: each is gone in a moment */
	for (guint i = 0; i < cluster->n_members; i++)
		etcd_test_member_reap(&cluster->members[i], G_MAXINT64);
}

/*
 * SIGTERM to one member at a time, each reaped before the next, bounded
 * overall; what is left at the deadline gets SIGKILL. Not all at once: a
 * leader told to stop hands its leadership to a connected follower first and
 * waits for the handover up to etcd's request timeout (5 s + 2 election
 * timeouts); a follower that is stopping too never takes it, and every stop
 * cost those 6 s. One at a time, the handover goes to a member that stays
 * up, and a last member has nobody to hand over to.
 */
static void
etcd_test_cluster_terminate(EtcdTestCluster *cluster)
{
	gint64 deadline = g_get_monotonic_time() + ETCD_TEST_STOP_SECONDS * G_USEC_PER_SEC;
	for (guint i = 0; i < cluster->n_members; i++) {
		EtcdTestMember *m = &cluster->members[i];
		if (m->pid > 0)
			kill(m->pid, SIGTERM);
		if (!etcd_test_member_reap(m, deadline))
			g_debug("etcd member %s ignored SIGTERM: killing it", m->name);
	}
	etcd_test_cluster_kill_all(cluster);
}

/* TRUE when the member that exited could not bind its port: worth fresh ports */
static gboolean
etcd_test_member_port_taken(EtcdTestMember *m)
{
	g_autofree gchar *tail = etcd_test_member_log_tail(m, ETCD_TEST_LOG_TAIL);
	return strstr(tail, "address already in use") != NULL;
}

/*
 * A CA, a server certificate for 127.0.0.1 (for client auth too: etcd's own
 * JSON gateway dials its gRPC port with it) and a client certificate, made
 * by openssl in the cluster's temp dir (P-256 keys: quick, and etcd's Go TLS
 * takes them); the fixture's own readiness checks trust that CA and show
 * that client certificate, as hermes must
 */
static void
etcd_test_cluster_make_tls(EtcdTestCluster *cluster)
{
	static const gchar *script =
		"set -e; cd \"$1\"; k='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';"
		"openssl req -x509 $k -days 2 -subj /CN=hermes-test-ca -keyout ca.key -out ca.pem;"
		"printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' "
		"> "
		"server.ext;"
		"printf 'extendedKeyUsage=clientAuth\\n' > client.ext;"
		"for w in server client; do "
		"openssl req $k -subj /CN=$w -keyout $w.key -out $w.csr;"
		"openssl x509 -req -in $w.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
		"-extfile $w.ext -out $w.pem; done";
	g_autoptr(GError) error = NULL;
	g_autoptr(GTlsDatabase) db = NULL;
	g_autofree gchar *ca = NULL;
	g_autofree gchar *cert = NULL;
	g_autofree gchar *key = NULL;
	gint status = 0;
	const gchar *argv[] = {"/bin/sh", "-c", script, "sh", NULL, NULL};

	cluster->tls_dir = g_build_filename(cluster->tmp, "tls", NULL);
	if (g_mkdir(cluster->tls_dir, 0700) != 0)
		fail_msg("cannot make %s: %s", cluster->tls_dir, g_strerror(errno));
	argv[4] = cluster->tls_dir;
	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
			  NULL,
			  NULL,
			  NULL,
			  NULL,
			  &status,
			  &error) ||
	    !g_spawn_check_wait_status(status, &error))
		fail_msg("openssl could not make the test certificates: %s", error->message);
	ca = g_build_filename(cluster->tls_dir, "ca.pem", NULL);
	cert = g_build_filename(cluster->tls_dir, "client.pem", NULL);
	key = g_build_filename(cluster->tls_dir, "client.key", NULL);
	db = g_tls_file_database_new(ca, &error);
	hermes_assert_no_error(error);
	soup_session_set_tls_database(cluster->session, db);
	cluster->client_cert = g_tls_certificate_new_from_files(cert, key, &error);
	hermes_assert_no_error(error);
}

static EtcdTestCluster *
etcd_test_cluster_start_full(guint members, gboolean tls)
{
	const gchar *etcd = g_getenv("HERMES_TEST_ETCD");
	gboolean all[ETCD_TEST_MAX_MEMBERS];
	gint64 started = g_get_monotonic_time();
	GProxyResolver *direct;
	EtcdTestCluster *cluster;

	if (etcd == NULL || etcd[0] == '\0')
		return NULL;
	if (members < 1 || members > ETCD_TEST_MAX_MEMBERS)
		fail_msg("an etcd test cluster has 1 to %d members, not %u",
			 ETCD_TEST_MAX_MEMBERS,
			 members);
	cluster = g_new0(EtcdTestCluster, 1);
	cluster->n_members = members;
	cluster->tmp = hermes_test_mkdtemp();
	/* straight to the members, never through a proxy from the environment; a
	 * member that accepts but does not answer costs one poll 2 s, not the test */
	direct = g_simple_proxy_resolver_new(NULL, NULL);
	cluster->session =
		soup_session_new_with_options("proxy-resolver", direct, "timeout", 2, NULL);
	g_object_unref(direct);
	if (tls)
		etcd_test_cluster_make_tls(cluster);
	for (guint i = 0; i < ETCD_TEST_MAX_MEMBERS; i++)
		all[i] = TRUE;
	for (guint attempt = 1;; attempt++) {
		gint64 deadline = g_get_monotonic_time() + ETCD_TEST_READY_SECONDS * G_USEC_PER_SEC;
		guint culprit = 0;
		EtcdTestWait wait;

		etcd_test_cluster_plan(cluster, attempt);
		for (guint i = 0; i < members; i++)
			etcd_test_member_spawn(cluster, i, "new");
		wait = etcd_test_cluster_wait(cluster, all, TRUE, deadline, &culprit);
		if (wait == ETCD_TEST_WAIT_READY) {
			g_debug("etcd test cluster of %u ready in %.2f s (attempt %u)",
				members,
				(gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC,
				attempt);
			return cluster;
		}
		etcd_test_cluster_kill_all(cluster);
		if (wait == ETCD_TEST_WAIT_EXITED && attempt < ETCD_TEST_ATTEMPTS &&
		    etcd_test_member_port_taken(&cluster->members[culprit])) {
			/* a new cluster from scratch: no member may remember the old one */
			for (guint i = 0; i < members; i++) {
				hermes_test_rmtree(cluster->members[i].data_dir);
				g_unlink(cluster->members[i].log_path);
			}
			continue;
		}
		/* nothing of the cluster may outlive the failure: fail_msg() does not return */
		{
			gchar *why = etcd_test_member_describe(cluster, culprit, wait);
			etcd_test_cluster_stop(cluster);
			etcd_test_fail(why);
		}
	}
}

EtcdTestCluster *
etcd_test_cluster_start(guint members)
{
	return etcd_test_cluster_start_full(members, FALSE);
}

EtcdTestCluster *
etcd_test_cluster_start_tls(guint members)
{
	return etcd_test_cluster_start_full(members, TRUE);
}

const gchar *
etcd_test_cluster_get_tls_file(EtcdTestCluster *cluster, const gchar *name)
{
	assert_non_null(cluster);
	assert_non_null(cluster->tls_dir);
	g_free(cluster->tls_last);
	cluster->tls_last = g_build_filename(cluster->tls_dir, name, NULL);
	return cluster->tls_last;
}

const gchar *
etcd_test_cluster_get_endpoints(EtcdTestCluster *cluster)
{
	assert_non_null(cluster);
	return cluster->endpoints;
}

static EtcdTestMember *
etcd_test_cluster_member(EtcdTestCluster *cluster, guint member)
{
	assert_non_null(cluster);
	if (member >= cluster->n_members)
		fail_msg("the cluster has %u members: there is no member %u",
			 cluster->n_members,
			 member);
	return &cluster->members[member];
}

const gchar *
etcd_test_cluster_get_endpoint(EtcdTestCluster *cluster, guint member)
{
	return etcd_test_cluster_member(cluster, member)->client_url;
}

void
etcd_test_cluster_kill_member(EtcdTestCluster *cluster, guint member)
{
	EtcdTestMember *m = etcd_test_cluster_member(cluster, member);
	gint64 deadline = g_get_monotonic_time() + ETCD_TEST_STOP_SECONDS * G_USEC_PER_SEC;

	if (m->pid == 0)
		fail_msg("etcd member %s is not running", m->name);
	if (kill(m->pid, SIGKILL) != 0)
		fail_msg("cannot kill etcd member %s: %s", m->name, g_strerror(errno));
	if (!etcd_test_member_reap(m, deadline))
		fail_msg("etcd member %s (pid %d) did not die of SIGKILL within %d s",
			 m->name,
			 (gint)m->pid,
			 ETCD_TEST_STOP_SECONDS);
}

void
etcd_test_cluster_restart_member(EtcdTestCluster *cluster, guint member)
{
	EtcdTestMember *m = etcd_test_cluster_member(cluster, member);
	gint64 started = g_get_monotonic_time();
	gint64 deadline = started + ETCD_TEST_READY_SECONDS * G_USEC_PER_SEC;
	gboolean which[ETCD_TEST_MAX_MEMBERS] = {FALSE};
	guint running = 1;
	guint culprit = member;
	EtcdTestWait wait;

	if (m->pid != 0)
		fail_msg("etcd member %s is still running: kill it first", m->name);
	for (guint i = 0; i < cluster->n_members; i++) {
		if (i != member && cluster->members[i].pid > 0)
			running++;
	}
	/* the same ports and data dir: it rejoins as the member it was, from its own log
	 * (etcd ignores the --initial-cluster* flags once its data dir holds a member) */
	etcd_test_member_spawn(cluster, member, "existing");
	which[member] = TRUE;
	/* without a quorum no member has a leader: answering is all it can do */
	wait = etcd_test_cluster_wait(
		cluster, which, running > cluster->n_members / 2, deadline, &culprit);
	if (wait != ETCD_TEST_WAIT_READY)
		etcd_test_fail(etcd_test_member_describe(cluster, member, wait));
	g_debug("etcd member %s back in %.2f s",
		m->name,
		(gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
}

void
etcd_test_cluster_stop(EtcdTestCluster *cluster)
{
	gint64 started = g_get_monotonic_time();

	if (cluster == NULL)
		return;
	etcd_test_cluster_terminate(cluster);
	g_debug("etcd test cluster stopped in %.2f s",
		(gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	hermes_test_rmtree(cluster->tmp);
	for (guint i = 0; i < cluster->n_members; i++)
		etcd_test_member_clear(&cluster->members[i]);
	g_clear_object(&cluster->session);
	g_clear_object(&cluster->client_cert);
	g_free(cluster->tls_dir);
	g_free(cluster->tls_last);
	g_free(cluster->tmp);
	g_free(cluster->token);
	g_free(cluster->initial_cluster);
	g_free(cluster->endpoints);
	g_free(cluster);
}
