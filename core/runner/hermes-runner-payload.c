/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The payload: $HERMES_GATEWAY_COMMAND or `[gateway] command` in
 * <home>/hermes-svc.conf (read without following links), else the built-in
 * /health gateway. An external payload's exit code decides the verdict
 * unless a signal did first.
 */

#include "config.h"

#include <signal.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-port.h"
#include "hermes-runner-private.h"
#include "hermes-safe-file.h"

typedef struct {
	gchar *command; /* NULL: the built-in payload */
	gchar *command_origin;
	gchar *bind;
	gchar *bind_origin;
} HermesRunnerConfig;

static void
hermes_runner_config_clear(HermesRunnerConfig *config)
{
	g_free(config->command);
	g_free(config->command_origin);
	g_free(config->bind);
	g_free(config->bind_origin);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HermesRunnerConfig, hermes_runner_config_clear)

/* the environment wins over <home>/hermes-svc.conf; a broken file is a fatal configuration */
static gboolean
hermes_runner_load_config(HermesRunner *self, HermesRunnerConfig *config, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *path = g_build_filename(self->home, HERMES_GATEWAY_CONF_FILE, NULL);
	const gchar *env_command = hermes_context_getenv(self->ctx, "HERMES_GATEWAY_COMMAND");
	const gchar *env_bind = hermes_context_getenv(self->ctx, "HERMES_GATEWAY_BIND");
	g_autofree gchar *contents = NULL;
	gboolean have_file = TRUE;
	gsize len = 0;

	contents =
		hermes_safe_file_read(self->root, path, HERMES_SAFE_MAX_TEXT, &len, &error_local);
	if (contents == NULL &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "cannot read the gateway configuration: ");
		return FALSE;
	}
	if (contents == NULL) {
		have_file = FALSE;
	} else if (!g_key_file_load_from_data(kf, contents, len, G_KEY_FILE_NONE, &error_local)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "cannot read %s: %s",
			    path,
			    error_local->message);
		return FALSE;
	}
	if (env_command != NULL && env_command[0] != '\0') {
		config->command = g_strdup(env_command);
		config->command_origin = g_strdup("HERMES_GATEWAY_COMMAND");
	} else if (have_file) {
		g_autofree gchar *value = g_key_file_get_string(kf, "gateway", "command", NULL);
		if (value != NULL && g_strstrip(value)[0] != '\0') {
			config->command = g_steal_pointer(&value);
			config->command_origin = g_strdup_printf("[gateway] command in %s", path);
		}
	}
	if (env_bind != NULL && env_bind[0] != '\0') {
		config->bind = g_strdup(env_bind);
		config->bind_origin = g_strdup("HERMES_GATEWAY_BIND");
	} else if (have_file) {
		g_autofree gchar *value = g_key_file_get_string(kf, "gateway", "bind", NULL);
		if (value != NULL && g_strstrip(value)[0] != '\0') {
			config->bind = g_steal_pointer(&value);
			config->bind_origin = g_strdup_printf("[gateway] bind in %s", path);
		}
	}
	if (config->bind == NULL) {
		config->bind = g_strdup(HERMES_PAYLOAD_DEFAULT_BIND);
		config->bind_origin = g_strdup("the default");
	}
	return TRUE;
}

static void
hermes_runner_child_setup(gpointer user_data)
{
#ifdef __linux__
	/* the payload must not outlive a runner that was SIGKILLed */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
}

static void
hermes_runner_payload_exited(HermesRunner *self)
{
	g_autofree gchar *reason = NULL;
	gint status;

	if (g_subprocess_get_if_signaled(self->child)) {
		reason = g_strdup_printf("payload killed by signal %d",
					 g_subprocess_get_term_sig(self->child));
		hermes_runner_decide(self, "running", 1, reason);
		return;
	}
	status = g_subprocess_get_exit_status(self->child);
	if (status == HERMES_EXIT_FATAL_CONFIG) {
		hermes_runner_decide(self,
				     "startup_failed",
				     hermes_runner_fatal_config_code(self),
				     "payload exited 78 (fatal configuration)");
	} else if (status == HERMES_EXIT_RESTART_NOW) {
		self->restart_requested = TRUE;
		hermes_runner_decide(self,
				     "stopped",
				     HERMES_EXIT_RESTART_NOW,
				     "payload exited 75 (restart requested)");
	} else if (status == 0) {
		hermes_runner_decide(self, "stopped", 0, "payload exited 0");
	} else {
		/* a crash: the supervisor restarts it and a reboot brings it back */
		reason = g_strdup_printf("payload exited %d", status);
		hermes_runner_decide(self, "running", status, reason);
	}
}

static void
hermes_runner_child_wait_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(HermesRunner) self = HERMES_RUNNER(user_data);
	g_autoptr(GError) error_local = NULL;
	if (!g_subprocess_wait_finish(G_SUBPROCESS(source), res, &error_local))
		g_debug("waiting for the payload: %s", error_local->message);
	self->child_exited = TRUE;
	g_clear_handle_id(&self->kill_id, g_source_remove);
	/* a signal's verdict stands; otherwise the payload's exit decides */
	if (!self->stopping)
		hermes_runner_payload_exited(self);
	g_main_loop_quit(self->loop);
}

static gboolean
hermes_runner_start_command(HermesRunner *self, HermesRunnerConfig *config, GError **error)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GError) error_local = NULL;
	g_auto(GStrv) argv = NULL;
	g_auto(GStrv) envp = NULL;

	if (!g_shell_parse_argv(config->command, NULL, &argv, &error_local)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot parse the gateway command from %s: %s",
			    config->command_origin,
			    error_local->message);
		return FALSE;
	}
	/* readiness is ours to signal; the payload runs in the profile's home */
	envp = hermes_context_get_environ(self->ctx);
	envp = g_environ_unsetenv(envp, "HERMES_READY_FD");
	envp = g_environ_unsetenv(envp, "NOTIFY_SOCKET");
	envp = g_environ_setenv(envp, "HERMES_HOME", self->home, TRUE);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_child_setup(launcher, hermes_runner_child_setup, NULL, NULL);
	self->child =
		g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv, &error_local);
	if (self->child == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot run the gateway command from %s: %s",
			    config->command_origin,
			    error_local->message);
		return FALSE;
	}
	g_subprocess_wait_async(self->child, NULL, hermes_runner_child_wait_cb, g_object_ref(self));
	hermes_runner_say(self,
			  "gateway: profile '%s' running as pid %" G_GINT64_FORMAT
			  ", payload '%s' (pid %s)",
			  self->profile,
			  self->pid,
			  argv[0],
			  g_subprocess_get_identifier(self->child));
	return TRUE;
}

/* the port: .env, then $API_SERVER_PORT (a unit or slot may set it), then the hash */
static guint
hermes_runner_choose_port(HermesRunner *self, gboolean *explicit_port, GError **error)
{
	guint port = hermes_profile_explicit_port(self->home);
	if (port == 0)
		port = hermes_port_parse(hermes_context_getenv(self->ctx, "API_SERVER_PORT"));
	if (port != 0) {
		*explicit_port = TRUE;
		return port;
	}
	return hermes_profile_port(self->ctx, self->profile, explicit_port, error);
}

static gboolean
hermes_runner_start_builtin(HermesRunner *self, HermesRunnerConfig *config, GError **error)
{
	g_autoptr(GInetAddress) check = g_inet_address_new_from_string(config->bind);

	if (check == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot listen on '%s' (from %s): not an IP address",
			    config->bind,
			    config->bind_origin);
		return FALSE;
	}
	for (guint attempt = 0;; attempt++) {
		g_autoptr(GError) error_local = NULL;
		g_autoptr(HermesPayload) payload = NULL;
		gboolean explicit_port = FALSE;
		guint port = hermes_runner_choose_port(self, &explicit_port, error);
		if (port == 0)
			return FALSE;
		payload = hermes_payload_new(self->profile, config->bind, port);
		if (hermes_payload_start(payload, &error_local)) {
			self->payload = g_steal_pointer(&payload);
			self->port = port;
			break;
		}
		/* a derived port taken since it was probed: derive again */
		if (!explicit_port &&
		    g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_BUSY) &&
		    attempt + 1 < HERMES_RUNNER_BIND_TRIES)
			continue;
		if (explicit_port)
			g_prefix_error(&error_local, "API_SERVER_PORT=%u: ", port);
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	hermes_runner_say(self,
			  "gateway: profile '%s' running as pid %" G_GINT64_FORMAT
			  ", listening on %s:%u (GET /health)",
			  self->profile,
			  self->pid,
			  config->bind,
			  self->port);
	return TRUE;
}

gboolean
hermes_runner_start_payload(HermesRunner *self, gint *code, GError **error)
{
	g_auto(HermesRunnerConfig) config = {NULL};
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	*code = hermes_runner_fatal_config_code(self);
	if (!hermes_runner_load_config(self, &config, error))
		return FALSE;
	if (config.command != NULL) {
		self->port = hermes_profile_explicit_port(self->home);
		if (self->port == 0)
			self->port = hermes_port_parse(
				hermes_context_getenv(self->ctx, "API_SERVER_PORT"));
		return hermes_runner_start_command(self, &config, error);
	}
	ok = hermes_runner_start_builtin(self, &config, &error_local);
	if (!ok) {
		/* a port in use can clear up: let the supervisor retry */
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT))
			*code = 1;
		g_propagate_error(error, g_steal_pointer(&error_local));
	}
	return ok;
}
