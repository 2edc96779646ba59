/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-doctor.h"
#include "hermes-service-manager.h"

G_BEGIN_DECLS

/* hermes-doctor-host.c: the machine and the home, before any backend */
HermesDoctorFinding *
hermes_doctor_home_finding(const gchar *home, guint32 euid);
void
hermes_doctor_check_home(HermesContext *ctx, GPtrArray *findings);
void
hermes_doctor_check_bus(HermesContext *ctx, GPtrArray *findings);
void
hermes_doctor_check_backends(GPtrArray *plugins, GPtrArray *findings);

/* hermes-doctor-gateways.c: every profile's gateway, through the reports */
void
hermes_doctor_check_gateways(HermesServiceManager *manager,
			     GCancellable *cancellable,
			     GPtrArray *findings);
void
hermes_doctor_check_pid_records(HermesContext *ctx, GPtrArray *findings);

G_END_DECLS
