/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * The node agent's test machine room (tests/test-cluster-agent.c): a real
 * 3-member etcd (etcd-test.c), one shared HERMES_HOME, and per node a real
 * s6-svscan on its own scan directory with that node's `hermes cluster
 * agent` beside it. Every gateway is a small shell payload
 * (HERMES_GATEWAY_COMMAND in its tree's environment) that appends
 * `PROFILE NODE start|stop SECONDS.NANOSECONDS` to one log; the checks read
 * that log as intervals per profile. A forwarding TCP proxy (a forked
 * child) lets a test cut one agent off from etcd by killing it.
 *
 * Everything lives in the fixture, so teardown kills every agent, tree,
 * payload, proxy and etcd member even after a failed assertion.
 */

#include <glib.h>
#include <json-glib/json-glib.h>

#include "etcd-test.h"
#include "hermes-test.h"

G_BEGIN_DECLS

#define AGENT_TEST_NODES 3
/* the lease every agent holds (seconds): short, to keep failover quick */
#define AGENT_TEST_TTL_S 4

typedef struct {
	gchar *name; /* node-a, node-b, node-c */
	gchar *scandir;
	gchar *marker; /* HERMES_TEST_AGENT_NODE=<tmp>/<name>: in every process of the node */
	GSubprocess *svscan;
	GSubprocess *agent;
	gchar *agent_log; /* the running (or last) agent's stderr */
	guint runs;	  /* agents started on this node so far */
	guint ttl_s;
	gboolean wrapped; /* its agent runs under HERMES_TEST_WRAPPER (valgrind) */
	gint64 killed_at; /* real time (µs) its processes were all gone after a kill; 0: not killed */
} AgentNode;

typedef struct {
	gchar *tmp;
	gchar *home;
	gchar *gateway_log;
	gchar *payload;
	gchar **envp;
	EtcdTestCluster *etcd;
	AgentNode nodes[AGENT_TEST_NODES];
	GPid proxy;
	guint16 proxy_port;
	gint64 t0;     /* real time (µs) of the setup: times in messages are relative to it */
	gboolean done; /* the test body ran to its end: teardown shows no logs */
	gchar *out;
	gchar *err;
} AgentFixture;

/* one run of one gateway, from the log */
typedef struct {
	gchar *profile;
	gchar *node;
	gint64 start_us;  /* 0: a stop line with no start before it */
	gint64 stop_us;	  /* 0: still running */
	gboolean by_kill; /* it ended because the test killed its node */
} AgentInterval;

typedef struct {
	GPtrArray *intervals; /* AgentInterval, by start */
	guint lines;
} AgentLog;

void
agent_log_free(AgentLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentLog, agent_log_free)

gint
agent_fixture_setup(void **state);
gint
agent_fixture_teardown(void **state);
/* skip() when the fixture has no etcd or no s6 */
gboolean
agent_fixture_skip(AgentFixture *f);
/* the multiplier of every bound (not of the TTL rules) when valgrind runs an agent */
guint
agent_slow(void);

/* `hermes ARGS…` (unwrapped) with the home, the built backends and every member as
 * HERMES_ETCD_ENDPOINTS; its output in f->out and f->err */
gint
agent_hermes(AgentFixture *f, const gchar *const *args);
#define AGENT_HERMES(f, ...) agent_hermes((f), (const gchar *const[]){__VA_ARGS__, NULL})
/* `hermes --json cluster status`, parsed; fails the test unless it exits 0 */
JsonObject *
agent_status(AgentFixture *f);
/* profile -> node of every gateway with an owner, from cluster status */
GHashTable *
agent_status_owners(AgentFixture *f);

/* profiles p01…pNN created in the home; returns their names */
GStrv
agent_make_profiles(AgentFixture *f, guint n);
/* `hermes -p P gateway start|stop --cluster` for each, at once; all must exit 0 */
void
agent_set_desired(AgentFixture *f, const gchar *const *profiles, gboolean running);

/* the node's own s6-svscan, with HERMES_GATEWAY_COMMAND and HERMES_TEST_NODE */
void
agent_node_start_tree(AgentFixture *f, guint i);
/* its agent, talking to @endpoints (NULL: every member) */
void
agent_node_start_agent(AgentFixture *f, guint i, const gchar *endpoints);
/* SIGTERM to the agents at once, then each must exit within a bound (else SIGKILL);
 * returns the highest exit status (0: all clean); @strict fails the test on a hang */
gint
agent_nodes_term_agents(AgentFixture *f, const guint *nodes, guint n_nodes, gboolean strict);
/* SIGKILL the node's agent, tree, supervisors and gateways, as a machine dies */
void
agent_node_kill(AgentFixture *f, guint i);
/* the three trees and agents, then wait until cluster status shows every node up */
void
agent_start_all(AgentFixture *f);
void
agent_wait_nodes_up(AgentFixture *f, guint n_up, guint bound_s);
/* an agent that exited on its own ends the test at once, with its last words */
void
agent_assert_alive(AgentFixture *f);

/* a forwarding proxy on 127.0.0.1 to one member; returns its URL (owned by the fixture's
 * lifetime: static buffer per fixture is not needed, the caller frees it) */
gchar *
agent_proxy_start(AgentFixture *f, guint member);
/* the proxy cuts what is open and answers nothing more (new connections hang) */
void
agent_proxy_silence(AgentFixture *f);
void
agent_proxy_kill(AgentFixture *f);

/* the real time (µs) at which @key was first seen gone from etcd, polled every 20 ms;
 * fails after @bound_s */
gint64
agent_etcd_wait_gone(AgentFixture *f, const gchar *key, guint bound_s);
/* the etcd member that is the leader now (bounded wait for one) */
guint
agent_etcd_leader(AgentFixture *f);

/* the gateway log as intervals (a killed node's open runs end when it died) */
AgentLog *
agent_log_read(AgentFixture *f);
AgentLog *
agent_log_parse(const gchar *text, const AgentFixture *f);
/* NULL when no two runs of one profile overlap, else what overlapped (free it) */
gchar *
agent_log_find_overlap(AgentLog *log, gint64 t0);
/* fails the test when two runs of one profile overlap */
void
agent_assert_no_overlap(AgentFixture *f);
/* profile -> node for every profile running now; a profile running twice maps to "*" */
GHashTable *
agent_log_running(AgentLog *log);
/* waits until each of @profiles runs on exactly one node, not on @avoid (NULL: any),
 * and none of @stopped runs, with the cluster status agreeing; returns profile -> node */
GHashTable *
agent_wait_placed(AgentFixture *f,
		  const gchar *const *profiles,
		  const gchar *const *stopped,
		  const gchar *avoid,
		  gint64 deadline_us,
		  const gchar *what);
/* the intervals of @profile, for checks on one profile */
GPtrArray *
agent_log_runs_of(AgentLog *log, const gchar *profile);
/* fails when a gateway's own log shows one runner replacing another (--replace): two
 * nodes' runners met on the one-host lock, which hides an overlap from the payload log */
void
agent_assert_no_takeover(AgentFixture *f);
/* seconds since the fixture's t0 */
gdouble
agent_rel(const AgentFixture *f, gint64 us);

G_END_DECLS
