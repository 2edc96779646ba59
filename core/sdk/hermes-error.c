/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hermes-error.h"

/* the D-Bus suffix is also the stable human name of the code */
static const GDBusErrorEntry hermes_error_entries[] = {
	{HERMES_ERROR_FAILED, "ai.hermes.ServiceManager1.Error.Failed"},
	{HERMES_ERROR_NOT_FOUND, "ai.hermes.ServiceManager1.Error.NotFound"},
	{HERMES_ERROR_NOT_REGISTERED, "ai.hermes.ServiceManager1.Error.NotRegistered"},
	{HERMES_ERROR_ALREADY_EXISTS, "ai.hermes.ServiceManager1.Error.AlreadyExists"},
	{HERMES_ERROR_INVALID_ARGUMENT, "ai.hermes.ServiceManager1.Error.InvalidArgument"},
	{HERMES_ERROR_PERMISSION_DENIED, "ai.hermes.ServiceManager1.Error.PermissionDenied"},
	{HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
	 "ai.hermes.ServiceManager1.Error.SupervisorUnavailable"},
	{HERMES_ERROR_COMMAND_FAILED, "ai.hermes.ServiceManager1.Error.CommandFailed"},
	{HERMES_ERROR_TIMED_OUT, "ai.hermes.ServiceManager1.Error.TimedOut"},
	{HERMES_ERROR_ABI_MISMATCH, "ai.hermes.ServiceManager1.Error.AbiMismatch"},
	{HERMES_ERROR_NOT_SUPPORTED, "ai.hermes.ServiceManager1.Error.NotSupported"},
	{HERMES_ERROR_BUSY, "ai.hermes.ServiceManager1.Error.Busy"},
	{HERMES_ERROR_INVALID_DATA, "ai.hermes.ServiceManager1.Error.InvalidData"},
	{HERMES_ERROR_CANCELLED, "ai.hermes.ServiceManager1.Error.Cancelled"},
	{HERMES_ERROR_CONFIGURATION, "ai.hermes.ServiceManager1.Error.Configuration"},
};

G_STATIC_ASSERT(G_N_ELEMENTS(hermes_error_entries) == HERMES_ERROR_LAST);

/**
 * hermes_error_quark:
 *
 * Returns: the #GQuark of %HERMES_ERROR, registered with GDBus so the codes
 * cross the bus as `ai.hermes.ServiceManager1.Error.<Code>`.
 */
GQuark
hermes_error_quark(void)
{
	static gsize quark = 0;
	g_dbus_error_register_error_domain("hermes-error-quark",
					   &quark,
					   hermes_error_entries,
					   G_N_ELEMENTS(hermes_error_entries));
	return (GQuark)quark;
}

/**
 * hermes_error_to_string:
 * @code: a #HermesError
 *
 * Returns: the short CamelCase name of @code, e.g. `NotFound`
 */
const gchar *
hermes_error_to_string(HermesError code)
{
	const gchar *dbus_name;
	if ((guint)code >= HERMES_ERROR_LAST)
		return "Unknown";
	dbus_name = hermes_error_entries[code].dbus_error_name;
	return strrchr(dbus_name, '.') + 1;
}

static HermesError
hermes_error_from_io(gint code)
{
	switch (code) {
	case G_IO_ERROR_NOT_FOUND:
	case G_IO_ERROR_NOT_DIRECTORY:
	case G_IO_ERROR_IS_DIRECTORY:
		return HERMES_ERROR_NOT_FOUND;
	case G_IO_ERROR_EXISTS:
	case G_IO_ERROR_NOT_EMPTY:
		return HERMES_ERROR_ALREADY_EXISTS;
	case G_IO_ERROR_PERMISSION_DENIED:
	case G_IO_ERROR_READ_ONLY:
		return HERMES_ERROR_PERMISSION_DENIED;
	case G_IO_ERROR_TIMED_OUT:
		return HERMES_ERROR_TIMED_OUT;
	case G_IO_ERROR_CANCELLED:
		return HERMES_ERROR_CANCELLED;
	case G_IO_ERROR_NOT_SUPPORTED:
		return HERMES_ERROR_NOT_SUPPORTED;
	case G_IO_ERROR_INVALID_ARGUMENT:
	case G_IO_ERROR_INVALID_FILENAME:
	case G_IO_ERROR_FILENAME_TOO_LONG:
		return HERMES_ERROR_INVALID_ARGUMENT;
	case G_IO_ERROR_BUSY:
	case G_IO_ERROR_WOULD_BLOCK:
		return HERMES_ERROR_BUSY;
	case G_IO_ERROR_INVALID_DATA:
	case G_IO_ERROR_PARTIAL_INPUT:
		return HERMES_ERROR_INVALID_DATA;
	case G_IO_ERROR_DBUS_ERROR:
	case G_IO_ERROR_CONNECTION_REFUSED:
	case G_IO_ERROR_NOT_CONNECTED:
	case G_IO_ERROR_CLOSED:
		return HERMES_ERROR_SUPERVISOR_UNAVAILABLE;
	default:
		return HERMES_ERROR_FAILED;
	}
}

static HermesError
hermes_error_from_file(gint code)
{
	switch (code) {
	case G_FILE_ERROR_EXIST:
		return HERMES_ERROR_ALREADY_EXISTS;
	case G_FILE_ERROR_NOENT:
	case G_FILE_ERROR_NOTDIR:
	case G_FILE_ERROR_ISDIR:
		return HERMES_ERROR_NOT_FOUND;
	case G_FILE_ERROR_ACCES:
	case G_FILE_ERROR_PERM:
	case G_FILE_ERROR_ROFS:
		return HERMES_ERROR_PERMISSION_DENIED;
	case G_FILE_ERROR_INVAL:
	case G_FILE_ERROR_NAMETOOLONG:
		return HERMES_ERROR_INVALID_ARGUMENT;
	case G_FILE_ERROR_AGAIN:
	case G_FILE_ERROR_INTR:
		return HERMES_ERROR_BUSY;
	default:
		return HERMES_ERROR_FAILED;
	}
}

static HermesError
hermes_error_from_spawn(gint code)
{
	switch (code) {
	case G_SPAWN_ERROR_NOENT:
	case G_SPAWN_ERROR_NOEXEC:
		return HERMES_ERROR_SUPERVISOR_UNAVAILABLE;
	case G_SPAWN_ERROR_ACCES:
	case G_SPAWN_ERROR_PERM:
		return HERMES_ERROR_PERMISSION_DENIED;
	default:
		return HERMES_ERROR_COMMAND_FAILED;
	}
}

static HermesError
hermes_error_from_dbus(gint code)
{
	switch (code) {
	case G_DBUS_ERROR_SERVICE_UNKNOWN:
	case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
	case G_DBUS_ERROR_NO_SERVER:
	case G_DBUS_ERROR_DISCONNECTED:
	case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
		return HERMES_ERROR_SUPERVISOR_UNAVAILABLE;
	case G_DBUS_ERROR_ACCESS_DENIED:
	case G_DBUS_ERROR_AUTH_FAILED:
		return HERMES_ERROR_PERMISSION_DENIED;
	case G_DBUS_ERROR_TIMEOUT:
	case G_DBUS_ERROR_TIMED_OUT:
	case G_DBUS_ERROR_NO_REPLY:
		return HERMES_ERROR_TIMED_OUT;
	case G_DBUS_ERROR_INVALID_ARGS:
		return HERMES_ERROR_INVALID_ARGUMENT;
	case G_DBUS_ERROR_FILE_NOT_FOUND:
	case G_DBUS_ERROR_UNKNOWN_OBJECT:
		return HERMES_ERROR_NOT_FOUND;
	case G_DBUS_ERROR_NOT_SUPPORTED:
	case G_DBUS_ERROR_UNKNOWN_METHOD:
		return HERMES_ERROR_NOT_SUPPORTED;
	default:
		return HERMES_ERROR_COMMAND_FAILED;
	}
}

/**
 * hermes_error_convert:
 * @error: (inout) (optional) (nullable): a #GError, or %NULL
 *
 * Rewrites a GIO, file, spawn, D-Bus, JSON, key-file or option error into
 * the %HERMES_ERROR domain, keeping the message. %HERMES_ERROR errors and
 * %NULL are left as they are.
 */
void
hermes_error_convert(GError **error)
{
	GError *e;
	if (error == NULL || *error == NULL)
		return;
	e = *error;
	if (e->domain == HERMES_ERROR)
		return;
	if (e->domain == G_IO_ERROR)
		e->code = hermes_error_from_io(e->code);
	else if (e->domain == G_FILE_ERROR)
		e->code = hermes_error_from_file(e->code);
	else if (e->domain == G_SPAWN_ERROR)
		e->code = hermes_error_from_spawn(e->code);
	else if (e->domain == G_SPAWN_EXIT_ERROR)
		e->code = HERMES_ERROR_COMMAND_FAILED;
	else if (e->domain == G_DBUS_ERROR)
		e->code = hermes_error_from_dbus(e->code);
	else if (e->domain == JSON_PARSER_ERROR || e->domain == G_KEY_FILE_ERROR ||
		 e->domain == G_CONVERT_ERROR || e->domain == G_MARKUP_ERROR)
		e->code = HERMES_ERROR_INVALID_DATA;
	else if (e->domain == G_OPTION_ERROR)
		e->code = HERMES_ERROR_INVALID_ARGUMENT;
	else {
		g_debug("unmapped error domain %s, code %d: %s",
			g_quark_to_string(e->domain),
			e->code,
			e->message);
		e->code = HERMES_ERROR_FAILED;
	}
	e->domain = HERMES_ERROR;
}

static HermesError
hermes_error_code_from_errno(gint errsv)
{
	switch (errsv) {
	case ENOENT:
	case ENOTDIR:
	case ESRCH:
		return HERMES_ERROR_NOT_FOUND;
	case EEXIST:
	case ENOTEMPTY:
		return HERMES_ERROR_ALREADY_EXISTS;
	case EACCES:
	case EPERM:
	case EROFS:
		return HERMES_ERROR_PERMISSION_DENIED;
	case EINVAL:
	case ENAMETOOLONG:
		return HERMES_ERROR_INVALID_ARGUMENT;
	case ETIMEDOUT:
		return HERMES_ERROR_TIMED_OUT;
	case EBUSY:
	case EAGAIN:
		return HERMES_ERROR_BUSY;
	case ENOTSUP:
		return HERMES_ERROR_NOT_SUPPORTED;
	case ECANCELED:
		return HERMES_ERROR_CANCELLED;
	default:
		return HERMES_ERROR_FAILED;
	}
}

/**
 * hermes_error_set_errno: (skip)
 * @error: return location for a #GError
 * @errsv: the saved `errno`
 * @format: printf-style context, e.g. the file name
 * @...: arguments for @format
 *
 * Sets @error to "<context>: <strerror(errsv)>" in the %HERMES_ERROR domain.
 */
void
hermes_error_set_errno(GError **error, gint errsv, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *context = NULL;
	va_start(args, format);
	context = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error,
		    HERMES_ERROR,
		    hermes_error_code_from_errno(errsv),
		    "%s: %s",
		    context,
		    g_strerror(errsv));
}
