/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One record per profile of a boot reconcile, and its line in the boot
 * log (upstream's format, see hermes_reconcile_action_to_string()).
 */

#include "config.h"

#include "hermes-reconciler-private.h"

/**
 * hermes_reconcile_kind_to_string:
 * @kind: a #HermesReconcileKind
 *
 * Returns: `started`, `registered` or `skipped`
 */
const gchar *
hermes_reconcile_kind_to_string(HermesReconcileKind kind)
{
	switch (kind) {
	case HERMES_RECONCILE_STARTED:
		return "started";
	case HERMES_RECONCILE_REGISTERED:
		return "registered";
	case HERMES_RECONCILE_SKIPPED:
		return "skipped";
	default:
		return "unknown";
	}
}

/**
 * hermes_prior_exit_to_string:
 * @prior_exit: a #HermesPriorExit
 *
 * Returns: `clean`, `unclean` or `unknown`
 */
const gchar *
hermes_prior_exit_to_string(HermesPriorExit prior_exit)
{
	switch (prior_exit) {
	case HERMES_PRIOR_EXIT_CLEAN:
		return "clean";
	case HERMES_PRIOR_EXIT_UNCLEAN:
		return "unclean";
	case HERMES_PRIOR_EXIT_UNKNOWN:
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------------------ */
/* one record per profile */

G_DEFINE_BOXED_TYPE(HermesReconcileAction,
		    hermes_reconcile_action,
		    hermes_reconcile_action_ref,
		    hermes_reconcile_action_unref)

HermesReconcileAction *
hermes_reconcile_action_new(const gchar *profile, const gchar *home)
{
	HermesReconcileAction *self = g_new0(HermesReconcileAction, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->profile = g_strdup(profile);
	self->home = g_strdup(home);
	self->kind = HERMES_RECONCILE_SKIPPED;
	self->prior_exit = HERMES_PRIOR_EXIT_UNKNOWN;
	return self;
}

/**
 * hermes_reconcile_action_ref:
 * @self: a #HermesReconcileAction
 *
 * Returns: (transfer full): @self
 */
HermesReconcileAction *
hermes_reconcile_action_ref(HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_reconcile_action_unref:
 * @self: (transfer full) (nullable): a #HermesReconcileAction
 */
void
hermes_reconcile_action_unref(HermesReconcileAction *self)
{
	if (self == NULL || !g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->profile);
	g_free(self->home);
	g_free(self->prior_state);
	g_free(self->reason);
	g_free(self);
}

/**
 * hermes_reconcile_action_get_profile:
 * @self: a #HermesReconcileAction
 *
 * Returns: the profile name; for a skipped directory, its name as found
 */
const gchar *
hermes_reconcile_action_get_profile(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->profile;
}

/**
 * hermes_reconcile_action_get_home:
 * @self: a #HermesReconcileAction
 *
 * Returns: the profile's `HERMES_HOME`
 */
const gchar *
hermes_reconcile_action_get_home(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->home;
}

/**
 * hermes_reconcile_action_get_prior_state:
 * @self: a #HermesReconcileAction
 *
 * Returns: (nullable): the prior state (see hermes_gateway_state_prior()), %NULL for none
 */
const gchar *
hermes_reconcile_action_get_prior_state(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->prior_state;
}

/**
 * hermes_reconcile_action_get_kind:
 * @self: a #HermesReconcileAction
 *
 * Returns: what was done
 */
HermesReconcileKind
hermes_reconcile_action_get_kind(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, HERMES_RECONCILE_SKIPPED);
	return self->kind;
}

/**
 * hermes_reconcile_action_get_reason:
 * @self: a #HermesReconcileAction
 *
 * Returns: (nullable): why a slot is down or skipped, and anything unusual
 *   (a seeded state, a runtime file that was kept)
 */
const gchar *
hermes_reconcile_action_get_reason(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->reason;
}

/**
 * hermes_reconcile_action_get_prior_exit:
 * @self: a #HermesReconcileAction
 *
 * Returns: how the previous gateway ended
 */
HermesPriorExit
hermes_reconcile_action_get_prior_exit(const HermesReconcileAction *self)
{
	g_return_val_if_fail(self != NULL, HERMES_PRIOR_EXIT_UNKNOWN);
	return self->prior_exit;
}

void
hermes_reconcile_action_add_reason(HermesReconcileAction *self, const gchar *reason)
{
	gchar *joined;
	if (self->reason == NULL) {
		self->reason = g_strdup(reason);
		return;
	}
	joined = g_strdup_printf("%s; %s", self->reason, reason);
	g_free(self->reason);
	self->reason = joined;
}

/*
 * A value as upstream prints it: bare. Only a value that would not survive
 * `key=value` splitting (empty, or holding a space, quote, backslash or
 * control character) is quoted, with `\` and `"` escaped and control
 * characters as \n \t \xNN: a line is one line, always.
 */
static gboolean
hermes_reconcile_needs_quotes(const gchar *value)
{
	if (value[0] == '\0')
		return TRUE;
	for (const guchar *p = (const guchar *)value; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return TRUE;
	}
	return FALSE;
}

static void
hermes_reconcile_append_value(GString *out, const gchar *value)
{
	if (!hermes_reconcile_needs_quotes(value)) {
		g_string_append(out, value);
		return;
	}
	g_string_append_c(out, '"');
	for (const guchar *p = (const guchar *)value; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if (*p == '\n')
			g_string_append(out, "\\n");
		else if (*p == '\t')
			g_string_append(out, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			g_string_append_printf(out, "\\x%02x", *p);
		else
			g_string_append_c(out, (gchar)*p);
	}
	g_string_append_c(out, '"');
}

/**
 * hermes_reconcile_action_to_string:
 * @self: a #HermesReconcileAction
 *
 * The record as the boot log and `hermes boot reconcile` print it, in
 * upstream's format: `profile=a prior_state=running action=started
 * prior_exit=clean`, with `prior_state=None` when there is none, then
 * ` reason=…` when there is one. Values are bare unless they hold a space
 * (or a quote, backslash or control character): then they are quoted and
 * escaped, so a line is one line and splits on ` key=` reliably.
 *
 * Returns: (transfer full): the line, without a timestamp or newline
 */
gchar *
hermes_reconcile_action_to_string(const HermesReconcileAction *self)
{
	GString *out;
	g_return_val_if_fail(self != NULL, NULL);
	out = g_string_new("profile=");
	hermes_reconcile_append_value(out, self->profile);
	g_string_append(out, " prior_state=");
	if (self->prior_state != NULL)
		hermes_reconcile_append_value(out, self->prior_state);
	else
		g_string_append(out, "None");
	g_string_append_printf(out,
			       " action=%s prior_exit=%s",
			       hermes_reconcile_kind_to_string(self->kind),
			       hermes_prior_exit_to_string(self->prior_exit));
	if (self->reason != NULL) {
		g_string_append(out, " reason=");
		hermes_reconcile_append_value(out, self->reason);
	}
	return g_string_free(out, FALSE);
}
