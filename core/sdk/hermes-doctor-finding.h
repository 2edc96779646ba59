/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HermesDoctorStatus:
 * @HERMES_DOCTOR_STATUS_OK: the check passed
 * @HERMES_DOCTOR_STATUS_FAIL: the check failed; the finding says why and how to fix it
 */
typedef enum {
	HERMES_DOCTOR_STATUS_OK,
	HERMES_DOCTOR_STATUS_FAIL,
} HermesDoctorStatus;

#define HERMES_TYPE_DOCTOR_FINDING (hermes_doctor_finding_get_type())
typedef struct _HermesDoctorFinding HermesDoctorFinding;

GType
hermes_doctor_finding_get_type(void);
HermesDoctorFinding *
hermes_doctor_finding_new(const gchar *check,
			  HermesDoctorStatus status,
			  const gchar *subject,
			  const gchar *cause,
			  const gchar *fix);
HermesDoctorFinding *
hermes_doctor_finding_new_ok(const gchar *check, const gchar *subject, const gchar *cause);
HermesDoctorFinding *
hermes_doctor_finding_new_fail(const gchar *check,
			       const gchar *subject,
			       const gchar *cause,
			       const gchar *fix);
HermesDoctorFinding *
hermes_doctor_finding_ref(HermesDoctorFinding *self);
void
hermes_doctor_finding_unref(HermesDoctorFinding *self);
const gchar *
hermes_doctor_finding_get_check(const HermesDoctorFinding *self);
HermesDoctorStatus
hermes_doctor_finding_get_status(const HermesDoctorFinding *self);
const gchar *
hermes_doctor_finding_get_subject(const HermesDoctorFinding *self);
const gchar *
hermes_doctor_finding_get_cause(const HermesDoctorFinding *self);
const gchar *
hermes_doctor_finding_get_fix(const HermesDoctorFinding *self);
const gchar *
hermes_doctor_status_to_string(HermesDoctorStatus status);
JsonNode *
hermes_doctor_finding_to_json(const HermesDoctorFinding *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesDoctorFinding, hermes_doctor_finding_unref)

G_END_DECLS
