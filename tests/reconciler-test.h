/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * Shared by the boot reconciler's tests (test-reconciler.c: the rules per
 * profile; test-reconciler-boot.c: the container command, the boot log and
 * the CLI; test-reconciler-live.c: restarts and multiplexing under a real
 * s6-svscan): the fixture, its s6 tree and its fake root.
 */

#include "hermes-reconciler.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_MS	     20000
#define FAKE_BOOT_ID "6c0ffee0-0000-4000-8000-00000000b007"
#define TS_RE	     "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}"
#define VALUE_RE     "(\"([^\"\\\\]|\\\\.)*\"|[^ \"\\\\]+)"

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;	/* HERMES_HOME: the profile root */
	gchar *sysroot; /* the context's "/" */
	GPid svscan;
	GPid helper;  /* a live process that looks like a gateway */
	GPid sleeper; /* a live process that does not */
	HermesContext *ctx;
	HermesServiceManager *manager;
} Fixture;

void
start_svscan(Fixture *f);
gboolean
stop_svscan(Fixture *f);
void
wipe_scandir(Fixture *f);
void
write_bytes(const gchar *path, const gchar *data, gsize len);
void
set_cmdline(Fixture *f, const gchar *pid, const gchar *const *argv);
gchar *
home_of(Fixture *f, const gchar *profile);
void
make_profile(Fixture *f, const gchar *profile, const gchar *state);
void
write_in_home(Fixture *f, const gchar *profile, const gchar *name, const gchar *contents);
gboolean
exists_in_home(Fixture *f, const gchar *profile, const gchar *name);
gchar *
slot_file(Fixture *f, const gchar *profile, const gchar *name);
gboolean
slot_exists(Fixture *f, const gchar *profile);
gboolean
slot_is_down(Fixture *f, const gchar *profile);
HermesReconciler *
reconcile(Fixture *f, gboolean dry_run);
HermesReconcileAction *
action_at(HermesReconciler *r, guint i);
HermesReconcileAction *
action_of(HermesReconciler *r, const gchar *profile);
void
check_action(HermesReconcileAction *a,
	     const gchar *profile,
	     const gchar *prior,
	     HermesReconcileKind kind);
gchar *
read_file(const gchar *path);
gchar *
boot_log(Fixture *f);
gint64
dead_pid(void);
gchar *
pid_record(gint64 pid, gint64 start_time, const gchar *boot_id);
void
check_log_lines(const gchar *log, guint expected_lines);
gint
run_cli(Fixture *f, gchar **out, const gchar *const *args);

gint
fixture_setup(void **state);
gint
fixture_teardown(void **state);
gint
group_setup(void **state);

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
