/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the least a backend can be: a name. Proves the wrappers' defaults. */

#include "config.h"

#include "hermes-backend.h"

#define HERMES_TYPE_MINIMAL_MANAGER (hermes_minimal_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesMinimalManager, hermes_minimal_manager, HERMES, MINIMAL_MANAGER, GObject)

struct _HermesMinimalManager {
	GObject parent_instance;
};

static void
hermes_minimal_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesMinimalManager,
			      hermes_minimal_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_minimal_manager_iface_init))

static const gchar *
hermes_minimal_manager_get_name(HermesServiceManager *manager)
{
	return "minimal";
}

static void
hermes_minimal_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->get_name = hermes_minimal_manager_get_name;
}

static void
hermes_minimal_manager_class_init(HermesMinimalManagerClass *klass)
{
}

static void
hermes_minimal_manager_init(HermesMinimalManager *self)
{
}

static guint
hermes_minimal_probe(HermesContext *ctx, gchar **reason)
{
	*reason = g_strdup("minimal test backend, never chosen by score");
	return HERMES_BACKEND_SCORE_NONE;
}

HERMES_BACKEND_DEFINE("minimal",
		      PACKAGE_VERSION,
		      hermes_minimal_manager_get_type,
		      hermes_minimal_probe)
