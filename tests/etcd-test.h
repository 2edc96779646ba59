/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * A real etcd cluster for tests: 1 to 5 members of the installed etcd
 * (HERMES_TEST_ETCD) on 127.0.0.1, each on its own free client and peer
 * ports with its own data directory under a private temp dir. Members'
 * output goes to a log per member in that dir (stdout carries TAP), and
 * each member dies with the test process. Every wait is bounded; a member
 * that does not come up fails the test with the tail of its log.
 *
 * Keep the cluster in the test's fixture (*state) and stop it in teardown:
 * a failed assertion longjmps past g_autoptr cleanups.
 */

#include <glib.h>

G_BEGIN_DECLS

typedef struct _EtcdTestCluster EtcdTestCluster;

/* starts @members etcd members (1..5) and waits (30 s at most) until every one
 * answers POST /v3/maintenance/status on its client URL and knows a leader;
 * NULL when etcd is not installed (HERMES_TEST_ETCD empty or unset): skip() then */
EtcdTestCluster *
etcd_test_cluster_start(guint members);
/* the same with https client URLs that ask every client for a certificate of a
 * CA made for this cluster (peers stay on http); the files, by name (ca.pem,
 * client.pem, client.key, server.pem), from etcd_test_cluster_get_tls_file() */
EtcdTestCluster *
etcd_test_cluster_start_tls(guint members);
/* the path of one of the TLS files above; valid until the next call */
const gchar *
etcd_test_cluster_get_tls_file(EtcdTestCluster *cluster, const gchar *name);
/* "http://127.0.0.1:P1,http://127.0.0.1:P2,..." (client URLs, comma-separated) */
const gchar *
etcd_test_cluster_get_endpoints(EtcdTestCluster *cluster);
/* one member's client URL, "http://127.0.0.1:P" */
const gchar *
etcd_test_cluster_get_endpoint(EtcdTestCluster *cluster, guint member);
/* SIGKILL one member and reap it (bounded wait); returns at once after that: if it
 * was the leader, the others elect a new one within about a second, and a write
 * sent before then fails with 503 "request timed out, possibly due to previous
 * leader failure", as it would for any client (wait for a leader first if the
 * test is not about that window) */
void
etcd_test_cluster_kill_member(EtcdTestCluster *cluster, guint member);
/* start a killed member again on the same ports and data dir (--initial-cluster-state
 * existing) and wait (bounded) until it answers, and knows a leader when the running
 * members make a quorum */
void
etcd_test_cluster_restart_member(EtcdTestCluster *cluster, guint member);
/* SIGTERM all members, wait (bounded, then SIGKILL), remove the temp dir; NULL-safe */
void
etcd_test_cluster_stop(EtcdTestCluster *cluster);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(EtcdTestCluster, etcd_test_cluster_stop)

G_END_DECLS
