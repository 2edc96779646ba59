/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* the umbrella header of libhermes-svc-1 */

#define __HERMES_SVC_H_INSIDE__

#include "hermes-backend-loader.h"
#include "hermes-context.h"
#include "hermes-dashboard-token.h"
#include "hermes-doctor-finding.h"
#include "hermes-doctor.h"
#include "hermes-dotenv.h"
#include "hermes-enum-types.h"
#include "hermes-env.h"
#include "hermes-error.h"
#include "hermes-gateway-control.h"
#include "hermes-gateway-problem.h"
#include "hermes-gateway-report.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-state.h"
#include "hermes-gateway-status.h"
#include "hermes-home-trust.h"
#include "hermes-intent.h"
#include "hermes-log-reader.h"
#include "hermes-log-source.h"
#include "hermes-multiplex.h"
#include "hermes-payload.h"
#include "hermes-planned-stop.h"
#include "hermes-plugin.h"
#include "hermes-port-table.h"
#include "hermes-port.h"
#include "hermes-profile.h"
#include "hermes-reconciler.h"
#include "hermes-render-step.h"
#include "hermes-runner.h"
#include "hermes-safe-file.h"
#include "hermes-service-manager.h"
#include "hermes-shell.h"
#include "hermes-state.h"
#include "hermes-version.h"

#undef __HERMES_SVC_H_INSIDE__
