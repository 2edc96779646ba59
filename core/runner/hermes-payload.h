/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HERMES_PAYLOAD_DEFAULT_BIND "127.0.0.1"

#define HERMES_TYPE_PAYLOAD (hermes_payload_get_type())
G_DECLARE_FINAL_TYPE(HermesPayload, hermes_payload, HERMES, PAYLOAD, GObject)

HermesPayload *
hermes_payload_new(const gchar *profile, const gchar *address, guint port);
gboolean
hermes_payload_start(HermesPayload *self, GError **error);
void
hermes_payload_stop(HermesPayload *self);
guint
hermes_payload_get_port(HermesPayload *self);
const gchar *
hermes_payload_get_address(HermesPayload *self);
gchar *
hermes_payload_health_json(HermesPayload *self);

G_END_DECLS
