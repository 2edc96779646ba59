/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

GVariant *
hermes_launchd_plist_parse(const gchar *text, gssize length, GError **error);

G_END_DECLS
