/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-systemd-bus.h"

G_BEGIN_DECLS

gboolean
hermes_systemd_bus_run_job(HermesSystemdBus *self,
			   const gchar *method,
			   const gchar *unit,
			   guint timeout_ms,
			   gchar **result,
			   GCancellable *cancellable,
			   GError **error);

G_END_DECLS
