/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* shared by test-doctor.c (core's checks, the CLI) and test-doctor-backends.c */

#include "hermes-svc.h"

/* one directory holding the fake backend for the whole binary: a process loads
 * a backend from one file only, so every test finds it in the same place */
extern gchar *doctor_test_fake_dir;

typedef struct {
	gchar *tmp;
	gchar *home;
	gchar *plugins;
	gchar *bus;
	gint bus_fd; /* a listener on bus: what doctor connects to */
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *findings;
	GPid svscan;
	gchar *scandir;
	gboolean dropped; /* euid switched to nobody: restored in teardown */
	gchar **cli_tree; /* the environment of a `hermes supervisor start`: stopped in teardown */
} Fixture;

gint
doctor_test_listen(const gchar *path);
gint
doctor_test_setup(void **state);
void
doctor_test_restore_euid(Fixture *f);
gint
doctor_test_teardown(void **state);
void
doctor_test_run(Fixture *f);
gchar *
doctor_test_findings_text(GPtrArray *findings);
HermesDoctorFinding *
doctor_test_find(GPtrArray *findings, const gchar *check, const gchar *subject);
void
doctor_test_assert_line(GPtrArray *findings,
			const gchar *check,
			const gchar *subject,
			HermesDoctorStatus status,
			const gchar *cause_part,
			const gchar *fix);
void
doctor_test_create_profile(Fixture *f, const gchar *name);
gchar *
doctor_test_profile_home(Fixture *f, const gchar *name);
void
doctor_test_write_state(Fixture *f, const gchar *name, const gchar *json);
gint64
doctor_test_dead_pid(void);
void
doctor_test_backend_run(Fixture *f);
gint
doctor_test_group_setup(void **state);
gint
doctor_test_group_teardown(void **state);
