/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib-object.h>

#include "hermes-context.h"

G_BEGIN_DECLS

/**
 * HERMES_MULTIPLEX_ENV:
 *
 * The environment variable that turns multiplexing on or off whatever the
 * home's `config.yaml` says (hermes-agent's operator override).
 */
#define HERMES_MULTIPLEX_ENV "GATEWAY_MULTIPLEX_PROFILES"
/**
 * HERMES_MULTIPLEX_CONFIG_FILE:
 *
 * hermes-agent's configuration, below the profile root.
 */
#define HERMES_MULTIPLEX_CONFIG_FILE "config.yaml"

/**
 * HermesMultiplexSource:
 * @HERMES_MULTIPLEX_SOURCE_DEFAULT: neither the environment nor the config
 *   says (or the config cannot be read): off
 * @HERMES_MULTIPLEX_SOURCE_CONFIG: the home's `config.yaml`
 * @HERMES_MULTIPLEX_SOURCE_ENVIRONMENT: %HERMES_MULTIPLEX_ENV
 *
 * Where the answer of hermes_multiplex_get_enabled() comes from.
 */
typedef enum {
	HERMES_MULTIPLEX_SOURCE_DEFAULT,
	HERMES_MULTIPLEX_SOURCE_CONFIG,
	HERMES_MULTIPLEX_SOURCE_ENVIRONMENT,
} HermesMultiplexSource;

#define HERMES_TYPE_MULTIPLEX (hermes_multiplex_get_type())
typedef struct _HermesMultiplex HermesMultiplex;

GType
hermes_multiplex_get_type(void);
HermesMultiplex *
hermes_multiplex_new(HermesContext *ctx);
HermesMultiplex *
hermes_multiplex_ref(HermesMultiplex *self);
void
hermes_multiplex_unref(HermesMultiplex *self);
gboolean
hermes_multiplex_get_enabled(const HermesMultiplex *self);
HermesMultiplexSource
hermes_multiplex_get_source(const HermesMultiplex *self);
const gchar *
hermes_multiplex_get_reason(const HermesMultiplex *self);
const gchar *
hermes_multiplex_get_warning(const HermesMultiplex *self);
gboolean
hermes_multiplex_serves(const HermesMultiplex *self, const gchar *profile);
gboolean
hermes_multiplex_parse_config(
	const guint8 *data, gsize length, gboolean *enabled, gchar **key, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesMultiplex, hermes_multiplex_unref)

G_END_DECLS
