/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * The hermes-svc backend SDK: the only header a backend plugin includes.
 *
 * A backend is a shared object named `libhermes-backend-<name>.so` that
 * exports exactly one symbol, hermes_backend_query(), returning a
 * #HermesBackendInfo. Write it with HERMES_BACKEND_DEFINE():
 *
 *   HERMES_BACKEND_DEFINE("demo", "1.0", hermes_demo_manager_get_type, hermes_demo_probe)
 *
 * See docs/plugin-abi.md for the whole contract. This header includes the
 * whole SDK and nothing else: the service manager interface, the context,
 * the error domain, the gateway spec and status, render steps, profiles,
 * the safe file layer, the state and JSON helpers, the planned-stop marker,
 * the pid record rule and the platform helpers.
 */

#include "hermes-context.h"
#include "hermes-dbus-connect.h"
#include "hermes-doctor-finding.h"
#include "hermes-enum-types.h"
#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-status.h"
#include "hermes-log-source.h"
#include "hermes-pid-record.h"
#include "hermes-planned-stop.h"
#include "hermes-platform.h"
#include "hermes-profile.h"
#include "hermes-registration-watch.h"
#include "hermes-render-step.h"
#include "hermes-safe-file.h"
#include "hermes-service-manager.h"
#include "hermes-shell.h"
#include "hermes-state.h"
#include "hermes-version.h"

G_BEGIN_DECLS

/* bump the minor when only appending (descriptor fields, interface vfuncs
 * taken from padding, SDK functions: 1.4 added hermes-dbus-connect.h); bump
 * the major for anything else */
#define HERMES_BACKEND_ABI_MAJOR 1
#define HERMES_BACKEND_ABI_MINOR 4

/* probe scores: the highest wins; 0 means "not on this machine" */
#define HERMES_BACKEND_SCORE_NONE     0
#define HERMES_BACKEND_SCORE_FALLBACK 10
#define HERMES_BACKEND_SCORE_HOST     50
#define HERMES_BACKEND_SCORE_ACTIVE   100

/**
 * HermesBackendProbeFunc:
 * @ctx: the machine to look at; every path goes through hermes_context_build_path()
 * @reason: (out) (transfer full): one line saying why, e.g.
 *   "/proc/1/comm is s6-svscan and /run/s6/basedir exists"
 *
 * Cheap and free of side effects: no process spawned, nothing written.
 *
 * Returns: a score, %HERMES_BACKEND_SCORE_NONE if the backend cannot work here
 */
typedef guint (*HermesBackendProbeFunc)(HermesContext *ctx, gchar **reason);

/**
 * HermesBackendInfo:
 * @abi_major: %HERMES_BACKEND_ABI_MAJOR the plugin was built against
 * @abi_minor: %HERMES_BACKEND_ABI_MINOR the plugin was built against
 * @struct_size: sizeof(HermesBackendInfo) the plugin was built with
 * @name: the backend name; must match the file name `libhermes-backend-<name>.so`
 * @version: the plugin's own version
 * @get_type: returns a #GType implementing #HermesServiceManager
 * @probe: scores this machine
 *
 * The plugin descriptor. Only ever appended to.
 */
typedef struct {
	guint32 abi_major;
	guint32 abi_minor;
	gsize struct_size;
	const gchar *name;
	const gchar *version;
	GType (*get_type)(void);
	HermesBackendProbeFunc probe;
	/*< private >*/
	gpointer reserved[4];
} HermesBackendInfo;

typedef const HermesBackendInfo *(*HermesBackendQueryFunc)(void);

#define HERMES_BACKEND_QUERY_SYMBOL "hermes_backend_query"

#if defined(_WIN32)
#define HERMES_BACKEND_EXPORT __declspec(dllexport)
#else
#define HERMES_BACKEND_EXPORT __attribute__((visibility("default")))
#endif

/**
 * HERMES_BACKEND_DEFINE:
 * @name_: the backend name (a string literal)
 * @version_: the plugin version (a string literal)
 * @get_type_: the `*_get_type` function of the manager type
 * @probe_: a #HermesBackendProbeFunc
 *
 * Emits hermes_backend_query() with a filled-in descriptor.
 */
#define HERMES_BACKEND_DEFINE(name_, version_, get_type_, probe_)                  \
	HERMES_BACKEND_EXPORT const HermesBackendInfo *hermes_backend_query(void); \
	HERMES_BACKEND_EXPORT const HermesBackendInfo *hermes_backend_query(void)  \
	{                                                                          \
		static const HermesBackendInfo hermes_backend_info = {             \
			HERMES_BACKEND_ABI_MAJOR,                                  \
			HERMES_BACKEND_ABI_MINOR,                                  \
			sizeof(HermesBackendInfo),                                 \
			name_,                                                     \
			version_,                                                  \
			get_type_,                                                 \
			probe_,                                                    \
			{NULL, NULL, NULL, NULL},                                  \
		};                                                                 \
		return &hermes_backend_info;                                       \
	}

G_END_DECLS
