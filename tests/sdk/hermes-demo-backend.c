/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A third-party backend built against the installed SDK only
 * (pkg-config hermes-svc-1): proves the SDK header, the pkg-config file and
 * the installed version script are enough to write a fifth backend.
 */

#include <hermes-backend.h>

#define DEMO_TYPE_MANAGER (demo_manager_get_type())
G_DECLARE_FINAL_TYPE(DemoManager, demo_manager, DEMO, MANAGER, GObject)

struct _DemoManager {
	GObject parent_instance;
};

static void
demo_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(DemoManager,
			      demo_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    demo_manager_iface_init))

static const gchar *
demo_manager_get_name(HermesServiceManager *manager)
{
	return "demo";
}

static HermesGatewayStatus *
demo_manager_get_status(HermesServiceManager *manager,
			const gchar *profile,
			GCancellable *cancellable,
			GError **error)
{
	/* this backend observes nothing, so it says so rather than guessing */
	return hermes_gateway_status_new(profile);
}

static GStrv
demo_manager_list_gateways(HermesServiceManager *manager, GCancellable *cancellable, GError **error)
{
	const gchar *names[] = {"demo", NULL};
	return g_strdupv((gchar **)names);
}

static void
demo_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->get_name = demo_manager_get_name;
	iface->get_status = demo_manager_get_status;
	iface->list_gateways = demo_manager_list_gateways;
}

static void
demo_manager_class_init(DemoManagerClass *klass)
{
}

static void
demo_manager_init(DemoManager *self)
{
}

static guint
demo_probe(HermesContext *ctx, gchar **reason)
{
	*reason = g_strdup("the demo backend is always here, with a low score");
	return HERMES_BACKEND_SCORE_FALLBACK - 1;
}

HERMES_BACKEND_DEFINE("demo", "1.0", demo_manager_get_type, demo_probe)
