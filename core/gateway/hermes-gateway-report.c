/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One row per gateway, for every reader: the supervisor's status, what the
 * gateway and the operator recorded (gateway_state.json), the intent by the
 * one rule, the port and its collisions, and the problems a person should
 * see, each with a code, one line and a command that fixes it. `hermes
 * status` (table and JSON), `hermes gateway health` and hermes-svcd's
 * D-Bus properties only render it; `hermes status --dbus` reads it back
 * from the bus, so both doors print the same bytes.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "hermes-error.h"
#include "hermes-gateway-report-private.h"
#include "hermes-gateway-state.h"
#include "hermes-platform-private.h"
#include "hermes-port.h"
#include "hermes-profile.h"
#include "hermes-state.h"

G_DEFINE_BOXED_TYPE(HermesGatewayReport,
		    hermes_gateway_report,
		    hermes_gateway_report_ref,
		    hermes_gateway_report_unref)

/*****************************************************************************/
/* the report */

HermesGatewayReport *
hermes_gateway_report_alloc(const gchar *profile)
{
	HermesGatewayReport *self = g_new0(HermesGatewayReport, 1);
	g_atomic_ref_count_init(&self->refcount);
	self->profile = g_strdup(profile);
	self->runtime_pid = -1;
	self->port = -1;
	self->problems =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_gateway_problem_free);
	return self;
}

/**
 * hermes_gateway_report_ref:
 * @self: a #HermesGatewayReport
 *
 * Returns: (transfer full): @self
 */
HermesGatewayReport *
hermes_gateway_report_ref(HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->refcount);
	return self;
}

/**
 * hermes_gateway_report_unref:
 * @self: (transfer full): a #HermesGatewayReport
 */
void
hermes_gateway_report_unref(HermesGatewayReport *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->refcount))
		return;
	g_free(self->profile);
	g_clear_pointer(&self->status, hermes_gateway_status_unref);
	g_clear_error(&self->error);
	g_free(self->home);
	g_free(self->desired);
	g_free(self->runtime);
	g_free(self->reason_text);
	g_free(self->node);
	g_ptr_array_unref(self->problems);
	g_free(self);
}

static void
hermes_gateway_report_add(HermesGatewayReport *self,
			  HermesGatewayProblemCode code,
			  gchar *text,
			  gchar *fix)
{
	g_ptr_array_add(self->problems, hermes_gateway_problem_new(code, text, fix));
	g_free(text);
	g_free(fix);
}

static gchar *
hermes_gateway_report_fix(const HermesGatewayReport *self, const gchar *verb)
{
	return g_strdup_printf("hermes -p %s gateway %s", self->profile, verb);
}

/*
 * gateway_state.json as a reader: never through a symlink, so a home's
 * owner cannot point a root daemon at someone else's file
 */
static JsonObject *
hermes_gateway_report_load_state(const gchar *home, GError **error)
{
	g_autofree gchar *path = g_build_filename(home, HERMES_GATEWAY_STATE_FILE, NULL);
	GStatBuf st;
	if (g_lstat(path, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot read %s", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s is not a regular file",
			    path);
		return NULL;
	}
	return hermes_gateway_state_load(home, error);
}

static gchar *
hermes_gateway_report_dup_nonempty(JsonObject *state, const gchar *member)
{
	const gchar *value = hermes_json_get_string(state, member);
	return value != NULL && value[0] != '\0' ? g_strdup(value) : NULL;
}

/* what the gateway and the operator recorded */
static void
hermes_gateway_report_read_state(HermesGatewayReport *self, HermesContext *ctx)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(ctx, self->profile, NULL);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) state = NULL;
	gint64 port;

	if (p == NULL)
		return;
	/* the common case in one read (the safe layer refuses what lstat would);
	 * only a file that is not there or not readable is looked at again */
	state = hermes_gateway_state_load(hermes_profile_get_home(p), NULL);
	if (state == NULL && !g_file_test(hermes_profile_get_home(p), G_FILE_TEST_IS_DIR))
		return;
	self->home = g_strdup(hermes_profile_get_home(p));
	if (state == NULL)
		state = hermes_gateway_report_load_state(self->home, &error_local);
	if (state == NULL) {
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			hermes_gateway_report_add(
				self,
				HERMES_GATEWAY_PROBLEM_STATE_FILE,
				g_strdup(error_local->message),
				g_strdup_printf("rm %s/%s", self->home, HERMES_GATEWAY_STATE_FILE));
		return;
	}
	self->desired = hermes_gateway_report_dup_nonempty(state, "desired_state");
	self->runtime = hermes_gateway_report_dup_nonempty(state, "gateway_state");
	self->runtime_pid = hermes_json_get_int(state, "pid", -1);
	port = hermes_json_get_int(state, "port", -1);
	/* what D-Bus can carry, so both doors show the same */
	self->port = port > 0 && port <= G_MAXUINT16 ? port : -1;
	self->intent = hermes_intent_from_state(state, NULL, &self->intent_source);
}

/* the supervisor's view; an error names the action, profile, backend and code */
static void
hermes_gateway_report_read_status(HermesGatewayReport *self,
				  HermesServiceManager *manager,
				  HermesGatewayStatus *known,
				  GCancellable *cancellable)
{
	g_autoptr(GError) error_local = NULL;
	if (known != NULL) {
		self->status = hermes_gateway_status_ref(known);
	} else {
		self->status = hermes_service_manager_get_status(
			manager, self->profile, cancellable, &error_local);
	}
	if (self->status != NULL) {
		self->reason = hermes_gateway_status_get_reason(self->status, &self->reason_text);
		return;
	}
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED))
		return;
	g_set_error(&self->error,
		    HERMES_ERROR,
		    error_local->code,
		    "status of gateway '%s' failed (backend %s, %s): %s",
		    self->profile,
		    hermes_service_manager_get_name(manager),
		    hermes_error_to_string(error_local->code),
		    error_local->message);
}

static void
hermes_gateway_report_diagnose_status(HermesGatewayReport *self, const gchar *mode)
{
	HermesGatewayState state = self->status != NULL
					   ? hermes_gateway_status_get_state(self->status)
					   : HERMES_GATEWAY_STATE_UNKNOWN;

	if (g_error_matches(self->error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE))
		hermes_gateway_report_add(self,
					  HERMES_GATEWAY_PROBLEM_SUPERVISOR_GONE,
					  g_strdup(self->error->message),
					  g_strdup(g_strcmp0(mode, "embedded") == 0
							   ? "hermes supervisor start"
							   : "hermes supervisor status"));
	else if (self->error != NULL)
		hermes_gateway_report_add(self,
					  HERMES_GATEWAY_PROBLEM_STATUS_FAILED,
					  g_strdup(self->error->message),
					  g_strdup("hermes backends"));
	if (self->status == NULL && self->error == NULL)
		hermes_gateway_report_add(self,
					  HERMES_GATEWAY_PROBLEM_NO_SLOT,
					  g_strdup("no slot with the supervisor: 'hermes gateway "
						   "start' registers one"),
					  hermes_gateway_report_fix(self, "start"));
	if (state == HERMES_GATEWAY_STATE_PARKED || state == HERMES_GATEWAY_STATE_FAILED)
		hermes_gateway_report_add(
			self,
			state == HERMES_GATEWAY_STATE_PARKED ? HERMES_GATEWAY_PROBLEM_PARKED
							     : HERMES_GATEWAY_PROBLEM_FAILED,
			g_strdup_printf("%s: %s",
					hermes_gateway_state_to_string(state),
					self->reason_text != NULL ? self->reason_text
								  : "no reason recorded"),
			hermes_gateway_report_fix(self, "restart"));
}

/* gateway_state says running, and its pid is gone */
static gboolean
hermes_gateway_report_runtime_gone(const HermesGatewayReport *self, gboolean up)
{
	if (g_strcmp0(self->runtime, "running") != 0 || self->runtime_pid <= 0)
		return FALSE;
	/* the supervisor has just reported this very pid up: no second look at /proc */
	if (up && hermes_gateway_status_get_pid(self->status) == self->runtime_pid)
		return FALSE;
	return !hermes_platform_process_alive(self->runtime_pid);
}

/* the problems a person should see without reading the columns */
void
hermes_gateway_report_diagnose(HermesGatewayReport *self, const gchar *mode, GPtrArray *collisions)
{
	HermesGatewayState state = self->status != NULL
					   ? hermes_gateway_status_get_state(self->status)
					   : HERMES_GATEWAY_STATE_UNKNOWN;
	gboolean up = state == HERMES_GATEWAY_STATE_UP || state == HERMES_GATEWAY_STATE_STARTING;

	hermes_gateway_report_diagnose_status(self, mode);
	if (self->intent == HERMES_INTENT_RUN && !up && self->status != NULL)
		hermes_gateway_report_add(
			self,
			HERMES_GATEWAY_PROBLEM_NOT_UP,
			g_strdup_printf("meant to run (%s=%s) but not up",
					self->intent_source == HERMES_INTENT_SOURCE_DESIRED
						? "desired_state"
						: "gateway_state",
					self->intent_source == HERMES_INTENT_SOURCE_DESIRED
						? self->desired
						: self->runtime),
			hermes_gateway_report_fix(self, "start"));
	if (hermes_gateway_report_runtime_gone(self, up))
		hermes_gateway_report_add(
			self,
			HERMES_GATEWAY_PROBLEM_STALE_RUNTIME,
			g_strdup_printf("stale runtime state: gateway_state=running but "
					"pid %" G_GINT64_FORMAT " is gone",
					self->runtime_pid),
			self->intent == HERMES_INTENT_RUN
				? hermes_gateway_report_fix(self, "restart")
				: NULL);
	for (guint i = 0; collisions != NULL && i < collisions->len; i++)
		hermes_gateway_report_add(
			self,
			HERMES_GATEWAY_PROBLEM_PORT_COLLISION,
			g_strdup_printf("port collision: %s",
					(const gchar *)g_ptr_array_index(collisions, i)),
			g_strdup_printf("set a free API_SERVER_PORT in %s/.env, then: "
					"hermes -p %s gateway restart",
					self->home != NULL ? self->home : "the profile's home",
					self->profile));
}

/* without the multiplexer's view: a set of rows gets it once (report-multiplex.c) */
HermesGatewayReport *
hermes_gateway_report_build(HermesServiceManager *manager,
			    const gchar *profile,
			    HermesGatewayStatus *known,
			    HermesPortTable *ports,
			    GCancellable *cancellable)
{
	HermesGatewayReport *self = hermes_gateway_report_alloc(profile);
	hermes_gateway_report_read_status(self, manager, known, cancellable);
	hermes_gateway_report_read_state(self, hermes_service_manager_get_context(manager));
	hermes_gateway_report_diagnose(
		self,
		hermes_service_manager_get_mode(manager),
		ports != NULL ? hermes_port_table_get_collisions(ports, profile) : NULL);
	return self;
}

/**
 * hermes_gateway_report_new_with_ports:
 * @manager: the backend, set up with its context
 * @profile: a valid profile name
 * @known: (nullable): the status the backend just reported, if any; else it is read
 * @ports: (nullable): the root's ports, read once for many reports; %NULL for
 *   no port-collision problems
 * @cancellable: (nullable): a #GCancellable
 *
 * hermes_gateway_report_new() for a caller that builds many reports, or
 * keeps @ports current itself (hermes_port_table_update()): no `.env` is
 * read here.
 *
 * Returns: (transfer full): the report
 */
HermesGatewayReport *
hermes_gateway_report_new_with_ports(HermesServiceManager *manager,
				     const gchar *profile,
				     HermesGatewayStatus *known,
				     HermesPortTable *ports,
				     GCancellable *cancellable)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new();
	HermesGatewayReport *self;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	g_return_val_if_fail(hermes_service_manager_get_context(manager) != NULL, NULL);
	g_return_val_if_fail(profile != NULL, NULL);
	g_return_val_if_fail(ports == NULL || HERMES_IS_PORT_TABLE(ports), NULL);
	self = hermes_gateway_report_build(manager, profile, known, ports, cancellable);
	g_ptr_array_add(rows, self);
	hermes_gateway_report_apply_multiplex(rows, manager, cancellable);
	return self;
}

/**
 * hermes_gateway_report_new:
 * @manager: the backend, set up with its context
 * @profile: a valid profile name
 * @known: (nullable): the status the backend just reported, if any; else it is read
 * @cancellable: (nullable): a #GCancellable
 *
 * The report of one gateway. A status that cannot be read is not an error
 * here: it is in the report (hermes_gateway_report_propagate_error()), and
 * among its problems. Port collisions need every profile's `.env`: to build
 * many reports, read them once (hermes_gateway_report_new_with_ports()).
 *
 * Returns: (transfer full): the report
 */
HermesGatewayReport *
hermes_gateway_report_new(HermesServiceManager *manager,
			  const gchar *profile,
			  HermesGatewayStatus *known,
			  GCancellable *cancellable)
{
	g_autoptr(HermesPortTable) ports = NULL;
	g_return_val_if_fail(HERMES_IS_SERVICE_MANAGER(manager), NULL);
	g_return_val_if_fail(hermes_service_manager_get_context(manager) != NULL, NULL);
	ports = hermes_port_table_new(hermes_service_manager_get_context(manager), NULL);
	return hermes_gateway_report_new_with_ports(manager, profile, known, ports, cancellable);
}

/*****************************************************************************/
/* reading it */

/**
 * hermes_gateway_report_get_profile:
 * @self: a #HermesGatewayReport
 *
 * Returns: the profile
 */
const gchar *
hermes_gateway_report_get_profile(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->profile;
}

/**
 * hermes_gateway_report_get_status:
 * @self: a #HermesGatewayReport
 *
 * Returns: (transfer none) (nullable): the supervisor's view; %NULL when
 *   the profile has no slot or the status could not be read
 */
HermesGatewayStatus *
hermes_gateway_report_get_status(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->status;
}

/**
 * hermes_gateway_report_get_registered:
 * @self: a #HermesGatewayReport
 *
 * Returns: whether the supervisor reported a status for the gateway
 */
gboolean
hermes_gateway_report_get_registered(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return self->status != NULL;
}

/**
 * hermes_gateway_report_get_state:
 * @self: a #HermesGatewayReport
 *
 * Returns: the state's name (hermes_gateway_state_to_string()), or
 *   `unregistered` when there is no status
 */
const gchar *
hermes_gateway_report_get_state(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	if (self->status == NULL)
		return "unregistered";
	return hermes_gateway_state_to_string(hermes_gateway_status_get_state(self->status));
}

/**
 * hermes_gateway_report_get_desired_state:
 * @self: a #HermesGatewayReport
 *
 * Returns: (nullable): the operator's intent from `gateway_state.json`
 *   (`desired_state`), %NULL when none is recorded
 */
const gchar *
hermes_gateway_report_get_desired_state(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->desired;
}

/**
 * hermes_gateway_report_get_runtime_state:
 * @self: a #HermesGatewayReport
 *
 * Returns: (nullable): what the gateway last wrote (`gateway_state`), %NULL when none
 */
const gchar *
hermes_gateway_report_get_runtime_state(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->runtime;
}

/**
 * hermes_gateway_report_get_port:
 * @self: a #HermesGatewayReport
 *
 * Returns: the port the gateway recorded, -1 when none
 */
gint64
hermes_gateway_report_get_port(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, -1);
	return self->port;
}

/**
 * hermes_gateway_report_get_intent:
 * @self: a #HermesGatewayReport
 * @source: (out) (optional): which member of the state file said so
 *
 * Returns: whether the gateway is meant to run, by hermes_intent_from_state()
 *   (not known for a report read back from D-Bus)
 */
HermesIntent
hermes_gateway_report_get_intent(const HermesGatewayReport *self, HermesIntentSource *source)
{
	g_return_val_if_fail(self != NULL, HERMES_INTENT_NONE);
	if (source != NULL)
		*source = self->intent_source;
	return self->intent;
}

/**
 * hermes_gateway_report_get_reason:
 * @self: a #HermesGatewayReport
 * @text: (out) (optional) (transfer none) (nullable): the reason as one line
 *
 * Returns: why the gateway is down, parked or failed (hermes_gateway_status_get_reason())
 */
HermesGatewayReason
hermes_gateway_report_get_reason(const HermesGatewayReport *self, const gchar **text)
{
	g_return_val_if_fail(self != NULL, HERMES_GATEWAY_REASON_NONE);
	if (text != NULL)
		*text = self->reason_text;
	return self->reason;
}

/**
 * hermes_gateway_report_get_problems:
 * @self: a #HermesGatewayReport
 *
 * Returns: (transfer none) (element-type HermesGatewayProblem): the problems, in order
 */
GPtrArray *
hermes_gateway_report_get_problems(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->problems;
}

/**
 * hermes_gateway_report_get_problem_texts:
 * @self: a #HermesGatewayReport
 *
 * Returns: (transfer full): the problems' lines, in order
 */
GStrv
hermes_gateway_report_get_problem_texts(const HermesGatewayReport *self)
{
	GStrv texts;
	g_return_val_if_fail(self != NULL, NULL);
	texts = g_new0(gchar *, self->problems->len + 1);
	for (guint i = 0; i < self->problems->len; i++) {
		HermesGatewayProblem *problem = g_ptr_array_index(self->problems, i);
		texts[i] = g_strdup(hermes_gateway_problem_get_text(problem));
	}
	return texts;
}

/**
 * hermes_gateway_report_propagate_error:
 * @self: a #HermesGatewayReport
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the status could be read (or the profile has no
 *   slot), else %FALSE with the error, naming the backend and the code
 */
gboolean
hermes_gateway_report_propagate_error(const HermesGatewayReport *self, GError **error)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if (self->error == NULL)
		return TRUE;
	g_propagate_error(error, g_error_copy(self->error));
	return FALSE;
}

/**
 * hermes_gateway_report_is_healthy:
 * @self: a #HermesGatewayReport
 * @why: (out) (optional) (transfer full) (nullable): what is wrong, one line
 *
 * The rule of `hermes gateway health`: a gateway meant to run must be up
 * and not unready; one not meant to run is healthy. A named profile the
 * multiplexer serves is healthy when the default profile's gateway is.
 *
 * Returns: whether the gateway is healthy
 */
gboolean
hermes_gateway_report_is_healthy(const HermesGatewayReport *self, gchar **why)
{
	HermesGatewayState state;
	g_return_val_if_fail(self != NULL, FALSE);
	if (self->intent != HERMES_INTENT_RUN)
		return TRUE;
	state = self->status != NULL ? hermes_gateway_status_get_state(self->status)
				     : HERMES_GATEWAY_STATE_UNKNOWN;
	if (state != HERMES_GATEWAY_STATE_UP && self->multiplexed)
		return hermes_gateway_report_served_health(self, why);
	if (state != HERMES_GATEWAY_STATE_UP) {
		const HermesGatewayProblem *first =
			self->problems->len > 0 ? g_ptr_array_index(self->problems, 0) : NULL;
		if (why != NULL)
			*why = g_strdup_printf(
				"gateway '%s' is %s%s%s",
				self->profile,
				self->status != NULL ? hermes_gateway_state_to_string(state)
						     : "not registered",
				first != NULL ? "; " : "",
				first != NULL ? hermes_gateway_problem_get_text(first) : "");
		return FALSE;
	}
	if (hermes_gateway_status_get_ready(self->status) == HERMES_TRISTATE_NO) {
		if (why != NULL)
			*why = g_strdup_printf("gateway '%s' is up but not ready", self->profile);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_gateway_report_set_node:
 * @self: a report
 * @node: (nullable): the cluster node that owns the gateway (docs/cluster.md)
 *
 * Set by a door that asked the cluster; the report itself knows no cluster.
 */
void
hermes_gateway_report_set_node(HermesGatewayReport *self, const gchar *node)
{
	g_return_if_fail(self != NULL);
	g_free(self->node);
	self->node = g_strdup(node);
}

/**
 * hermes_gateway_report_get_node:
 * @self: a report
 *
 * Returns: (nullable): the cluster node that owns the gateway, %NULL when no
 *   door asked the cluster or no node owns it
 */
const gchar *
hermes_gateway_report_get_node(const HermesGatewayReport *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->node;
}
