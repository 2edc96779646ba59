/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"

G_BEGIN_DECLS

/**
 * HermesHomeTrust:
 * @HERMES_HOME_TRUST_OWN: the caller owns the home (or it does not exist yet)
 * @HERMES_HOME_TRUST_FOREIGN: a privileged caller over a home another user owns
 *
 * Who a home belongs to, seen from the process about to act on it.
 */
typedef enum {
	HERMES_HOME_TRUST_OWN,
	HERMES_HOME_TRUST_FOREIGN,
} HermesHomeTrust;

gboolean
hermes_home_trust_check(const gchar *home,
			guint32 euid,
			HermesHomeTrust *trust,
			guint32 *owner_uid,
			GError **error);
gboolean
hermes_home_trust_enforce(HermesContext *ctx, GError **error);

G_END_DECLS
