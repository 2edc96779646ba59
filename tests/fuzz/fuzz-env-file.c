/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A profile's `.env`, read the way the port and the flags are: the input
 * is the file, looked up for the keys hermes-svc reads, and each value goes
 * through the port and truth-value rules. The input is also one value of
 * an environment flag (up to its first NUL, as getenv() would see it).
 */

#include "config.h"

#include "hermes-fuzz.h"

static const gchar *hermes_fuzz_env_keys[] = {
	"API_SERVER_PORT",
	"HERMES_GATEWAY_NO_SUPERVISE",
	"",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *path = NULL;
	g_autofree gchar *flag_value = g_strndup((const gchar *)data, size);
	gboolean recognised = FALSE;
	guint port;

	hermes_fuzz_init();
	path = hermes_fuzz_write_file(".env", data, size);
	port = hermes_profile_explicit_port(hermes_fuzz_home());
	g_assert_cmpuint(port, <=, 65535);
	for (guint i = 0; i < G_N_ELEMENTS(hermes_fuzz_env_keys); i++) {
		g_autofree gchar *value = hermes_env_file_get(path, hermes_fuzz_env_keys[i]);
		guint parsed;
		if (value == NULL)
			continue;
		parsed = hermes_port_parse(value);
		g_assert_cmpuint(parsed, <=, 65535);
		if (i == 0)
			g_assert_cmpuint(parsed, ==, port);
		(void)hermes_env_flag(value, &recognised);
	}
	if (hermes_env_flag(flag_value, &recognised))
		g_assert_true(recognised);
	return 0;
}
