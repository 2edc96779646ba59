/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A Task Scheduler definition read back from `schtasks /Query /XML`: the
 * per-user backend compares it with the one it would write (upstream's
 * drift check, reference §2.7) and repairs what differs. What schtasks
 * prints is outside input (anyone who can register a task under that name
 * writes it), so it is bounded before GMarkup sees it: a size cap, a
 * nesting cap, a cap on each element's text and on the number of elements,
 * and every number range-checked. Only the fields the backend compares
 * are kept; the rest of a (larger, foreign) definition is skipped.
 */

#include "config.h"

#include <string.h>

#include "hermes-backend.h"
#include "hermes-windows-task-xml.h"

/* per element's text and in all: ours has about 30 elements of a few bytes */
#define HERMES_WINDOWS_TASK_XML_MAX_TEXT     8192
#define HERMES_WINDOWS_TASK_XML_MAX_ELEMENTS 4096

typedef struct {
	HermesWindowsTask *task;
	GPtrArray *path; /* (element-type utf8): the open elements, outermost first */
	GString *text;	 /* the innermost element's text so far */
	guint elements;
	gboolean in_first_exec;
} HermesWindowsTaskParse;

void
hermes_windows_task_clear(HermesWindowsTask *task)
{
	g_clear_pointer(&task->version, g_free);
	g_clear_pointer(&task->description, g_free);
	g_clear_pointer(&task->logon_user, g_free);
	g_clear_pointer(&task->principal_user, g_free);
	g_clear_pointer(&task->logon_type, g_free);
	g_clear_pointer(&task->run_level, g_free);
	g_clear_pointer(&task->multiple_instances, g_free);
	g_clear_pointer(&task->command, g_free);
	g_clear_pointer(&task->arguments, g_free);
	g_clear_pointer(&task->working_directory, g_free);
}

static void
hermes_windows_task_init(HermesWindowsTask *task)
{
	memset(task, 0, sizeof(*task));
	task->logon_delay_s = -1;
	task->disallow_on_batteries = -1;
	task->start_when_available = -1;
	task->execution_limit_s = -1;
	task->priority = -1;
	task->restart_interval_s = -1;
	task->restart_count = -1;
}

/* one field of an ISO 8601 duration: digits then its unit; FALSE when malformed */
static gboolean
hermes_windows_duration_field(const gchar **p, gint64 unit_s, gint64 *total)
{
	gint64 n = 0;
	if (!g_ascii_isdigit(**p))
		return FALSE;
	while (g_ascii_isdigit(**p)) {
		if (n > (G_MAXINT64 / 10 - 9))
			return FALSE;
		n = n * 10 + (**p - '0');
		(*p)++;
	}
	(*p)++; /* the unit letter the caller matched */
	if (n > (G_MAXINT64 - *total) / unit_s)
		return FALSE;
	*total += n * unit_s;
	return TRUE;
}

/**
 * hermes_windows_duration_parse:
 * @text: an xs:duration as Task Scheduler writes it (`PT30S`, `PT1M`, `P3D`, `PT0S`)
 *
 * Days, hours, minutes and whole seconds, each at most once and in that
 * order; years, months and fractions are refused (a calendar month has no
 * fixed length, and no task of ours uses them).
 *
 * Returns: the duration in seconds, or -1 when @text is not one
 */
gint64
hermes_windows_duration_parse(const gchar *text)
{
	static const struct {
		gchar unit;
		gboolean after_t;
		gint64 seconds;
	} units[] = {{'D', FALSE, 86400}, {'H', TRUE, 3600}, {'M', TRUE, 60}, {'S', TRUE, 1}};
	const gchar *p = text;
	gint64 total = 0;
	gboolean after_t = FALSE;
	gboolean any = FALSE;
	guint next = 0;

	if (text == NULL || *p++ != 'P')
		return -1;
	while (*p != '\0') {
		const gchar *unit_at = p;
		guint i;
		if (*p == 'T' && !after_t) {
			after_t = TRUE;
			p++;
			if (*p == '\0')
				return -1;
			continue;
		}
		while (g_ascii_isdigit(*unit_at))
			unit_at++;
		for (i = next; i < G_N_ELEMENTS(units); i++) {
			if (units[i].unit == *unit_at && units[i].after_t == after_t)
				break;
		}
		if (i == G_N_ELEMENTS(units) ||
		    !hermes_windows_duration_field(&p, units[i].seconds, &total))
			return -1;
		next = i + 1;
		any = TRUE;
	}
	return any ? total : -1;
}

static gboolean
hermes_windows_task_int(const gchar *what, const gchar *text, gint max, gint *out, GError **error)
{
	guint64 value = 0;
	if (!g_ascii_string_to_unsigned(text, 10, 0, (guint64)max, &value, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: %s is not a number from 0 to %d",
			    what,
			    max);
		return FALSE;
	}
	*out = (gint)value;
	return TRUE;
}

static gboolean
hermes_windows_task_bool(const gchar *what, const gchar *text, gint *out, GError **error)
{
	if (g_strcmp0(text, "true") == 0 || g_strcmp0(text, "1") == 0) {
		*out = 1;
		return TRUE;
	}
	if (g_strcmp0(text, "false") == 0 || g_strcmp0(text, "0") == 0) {
		*out = 0;
		return TRUE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_DATA,
		    "task definition: %s is neither true nor false",
		    what);
	return FALSE;
}

static gboolean
hermes_windows_task_duration(const gchar *what, const gchar *text, gint64 *out, GError **error)
{
	*out = hermes_windows_duration_parse(text);
	if (*out >= 0)
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_DATA,
		    "task definition: %s is not a duration like PT1M",
		    what);
	return FALSE;
}

/* a string field: the first one wins, as Task Scheduler allows one */
static void
hermes_windows_task_string(gchar **field, const gchar *text)
{
	if (*field == NULL)
		*field = g_strdup(text);
}

/* @path below Task/, the element that just closed, and its stripped text */
static gboolean
hermes_windows_task_field(HermesWindowsTaskParse *ps,
			  const gchar *path,
			  const gchar *text,
			  GError **error)
{
	HermesWindowsTask *t = ps->task;
	gint flag = -1;

	if (g_strcmp0(path, "RegistrationInfo/Description") == 0)
		hermes_windows_task_string(&t->description, text);
	else if (g_strcmp0(path, "Triggers/LogonTrigger/Enabled") == 0) {
		if (!hermes_windows_task_bool("LogonTrigger/Enabled", text, &flag, error))
			return FALSE;
		t->logon_enabled = flag == 1;
	} else if (g_strcmp0(path, "Triggers/LogonTrigger/Delay") == 0)
		return hermes_windows_task_duration(
			"LogonTrigger/Delay", text, &t->logon_delay_s, error);
	else if (g_strcmp0(path, "Triggers/LogonTrigger/UserId") == 0)
		hermes_windows_task_string(&t->logon_user, text);
	else if (g_strcmp0(path, "Principals/Principal/UserId") == 0)
		hermes_windows_task_string(&t->principal_user, text);
	else if (g_strcmp0(path, "Principals/Principal/LogonType") == 0)
		hermes_windows_task_string(&t->logon_type, text);
	else if (g_strcmp0(path, "Principals/Principal/RunLevel") == 0)
		hermes_windows_task_string(&t->run_level, text);
	else if (g_strcmp0(path, "Settings/MultipleInstancesPolicy") == 0)
		hermes_windows_task_string(&t->multiple_instances, text);
	else if (g_strcmp0(path, "Settings/DisallowStartIfOnBatteries") == 0)
		return hermes_windows_task_bool(path, text, &t->disallow_on_batteries, error);
	else if (g_strcmp0(path, "Settings/StartWhenAvailable") == 0)
		return hermes_windows_task_bool(path, text, &t->start_when_available, error);
	else if (g_strcmp0(path, "Settings/ExecutionTimeLimit") == 0)
		return hermes_windows_task_duration(path, text, &t->execution_limit_s, error);
	else if (g_strcmp0(path, "Settings/Priority") == 0)
		return hermes_windows_task_int(path, text, 10, &t->priority, error);
	else if (g_strcmp0(path, "Settings/RestartOnFailure/Interval") == 0)
		return hermes_windows_task_duration(path, text, &t->restart_interval_s, error);
	else if (g_strcmp0(path, "Settings/RestartOnFailure/Count") == 0)
		return hermes_windows_task_int(path, text, 999, &t->restart_count, error);
	else if (ps->in_first_exec && g_strcmp0(path, "Actions/Exec/Command") == 0)
		hermes_windows_task_string(&t->command, text);
	else if (ps->in_first_exec && g_strcmp0(path, "Actions/Exec/Arguments") == 0)
		hermes_windows_task_string(&t->arguments, text);
	else if (ps->in_first_exec && g_strcmp0(path, "Actions/Exec/WorkingDirectory") == 0)
		hermes_windows_task_string(&t->working_directory, text);
	return TRUE;
}

/* the open elements below Task/, joined by '/' */
static gchar *
hermes_windows_task_path(HermesWindowsTaskParse *ps)
{
	g_autoptr(GString) out = g_string_new(NULL);
	for (guint i = 1; i < ps->path->len; i++) {
		if (out->len > 0)
			g_string_append_c(out, '/');
		g_string_append(out, g_ptr_array_index(ps->path, i));
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
hermes_windows_task_start_cb(GMarkupParseContext *context,
			     const gchar *name,
			     const gchar **attr_names,
			     const gchar **attr_values,
			     gpointer user_data,
			     GError **error)
{
	HermesWindowsTaskParse *ps = user_data;
	const gchar *parent =
		ps->path->len > 0 ? g_ptr_array_index(ps->path, ps->path->len - 1) : NULL;

	if (++ps->elements > HERMES_WINDOWS_TASK_XML_MAX_ELEMENTS ||
	    ps->path->len >= HERMES_WINDOWS_TASK_XML_MAX_DEPTH) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: more than %u elements or nested deeper than %u",
			    HERMES_WINDOWS_TASK_XML_MAX_ELEMENTS,
			    HERMES_WINDOWS_TASK_XML_MAX_DEPTH);
		return;
	}
	if (ps->path->len == 0) {
		if (g_strcmp0(name, "Task") != 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "not a task definition: the document is <%s>, not <Task>",
				    name);
			return;
		}
		for (guint i = 0; attr_names[i] != NULL; i++) {
			if (g_strcmp0(attr_names[i], "version") == 0)
				hermes_windows_task_string(&ps->task->version, attr_values[i]);
		}
	}
	if (ps->path->len == 2 && g_strcmp0(parent, "Actions") == 0 && g_strcmp0(name, "Exec") == 0)
		ps->in_first_exec = ps->task->exec_count++ == 0;
	if (ps->path->len == 2 && g_strcmp0(parent, "Triggers") == 0 &&
	    g_strcmp0(name, "LogonTrigger") == 0) {
		/* Enabled defaults to true in the schema */
		ps->task->logon_trigger = TRUE;
		ps->task->logon_enabled = TRUE;
	}
	g_ptr_array_add(ps->path, g_strdup(name));
	g_string_truncate(ps->text, 0);
}

static void
hermes_windows_task_end_cb(GMarkupParseContext *context,
			   const gchar *name,
			   gpointer user_data,
			   GError **error)
{
	HermesWindowsTaskParse *ps = user_data;
	g_autofree gchar *path = hermes_windows_task_path(ps);
	g_autofree gchar *text = g_strstrip(g_strdup(ps->text->str));

	hermes_windows_task_field(ps, path, text, error);
	if (ps->path->len == 3 && g_strcmp0(name, "Exec") == 0)
		ps->in_first_exec = FALSE;
	g_ptr_array_remove_index(ps->path, ps->path->len - 1);
	g_string_truncate(ps->text, 0);
}

static void
hermes_windows_task_text_cb(GMarkupParseContext *context,
			    const gchar *text,
			    gsize len,
			    gpointer user_data,
			    GError **error)
{
	HermesWindowsTaskParse *ps = user_data;
	if (ps->text->len + len > HERMES_WINDOWS_TASK_XML_MAX_TEXT) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: an element holds more than %u bytes of text",
			    HERMES_WINDOWS_TASK_XML_MAX_TEXT);
		return;
	}
	g_string_append_len(ps->text, text, (gssize)len);
}

/* UTF-16 units of @len bytes, @big_endian or not, as UTF-8 */
static gchar *
hermes_windows_task_from_utf16(const guint8 *data, gsize len, gboolean big_endian, GError **error)
{
	g_autofree gunichar2 *units = NULL;
	gsize n = len / 2;
	g_autoptr(GError) error_local = NULL;
	gchar *utf8;

	if (len % 2 != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: UTF-16 text of an odd number of bytes");
		return NULL;
	}
	units = g_new(gunichar2, n + 1);
	for (gsize i = 0; i < n; i++)
		units[i] = big_endian ? (gunichar2)((data[2 * i] << 8) | data[2 * i + 1])
				      : (gunichar2)((data[2 * i + 1] << 8) | data[2 * i]);
	utf8 = g_utf16_to_utf8(units, (glong)n, NULL, NULL, &error_local);
	if (utf8 == NULL)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: not valid UTF-16: %s",
			    error_local->message);
	return utf8;
}

/* what schtasks printed, as UTF-8: UTF-16 (either order, with or without a BOM) or UTF-8 */
static gchar *
hermes_windows_task_decode(const guint8 *data, gsize len, GError **error)
{
	if (len > HERMES_WINDOWS_TASK_XML_MAX_BYTES) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: larger than %u bytes",
			    HERMES_WINDOWS_TASK_XML_MAX_BYTES);
		return NULL;
	}
	if (len >= 2 && data[0] == 0xFF && data[1] == 0xFE)
		return hermes_windows_task_from_utf16(data + 2, len - 2, FALSE, error);
	if (len >= 2 && data[0] == 0xFE && data[1] == 0xFF)
		return hermes_windows_task_from_utf16(data + 2, len - 2, TRUE, error);
	if (len >= 2 && data[0] == '<' && data[1] == 0)
		return hermes_windows_task_from_utf16(data, len, FALSE, error);
	if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
		data += 3;
		len -= 3;
	}
	if (memchr(data, '\0', len) != NULL ||
	    !g_utf8_validate_len((const gchar *)data, len, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "task definition: neither UTF-16 nor valid UTF-8");
		return NULL;
	}
	return g_strndup((const gchar *)data, len);
}

/**
 * hermes_windows_task_xml_parse:
 * @data: what `schtasks /Query /TN <task> /XML` printed
 * @len: its length in bytes
 * @task: (out caller-allocates): the fields the backend compares; cleared first
 * @error: %HERMES_ERROR_INVALID_DATA for anything that is not a bounded,
 *   well-formed task definition
 *
 * Returns: %TRUE when @data is a task definition; @task then holds what it says
 */
gboolean
hermes_windows_task_xml_parse(const guint8 *data,
			      gsize len,
			      HermesWindowsTask *task,
			      GError **error)
{
	static const GMarkupParser parser = {hermes_windows_task_start_cb,
					     hermes_windows_task_end_cb,
					     hermes_windows_task_text_cb,
					     NULL,
					     NULL};
	g_autofree gchar *text = NULL;
	g_autoptr(GPtrArray) path = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) buffer = g_string_new(NULL);
	HermesWindowsTaskParse ps = {task, path, buffer, 0, FALSE};
	GMarkupParseContext *context;
	gboolean ok;

	g_return_val_if_fail(task != NULL, FALSE);
	hermes_windows_task_init(task);
	text = hermes_windows_task_decode(data, len, error);
	if (text == NULL)
		return FALSE;
	context = g_markup_parse_context_new(&parser, G_MARKUP_PREFIX_ERROR_POSITION, &ps, NULL);
	ok = g_markup_parse_context_parse(context, text, -1, error) &&
	     g_markup_parse_context_end_parse(context, error);
	g_markup_parse_context_free(context);
	if (ok && task->version == NULL && ps.elements == 0) {
		g_set_error(
			error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "task definition: empty");
		ok = FALSE;
	}
	if (!ok) {
		/* GMarkup's own errors are in its domain: one domain for the caller */
		if (error != NULL && *error != NULL && (*error)->domain != HERMES_ERROR) {
			g_autofree gchar *message = g_strdup((*error)->message);
			g_clear_error(error);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "task definition: %s",
				    message);
		}
		hermes_windows_task_clear(task);
		hermes_windows_task_init(task);
	}
	return ok;
}
