/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* A gateway spec for a test: core's own, so what a test runs is what a backend gets. */

#include "config.h"

#include "hermes-test.h"

HermesGatewaySpec *
hermes_test_spec_new(const gchar *profile, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	HermesGatewaySpec *spec = hermes_gateway_spec_new(profile, &error);
	hermes_assert_no_error(error);
	assert_non_null(spec);
	hermes_gateway_spec_set_argv(spec, argv);
	return spec;
}

void
hermes_test_spec_setenv(HermesGatewaySpec *spec, const gchar *name, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	gboolean ret = hermes_gateway_spec_set_env(spec, name, value, &error);
	hermes_assert_no_error(error);
	assert_true(ret);
}
