/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* small private helpers shared by core files; not installed */

#include <glib.h>

G_BEGIN_DECLS

void
hermes_strv_sort(GStrv strv);

G_END_DECLS
