/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hermes-context.h"
#include "hermes-doctor-finding.h"

G_BEGIN_DECLS

GPtrArray *
hermes_doctor_run(HermesContext *ctx, const gchar *forced, GCancellable *cancellable);
gboolean
hermes_doctor_all_ok(GPtrArray *findings);
JsonNode *
hermes_doctor_to_json(GPtrArray *findings);

G_END_DECLS
