/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the most a task definition may hold: schtasks prints a few KiB for ours */
#define HERMES_WINDOWS_TASK_XML_MAX_BYTES (256 * 1024)
/* ours nests 4 deep (Task/Settings/RestartOnFailure/Count); Windows' schema 5 */
#define HERMES_WINDOWS_TASK_XML_MAX_DEPTH 16

/*
 * What the per-user backend reads back from `schtasks /Query /TN <task> /XML`
 * (a Task Scheduler 1.x definition, UTF-16 or UTF-8) to see whether the
 * registered task still is the one it would write. Durations are seconds,
 * -1 when absent; integers -1 when absent; strings %NULL when absent.
 */
typedef struct {
	gchar *version; /* the Task element's version attribute, "1.4" for ours */
	gchar *description;
	gboolean logon_trigger;	    /* a LogonTrigger is there */
	gboolean logon_enabled;	    /* and not <Enabled>false</Enabled> */
	gint64 logon_delay_s;	    /* its Delay */
	gchar *logon_user;	    /* its UserId */
	gchar *principal_user;	    /* Principal/UserId */
	gchar *logon_type;	    /* Principal/LogonType: InteractiveToken for ours */
	gchar *run_level;	    /* Principal/RunLevel: LeastPrivilege for ours */
	gchar *multiple_instances;  /* Settings/MultipleInstancesPolicy */
	gint disallow_on_batteries; /* -1 absent, else 0/1 */
	gint start_when_available;  /* -1 absent, else 0/1 */
	gint64 execution_limit_s;   /* Settings/ExecutionTimeLimit: 0 for ours (PT0S) */
	gint priority;		    /* Settings/Priority, 0-10 */
	gint64 restart_interval_s;  /* Settings/RestartOnFailure/Interval */
	gint restart_count;	    /* Settings/RestartOnFailure/Count */
	guint exec_count;	    /* how many Exec actions: ours has one */
	gchar *command;		    /* the first Exec's Command */
	gchar *arguments;	    /* its Arguments */
	gchar *working_directory;   /* its WorkingDirectory */
} HermesWindowsTask;

void
hermes_windows_task_clear(HermesWindowsTask *task);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HermesWindowsTask, hermes_windows_task_clear)

gboolean
hermes_windows_task_xml_parse(const guint8 *data,
			      gsize len,
			      HermesWindowsTask *task,
			      GError **error);
gint64
hermes_windows_duration_parse(const gchar *text);

G_END_DECLS
