/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The fake backend: in-memory gateways for core unit tests only. It is a
 * real shared module loaded through the real loader, driven by the
 * context's environment:
 *   HERMES_FAKE_SCORE     probe score (default 1)
 *   HERMES_FAKE_GATEWAYS  comma-separated profiles registered at setup (down)
 *   HERMES_FAKE_REGISTRATION  "0": slots cannot be registered at run time
 *   HERMES_FAKE_STATES    comma-separated PROFILE=parked, PROFILE=failed or
 *                         PROFILE=up: registered at setup in that state
 *                         (parked with a typed reason, failed with only an
 *                         exit code, up and ready)
 *   HERMES_FAKE_FAIL      comma-separated OP or OP:PROFILE that fail with
 *                         CommandFailed; OP "foreign" makes every call fail
 *                         with a G_IO_ERROR to prove the wrappers convert it;
 *                         OP "gone" makes every call but setup and list fail
 *                         with SupervisorUnavailable (the supervisor died)
 * Every vfunc call bumps the object data "fake-calls".
 */

#include "config.h"

#include "hermes-backend.h"

#define HERMES_TYPE_FAKE_MANAGER (hermes_fake_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesFakeManager, hermes_fake_manager, HERMES, FAKE_MANAGER, GObject)

typedef struct {
	gboolean up;
	gboolean enabled;
	gint64 since;
	gint restarts;
	gint64 pid;
	HermesGatewayState verdict; /* parked or failed while down, else unknown */
} HermesFakeGateway;

struct _HermesFakeManager {
	GObject parent_instance;
	GHashTable *gateways; /* profile -> HermesFakeGateway */
	GStrv fail;
	gint64 next_pid;
	gboolean registration;
};

static void
hermes_fake_manager_iface_init(HermesServiceManagerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(HermesFakeManager,
			      hermes_fake_manager,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(HERMES_TYPE_SERVICE_MANAGER,
						    hermes_fake_manager_iface_init))

static gboolean
hermes_fake_manager_call(HermesFakeManager *self,
			 const gchar *op,
			 const gchar *profile,
			 GError **error)
{
	guint calls = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(self), "fake-calls"));
	g_autofree gchar *scoped = g_strdup_printf("%s:%s", op, profile != NULL ? profile : "");
	g_object_set_data(G_OBJECT(self), "fake-calls", GUINT_TO_POINTER(calls + 1));
	if (self->fail == NULL)
		return TRUE;
	if (g_strv_contains((const gchar *const *)self->fail, "foreign")) {
		/* deliberately outside HERMES_ERROR: the wrappers must convert it */
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "fake %s denied", op);
		return FALSE;
	}
	if (g_strv_contains((const gchar *const *)self->fail, "gone") &&
	    g_strcmp0(op, "setup") != 0 && g_strcmp0(op, "list") != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
			    "the fake supervisor is not running");
		return FALSE;
	}
	if (g_strv_contains((const gchar *const *)self->fail, op) ||
	    g_strv_contains((const gchar *const *)self->fail, scoped)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "fake %s failed as asked",
			    op);
		return FALSE;
	}
	return TRUE;
}

static HermesGatewayStatus *
hermes_fake_manager_status_of(const gchar *profile, HermesFakeGateway *gw)
{
	HermesGatewayStatus *status = hermes_gateway_status_new(profile);
	hermes_gateway_status_set_state(
		status, gw->up ? HERMES_GATEWAY_STATE_UP : HERMES_GATEWAY_STATE_DOWN);
	hermes_gateway_status_set_wanted(
		status, gw->up ? HERMES_GATEWAY_WANTED_UP : HERMES_GATEWAY_WANTED_DOWN);
	hermes_gateway_status_set_pid(status, gw->up ? gw->pid : 0);
	hermes_gateway_status_set_since(status, gw->since);
	hermes_gateway_status_set_ready(
		status, gw->up ? HERMES_TRISTATE_YES : HERMES_TRISTATE_NO, gw->since);
	hermes_gateway_status_set_restarts(status, gw->restarts);
	hermes_gateway_status_set_raw(status, "fake.enabled", gw->enabled ? "yes" : "no");
	if (!gw->up && gw->verdict == HERMES_GATEWAY_STATE_PARKED) {
		hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_PARKED);
		hermes_gateway_status_set_last_exit(status, 1, 0);
		hermes_gateway_status_set_reason(
			status, HERMES_GATEWAY_REASON_CRASH_LOOP, "5 deaths within 60 s (fake)");
	} else if (!gw->up && gw->verdict == HERMES_GATEWAY_STATE_FAILED) {
		/* no typed reason: core explains it from the exit code */
		hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_FAILED);
		hermes_gateway_status_set_last_exit(status, 78, 0);
	}
	return status;
}

static void
hermes_fake_manager_changed(HermesFakeManager *self, const gchar *profile)
{
	HermesFakeGateway *gw = g_hash_table_lookup(self->gateways, profile);
	g_autoptr(HermesGatewayStatus) status = NULL;
	if (gw != NULL)
		status = hermes_fake_manager_status_of(profile, gw);
	hermes_service_manager_emit_gateway_changed(HERMES_SERVICE_MANAGER(self), profile, status);
}

static HermesFakeGateway *
hermes_fake_manager_lookup(HermesFakeManager *self, const gchar *profile, GError **error)
{
	HermesFakeGateway *gw = g_hash_table_lookup(self->gateways, profile);
	if (gw == NULL)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_REGISTERED,
			    "gateway '%s' is not registered with the fake backend",
			    profile);
	return gw;
}

static void
hermes_fake_manager_set_up(HermesFakeManager *self, HermesFakeGateway *gw, gboolean up)
{
	gw->up = up;
	gw->since = g_get_real_time();
	gw->verdict = HERMES_GATEWAY_STATE_UNKNOWN;
	if (up)
		gw->pid = self->next_pid++;
}

static gboolean
hermes_fake_manager_setup(HermesServiceManager *manager, HermesContext *ctx, GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	const gchar *pre = hermes_context_getenv(ctx, "HERMES_FAKE_GATEWAYS");
	const gchar *fail = hermes_context_getenv(ctx, "HERMES_FAKE_FAIL");
	const gchar *states = hermes_context_getenv(ctx, "HERMES_FAKE_STATES");
	if (fail != NULL)
		self->fail = g_strsplit(fail, ",", -1);
	self->registration =
		g_strcmp0(hermes_context_getenv(ctx, "HERMES_FAKE_REGISTRATION"), "0") != 0;
	if (!hermes_fake_manager_call(self, "setup", NULL, error))
		return FALSE;
	if (states != NULL) {
		g_auto(GStrv) pairs = g_strsplit(states, ",", -1);
		for (guint i = 0; pairs[i] != NULL; i++) {
			g_auto(GStrv) kv = g_strsplit(pairs[i], "=", 2);
			HermesFakeGateway *gw;
			if (g_strv_length(kv) != 2)
				continue;
			gw = g_new0(HermesFakeGateway, 1);
			gw->verdict = g_strcmp0(kv[1], "parked") == 0 ? HERMES_GATEWAY_STATE_PARKED
								      : HERMES_GATEWAY_STATE_FAILED;
			if (g_strcmp0(kv[1], "up") == 0)
				hermes_fake_manager_set_up(self, gw, TRUE);
			g_hash_table_insert(self->gateways, g_strdup(kv[0]), gw);
		}
	}
	if (pre != NULL) {
		g_auto(GStrv) names = g_strsplit(pre, ",", -1);
		for (guint i = 0; names[i] != NULL; i++) {
			if (names[i][0] != '\0')
				g_hash_table_insert(self->gateways,
						    g_strdup(names[i]),
						    g_new0(HermesFakeGateway, 1));
		}
	}
	return TRUE;
}

static const gchar *
hermes_fake_manager_get_name(HermesServiceManager *manager)
{
	return "fake";
}

static gboolean
hermes_fake_manager_start(HermesServiceManager *manager,
			  const gchar *profile,
			  GCancellable *cancellable,
			  GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	HermesFakeGateway *gw;
	if (!hermes_fake_manager_call(self, "start", profile, error))
		return FALSE;
	gw = hermes_fake_manager_lookup(self, profile, error);
	if (gw == NULL)
		return FALSE;
	if (!gw->up) {
		hermes_fake_manager_set_up(self, gw, TRUE);
		hermes_fake_manager_changed(self, profile);
	}
	return TRUE;
}

static gboolean
hermes_fake_manager_stop(HermesServiceManager *manager,
			 const gchar *profile,
			 GCancellable *cancellable,
			 GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	HermesFakeGateway *gw;
	if (!hermes_fake_manager_call(self, "stop", profile, error))
		return FALSE;
	gw = hermes_fake_manager_lookup(self, profile, error);
	if (gw == NULL)
		return FALSE;
	if (gw->up) {
		hermes_fake_manager_set_up(self, gw, FALSE);
		hermes_fake_manager_changed(self, profile);
	}
	return TRUE;
}

static gboolean
hermes_fake_manager_restart(HermesServiceManager *manager,
			    const gchar *profile,
			    GCancellable *cancellable,
			    GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	HermesFakeGateway *gw;
	if (!hermes_fake_manager_call(self, "restart", profile, error))
		return FALSE;
	gw = hermes_fake_manager_lookup(self, profile, error);
	if (gw == NULL)
		return FALSE;
	/* converge to up: a stopped gateway is started, a running one replaced */
	if (gw->up)
		gw->restarts++;
	hermes_fake_manager_set_up(self, gw, TRUE);
	hermes_fake_manager_changed(self, profile);
	return TRUE;
}

static HermesGatewayStatus *
hermes_fake_manager_get_status(HermesServiceManager *manager,
			       const gchar *profile,
			       GCancellable *cancellable,
			       GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	HermesFakeGateway *gw;
	if (!hermes_fake_manager_call(self, "status", profile, error))
		return NULL;
	gw = hermes_fake_manager_lookup(self, profile, error);
	if (gw == NULL)
		return NULL;
	return hermes_fake_manager_status_of(profile, gw);
}

static GStrv
hermes_fake_manager_list_gateways(HermesServiceManager *manager,
				  GCancellable *cancellable,
				  GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	g_autofree const gchar **keys = NULL;
	if (!hermes_fake_manager_call(self, "list", NULL, error))
		return NULL;
	keys = (const gchar **)g_hash_table_get_keys_as_array(self->gateways, NULL);
	return g_strdupv((gchar **)keys);
}

static gboolean
hermes_fake_manager_add(HermesFakeManager *self,
			const gchar *op,
			HermesGatewaySpec *spec,
			HermesRegisterFlags flags,
			GError **error)
{
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	HermesFakeGateway *gw;
	if (!hermes_fake_manager_call(self, op, profile, error))
		return FALSE;
	if (g_hash_table_contains(self->gateways, profile) &&
	    (flags & HERMES_REGISTER_FLAG_REPLACE) == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ALREADY_EXISTS,
			    "gateway '%s' is already registered",
			    profile);
		return FALSE;
	}
	/* a fake slot has no contents that could be outdated: REPLACE keeps it as it is */
	gw = g_hash_table_lookup(self->gateways, profile);
	if (gw == NULL) {
		gw = g_new0(HermesFakeGateway, 1);
		g_hash_table_replace(self->gateways, g_strdup(profile), gw);
	}
	gw->enabled |= (flags & HERMES_REGISTER_FLAG_ENABLE) != 0;
	if (flags & HERMES_REGISTER_FLAG_START)
		hermes_fake_manager_set_up(self, gw, TRUE);
	hermes_fake_manager_changed(self, profile);
	return TRUE;
}

static gboolean
hermes_fake_manager_register_gateway(HermesServiceManager *manager,
				     HermesGatewaySpec *spec,
				     HermesRegisterFlags flags,
				     GCancellable *cancellable,
				     GError **error)
{
	return hermes_fake_manager_add(
		HERMES_FAKE_MANAGER(manager), "register", spec, flags, error);
}

static gboolean
hermes_fake_manager_remove(HermesFakeManager *self,
			   const gchar *op,
			   const gchar *profile,
			   GError **error)
{
	if (!hermes_fake_manager_call(self, op, profile, error))
		return FALSE;
	/* absent is not an error: unregistering converges to "no slot" */
	if (g_hash_table_remove(self->gateways, profile))
		hermes_fake_manager_changed(self, profile);
	return TRUE;
}

static gboolean
hermes_fake_manager_unregister_gateway(HermesServiceManager *manager,
				       const gchar *profile,
				       GCancellable *cancellable,
				       GError **error)
{
	return hermes_fake_manager_remove(
		HERMES_FAKE_MANAGER(manager), "unregister", profile, error);
}

static gboolean
hermes_fake_manager_install(HermesServiceManager *manager,
			    HermesGatewaySpec *spec,
			    HermesRegisterFlags flags,
			    GCancellable *cancellable,
			    GError **error)
{
	return hermes_fake_manager_add(HERMES_FAKE_MANAGER(manager), "install", spec, flags, error);
}

static gboolean
hermes_fake_manager_uninstall(HermesServiceManager *manager,
			      const gchar *profile,
			      GCancellable *cancellable,
			      GError **error)
{
	return hermes_fake_manager_remove(
		HERMES_FAKE_MANAGER(manager), "uninstall", profile, error);
}

static GPtrArray *
hermes_fake_manager_render(HermesServiceManager *manager, HermesGatewaySpec *spec, GError **error)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(manager);
	const gchar *profile = hermes_gateway_spec_get_profile(spec);
	g_autoptr(GPtrArray) steps =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_render_step_unref);
	g_autoptr(GString) conf = g_string_new(NULL);
	g_auto(GStrv) names = hermes_gateway_spec_get_env_names(spec);
	g_autofree gchar *path = g_strdup_printf("/fake/%s.conf", profile);
	g_autofree gchar *argv_joined =
		g_strjoinv(" ", (gchar **)hermes_gateway_spec_get_argv(spec));
	const gchar *cmd[] = {"fake-reload", profile, NULL};

	if (!hermes_fake_manager_call(self, "render", profile, error))
		return NULL;
	g_string_append_printf(conf, "exec=%s\n", argv_joined);
	for (guint i = 0; names[i] != NULL; i++)
		g_string_append_printf(
			conf, "env.%s=%s\n", names[i], hermes_gateway_spec_get_env(spec, names[i]));
	g_ptr_array_add(steps, hermes_render_step_new_file(path, 0644, conf->str));
	g_ptr_array_add(steps, hermes_render_step_new_command(cmd, "reload the fake supervisor"));
	return g_steal_pointer(&steps);
}

static gboolean
hermes_fake_manager_supports_registration(HermesServiceManager *manager)
{
	return HERMES_FAKE_MANAGER(manager)->registration;
}

/*
 * One call at a time: the real backends take calls from several threads
 * (hermes-svcd's workers, `gateway start --all`'s batch), and the fake's
 * table is not made for that.
 */
static GRecMutex hermes_fake_lock;

#define HERMES_FAKE_LOCKED(ret, name, params, args)    \
	static ret hermes_fake_locked_##name params    \
	{                                              \
		ret r;                                 \
		g_rec_mutex_lock(&hermes_fake_lock);   \
		r = hermes_fake_manager_##name args;   \
		g_rec_mutex_unlock(&hermes_fake_lock); \
		return r;                              \
	}

#define HERMES_FAKE_PROFILE_PARAMS \
	(HermesServiceManager * m, const gchar *p, GCancellable *c, GError **e)
HERMES_FAKE_LOCKED(gboolean, start, HERMES_FAKE_PROFILE_PARAMS, (m, p, c, e))
HERMES_FAKE_LOCKED(gboolean, stop, HERMES_FAKE_PROFILE_PARAMS, (m, p, c, e))
HERMES_FAKE_LOCKED(gboolean, restart, HERMES_FAKE_PROFILE_PARAMS, (m, p, c, e))
HERMES_FAKE_LOCKED(HermesGatewayStatus *, get_status, HERMES_FAKE_PROFILE_PARAMS, (m, p, c, e))
HERMES_FAKE_LOCKED(gboolean, unregister_gateway, HERMES_FAKE_PROFILE_PARAMS, (m, p, c, e))
HERMES_FAKE_LOCKED(GStrv,
		   list_gateways,
		   (HermesServiceManager * m, GCancellable *c, GError **e),
		   (m, c, e))
HERMES_FAKE_LOCKED(gboolean,
		   register_gateway,
		   (HermesServiceManager * m,
		    HermesGatewaySpec *s,
		    HermesRegisterFlags f,
		    GCancellable *c,
		    GError **e),
		   (m, s, f, c, e))

static void
hermes_fake_manager_iface_init(HermesServiceManagerInterface *iface)
{
	iface->supports_registration = hermes_fake_manager_supports_registration;
	iface->setup = hermes_fake_manager_setup;
	iface->get_name = hermes_fake_manager_get_name;
	iface->start = hermes_fake_locked_start;
	iface->stop = hermes_fake_locked_stop;
	iface->restart = hermes_fake_locked_restart;
	iface->get_status = hermes_fake_locked_get_status;
	iface->list_gateways = hermes_fake_locked_list_gateways;
	iface->register_gateway = hermes_fake_locked_register_gateway;
	iface->unregister_gateway = hermes_fake_locked_unregister_gateway;
	iface->install = hermes_fake_manager_install;
	iface->uninstall = hermes_fake_manager_uninstall;
	iface->render = hermes_fake_manager_render;
}

static void
hermes_fake_manager_finalize(GObject *object)
{
	HermesFakeManager *self = HERMES_FAKE_MANAGER(object);
	g_hash_table_unref(self->gateways);
	g_strfreev(self->fail);
	G_OBJECT_CLASS(hermes_fake_manager_parent_class)->finalize(object);
}

static void
hermes_fake_manager_class_init(HermesFakeManagerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_fake_manager_finalize;
}

static void
hermes_fake_manager_init(HermesFakeManager *self)
{
	self->gateways = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->next_pid = 4242;
}

static guint
hermes_fake_probe(HermesContext *ctx, gchar **reason)
{
	const gchar *env = hermes_context_getenv(ctx, "HERMES_FAKE_SCORE");
	guint score = env != NULL ? (guint)g_ascii_strtoull(env, NULL, 10) : 1;
	*reason = g_strdup_printf("fake backend for tests (score %u)\nsecond line", score);
	return score;
}

HERMES_BACKEND_DEFINE("fake", PACKAGE_VERSION, hermes_fake_manager_get_type, hermes_fake_probe)
