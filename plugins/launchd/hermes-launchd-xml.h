/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

gchar *
hermes_launchd_xml_escape(const gchar *what, const gchar *text, GError **error);
void
hermes_launchd_xml_indent(GString *out, guint depth);
gboolean
hermes_launchd_xml_key(GString *out, guint depth, const gchar *key, GError **error);
gboolean
hermes_launchd_xml_string(
	GString *out, guint depth, const gchar *what, const gchar *value, GError **error);
gboolean
hermes_launchd_xml_string_member(
	GString *out, guint depth, const gchar *key, const gchar *value, GError **error);
void
hermes_launchd_xml_int_member(GString *out, guint depth, const gchar *key, guint value);

G_END_DECLS
