/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the Windows files of the platform seam share (hermes-platform-win32.c,
 * -trust.c, -spawn.c); never built on Unix.
 */

/* clang-format off */
#include <windows.h>
/* clang-format on */

#include <glib.h>

G_BEGIN_DECLS

void
hermes_platform_win32_set_error(GError **error, DWORD code, const gchar *format, ...)
	G_GNUC_PRINTF(3, 4);
wchar_t *
hermes_platform_win32_utf16(const gchar *text, GError **error);
gpointer
hermes_platform_win32_token_info(TOKEN_INFORMATION_CLASS klass);

G_END_DECLS
