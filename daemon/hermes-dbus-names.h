/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* the D-Bus names of hermes-svcd (data/ai.hermes.ServiceManager1.xml), shared
 * by the daemon and its clients in this tree (the CLI) */

/* the well-known name and the root object of hermes-svcd */
#define HERMES_STATUS_SERVICE_BUS_NAME		"ai.hermes.ServiceManager1"
#define HERMES_STATUS_SERVICE_OBJECT_PATH	"/ai/hermes/ServiceManager1"
#define HERMES_STATUS_SERVICE_INTERFACE		"ai.hermes.ServiceManager1"
#define HERMES_STATUS_SERVICE_GATEWAY_INTERFACE "ai.hermes.ServiceManager1.Gateway"
