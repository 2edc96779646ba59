/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"
#include "hermes-dotenv.h"
#include "hermes-port-table.h"

G_BEGIN_DECLS

/* the range hash-derived gateway ports come from: [start, end) */
#define HERMES_PORT_RANGE_START 9200
#define HERMES_PORT_RANGE_END	9800

/**
 * HermesPortFlags:
 * @HERMES_PORT_FLAG_NONE: step past ports bound on 127.0.0.1 too
 * @HERMES_PORT_FLAG_SKIP_BOUND: do not probe for bound ports (what the port
 *   would be if nothing else listened; use it for a gateway that runs)
 *
 * How hermes_profile_port_full() chooses.
 */
typedef enum {
	HERMES_PORT_FLAG_NONE = 0,
	HERMES_PORT_FLAG_SKIP_BOUND = 1 << 0,
} HermesPortFlags;

guint
hermes_port_parse(const gchar *text);
guint
hermes_profile_explicit_port(const gchar *home);
guint
hermes_port_hash_start(const gchar *profile);
gboolean
hermes_port_is_bound(guint port);
guint
hermes_profile_port(HermesContext *ctx,
		    const gchar *profile,
		    gboolean *explicit_port,
		    GError **error);
guint
hermes_profile_port_full(HermesContext *ctx,
			 const gchar *profile,
			 HermesPortFlags flags,
			 gboolean *explicit_port,
			 GError **error);

G_END_DECLS
