/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One progress line for long operations (`boot reconcile`, `gateway
 * start|stop|restart --all`): `[12/200] starting coder...` on stderr,
 * redrawn in place with `\r` and erased when the operation ends or before
 * any other line is printed. Only when stderr is a terminal (and TERM is not
 * `dumb`): otherwise every call does nothing, so piped or logged output is
 * what it was without it. Core reports, the CLI renders: the reconciler's
 * progress callback and the CLI's own loops call in here.
 */

#include "config.h"

#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hermes-cli.h"

/* redraw at most this often; the first and the last step are always drawn */
#define HERMES_CLI_PROGRESS_INTERVAL_US (40 * 1000)

struct _HermesCliProgress {
	gboolean enabled;
	gboolean shown; /* a line is on the terminal now */
	gint64 drawn_at;
	guint done; /* of the line shown */
	guint columns;
};

/**
 * hermes_cli_progress_new:
 * @cli: the CLI (its context's environment says what TERM is)
 *
 * Returns: (transfer full): a progress line, inert unless stderr is a terminal
 */
HermesCliProgress *
hermes_cli_progress_new(HermesCli *cli)
{
	HermesCliProgress *self = g_new0(HermesCliProgress, 1);
	const gchar *term = hermes_context_getenv(cli->ctx, "TERM");
	struct winsize ws = {0};

	self->enabled = isatty(STDERR_FILENO) && g_strcmp0(term, "dumb") != 0;
	self->columns = 80;
	if (self->enabled && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		self->columns = ws.ws_col;
	return self;
}

/**
 * hermes_cli_progress_update:
 * @self: a #HermesCliProgress
 * @done: steps finished
 * @total: all steps; 0 or 1 shows no counter
 * @format: what happens now, printf-style
 *
 * Shows `[done+1/total] what`, cut to the terminal's width so it never wraps.
 * Redraws of the same step come at most every 40 ms.
 */
void
hermes_cli_progress_update(
	HermesCliProgress *self, guint done, guint total, const gchar *format, ...)
{
	g_autofree gchar *what = NULL;
	g_autofree gchar *line = NULL;
	gint64 now;
	va_list args;

	if (self == NULL || !self->enabled)
		return;
	now = g_get_monotonic_time();
	if (self->shown && (done + 1 < total || done == self->done) &&
	    now - self->drawn_at < HERMES_CLI_PROGRESS_INTERVAL_US)
		return;
	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	/* a single step needs no counter */
	line = total > 1 ? g_strdup_printf("[%u/%u] %s", MIN(done + 1, total), total, what)
			 : g_strdup(what);
	/* one column short of the width: a full last column wraps on some terminals */
	if (g_utf8_validate(line, -1, NULL) && g_utf8_strlen(line, -1) >= (glong)self->columns)
		*g_utf8_offset_to_pointer(line, self->columns > 1 ? self->columns - 1 : 1) = '\0';
	/* what went to stdout first, so the line lands after it */
	fflush(stdout);
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	self->shown = TRUE;
	self->drawn_at = now;
	self->done = done;
}

/**
 * hermes_cli_progress_get_enabled:
 * @self: a #HermesCliProgress
 *
 * Returns: whether anything is drawn (stderr is a terminal)
 */
gboolean
hermes_cli_progress_get_enabled(HermesCliProgress *self)
{
	return self != NULL && self->enabled;
}

/**
 * hermes_cli_progress_clear:
 * @self: a #HermesCliProgress
 *
 * Erases the line, before anything else is printed and at the end.
 */
void
hermes_cli_progress_clear(HermesCliProgress *self)
{
	if (self == NULL || !self->shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	self->shown = FALSE;
}

/**
 * hermes_cli_progress_free:
 * @self: (nullable): a #HermesCliProgress
 *
 * Erases the line and frees @self.
 */
void
hermes_cli_progress_free(HermesCliProgress *self)
{
	if (self == NULL)
		return;
	hermes_cli_progress_clear(self);
	g_free(self);
}
