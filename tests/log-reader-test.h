/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * What the log reader tests share (test-log-reader.c,
 * test-log-reader-follow.c, test-log-reader-cli.c): a fixture with a home
 * and demo's log directory, writing stamped lines and files into it,
 * opening a reader on it, and collecting the lines a follower delivers.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-log-stamp.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *root;
	gchar *dir; /* root/logs/gateways/demo */
	GPtrArray *seen;
	GMainLoop *loop;
	guint want;
} Fixture;

int
fixture_setup(void **state);
int
fixture_teardown(void **state);
gchar *
stamp_line(gint64 unix_s, const gchar *text);
void
append_lines(const gchar *path, gint64 t0, const gchar *prefix, guint from, guint to);
gchar *
dir_file(Fixture *f, const gchar *name);
HermesLogReader *
open_reader(Fixture *f);
void
line_cb(HermesLogReader *reader, HermesLogLine *line, gpointer data);
void
failed_cb(HermesLogReader *reader, GError *error, gpointer data);
gboolean
timeout_cb(gpointer data);
void
wait_lines(Fixture *f, guint want);
