/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Private: the runner's state, shared by its files
 * (hermes-runner.c: the object, signals and run loop;
 * hermes-runner-claim.c: lock, pid file and takeover;
 * hermes-runner-payload.c: what runs; hermes-runner-notify.c: readiness).
 */

#include "hermes-dir-notify.h"
#include "hermes-payload.h"
#include "hermes-pid-record.h"
#include "hermes-runner.h"

G_BEGIN_DECLS

/* --replace: how long the old gateway gets after SIGTERM, then after SIGKILL */
#define HERMES_RUNNER_TERM_WAIT_MS 10000
#define HERMES_RUNNER_KILL_WAIT_MS 5000
/* the lock is released when the old process exits; allow for the kernel to catch up */
#define HERMES_RUNNER_LOCK_WAIT_MS 2000
/* an external payload's drain time before SIGKILL */
#define HERMES_RUNNER_PAYLOAD_STOP_MS 10000
/* a hash-derived port taken between the probe and the bind is retried */
#define HERMES_RUNNER_BIND_TRIES 3
/* how often a runner without a directory monitor looks for a planned-stop marker */
#define HERMES_RUNNER_MARKER_POLL_SEC 2

struct _HermesRunner {
	GObject parent_instance;
	HermesContext *ctx;
	gchar *profile;
	gchar *root; /* the trusted profile root, canonical */
	gchar *home; /* canonical, reached beneath root without links */
	gchar *home_as_given;
	GStrv argv;
	gboolean replace;
	gboolean ran;
	gint64 pid;
	gint64 start_time;
	gint lock_fd;
	gboolean locked;
	GMainLoop *loop;
	guint signal_ids[3];
	HermesDirNotify *marker_watch; /* the home, for a planned-stop marker */
	guint marker_id;	       /* the grace before a marker alone stops us */
	guint marker_poll_id;	       /* only where the kernel refuses a monitor */
	guint heartbeat_id;	       /* the lock file's mtime, for runners on other hosts */
	HermesPayload *payload;
	GSubprocess *child;
	gboolean child_exited;
	guint kill_id;
	guint port;
	gboolean ready_sent;
	gint ready_fd; /* s6's notification-fd, taken at the start of run */
	/* the verdict, once something decided how this ends */
	gboolean stopping;
	gint exit_code;
	gchar *final_state;
	gchar *exit_reason;
	gboolean restart_requested;
};

void
hermes_runner_say(HermesRunner *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);
void
hermes_runner_persist(HermesRunner *self, JsonObject *changes);
void
hermes_runner_decide(HermesRunner *self, const gchar *state, gint code, const gchar *reason);
gint
hermes_runner_fatal_config_code(HermesRunner *self);

/* hermes-runner-claim.c */
gboolean
hermes_runner_resolve_home(HermesRunner *self, GError **error);
JsonObject *
hermes_runner_identity(HermesRunner *self);
gboolean
hermes_runner_claim(HermesRunner *self, GError **error);
void
hermes_runner_release(HermesRunner *self);
gboolean
hermes_runner_consume_takeover(HermesRunner *self);
HermesPidRecord *
hermes_runner_lock_record(HermesRunner *self);

/* hermes-runner-heartbeat.c */
gboolean
hermes_runner_heartbeat_check(HermesRunner *self, GError **error);
void
hermes_runner_heartbeat_start(HermesRunner *self);

/* hermes-runner-notify.c */
void
hermes_runner_take_ready_fd(HermesRunner *self);
void
hermes_runner_notify_ready(HermesRunner *self);

/* hermes-runner-payload.c */
gboolean
hermes_runner_start_payload(HermesRunner *self, gint *code, GError **error);

G_END_DECLS
