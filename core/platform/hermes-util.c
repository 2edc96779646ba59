/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-util.h"

static gint
hermes_strv_cmp(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* sorts in place so every listing the user sees is stable */
void
hermes_strv_sort(GStrv strv)
{
	if (strv == NULL)
		return;
	g_qsort_with_data(strv, (gint)g_strv_length(strv), sizeof(gchar *), hermes_strv_cmp, NULL);
}
