/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

const gchar *
hermes_systemd_linger_check(HermesContext *ctx, const gchar *user, guint32 uid, gchar **source);
gchar *
hermes_systemd_linger_fix(const gchar *user);

G_END_DECLS
