/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HERMES_ERROR (hermes_error_quark())

/**
 * HermesError:
 * @HERMES_ERROR_FAILED: generic failure
 * @HERMES_ERROR_NOT_FOUND: a profile, file or backend does not exist
 * @HERMES_ERROR_NOT_REGISTERED: the gateway has no slot/unit with the supervisor
 * @HERMES_ERROR_ALREADY_EXISTS: the profile or slot already exists
 * @HERMES_ERROR_INVALID_ARGUMENT: a name, value or option was refused
 * @HERMES_ERROR_PERMISSION_DENIED: the caller may not do this
 * @HERMES_ERROR_SUPERVISOR_UNAVAILABLE: no usable service manager
 * @HERMES_ERROR_COMMAND_FAILED: the supervisor refused or failed the request
 * @HERMES_ERROR_TIMED_OUT: the supervisor did not answer in time
 * @HERMES_ERROR_ABI_MISMATCH: a backend plugin was built for another ABI
 * @HERMES_ERROR_NOT_SUPPORTED: the backend cannot do this
 * @HERMES_ERROR_BUSY: another process holds the resource
 * @HERMES_ERROR_INVALID_DATA: a state file is corrupt or truncated
 * @HERMES_ERROR_CANCELLED: the operation was cancelled
 * @HERMES_ERROR_CONFIGURATION: the home's configuration rules the request out
 *   (a named profile that hermes-agent's multiplexer serves); retrying cannot
 *   help until the configuration changes
 *
 * The one error domain of hermes-svc. Backends return only these codes
 * across the #HermesServiceManager interface; every boundary converts
 * foreign errors with hermes_error_convert().
 */
typedef enum {
	HERMES_ERROR_FAILED,
	HERMES_ERROR_NOT_FOUND,
	HERMES_ERROR_NOT_REGISTERED,
	HERMES_ERROR_ALREADY_EXISTS,
	HERMES_ERROR_INVALID_ARGUMENT,
	HERMES_ERROR_PERMISSION_DENIED,
	HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
	HERMES_ERROR_COMMAND_FAILED,
	HERMES_ERROR_TIMED_OUT,
	HERMES_ERROR_ABI_MISMATCH,
	HERMES_ERROR_NOT_SUPPORTED,
	HERMES_ERROR_BUSY,
	HERMES_ERROR_INVALID_DATA,
	HERMES_ERROR_CANCELLED,
	HERMES_ERROR_CONFIGURATION,
	/*< private >*/
	HERMES_ERROR_LAST
} HermesError;

GQuark
hermes_error_quark(void);
const gchar *
hermes_error_to_string(HermesError code);
void
hermes_error_convert(GError **error);
void
hermes_error_set_errno(GError **error, gint errsv, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

G_END_DECLS
