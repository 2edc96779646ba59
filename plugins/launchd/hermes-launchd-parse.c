/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Tolerant readers of launchctl's text. Apple documents neither format
 * and `print` says so itself, so: only the top level of the job's block is
 * read, fields are found by name wherever they are, a field that is
 * missing or unreadable stays unknown, and any text at all is parsed
 * without crashing (the tests feed every prefix of every fixture).
 *
 * `launchctl print <domain>/<label>`:
 *     gui/501/ai.hermes.gateway = {
 *     	state = spawn scheduled
 *     	pid = 4242
 *     	runs = 37
 *     	last exit code = 78: EX_CONFIG
 *     	environment = {
 *     		pid => not this one
 *     	}
 *     }
 * `launchctl list <label>` (an old-style dict; LastExitStatus is a raw
 * wait status: 15 is SIGTERM, 3840 is exit(15)):
 *     {
 *     	"LastExitStatus" = 19968;
 *     	"PID" = 4242;
 *     };
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "hermes-launchd-parse.h"

/**
 * hermes_launchd_job_info_init:
 * @info: a #HermesLaunchdJobInfo
 *
 * Everything unknown.
 */
void
hermes_launchd_job_info_init(HermesLaunchdJobInfo *info)
{
	memset(info, 0, sizeof(*info));
	info->runs = -1;
	info->last_exit_code = -1;
}

/**
 * hermes_launchd_job_info_clear:
 * @info: a #HermesLaunchdJobInfo
 *
 * Frees what @info owns and makes it unknown again.
 */
void
hermes_launchd_job_info_clear(HermesLaunchdJobInfo *info)
{
	g_free(info->state);
	g_free(info->last_exit);
	hermes_launchd_job_info_init(info);
}

/* a leading (optionally signed) decimal number, e.g. `78` of `78: EX_CONFIG` */
static gboolean
hermes_launchd_parse_leading_int(const gchar *text, gint64 min, gint64 max, gint64 *value)
{
	gchar *end = NULL;
	gint64 v;
	while (g_ascii_isspace(*text))
		text++;
	if (!g_ascii_isdigit(text[0]) && !(text[0] == '-' && g_ascii_isdigit(text[1])))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoll(text, &end, 10);
	if (errno != 0 || v < min || v > max)
		return FALSE;
	/* a number, then nothing or a separator: `12abc` is not 12 */
	if (*end != '\0' && *end != ':' && *end != ';' && !g_ascii_isspace(*end))
		return FALSE;
	*value = v;
	return TRUE;
}

/* the last number of `Terminated: 15`, or the whole of `15` */
static gboolean
hermes_launchd_parse_trailing_int(const gchar *text, gint64 *value)
{
	const gchar *colon = strrchr(text, ':');
	return hermes_launchd_parse_leading_int(colon != NULL ? colon + 1 : text, 1, 127, value);
}

static void
hermes_launchd_parse_last_exit_code(const gchar *value, HermesLaunchdJobInfo *info)
{
	gint64 code = 0;
	g_free(info->last_exit);
	info->last_exit = g_strdup(value);
	/* `(never exited)` and anything else without a number stay unknown */
	if (hermes_launchd_parse_leading_int(value, G_MININT32, G_MAXINT32, &code))
		info->last_exit_code = (gint)code;
}

/* one `key = value` line of the job's own block */
static void
hermes_launchd_parse_print_field(const gchar *key, const gchar *value, HermesLaunchdJobInfo *info)
{
	gint64 n = 0;
	if (g_strcmp0(key, "state") == 0 ||
	    (g_strcmp0(key, "job state") == 0 && info->state == NULL)) {
		g_free(info->state);
		info->state = g_strdup(value);
		info->recognised = TRUE;
	} else if (g_strcmp0(key, "pid") == 0) {
		if (hermes_launchd_parse_leading_int(value, 1, G_MAXINT32, &n))
			info->pid = n;
		info->recognised = TRUE;
	} else if (g_strcmp0(key, "runs") == 0) {
		if (hermes_launchd_parse_leading_int(value, 0, G_MAXINT32, &n))
			info->runs = (gint)n;
		info->recognised = TRUE;
	} else if (g_strcmp0(key, "last exit code") == 0) {
		hermes_launchd_parse_last_exit_code(value, info);
		info->recognised = TRUE;
	} else if (g_strcmp0(key, "last terminating signal") == 0) {
		if (hermes_launchd_parse_trailing_int(value, &n))
			info->last_signal = (gint)n;
		info->recognised = TRUE;
	}
}

/**
 * hermes_launchd_parse_print:
 * @text: the output of `launchctl print <domain>/<label>`
 * @info: (out caller-allocates): where the fields go; initialised here
 *
 * Returns: %TRUE if @text looked like a job's `print` output
 */
gboolean
hermes_launchd_parse_print(const gchar *text, HermesLaunchdJobInfo *info)
{
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	gboolean header = FALSE;
	guint depth = 0;

	hermes_launchd_job_info_init(info);
	info->source = "print";
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);
		gchar *sep;
		if (line[0] == '\0')
			continue;
		if (g_str_has_prefix(line, "}")) {
			if (depth > 0)
				depth--;
			continue;
		}
		/* `<target> = {` opens the job; `<name> = {` inside it opens a nested block */
		if (g_str_has_suffix(line, "{")) {
			if (depth == 0 && g_str_has_suffix(line, " = {"))
				header = TRUE;
			depth++;
			continue;
		}
		/* fields of nested blocks (`pid => 1` in an environment) are not the job's */
		if (depth != (header ? 1u : 0u))
			continue;
		sep = strstr(line, " = ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		hermes_launchd_parse_print_field(g_strchomp(line), g_strchug(sep + 3), info);
	}
	info->recognised = info->recognised || header;
	return info->recognised;
}

/* `"KEY" = VALUE;` -> KEY and VALUE, else FALSE */
static gboolean
hermes_launchd_parse_list_line(gchar *line, gchar **key, gchar **value)
{
	gchar *close;
	gchar *sep;
	if (line[0] != '"')
		return FALSE;
	close = strchr(line + 1, '"');
	if (close == NULL)
		return FALSE;
	*close = '\0';
	sep = g_strstr_len(close + 1, -1, "=");
	if (sep == NULL)
		return FALSE;
	*key = line + 1;
	*value = g_strstrip(sep + 1);
	if (g_str_has_suffix(*value, ";"))
		(*value)[strlen(*value) - 1] = '\0';
	g_strchomp(*value);
	return TRUE;
}

/**
 * hermes_launchd_parse_list:
 * @text: the output of `launchctl list <label>`
 * @info: (out caller-allocates): where the fields go; initialised here
 *
 * Only `"PID"` proves a running process; `"LastExitStatus"` is decoded
 * as the wait status it is.
 *
 * Returns: %TRUE if @text looked like `list <label>` output
 */
gboolean
hermes_launchd_parse_list(const gchar *text, HermesLaunchdJobInfo *info)
{
	g_auto(GStrv) lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	guint depth = 0;

	hermes_launchd_job_info_init(info);
	info->source = "list";
	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = g_strstrip(lines[i]);
		gchar *key = NULL;
		gchar *value = NULL;
		gint64 n = 0;
		gboolean opens = g_str_has_suffix(line, "{") || g_str_has_suffix(line, "(");

		if (g_str_has_prefix(line, "}") || g_str_has_prefix(line, ")")) {
			if (depth > 0)
				depth--;
			continue;
		}
		if (depth == 1 && !opens && hermes_launchd_parse_list_line(line, &key, &value)) {
			if (g_strcmp0(key, "PID") == 0) {
				if (hermes_launchd_parse_leading_int(value, 1, G_MAXINT32, &n))
					info->pid = n;
				info->recognised = TRUE;
			} else if (g_strcmp0(key, "LastExitStatus") == 0) {
				if (hermes_launchd_parse_leading_int(
					    value, G_MININT32, G_MAXINT32, &n))
					hermes_launchd_decode_wait_status(
						n, &info->last_exit_code, &info->last_signal);
				g_free(info->last_exit);
				info->last_exit = g_strdup(value);
				info->recognised = TRUE;
			} else if (g_strcmp0(key, "Label") == 0) {
				info->recognised = TRUE;
			}
		}
		if (opens)
			depth++;
	}
	return info->recognised;
}

/**
 * hermes_launchd_decode_wait_status:
 * @raw: `LastExitStatus` from `launchctl list`
 * @exit_code: (out): the exit code, -1 if a signal ended the process
 * @signal_num: (out): the signal, 0 if the process exited
 *
 * A raw wait(2) status: 15 is "killed by SIGTERM", 3840 (15 << 8) is
 * "exited 15". A negative number (launchctl's table shows signals that
 * way) is a signal too.
 */
void
hermes_launchd_decode_wait_status(gint64 raw, gint *exit_code, gint *signal_num)
{
	*exit_code = -1;
	*signal_num = 0;
	if (raw < 0) {
		if (raw >= -127)
			*signal_num = (gint)-raw;
		return;
	}
	if ((raw & 0x7f) == 0) {
		*exit_code = (gint)((raw >> 8) & 0xff);
		return;
	}
	/* 0x7f is "stopped", not an end */
	if ((raw & 0x7f) != 0x7f)
		*signal_num = (gint)(raw & 0x7f);
}

static void
hermes_launchd_set_raw_int(HermesGatewayStatus *status, const gchar *key, gint64 value)
{
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT, value);
	hermes_gateway_status_set_raw(status, key, text);
}

static gboolean
hermes_launchd_info_exited(const HermesLaunchdJobInfo *info)
{
	return info->last_exit_code >= 0 || info->last_signal > 0;
}

static gboolean
hermes_launchd_info_failed(const HermesLaunchdJobInfo *info)
{
	return info->last_exit_code > 0 || info->last_signal > 0;
}

/**
 * hermes_launchd_job_info_to_status:
 * @profile: the profile
 * @info: what launchctl said about its loaded job
 *
 * A pid means up. `spawn scheduled` is a relaunch waiting out the
 * ThrottleInterval (starting; with several runs and a failed last exit, a
 * crash loop, which the status says in its raw fields). A job that is not
 * running after a clean exit stays down: KeepAlive={SuccessfulExit=false}
 * parked it. What cannot be told is unknown. launchd has no readiness.
 *
 * Returns: (transfer full): the status
 */
HermesGatewayStatus *
hermes_launchd_job_info_to_status(const gchar *profile, const HermesLaunchdJobInfo *info)
{
	HermesGatewayStatus *status = hermes_gateway_status_new(profile);
	HermesGatewayState state = HERMES_GATEWAY_STATE_UNKNOWN;
	HermesGatewayWanted wanted = HERMES_GATEWAY_WANTED_UNKNOWN;

	hermes_gateway_status_set_raw(status, "launchd.source", info->source);
	if (info->state != NULL)
		hermes_gateway_status_set_raw(status, "launchd.state", info->state);
	if (info->last_exit != NULL)
		hermes_gateway_status_set_raw(status, "launchd.last_exit", info->last_exit);
	if (info->runs >= 0) {
		hermes_launchd_set_raw_int(status, "launchd.runs", info->runs);
		hermes_gateway_status_set_restarts(status, MAX(info->runs - 1, 0));
	}
	if (info->last_exit_code >= 0 || info->last_signal > 0)
		hermes_gateway_status_set_last_exit(status,
						    info->last_signal > 0 ? -1
									  : info->last_exit_code,
						    info->last_signal);
	if (!info->recognised) {
		hermes_gateway_status_set_raw(
			status, "launchd.warning", "launchctl output not understood");
		return status;
	}

	if (info->pid > 0) {
		state = HERMES_GATEWAY_STATE_UP;
		wanted = HERMES_GATEWAY_WANTED_UP;
		hermes_gateway_status_set_pid(status, info->pid);
	} else if (g_strcmp0(info->state, "running") == 0) {
		/* launchd says running but names no process yet */
		state = HERMES_GATEWAY_STATE_STARTING;
		wanted = HERMES_GATEWAY_WANTED_UP;
	} else if (g_strcmp0(info->state, "spawn scheduled") == 0) {
		state = HERMES_GATEWAY_STATE_STARTING;
		wanted = HERMES_GATEWAY_WANTED_UP;
		if (info->runs > 1 && hermes_launchd_info_failed(info)) {
			g_autofree gchar *loop = g_strdup_printf(
				"crash loop: launchd relaunched the gateway %d times, the last "
				"exit "
				"%s; launchd has no circuit breaker, see logs/gateway.error.log",
				info->runs - 1,
				info->last_exit != NULL ? info->last_exit : "unknown");
			hermes_gateway_status_set_raw(status, "launchd.crash_loop", loop);
		}
	} else if (info->state == NULL || g_strcmp0(info->state, "not running") == 0 ||
		   g_strcmp0(info->state, "waiting") == 0 ||
		   g_strcmp0(info->state, "exited") == 0) {
		state = HERMES_GATEWAY_STATE_DOWN;
		if (info->last_exit_code == 0 && info->last_signal == 0) {
			wanted = HERMES_GATEWAY_WANTED_DOWN;
			/* any other exit, core explains from the code itself */
			hermes_gateway_status_set_reason(status,
							 HERMES_GATEWAY_REASON_STOPPED,
							 "exited 0 (intentional stop)");
		} else if (hermes_launchd_info_exited(info))
			wanted = HERMES_GATEWAY_WANTED_UP;
	}
	hermes_gateway_status_set_state(status, state);
	hermes_gateway_status_set_wanted(status, wanted);
	if (state != HERMES_GATEWAY_STATE_UNKNOWN)
		hermes_gateway_status_set_ready(status,
						state == HERMES_GATEWAY_STATE_UP
							? HERMES_TRISTATE_UNKNOWN
							: HERMES_TRISTATE_NO,
						0);
	return status;
}
