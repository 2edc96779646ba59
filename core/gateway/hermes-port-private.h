/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What the port chooser (hermes-port.c) and the port table
 * (hermes-port-table.c) share: a profile with the port its `.env` asks
 * for. Not installed.
 */

#pragma once

#include "hermes-context.h"

G_BEGIN_DECLS

typedef struct {
	gchar *name;
	guint explicit_port; /* API_SERVER_PORT, 0 when none */
	guint port;	     /* what hermes_port_assign_all() chose */
} HermesPortEntry;

HermesPortEntry *
hermes_port_entry_new(const gchar *name, const gchar *home);
void
hermes_port_entry_free(HermesPortEntry *entry);
GPtrArray *
hermes_port_entries_read(HermesContext *ctx, GError **error);

G_END_DECLS
