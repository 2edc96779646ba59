/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One line of `hermes doctor`: which check, its status, what it is about
 * (a profile, a file, a backend), a one-line cause and the exact command
 * that fixes it. Core's checks and a backend's `doctor` vfunc both make
 * them; core/doctor/hermes-doctor.c collects and orders them.
 */

#include "config.h"

#include "hermes-doctor-finding.h"

struct _HermesDoctorFinding {
	gatomicrefcount refcount;
	gchar *check;
	HermesDoctorStatus status;
	gchar *subject;
	gchar *cause;
	gchar *fix;
};

G_DEFINE_BOXED_TYPE(HermesDoctorFinding,
		    hermes_doctor_finding,
		    hermes_doctor_finding_ref,
		    hermes_doctor_finding_unref)

/**
 * hermes_doctor_finding_new:
 * @check: the check's stable name, e.g. `s6-control-fifo`
 * @status: whether it passed
 * @subject: (nullable): what it is about: a profile, a path, a backend
 * @cause: one line saying what was found
 * @fix: (nullable): the exact command that fixes it (%NULL when it passed)
 *
 * Returns: (transfer full): a new finding
 */
HermesDoctorFinding *
hermes_doctor_finding_new(const gchar *check,
			  HermesDoctorStatus status,
			  const gchar *subject,
			  const gchar *cause,
			  const gchar *fix)
{
	HermesDoctorFinding *self;
	g_return_val_if_fail(check != NULL, NULL);
	g_return_val_if_fail(cause != NULL, NULL);
	self = g_new0(HermesDoctorFinding, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->check = g_strdup(check);
	self->status = status;
	self->subject = g_strdup(subject);
	self->cause = g_strdup(cause);
	self->fix = g_strdup(fix);
	return self;
}

/**
 * hermes_doctor_finding_new_ok:
 * @check: the check's name
 * @subject: (nullable): what it is about
 * @cause: what was found
 *
 * Returns: (transfer full): a passed check
 */
HermesDoctorFinding *
hermes_doctor_finding_new_ok(const gchar *check, const gchar *subject, const gchar *cause)
{
	return hermes_doctor_finding_new(check, HERMES_DOCTOR_STATUS_OK, subject, cause, NULL);
}

/**
 * hermes_doctor_finding_new_fail:
 * @check: the check's name
 * @subject: (nullable): what it is about
 * @cause: what is wrong, one line
 * @fix: the command that fixes it
 *
 * Returns: (transfer full): a failed check
 */
HermesDoctorFinding *
hermes_doctor_finding_new_fail(const gchar *check,
			       const gchar *subject,
			       const gchar *cause,
			       const gchar *fix)
{
	return hermes_doctor_finding_new(check, HERMES_DOCTOR_STATUS_FAIL, subject, cause, fix);
}

/**
 * hermes_doctor_finding_ref:
 * @self: a #HermesDoctorFinding
 *
 * Returns: (transfer full): @self
 */
HermesDoctorFinding *
hermes_doctor_finding_ref(HermesDoctorFinding *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_doctor_finding_unref:
 * @self: (nullable): a #HermesDoctorFinding
 */
void
hermes_doctor_finding_unref(HermesDoctorFinding *self)
{
	if (self == NULL || !g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->check);
	g_free(self->subject);
	g_free(self->cause);
	g_free(self->fix);
	g_free(self);
}

/**
 * hermes_doctor_finding_get_check:
 * @self: a #HermesDoctorFinding
 *
 * Returns: the check's name
 */
const gchar *
hermes_doctor_finding_get_check(const HermesDoctorFinding *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->check;
}

/**
 * hermes_doctor_finding_get_status:
 * @self: a #HermesDoctorFinding
 *
 * Returns: whether the check passed
 */
HermesDoctorStatus
hermes_doctor_finding_get_status(const HermesDoctorFinding *self)
{
	g_return_val_if_fail(self != NULL, HERMES_DOCTOR_STATUS_FAIL);
	return self->status;
}

/**
 * hermes_doctor_finding_get_subject:
 * @self: a #HermesDoctorFinding
 *
 * Returns: (nullable): what the finding is about
 */
const gchar *
hermes_doctor_finding_get_subject(const HermesDoctorFinding *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->subject;
}

/**
 * hermes_doctor_finding_get_cause:
 * @self: a #HermesDoctorFinding
 *
 * Returns: the one-line cause
 */
const gchar *
hermes_doctor_finding_get_cause(const HermesDoctorFinding *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->cause;
}

/**
 * hermes_doctor_finding_get_fix:
 * @self: a #HermesDoctorFinding
 *
 * Returns: (nullable): the command that fixes it
 */
const gchar *
hermes_doctor_finding_get_fix(const HermesDoctorFinding *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->fix;
}

/**
 * hermes_doctor_status_to_string:
 * @status: a #HermesDoctorStatus
 *
 * Returns: `ok` or `fail`
 */
const gchar *
hermes_doctor_status_to_string(HermesDoctorStatus status)
{
	return status == HERMES_DOCTOR_STATUS_OK ? "ok" : "fail";
}

static void
hermes_doctor_finding_add_member(JsonBuilder *builder, const gchar *name, const gchar *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL)
		json_builder_add_string_value(builder, value);
	else
		json_builder_add_null_value(builder);
}

/**
 * hermes_doctor_finding_to_json:
 * @self: a #HermesDoctorFinding
 *
 * Returns: (transfer full): `{check, status, subject, cause, fix}`
 */
JsonNode *
hermes_doctor_finding_to_json(const HermesDoctorFinding *self)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_return_val_if_fail(self != NULL, NULL);
	json_builder_begin_object(builder);
	hermes_doctor_finding_add_member(builder, "check", self->check);
	hermes_doctor_finding_add_member(
		builder, "status", hermes_doctor_status_to_string(self->status));
	hermes_doctor_finding_add_member(builder, "subject", self->subject);
	hermes_doctor_finding_add_member(builder, "cause", self->cause);
	hermes_doctor_finding_add_member(builder, "fix", self->fix);
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}
