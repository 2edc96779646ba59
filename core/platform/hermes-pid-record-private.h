/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* private parts of the pid record rule; not installed, not exported */

#include "hermes-pid-record.h"

G_BEGIN_DECLS

/* the kernel's ceiling for /proc/sys/kernel/pid_max (PID_MAX_LIMIT on 64-bit) */
#define HERMES_PID_MAX_LIMIT 4194304

gint64
hermes_pid_max(void);
JsonObject *
hermes_pid_record_get_object(const HermesPidRecord *self);
gboolean
hermes_pid_cmdline_is_gateway(const gchar *cmdline, gsize length);

G_END_DECLS
