/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The file an attacker would swap in after the loader's checks. Its
 * constructor runs at dlopen(), before any descriptor check, so the race
 * test only has to look for the mark it leaves.
 */

#include "config.h"

#include <stdlib.h>

#include "hermes-backend.h"

static void __attribute__((constructor)) hermes_evil_constructor(void)
{
	setenv("HERMES_TEST_EVIL_CONSTRUCTOR_RAN", "1", 1);
}

static guint
hermes_evil_probe(HermesContext *ctx, gchar **reason)
{
	*reason = g_strdup("should never be probed");
	return 1000;
}

static GType
hermes_evil_get_type(void)
{
	return G_TYPE_INVALID;
}

HERMES_BACKEND_DEFINE("evil", "0", hermes_evil_get_type, hermes_evil_probe)
