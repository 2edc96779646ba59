/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Pins the binary layout a backend plugin is compiled against.
 *
 * Backends are shared objects dlopen'd at run time, so nothing but these
 * numbers stops a stale libhermes-backend-*.so of another layout from being
 * called through the wrong offsets. The loader refuses a plugin whose
 * abi_major differs or whose struct_size is too small; that only works if
 * every layout change comes with an ABI bump. If one of these tests fails
 * you changed the ABI: either undo the change, or bump
 * HERMES_BACKEND_ABI_MAJOR (anything but appending) or _MINOR (appending a
 * descriptor field, or taking a vfunc out of the interface padding) in
 * core/sdk/hermes-backend.h and meson.build, update docs/plugin-abi.md and only
 * then these numbers.
 */

#include "config.h"

#include <stddef.h>

#include "hermes-backend.h"
#include "hermes-svc.h"
#include "hermes-test.h"

/* the descriptor as a plugin built from this tree fills it in */
HERMES_BACKEND_DEFINE("abi-test", "0.0.1", hermes_context_get_type, NULL)

static int
test_teardown(void **state)
{
	hermes_test_check_logs();
	return 0;
}

static void
test_abi_version(void **state)
{
	/* the header and the build system (install path, pkg-config) must agree */
	assert_int_equal(HERMES_BACKEND_ABI_MAJOR, 1);
	assert_int_equal(HERMES_BACKEND_ABI_MINOR, 4);
	assert_int_equal(HERMES_BACKEND_ABI_MAJOR, HERMES_BACKEND_ABI_MAJOR_CONF);
	assert_int_equal(HERMES_BACKEND_ABI_MINOR, HERMES_BACKEND_ABI_MINOR_CONF);
}

static void
test_abi_backend_info_size(void **state)
{
	/* 2 x guint32, a gsize, 4 pointers, 4 reserved pointers */
	assert_int_equal(sizeof(HermesBackendInfo),
			 2 * sizeof(guint32) + sizeof(gsize) + 8 * sizeof(gpointer));
}

static void
test_abi_backend_info_offsets(void **state)
{
	const gsize head = 2 * sizeof(guint32) + sizeof(gsize);

	assert_int_equal(offsetof(HermesBackendInfo, abi_major), 0);
	assert_int_equal(offsetof(HermesBackendInfo, abi_minor), sizeof(guint32));
	assert_int_equal(offsetof(HermesBackendInfo, struct_size), 2 * sizeof(guint32));
	assert_int_equal(offsetof(HermesBackendInfo, name), head);
	assert_int_equal(offsetof(HermesBackendInfo, version), head + 1 * sizeof(gpointer));
	assert_int_equal(offsetof(HermesBackendInfo, get_type), head + 2 * sizeof(gpointer));
	assert_int_equal(offsetof(HermesBackendInfo, probe), head + 3 * sizeof(gpointer));
	assert_int_equal(offsetof(HermesBackendInfo, reserved), head + 4 * sizeof(gpointer));
}

static void
test_abi_backend_info_field_sizes(void **state)
{
	/* padding can hide a narrowed field from the offsets on 64 bit */
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, abi_major), 4);
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, abi_minor), 4);
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, struct_size), sizeof(gsize));
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, name), sizeof(gpointer));
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, version), sizeof(gpointer));
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, get_type), sizeof(gpointer));
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, probe), sizeof(gpointer));
	assert_int_equal(G_SIZEOF_MEMBER(HermesBackendInfo, reserved), 4 * sizeof(gpointer));
}

static void
test_abi_backend_define(void **state)
{
	const HermesBackendInfo *info = hermes_backend_query();

	/* what the loader checks first: a plugin carries the numbers it was built with */
	assert_non_null(info);
	assert_int_equal(info->abi_major, HERMES_BACKEND_ABI_MAJOR);
	assert_int_equal(info->abi_minor, HERMES_BACKEND_ABI_MINOR);
	assert_int_equal(info->struct_size, sizeof(HermesBackendInfo));
	assert_string_equal(info->name, "abi-test");
	assert_string_equal(info->version, "0.0.1");
	assert_true(info->get_type == hermes_context_get_type);
	assert_null(info->probe);
	for (guint i = 0; i < G_N_ELEMENTS(info->reserved); i++)
		assert_null(info->reserved[i]);
}

/* vfuncs in declaration order; a new one is taken from padding[] */
#define HERMES_IFACE_OFFSET(n) (sizeof(GTypeInterface) + (n) * sizeof(gpointer))

static void
test_abi_service_manager_iface_size(void **state)
{
	/* GTypeInterface is two GTypes; GType is a gsize */
	assert_int_equal(sizeof(GTypeInterface), 2 * sizeof(gsize));
	/* 20 vfuncs + 5 padding slots: taking a slot from padding keeps this constant */
	assert_int_equal(sizeof(HermesServiceManagerInterface),
			 2 * sizeof(gsize) + 25 * sizeof(gpointer));
	assert_int_equal(G_SIZEOF_MEMBER(HermesServiceManagerInterface, padding),
			 5 * sizeof(gpointer));
}

static void
test_abi_service_manager_iface_offsets(void **state)
{
	assert_int_equal(offsetof(HermesServiceManagerInterface, g_iface), 0);
	assert_int_equal(offsetof(HermesServiceManagerInterface, setup), HERMES_IFACE_OFFSET(0));
	assert_int_equal(offsetof(HermesServiceManagerInterface, get_name), HERMES_IFACE_OFFSET(1));
	assert_int_equal(offsetof(HermesServiceManagerInterface, start), HERMES_IFACE_OFFSET(2));
	assert_int_equal(offsetof(HermesServiceManagerInterface, stop), HERMES_IFACE_OFFSET(3));
	assert_int_equal(offsetof(HermesServiceManagerInterface, restart), HERMES_IFACE_OFFSET(4));
	assert_int_equal(offsetof(HermesServiceManagerInterface, get_status),
			 HERMES_IFACE_OFFSET(5));
	assert_int_equal(offsetof(HermesServiceManagerInterface, list_gateways),
			 HERMES_IFACE_OFFSET(6));
	assert_int_equal(offsetof(HermesServiceManagerInterface, register_gateway),
			 HERMES_IFACE_OFFSET(7));
	assert_int_equal(offsetof(HermesServiceManagerInterface, unregister_gateway),
			 HERMES_IFACE_OFFSET(8));
	assert_int_equal(offsetof(HermesServiceManagerInterface, supports_registration),
			 HERMES_IFACE_OFFSET(9));
	assert_int_equal(offsetof(HermesServiceManagerInterface, install), HERMES_IFACE_OFFSET(10));
	assert_int_equal(offsetof(HermesServiceManagerInterface, uninstall),
			 HERMES_IFACE_OFFSET(11));
	assert_int_equal(offsetof(HermesServiceManagerInterface, render), HERMES_IFACE_OFFSET(12));
	assert_int_equal(offsetof(HermesServiceManagerInterface, get_mode),
			 HERMES_IFACE_OFFSET(13));
	assert_int_equal(offsetof(HermesServiceManagerInterface, supervisor_start),
			 HERMES_IFACE_OFFSET(14));
	assert_int_equal(offsetof(HermesServiceManagerInterface, supervisor_stop),
			 HERMES_IFACE_OFFSET(15));
	assert_int_equal(offsetof(HermesServiceManagerInterface, supervisor_status),
			 HERMES_IFACE_OFFSET(16));
	/* ABI 1.1 */
	assert_int_equal(offsetof(HermesServiceManagerInterface, get_log_source),
			 HERMES_IFACE_OFFSET(17));
	/* ABI 1.2 */
	assert_int_equal(offsetof(HermesServiceManagerInterface, doctor), HERMES_IFACE_OFFSET(18));
	/* ABI 1.3 */
	assert_int_equal(offsetof(HermesServiceManagerInterface, set_companion),
			 HERMES_IFACE_OFFSET(19));
	assert_int_equal(offsetof(HermesServiceManagerInterface, padding), HERMES_IFACE_OFFSET(20));
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_abi_version, test_teardown),
		cmocka_unit_test_teardown(test_abi_backend_info_size, test_teardown),
		cmocka_unit_test_teardown(test_abi_backend_info_offsets, test_teardown),
		cmocka_unit_test_teardown(test_abi_backend_info_field_sizes, test_teardown),
		cmocka_unit_test_teardown(test_abi_backend_define, test_teardown),
		cmocka_unit_test_teardown(test_abi_service_manager_iface_size, test_teardown),
		cmocka_unit_test_teardown(test_abi_service_manager_iface_offsets, test_teardown),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
