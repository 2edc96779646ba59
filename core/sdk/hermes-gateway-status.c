/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "hermes-gateway-status.h"
#include "hermes-util.h"

/*
 * Every numeric field starts as "unknown" (-1 or 0 as documented) so a
 * backend that cannot observe something never reports a guess.
 */
struct _HermesGatewayStatus {
	gatomicrefcount refcount;
	gchar *profile;
	HermesGatewayState state;
	HermesGatewayWanted wanted;
	gint64 pid;
	gint64 since_us;
	HermesTristate ready;
	gint64 ready_since_us;
	gint last_exit_code;
	gint last_signal;
	gint restarts;
	HermesGatewayReason reason;
	gchar *reason_text;
	GHashTable *raw;
};

G_DEFINE_BOXED_TYPE(HermesGatewayStatus,
		    hermes_gateway_status,
		    hermes_gateway_status_ref,
		    hermes_gateway_status_unref)

/**
 * hermes_gateway_status_new:
 * @profile: the profile the gateway serves
 *
 * Returns: (transfer full): a status with every field unknown
 */
HermesGatewayStatus *
hermes_gateway_status_new(const gchar *profile)
{
	HermesGatewayStatus *self;
	g_return_val_if_fail(profile != NULL, NULL);
	self = g_new0(HermesGatewayStatus, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->profile = g_strdup(profile);
	self->pid = -1;
	self->last_exit_code = -1;
	self->restarts = -1;
	self->raw = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	return self;
}

/**
 * hermes_gateway_status_ref:
 * @self: a #HermesGatewayStatus
 *
 * Returns: (transfer full): @self
 */
HermesGatewayStatus *
hermes_gateway_status_ref(HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_gateway_status_unref:
 * @self: (transfer full): a #HermesGatewayStatus
 */
void
hermes_gateway_status_unref(HermesGatewayStatus *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->profile);
	g_free(self->reason_text);
	g_hash_table_unref(self->raw);
	g_free(self);
}

/**
 * hermes_gateway_status_get_profile:
 * @self: a #HermesGatewayStatus
 *
 * Returns: the profile name
 */
const gchar *
hermes_gateway_status_get_profile(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->profile;
}

/**
 * hermes_gateway_status_get_state:
 * @self: a #HermesGatewayStatus
 *
 * Returns: the observed state
 */
HermesGatewayState
hermes_gateway_status_get_state(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_STATE_UNKNOWN);
	return self->state;
}

/**
 * hermes_gateway_status_set_state:
 * @self: a #HermesGatewayStatus
 * @state: the observed state
 */
void
hermes_gateway_status_set_state(HermesGatewayStatus *self, HermesGatewayState state)
{
	g_return_if_fail(self != NULL);
	self->state = state;
}

/**
 * hermes_gateway_status_get_wanted:
 * @self: a #HermesGatewayStatus
 *
 * Returns: what the supervisor wants
 */
HermesGatewayWanted
hermes_gateway_status_get_wanted(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_WANTED_UNKNOWN);
	return self->wanted;
}

/**
 * hermes_gateway_status_set_wanted:
 * @self: a #HermesGatewayStatus
 * @wanted: what the supervisor wants
 */
void
hermes_gateway_status_set_wanted(HermesGatewayStatus *self, HermesGatewayWanted wanted)
{
	g_return_if_fail(self != NULL);
	self->wanted = wanted;
}

/**
 * hermes_gateway_status_get_pid:
 * @self: a #HermesGatewayStatus
 *
 * Returns: the gateway's PID, 0 when no process runs, -1 when unknown
 */
gint64
hermes_gateway_status_get_pid(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, -1);
	return self->pid;
}

/**
 * hermes_gateway_status_set_pid:
 * @self: a #HermesGatewayStatus
 * @pid: the PID, 0 for none, -1 for unknown
 */
void
hermes_gateway_status_set_pid(HermesGatewayStatus *self, gint64 pid)
{
	g_return_if_fail(self != NULL);
	self->pid = pid;
}

/**
 * hermes_gateway_status_get_since:
 * @self: a #HermesGatewayStatus
 *
 * Returns: wall-clock time (µs since the epoch) of the last state change, 0 if unknown
 */
gint64
hermes_gateway_status_get_since(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->since_us;
}

/**
 * hermes_gateway_status_set_since:
 * @self: a #HermesGatewayStatus
 * @since_us: µs since the epoch, 0 if unknown
 */
void
hermes_gateway_status_set_since(HermesGatewayStatus *self, gint64 since_us)
{
	g_return_if_fail(self != NULL);
	self->since_us = since_us;
}

/**
 * hermes_gateway_status_get_ready:
 * @self: a #HermesGatewayStatus
 *
 * Returns: whether the gateway reported readiness
 */
HermesTristate
hermes_gateway_status_get_ready(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, HERMES_TRISTATE_UNKNOWN);
	return self->ready;
}

/**
 * hermes_gateway_status_get_ready_since:
 * @self: a #HermesGatewayStatus
 *
 * Returns: µs since the epoch at which readiness was reported, 0 if unknown
 */
gint64
hermes_gateway_status_get_ready_since(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->ready_since_us;
}

/**
 * hermes_gateway_status_set_ready:
 * @self: a #HermesGatewayStatus
 * @ready: readiness
 * @since_us: when it was reported (µs since the epoch), 0 if unknown
 */
void
hermes_gateway_status_set_ready(HermesGatewayStatus *self, HermesTristate ready, gint64 since_us)
{
	g_return_if_fail(self != NULL);
	self->ready = ready;
	self->ready_since_us = since_us;
}

/**
 * hermes_gateway_status_get_last_exit_code:
 * @self: a #HermesGatewayStatus
 *
 * Returns: the last exit code, -1 if unknown or if the process died by a signal
 */
gint
hermes_gateway_status_get_last_exit_code(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, -1);
	return self->last_exit_code;
}

/**
 * hermes_gateway_status_get_last_signal:
 * @self: a #HermesGatewayStatus
 *
 * Returns: the signal that killed the last run, 0 if none or unknown
 */
gint
hermes_gateway_status_get_last_signal(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->last_signal;
}

/**
 * hermes_gateway_status_set_last_exit:
 * @self: a #HermesGatewayStatus
 * @exit_code: the exit code, or -1
 * @signal_num: the killing signal, or 0
 */
void
hermes_gateway_status_set_last_exit(HermesGatewayStatus *self, gint exit_code, gint signal_num)
{
	g_return_if_fail(self != NULL);
	self->last_exit_code = exit_code;
	self->last_signal = signal_num;
}

/**
 * hermes_gateway_status_get_restarts:
 * @self: a #HermesGatewayStatus
 *
 * Returns: how often the supervisor restarted the gateway, -1 if unknown
 */
gint
hermes_gateway_status_get_restarts(const HermesGatewayStatus *self)
{
	g_return_val_if_fail(self != NULL, -1);
	return self->restarts;
}

/**
 * hermes_gateway_status_set_restarts:
 * @self: a #HermesGatewayStatus
 * @restarts: restart count, -1 if unknown
 */
void
hermes_gateway_status_set_restarts(HermesGatewayStatus *self, gint restarts)
{
	g_return_if_fail(self != NULL);
	self->restarts = restarts;
}

/**
 * hermes_gateway_status_get_raw:
 * @self: a #HermesGatewayStatus
 * @key: a backend field name, e.g. `ActiveState`
 *
 * Returns: (nullable): the backend's own text for @key
 */
const gchar *
hermes_gateway_status_get_raw(const HermesGatewayStatus *self, const gchar *key)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_return_val_if_fail(key != NULL, NULL);
	return g_hash_table_lookup(self->raw, key);
}

/**
 * hermes_gateway_status_set_raw:
 * @self: a #HermesGatewayStatus
 * @key: a backend field name
 * @value: (nullable): its text, or %NULL to remove it
 */
void
hermes_gateway_status_set_raw(HermesGatewayStatus *self, const gchar *key, const gchar *value)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(key != NULL);
	/* backends copy what supervisors wrote; D-Bus and JSON take only UTF-8 */
	if (value == NULL)
		g_hash_table_remove(self->raw, key);
	else
		g_hash_table_insert(
			self->raw, g_utf8_make_valid(key, -1), g_utf8_make_valid(value, -1));
}

/**
 * hermes_gateway_status_get_raw_keys:
 * @self: a #HermesGatewayStatus
 *
 * Returns: (transfer full): the sorted backend field names
 */
GStrv
hermes_gateway_status_get_raw_keys(const HermesGatewayStatus *self)
{
	g_autofree const gchar **keys = NULL;
	GStrv result;
	guint n = 0;
	g_return_val_if_fail(self != NULL, NULL);
	keys = (const gchar **)g_hash_table_get_keys_as_array(self->raw, &n);
	result = g_new0(gchar *, n + 1);
	for (guint i = 0; i < n; i++)
		result[i] = g_strdup(keys[i]);
	hermes_strv_sort(result);
	return result;
}

static const gchar *hermes_gateway_state_names[] = {
	"unknown", "up", "down", "starting", "stopping", "failed", "parked"};
static const gchar *hermes_gateway_wanted_names[] = {"unknown", "up", "down"};
static const gchar *hermes_tristate_names[] = {"unknown", "no", "yes"};

/**
 * hermes_gateway_state_to_string:
 * @state: a #HermesGatewayState
 *
 * Returns: the lowercase name used in tables, JSON and D-Bus
 */
const gchar *
hermes_gateway_state_to_string(HermesGatewayState state)
{
	if ((guint)state >= G_N_ELEMENTS(hermes_gateway_state_names))
		return "unknown";
	return hermes_gateway_state_names[state];
}

/**
 * hermes_gateway_wanted_to_string:
 * @wanted: a #HermesGatewayWanted
 *
 * Returns: the lowercase name used in tables, JSON and D-Bus
 */
const gchar *
hermes_gateway_wanted_to_string(HermesGatewayWanted wanted)
{
	if ((guint)wanted >= G_N_ELEMENTS(hermes_gateway_wanted_names))
		return "unknown";
	return hermes_gateway_wanted_names[wanted];
}

static guint
hermes_gateway_status_lookup_name(const gchar *const *names, guint n, const gchar *name)
{
	for (guint i = 0; name != NULL && i < n; i++) {
		if (g_strcmp0(names[i], name) == 0)
			return i;
	}
	return 0;
}

/**
 * hermes_gateway_state_from_string:
 * @name: (nullable): a name from hermes_gateway_state_to_string()
 *
 * Returns: the state, %HERMES_GATEWAY_STATE_UNKNOWN for a name it does not know
 */
HermesGatewayState
hermes_gateway_state_from_string(const gchar *name)
{
	return hermes_gateway_status_lookup_name(
		hermes_gateway_state_names, G_N_ELEMENTS(hermes_gateway_state_names), name);
}

/**
 * hermes_gateway_wanted_from_string:
 * @name: (nullable): a name from hermes_gateway_wanted_to_string()
 *
 * Returns: what is wanted, %HERMES_GATEWAY_WANTED_UNKNOWN for a name it does not know
 */
HermesGatewayWanted
hermes_gateway_wanted_from_string(const gchar *name)
{
	return hermes_gateway_status_lookup_name(
		hermes_gateway_wanted_names, G_N_ELEMENTS(hermes_gateway_wanted_names), name);
}

/**
 * hermes_tristate_from_string:
 * @name: (nullable): `yes`, `no` or `unknown`
 *
 * Returns: the value, %HERMES_TRISTATE_UNKNOWN for anything else
 */
HermesTristate
hermes_tristate_from_string(const gchar *name)
{
	return hermes_gateway_status_lookup_name(
		hermes_tristate_names, G_N_ELEMENTS(hermes_tristate_names), name);
}

/**
 * hermes_tristate_to_string:
 * @value: a #HermesTristate
 *
 * Returns: `yes`, `no` or `unknown`
 */
const gchar *
hermes_tristate_to_string(HermesTristate value)
{
	if ((guint)value >= G_N_ELEMENTS(hermes_tristate_names))
		return "unknown";
	return hermes_tristate_names[value];
}

static void
hermes_gateway_status_set_int_or_null(JsonObject *obj,
				      const gchar *key,
				      gint64 value,
				      gint64 unknown)
{
	if (value == unknown)
		json_object_set_null_member(obj, key);
	else
		json_object_set_int_member(obj, key, value);
}

/**
 * hermes_gateway_status_set_reason:
 * @self: a #HermesGatewayStatus
 * @reason: why the gateway is down, parked or failed
 * @text: (nullable): one line in the supervisor's words, e.g.
 *   `5 deaths within 60 s, the last exited 1`
 *
 * Backends fill this; consumers read hermes_gateway_status_get_reason(),
 * never a backend's raw keys.
 */
void
hermes_gateway_status_set_reason(HermesGatewayStatus *self,
				 HermesGatewayReason reason,
				 const gchar *text)
{
	g_return_if_fail(self != NULL);
	self->reason = reason;
	g_free(self->reason_text);
	self->reason_text = text != NULL ? g_utf8_make_valid(text, -1) : NULL;
}

/* what every backend reports anyway: the last exit code or signal */
static HermesGatewayReason
hermes_gateway_status_reason_from_exit(const HermesGatewayStatus *self, gchar **text)
{
	if (self->last_signal > 0) {
		*text = g_strdup_printf("killed by signal %d", self->last_signal);
		return HERMES_GATEWAY_REASON_KILLED;
	}
	if (self->last_exit_code == 78) {
		*text = g_strdup("exited 78 (fatal configuration error)");
		return HERMES_GATEWAY_REASON_FATAL_CONFIG;
	}
	if (self->last_exit_code >= 0) {
		*text = g_strdup_printf("exited %d", self->last_exit_code);
		return HERMES_GATEWAY_REASON_EXITED;
	}
	return HERMES_GATEWAY_REASON_NONE;
}

/**
 * hermes_gateway_status_get_reason:
 * @self: a #HermesGatewayStatus
 * @text: (out) (optional) (transfer full) (nullable): the reason as one line
 *
 * Why the gateway is down, parked or failed: what the backend set, else (for
 * a gateway that is not up) what its last exit code or signal says. A
 * parked or failed gateway with nothing known is %HERMES_GATEWAY_REASON_UNKNOWN.
 *
 * Returns: the reason
 */
HermesGatewayReason
hermes_gateway_status_get_reason(const HermesGatewayStatus *self, gchar **text)
{
	g_autofree gchar *line = NULL;
	HermesGatewayReason reason = HERMES_GATEWAY_REASON_NONE;
	gboolean down;

	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_REASON_NONE);
	down = self->state == HERMES_GATEWAY_STATE_DOWN ||
	       self->state == HERMES_GATEWAY_STATE_FAILED ||
	       self->state == HERMES_GATEWAY_STATE_PARKED;
	if (self->reason != HERMES_GATEWAY_REASON_NONE) {
		reason = self->reason;
		line = g_strdup(self->reason_text);
	} else if (down) {
		reason = hermes_gateway_status_reason_from_exit(self, &line);
	}
	if (reason == HERMES_GATEWAY_REASON_NONE && (self->state == HERMES_GATEWAY_STATE_FAILED ||
						     self->state == HERMES_GATEWAY_STATE_PARKED))
		reason = HERMES_GATEWAY_REASON_UNKNOWN;
	if (line == NULL && reason != HERMES_GATEWAY_REASON_NONE)
		line = g_strdup(reason == HERMES_GATEWAY_REASON_UNKNOWN
					? "no reason recorded"
					: hermes_gateway_reason_to_string(reason));
	if (text != NULL)
		*text = g_steal_pointer(&line);
	return reason;
}

/**
 * hermes_gateway_reason_to_string:
 * @reason: a #HermesGatewayReason
 *
 * Returns: `none`, `unknown`, `stopped`, `exited`, `killed`, `fatal-config`,
 *   `crash-loop` or `multiplexed`
 */
static const gchar *hermes_gateway_reason_names[] = {"none",
						     "unknown",
						     "stopped",
						     "exited",
						     "killed",
						     "fatal-config",
						     "crash-loop",
						     "multiplexed"};

const gchar *
hermes_gateway_reason_to_string(HermesGatewayReason reason)
{
	if ((guint)reason >= G_N_ELEMENTS(hermes_gateway_reason_names))
		return "unknown";
	return hermes_gateway_reason_names[reason];
}

/**
 * hermes_gateway_reason_from_string:
 * @name: (nullable): a name from hermes_gateway_reason_to_string()
 *
 * Returns: the reason; %HERMES_GATEWAY_REASON_NONE for %NULL or `none`,
 *   %HERMES_GATEWAY_REASON_UNKNOWN for a name it does not know
 */
HermesGatewayReason
hermes_gateway_reason_from_string(const gchar *name)
{
	if (name == NULL || name[0] == '\0' || g_strcmp0(name, "none") == 0)
		return HERMES_GATEWAY_REASON_NONE;
	for (guint i = 0; i < G_N_ELEMENTS(hermes_gateway_reason_names); i++) {
		if (g_strcmp0(hermes_gateway_reason_names[i], name) == 0)
			return i;
	}
	return HERMES_GATEWAY_REASON_UNKNOWN;
}

/**
 * hermes_gateway_status_to_json:
 * @self: a #HermesGatewayStatus
 *
 * Unknown values are JSON `null`, never a guessed number.
 *
 * Returns: (transfer full): a JSON object describing @self
 */
JsonNode *
hermes_gateway_status_to_json(const HermesGatewayStatus *self)
{
	/* objects set directly, not through a JsonBuilder: `status --all` renders
	 * hundreds of these, and the builder's bookkeeping doubled the cost */
	JsonNode *node;
	JsonObject *obj;
	JsonObject *raw;
	g_auto(GStrv) keys = NULL;

	g_return_val_if_fail(self != NULL, NULL);
	obj = json_object_new();
	json_object_set_string_member(obj, "profile", self->profile);
	json_object_set_string_member(obj, "state", hermes_gateway_state_to_string(self->state));
	json_object_set_string_member(obj, "wanted", hermes_gateway_wanted_to_string(self->wanted));
	hermes_gateway_status_set_int_or_null(obj, "pid", self->pid, -1);
	hermes_gateway_status_set_int_or_null(obj, "since_us", self->since_us, 0);
	json_object_set_string_member(obj, "ready", hermes_tristate_to_string(self->ready));
	hermes_gateway_status_set_int_or_null(obj, "ready_since_us", self->ready_since_us, 0);
	hermes_gateway_status_set_int_or_null(obj, "last_exit_code", self->last_exit_code, -1);
	hermes_gateway_status_set_int_or_null(obj, "last_signal", self->last_signal, 0);
	hermes_gateway_status_set_int_or_null(obj, "restarts", self->restarts, -1);

	/* JsonObject keeps insertion order: the keys sorted, as get_raw_keys gives */
	raw = json_object_new();
	keys = hermes_gateway_status_get_raw_keys(self);
	for (guint i = 0; keys[i] != NULL; i++)
		json_object_set_string_member(
			raw, keys[i], g_hash_table_lookup(self->raw, keys[i]));
	json_object_set_object_member(obj, "raw", raw);
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, obj);
	return node;
}
