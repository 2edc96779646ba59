/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The rows of `hermes status`, hermes-svcd and `gateway health`: a report
 * for every gateway the backend lists and, where slots are registered at
 * run time, for every profile without one. Every profile's `.env` is read
 * once for all rows (HermesPortTable), never once per row.
 */

#include "config.h"

#include "hermes-gateway-report-private.h"
#include "hermes-profile.h"
#include "hermes-safe-file-private.h"

static gint
hermes_gateway_report_cmp(gconstpointer a, gconstpointer b)
{
	/* default first, as in `hermes profile list`, then by name */
	return hermes_profile_name_compare((*(const HermesGatewayReport *const *)a)->profile,
					   (*(const HermesGatewayReport *const *)b)->profile);
}

/* the root's profiles: as the table listed them, else listed now */
static GStrv
hermes_gateway_report_profiles(HermesContext *ctx, HermesPortTable *ports)
{
	g_autoptr(GPtrArray) profiles = NULL;
	GStrv names;
	if (ports != NULL)
		return hermes_port_table_get_profiles(ports);
	profiles = hermes_profile_list(ctx, NULL);
	names = g_new0(gchar *, profiles != NULL ? profiles->len + 1 : 1);
	for (guint i = 0; profiles != NULL && i < profiles->len; i++)
		names[i] = g_strdup(hermes_profile_get_name(g_ptr_array_index(profiles, i)));
	return names;
}

/* where slots are registered at run time, a profile without one is a row too */
static void
hermes_gateway_report_add_unregistered(HermesServiceManager *manager,
				       HermesPortTable *ports,
				       GHashTable *seen,
				       GPtrArray *rows,
				       GCancellable *cancellable)
{
	HermesContext *ctx = hermes_service_manager_get_context(manager);
	g_auto(GStrv) names = NULL;

	if (!hermes_service_manager_supports_registration(manager))
		return;
	names = hermes_gateway_report_profiles(ctx, ports);
	for (guint i = 0; names[i] != NULL; i++) {
		g_autoptr(HermesProfile) p = NULL;
		if (g_hash_table_contains(seen, names[i]))
			continue;
		/* a listed named profile exists; the default one is listed regardless */
		p = hermes_profile_lookup(ctx, names[i], NULL);
		if (p == NULL || (hermes_profile_is_default(p) && !hermes_profile_exists(p)))
			continue;
		g_ptr_array_add(
			rows,
			hermes_gateway_report_build(manager, names[i], NULL, ports, cancellable));
	}
}

/**
 * hermes_gateway_report_collect_with_ports:
 * @manager: the backend, set up with its context
 * @ports: (nullable): the root's ports (hermes_port_table_new()); %NULL for no
 *   port-collision problems
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * hermes_gateway_report_collect() of every gateway, with ports the caller
 * read (and may keep current with hermes_port_table_update()).
 *
 * Returns: (transfer full) (element-type HermesGatewayReport): the reports,
 *   or %NULL when the backend cannot list its gateways
 */
GPtrArray *
hermes_gateway_report_collect_with_ports(HermesServiceManager *manager,
					 HermesPortTable *ports,
					 GCancellable *cancellable,
					 GError **error)
{
	g_autoptr(GPtrArray) rows =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_gateway_report_unref);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_auto(GStrv) names = NULL;
	gboolean held;

	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	g_return_val_if_fail(hermes_service_manager_get_context(manager) != NULL, NULL);
	g_return_val_if_fail(ports == NULL || HERMES_IS_PORT_TABLE(ports), NULL);
	/* the home and the backend's own roots (a scan directory) are opened once
	 * for all rows, not once per file of every row */
	held = hermes_safe_roots_hold();
	names = hermes_service_manager_list_gateways(manager, cancellable, error);
	if (names != NULL) {
		for (guint i = 0; names[i] != NULL; i++) {
			g_hash_table_add(seen, names[i]);
			g_ptr_array_add(rows,
					hermes_gateway_report_build(
						manager, names[i], NULL, ports, cancellable));
		}
		hermes_gateway_report_add_unregistered(manager, ports, seen, rows, cancellable);
		/* config.yaml once for all rows */
		hermes_gateway_report_apply_multiplex(rows, manager, cancellable);
		g_ptr_array_sort(rows, hermes_gateway_report_cmp);
	}
	if (held)
		hermes_safe_roots_release();
	return names != NULL ? g_steal_pointer(&rows) : NULL;
}

/**
 * hermes_gateway_report_collect:
 * @manager: the backend, set up with its context
 * @profile: (nullable): just this profile; %NULL for every gateway
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The rows of `hermes status`: every gateway the backend lists and, where
 * it registers slots at run time, every profile that has none yet; the
 * default profile first, then by name. Every `.env` is read once for all
 * rows.
 *
 * Returns: (transfer full) (element-type HermesGatewayReport): the reports,
 *   or %NULL when the backend cannot list its gateways
 */
GPtrArray *
hermes_gateway_report_collect(HermesServiceManager *manager,
			      const gchar *profile,
			      GCancellable *cancellable,
			      GError **error)
{
	HermesContext *ctx;
	g_autoptr(HermesPortTable) ports = NULL;
	GPtrArray *rows;
	gboolean held;

	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	ctx = hermes_service_manager_get_context(manager);
	g_return_val_if_fail(ctx != NULL, NULL);
	/* the port table reads every profile's .env below the same held home */
	held = hermes_safe_roots_hold();
	ports = hermes_port_table_new(ctx, NULL);
	if (profile == NULL) {
		rows = hermes_gateway_report_collect_with_ports(manager, ports, cancellable, error);
		if (held)
			hermes_safe_roots_release();
		return rows;
	}
	rows = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_gateway_report_unref);
	g_ptr_array_add(
		rows,
		hermes_gateway_report_new_with_ports(manager, profile, NULL, ports, cancellable));
	if (held)
		hermes_safe_roots_release();
	return rows;
}
