/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Runs launchctl: the only process the launchd backend ever spawns. Output
 * is captured whole (launchctl prints little), the exit code is returned
 * as data, and a launchctl that hangs is killed after a timeout instead of
 * hanging hermes with it.
 */

#include "config.h"

#include "hermes-launchd-spawner.h"

typedef struct {
	gchar *program;
	GStrv envp;
	guint timeout_ms;
} HermesLaunchdSpawnerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(HermesLaunchdSpawner, hermes_launchd_spawner, G_TYPE_OBJECT)

#define GET_PRIVATE(o) \
	((HermesLaunchdSpawnerPrivate *)hermes_launchd_spawner_get_instance_private(o))

typedef struct {
	gboolean done;
	gboolean timed_out;
	GBytes *out;
	GBytes *err;
	GError *error;
	GCancellable *cancellable;
} HermesLaunchdSpawnerWait;

static void
hermes_launchd_spawner_communicate_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	HermesLaunchdSpawnerWait *wait = user_data;
	g_subprocess_communicate_finish(
		G_SUBPROCESS(source), res, &wait->out, &wait->err, &wait->error);
	wait->done = TRUE;
}

static gboolean
hermes_launchd_spawner_timeout_cb(gpointer user_data)
{
	HermesLaunchdSpawnerWait *wait = user_data;
	wait->timed_out = TRUE;
	g_cancellable_cancel(wait->cancellable);
	return G_SOURCE_REMOVE;
}

/* launchctl prints paths: keep whatever bytes it wrote, as valid UTF-8 */
static gchar *
hermes_launchd_spawner_text(GBytes *bytes)
{
	gsize len = 0;
	const gchar *data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;
	if (data == NULL)
		return g_strdup("");
	return g_utf8_make_valid(data, (gssize)len);
}

/* what the finished (or overdue) run amounts to */
static gboolean
hermes_launchd_spawner_result(HermesLaunchdSpawner *self,
			      const gchar *const *args,
			      GSubprocess *proc,
			      HermesLaunchdSpawnerWait *wait,
			      gchar **out,
			      gchar **err,
			      gint *exit_code,
			      GError **error)
{
	HermesLaunchdSpawnerPrivate *priv = GET_PRIVATE(self);
	gboolean ok = TRUE;

	if (wait->timed_out) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_TIMED_OUT,
			    "%s %s did not finish within %u s",
			    priv->program,
			    args[0] != NULL ? args[0] : "",
			    priv->timeout_ms / 1000);
		ok = FALSE;
	} else if (wait->error != NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "cannot read the output of %s: %s",
			    priv->program,
			    wait->error->message);
		ok = FALSE;
	} else if (!g_subprocess_get_if_exited(proc)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "%s %s was killed by signal %d",
			    priv->program,
			    args[0] != NULL ? args[0] : "",
			    g_subprocess_get_term_sig(proc));
		ok = FALSE;
	} else {
		*exit_code = g_subprocess_get_exit_status(proc);
		if (out != NULL)
			*out = hermes_launchd_spawner_text(wait->out);
		if (err != NULL)
			*err = hermes_launchd_spawner_text(wait->err);
	}
	return ok;
}

static gboolean
hermes_launchd_spawner_real_run(HermesLaunchdSpawner *self,
				const gchar *const *args,
				gchar **out,
				gchar **err,
				gint *exit_code,
				GError **error)
{
	HermesLaunchdSpawnerPrivate *priv = GET_PRIVATE(self);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GSource) timeout = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	HermesLaunchdSpawnerWait wait = {FALSE, FALSE, NULL, NULL, NULL, cancellable};
	gboolean ok = TRUE;

	g_ptr_array_add(argv, priv->program);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, priv->envp);
	proc = g_subprocess_launcher_spawnv(
		launcher, (const gchar *const *)argv->pdata, &error_local);
	if (proc == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
			    "cannot run %s: %s (launchd and launchctl exist only on macOS)",
			    priv->program,
			    error_local->message);
		return FALSE;
	}

	g_main_context_push_thread_default(context);
	timeout = g_timeout_source_new(priv->timeout_ms);
	g_source_set_callback(timeout, hermes_launchd_spawner_timeout_cb, &wait, NULL);
	g_source_attach(timeout, context);
	g_subprocess_communicate_async(
		proc, NULL, cancellable, hermes_launchd_spawner_communicate_cb, &wait);
	while (!wait.done)
		g_main_context_iteration(context, TRUE);
	g_source_destroy(timeout);
	if (wait.timed_out || wait.error != NULL) {
		g_subprocess_force_exit(proc);
		g_subprocess_wait(proc, NULL, NULL);
	}
	g_main_context_pop_thread_default(context);

	ok = hermes_launchd_spawner_result(self, args, proc, &wait, out, err, exit_code, error);
	g_clear_pointer(&wait.out, g_bytes_unref);
	g_clear_pointer(&wait.err, g_bytes_unref);
	g_clear_error(&wait.error);
	return ok;
}

static void
hermes_launchd_spawner_finalize(GObject *object)
{
	HermesLaunchdSpawnerPrivate *priv = GET_PRIVATE(HERMES_LAUNCHD_SPAWNER(object));
	g_free(priv->program);
	g_strfreev(priv->envp);
	G_OBJECT_CLASS(hermes_launchd_spawner_parent_class)->finalize(object);
}

static void
hermes_launchd_spawner_class_init(HermesLaunchdSpawnerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_launchd_spawner_finalize;
	klass->run = hermes_launchd_spawner_real_run;
}

static void
hermes_launchd_spawner_init(HermesLaunchdSpawner *self)
{
	HermesLaunchdSpawnerPrivate *priv = GET_PRIVATE(self);
	priv->program = g_strdup(HERMES_LAUNCHD_LAUNCHCTL);
	priv->timeout_ms = HERMES_LAUNCHD_SPAWN_TIMEOUT_MS;
}

/**
 * hermes_launchd_spawner_new:
 * @program: (nullable): the launchctl to run, %NULL for /bin/launchctl
 * @envp: (nullable): its environment, %NULL for this process's
 *
 * Returns: (transfer full): a spawner running @program
 */
HermesLaunchdSpawner *
hermes_launchd_spawner_new(const gchar *program, const gchar *const *envp)
{
	HermesLaunchdSpawner *self = g_object_new(HERMES_TYPE_LAUNCHD_SPAWNER, NULL);
	HermesLaunchdSpawnerPrivate *priv = GET_PRIVATE(self);
	if (program != NULL) {
		g_free(priv->program);
		priv->program = g_strdup(program);
	}
	priv->envp = envp != NULL ? g_strdupv((gchar **)envp) : g_get_environ();
	return self;
}

/**
 * hermes_launchd_spawner_get_program:
 * @self: a #HermesLaunchdSpawner
 *
 * Returns: the launchctl this spawner runs, for rendered plans
 */
const gchar *
hermes_launchd_spawner_get_program(HermesLaunchdSpawner *self)
{
	g_return_val_if_fail(HERMES_IS_LAUNCHD_SPAWNER(self), NULL);
	return GET_PRIVATE(self)->program;
}

/**
 * hermes_launchd_spawner_set_timeout:
 * @self: a #HermesLaunchdSpawner
 * @timeout_ms: how long one launchctl call may take before it is killed
 */
void
hermes_launchd_spawner_set_timeout(HermesLaunchdSpawner *self, guint timeout_ms)
{
	g_return_if_fail(HERMES_IS_LAUNCHD_SPAWNER(self));
	GET_PRIVATE(self)->timeout_ms = MAX(timeout_ms, 1);
}

/**
 * hermes_launchd_spawner_run:
 * @self: a #HermesLaunchdSpawner
 * @args: (array zero-terminated=1): the arguments after `launchctl`
 * @out: (out) (optional): what launchctl wrote to stdout
 * @err: (out) (optional): what it wrote to stderr
 * @exit_code: (out): its exit code
 * @error: return location for a #GError
 *
 * Returns: %TRUE if launchctl ran and exited (with any code)
 */
gboolean
hermes_launchd_spawner_run(HermesLaunchdSpawner *self,
			   const gchar *const *args,
			   gchar **out,
			   gchar **err,
			   gint *exit_code,
			   GError **error)
{
	g_autofree gchar *joined = NULL;
	g_autofree gchar *my_out = NULL;
	g_autofree gchar *my_err = NULL;
	gint code = -1;

	g_return_val_if_fail(HERMES_IS_LAUNCHD_SPAWNER(self), FALSE);
	g_return_val_if_fail(args != NULL && args[0] != NULL, FALSE);
	g_return_val_if_fail(exit_code != NULL, FALSE);
	joined = g_strjoinv(" ", (gchar **)args);
	if (!HERMES_LAUNCHD_SPAWNER_GET_CLASS(self)->run(
		    self, args, &my_out, &my_err, &code, error))
		return FALSE;
	g_debug("launchctl %s: exit %d", joined, code);
	*exit_code = code;
	if (out != NULL)
		*out = my_out != NULL ? g_steal_pointer(&my_out) : g_strdup("");
	if (err != NULL)
		*err = my_err != NULL ? g_steal_pointer(&my_err) : g_strdup("");
	return TRUE;
}
