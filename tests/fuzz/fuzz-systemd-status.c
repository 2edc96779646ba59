/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The properties systemd sends for a unit, as the bus delivers them: two
 * serialised a{sv} (org.freedesktop.systemd1.Unit, then .Service). The
 * first two bytes (little-endian) say how long the unit's part is; the
 * rest is the service's. GDBus builds every value it receives, so the
 * code under test only ever sees normal forms; the bytes are normalised
 * first (that part is GLib's, not ours).
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-systemd-status.h"

static GVariant *
hermes_fuzz_systemd_dict(const guint8 *data, gsize size)
{
	/* a copy: GVariant wants its data aligned */
	g_autoptr(GBytes) bytes = g_bytes_new(data, size);
	return g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE_VARDICT, bytes, FALSE));
}

static void
hermes_fuzz_systemd_judge(GVariant *unit_props, GVariant *service_props)
{
	g_auto(HermesSystemdUnitFacts) facts = {0};
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *explain = NULL;

	hermes_systemd_unit_facts_parse(&facts, unit_props, service_props);
	(void)hermes_systemd_unit_facts_parked(&facts);
	explain = hermes_systemd_unit_facts_explain(&facts);
	status = hermes_systemd_status_to_gateway("fuzz", &facts);
	hermes_fuzz_consume_status(status);
	/* parsing again into the same facts must not leak what was there */
	hermes_systemd_unit_facts_parse(&facts, unit_props, service_props);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GVariant) unit_props = NULL;
	g_autoptr(GVariant) service_props = NULL;
	g_autoptr(GVariant) unit_normal = NULL;
	g_autoptr(GVariant) service_normal = NULL;
	gsize unit_size;

	hermes_fuzz_init();
	if (size < 2)
		return 0;
	unit_size = MIN((gsize)data[0] | ((gsize)data[1] << 8), size - 2);
	unit_props = hermes_fuzz_systemd_dict(data + 2, unit_size);
	service_props = hermes_fuzz_systemd_dict(data + 2 + unit_size, size - 2 - unit_size);
	unit_normal = g_variant_get_normal_form(unit_props);
	service_normal = g_variant_get_normal_form(service_props);
	hermes_fuzz_systemd_judge(unit_normal, service_normal);
	/* either side may be missing (GetAll of .Service failed) */
	hermes_fuzz_systemd_judge(unit_normal, NULL);
	hermes_fuzz_systemd_judge(NULL, service_normal);
	return 0;
}
