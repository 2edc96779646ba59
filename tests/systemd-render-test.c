/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend's pure tests' glue: the fixture's setup and teardown.
 */

#include "systemd-render-test.h"

int
test_setup(void **state)
{
	RenderFixture *fx = g_new0(RenderFixture, 1);
	fx->tmpdir = hermes_test_mkdtemp();
	*state = fx;
	return 0;
}

int
test_teardown(void **state)
{
	RenderFixture *fx = *state;
	for (guint i = 0; i < G_N_ELEMENTS(fx->sockets); i++)
		g_clear_object(&fx->sockets[i]);
	hermes_test_rmtree(fx->tmpdir);
	g_free(fx->tmpdir);
	if (fx->spec != NULL)
		hermes_gateway_spec_unref(fx->spec);
	g_clear_object(&fx->ctx);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

int
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
