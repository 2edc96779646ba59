/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-gateway-control.h"
#include "hermes-home-lock.h"

G_BEGIN_DECLS

/* one action in progress: hermes-gateway-control.c runs one, -batch.c many */
typedef struct {
	HermesGatewayControl *self;
	HermesGatewayResult *result;
	const gchar *verb;
	gchar *home; /* NULL when the profile has none on disk */
	gboolean as_owner;
	guint32 owner_uid;
	guint32 owner_gid;
	HermesGatewayStatus *before; /* the status read on the way, if any */
	gint64 marked_pid;	     /* the gateway a planned-stop marker names, or 0 */
} HermesGatewayRun;		     /* one action in progress */

gboolean
hermes_gateway_run_begin(HermesGatewayControl *self,
			 HermesGatewayAction action,
			 const gchar *profile,
			 HermesGatewayRun *run);
void
hermes_gateway_run_steps(HermesGatewayRun *run, guint timeout_ms, GCancellable *cancellable);
HermesGatewayResult *
hermes_gateway_run_end(HermesGatewayRun *run);
gboolean
hermes_gateway_control_lock(HermesGatewayControl *self, HermesHomeLock **lock, GError **error);

G_END_DECLS
