/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Negative test plugins, one per BAD_* define, each proving one loader
 * refusal. They are never installed.
 */

#include "config.h"

#include "hermes-backend.h"

#if defined(BAD_NO_SYMBOL)

/* exports something, just not the query function */
HERMES_BACKEND_EXPORT int
hermes_backend_something_else(void);
HERMES_BACKEND_EXPORT int
hermes_backend_something_else(void)
{
	return 42;
}

#elif defined(BAD_NOT_A_MANAGER)

/* a well-formed descriptor whose type does not implement the interface */
static guint
hermes_bad_probe(HermesContext *ctx, gchar **reason)
{
	*reason = g_strdup("should never be probed");
	return 1000;
}

static GType
hermes_bad_get_type(void)
{
	return G_TYPE_OBJECT;
}

HERMES_BACKEND_DEFINE("notamanager", "0", hermes_bad_get_type, hermes_bad_probe)

#else

static guint
hermes_bad_probe(HermesContext *ctx, gchar **reason)
{
	*reason = g_strdup("should never be probed");
	return 1000;
}

/* never called: the loader must refuse the descriptor first */
static GType
hermes_bad_get_type(void)
{
	g_assert_not_reached();
	return G_TYPE_INVALID;
}

HERMES_BACKEND_EXPORT const HermesBackendInfo *
hermes_backend_query(void);
HERMES_BACKEND_EXPORT const HermesBackendInfo *
hermes_backend_query(void)
{
	static const HermesBackendInfo info = {
#if defined(BAD_ABI_MAJOR)
		HERMES_BACKEND_ABI_MAJOR + 1,
		HERMES_BACKEND_ABI_MINOR,
		sizeof(HermesBackendInfo),
		"abimajor",
#elif defined(BAD_ABI_MINOR)
		HERMES_BACKEND_ABI_MAJOR,
		HERMES_BACKEND_ABI_MINOR + 1,
		sizeof(HermesBackendInfo),
		"abiminor",
#elif defined(BAD_SHORT_STRUCT)
		HERMES_BACKEND_ABI_MAJOR,
		HERMES_BACKEND_ABI_MINOR,
		16,
		"shortstruct",
#else
#error "define one BAD_* kind"
#endif
		"0",
		hermes_bad_get_type,
		hermes_bad_probe,
		{NULL, NULL, NULL, NULL},
	};
	return &info;
}

#endif
