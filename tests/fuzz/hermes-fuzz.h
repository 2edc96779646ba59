/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hermes-svc.h"

G_BEGIN_DECLS

/* the libFuzzer entry point; replay-main.c calls it without libFuzzer */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void
hermes_fuzz_init(void);
const gchar *
hermes_fuzz_home(void);
gchar *
hermes_fuzz_write_file(const gchar *name, const guint8 *data, gsize size);
void
hermes_fuzz_consume_status(HermesGatewayStatus *status);

G_END_DECLS
