/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Running the real `hermes` for the adversarial and fault suites: in its own
 * process group, under a timeout (a hang is killed with everything it
 * started), optionally under `ulimit -v` and the valgrind wrapper, either to
 * completion or in the background for a test that kills it midway.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile-common.h"

const gchar *
hostile_wrapper(void)
{
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	return wrapper != NULL && wrapper[0] != '\0' ? wrapper : NULL;
}

guint
hostile_timeout_seconds(void)
{
	return hostile_wrapper() != NULL ? 200 : 20;
}

static void
hostile_child_setup(gpointer user_data)
{
	/* its own group, so a hang can be killed with everything it started */
	setpgid(0, 0);
}

static void
hostile_drain(gint fd, GString *buf)
{
	gchar chunk[4096];
	gssize n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		g_string_append_len(buf, chunk, n);
}

/* runs @argv; returns FALSE if it was still running at @deadline_us (it is then killed) */
gboolean
hostile_spawn_bounded(gchar **argv,
		      gchar **envp,
		      const gchar *cwd,
		      gint64 timeout_us,
		      GString *out,
		      GString *err,
		      gint *wait_status)
{
	g_autoptr(GError) error = NULL;
	gint in_fd = -1;
	gint out_fd = -1;
	gint err_fd = -1;
	GPid pid = 0;
	gint64 deadline = g_get_monotonic_time() + timeout_us;
	gboolean exited = FALSE;
	gboolean out_open = TRUE;
	gboolean err_open = TRUE;
	gint64 drain_deadline = 0;

	if (!g_spawn_async_with_pipes(cwd,
				      argv,
				      envp,
				      G_SPAWN_DO_NOT_REAP_CHILD,
				      hostile_child_setup,
				      NULL,
				      &pid,
				      &in_fd,
				      &out_fd,
				      &err_fd,
				      &error))
		fail_msg("cannot run %s: %s", argv[0], error->message);
	close(in_fd);
	g_unix_set_fd_nonblocking(out_fd, TRUE, NULL);
	g_unix_set_fd_nonblocking(err_fd, TRUE, NULL);
	for (;;) {
		struct pollfd fds[2];
		nfds_t n = 0;
		gint64 now = g_get_monotonic_time();
		if (!exited && waitpid(pid, wait_status, WNOHANG) == pid) {
			exited = TRUE;
			/* something it started may keep the pipes: read what is there, briefly */
			drain_deadline = now + G_USEC_PER_SEC;
		}
		if (exited && ((!out_open && !err_open) || now > drain_deadline))
			break;
		if (!exited && now > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, wait_status, 0);
			hostile_drain(out_fd, out);
			hostile_drain(err_fd, err);
			close(out_fd);
			close(err_fd);
			return FALSE;
		}
		if (out_open)
			fds[n++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
		if (err_open)
			fds[n++] = (struct pollfd){.fd = err_fd, .events = POLLIN};
		if (n > 0 && poll(fds, n, 20) > 0) {
			for (nfds_t i = 0; i < n; i++) {
				gchar chunk[4096];
				gssize got;
				if (fds[i].revents == 0)
					continue;
				got = read(fds[i].fd, chunk, sizeof(chunk));
				if (got > 0) {
					g_string_append_len(
						fds[i].fd == out_fd ? out : err, chunk, got);
				} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
					if (fds[i].fd == out_fd)
						out_open = FALSE;
					else
						err_open = FALSE;
				}
			}
		} else if (n == 0) {
			g_usleep(10000);
		}
	}
	close(out_fd);
	close(err_fd);
	return TRUE;
}

/* valgrind's own notes ("--PID-- WARNING: unhandled syscall", "==PID== …") are not hermes'
 * stderr; its errors still show as exit 99 */
static void
hostile_strip_valgrind(gchar **text)
{
	g_auto(GStrv) lines = g_strsplit(*text, "\n", -1);
	g_autoptr(GString) kept = g_string_new(NULL);
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *l = lines[i];
		gboolean ours = FALSE;
		if ((l[0] == '-' && l[1] == '-') || (l[0] == '=' && l[1] == '=')) {
			const gchar *p = l + 2;
			while (g_ascii_isdigit(*p))
				p++;
			ours = p > l + 2 && p[0] == l[0] && p[1] == l[0];
		}
		if (ours)
			continue;
		g_string_append(kept, l);
		if (lines[i + 1] != NULL)
			g_string_append_c(kept, '\n');
	}
	g_free(*text);
	*text = g_string_free(g_steal_pointer(&kept), FALSE);
}

/* the command line of one run: `ulimit -v`, the valgrind wrapper (if @wrapped), hermes, @args */
static GPtrArray *
hostile_command(gboolean wrapped, guint64 vmem_kib, const gchar *const *args, GString *line)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	const gchar *wrapper = wrapped ? hostile_wrapper() : NULL;
	const gchar *sanitizer = g_getenv("HERMES_TEST_SANITIZER");

	/* AddressSanitizer reserves terabytes of address space for its shadow memory,
	 * so an address-space limit cannot apply to an ASan build; the no-hang and
	 * exit-code checks still hold there */
	if (vmem_kib > 0 && strstr(sanitizer != NULL ? sanitizer : "", "address") == NULL) {
		g_ptr_array_add(argv, g_strdup("/bin/sh"));
		g_ptr_array_add(argv, g_strdup("-c"));
		g_ptr_array_add(argv,
				g_strdup_printf("ulimit -v %" G_GUINT64_FORMAT " && exec \"$@\"",
						vmem_kib));
		g_ptr_array_add(argv, g_strdup("sh"));
	}
	if (wrapper != NULL) {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++) {
		g_ptr_array_add(argv, g_strdup(args[i]));
		g_string_append_printf(line, "%s%s", i > 0 ? " " : "", args[i]);
	}
	g_ptr_array_add(argv, NULL);
	return argv;
}

/* the fixture's environment for a run on @home, with @extra_env ("NAME=value", or "NAME" to unset) */
static gchar **
hostile_command_environ(HostileFixture *fx, const gchar *home, gchar **extra_env)
{
	gchar **envp = g_strdupv(fx->envp);
	envp = g_environ_setenv(envp, "HERMES_HOME", home != NULL ? home : fx->home, TRUE);
	for (guint i = 0; extra_env != NULL && extra_env[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(extra_env[i], "=", 2);
		if (kv[1] == NULL)
			envp = g_environ_unsetenv(envp, kv[0]);
		else
			envp = g_environ_setenv(envp, kv[0], kv[1], TRUE);
	}
	return envp;
}

/* how a run ended, into the fixture, as every case reads it */
static void
hostile_record(HostileFixture *fx,
	       const gchar *line,
	       gint64 started,
	       GString *out,
	       GString *err,
	       gint wait_status)
{
	g_clear_pointer(&fx->out, g_free);
	g_clear_pointer(&fx->err, g_free);
	fx->seconds = (gdouble)(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
	fx->out = g_strdup(out->str);
	fx->err = g_strdup(err->str);
	if (hostile_wrapper() != NULL)
		hostile_strip_valgrind(&fx->err);
	if (WIFSIGNALED(wait_status)) {
		fx->signal = WTERMSIG(wait_status);
		fx->status = 128 + fx->signal;
	} else {
		fx->signal = 0;
		fx->status = WEXITSTATUS(wait_status);
	}
	if (g_getenv("HERMES_HOSTILE_VERBOSE") != NULL)
		print_message("# hermes %s -> %d (%.2f s)\n# stdout: %s\n# stderr: %s\n",
			      line,
			      fx->status,
			      fx->seconds,
			      fx->out,
			      fx->err);
}

static gint
hostile_run_common(HostileFixture *fx,
		   const gchar *home,
		   gchar **extra_env,
		   guint64 vmem_kib,
		   gboolean wrapped,
		   const gchar *const *args)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) err = g_string_new(NULL);
	g_autoptr(GString) line = g_string_new(NULL);
	g_autoptr(GPtrArray) argv = hostile_command(wrapped, vmem_kib, args, line);
	g_auto(GStrv) envp = hostile_command_environ(fx, home, extra_env);
	gint64 started = g_get_monotonic_time();
	gint wait_status = 0;

	if (!hostile_spawn_bounded((gchar **)argv->pdata,
				   envp,
				   fx->tmp,
				   (gint64)hostile_timeout_seconds() * G_USEC_PER_SEC,
				   out,
				   err,
				   &wait_status)) {
		hostile_kill_strays(fx->tmp);
		fail_msg("'hermes %s' hung: killed after %u s; stderr so far: %s",
			 line->str,
			 hostile_timeout_seconds(),
			 err->str);
	}
	hostile_record(fx, line->str, started, out, err, wait_status);
	return fx->status;
}

gint
hostile_run_full(HostileFixture *fx,
		 const gchar *home,
		 gchar **extra_env,
		 guint64 vmem_kib,
		 const gchar *const *args)
{
	return hostile_run_common(fx, home, extra_env, vmem_kib, TRUE, args);
}

gint
hostile_observe_full(HostileFixture *fx, const gchar *home, const gchar *const *args)
{
	return hostile_run_common(fx, home, NULL, 0, FALSE, args);
}

gint
hostile_run_unwrapped(HostileFixture *fx, gchar **extra_env, const gchar *const *args)
{
	return hostile_run_common(fx, NULL, extra_env, 0, FALSE, args);
}

/* a file for one background run's stdout or stderr, in the scratch area outside the home */
static gint
hostile_output_file(HostileFixture *fx, const gchar *kind, gchar **path)
{
	g_autofree gchar *name = g_strdup_printf("hermes-%s-XXXXXX", kind);
	gint fd;
	*path = g_build_filename(fx->tmp, name, NULL);
	fd = g_mkstemp_full(*path, O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("cannot create %s: %s", *path, g_strerror(errno));
	return fd;
}

HostileChild *
hostile_spawn_full(HostileFixture *fx, const gchar *home, const gchar *const *args)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) line = g_string_new(NULL);
	g_autoptr(GPtrArray) argv = hostile_command(TRUE, 0, args, line);
	g_auto(GStrv) envp = hostile_command_environ(fx, home, NULL);
	HostileChild *child = g_new0(HostileChild, 1);
	gint null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	gint out_fd = hostile_output_file(fx, "out", &child->out_path);
	gint err_fd = hostile_output_file(fx, "err", &child->err_path);

	child->line = g_strdup(line->str);
	child->started = g_get_monotonic_time();
	if (!g_spawn_async_with_fds(fx->tmp,
				    (gchar **)argv->pdata,
				    envp,
				    G_SPAWN_DO_NOT_REAP_CHILD,
				    hostile_child_setup,
				    NULL,
				    &child->pid,
				    null_fd,
				    out_fd,
				    err_fd,
				    &error))
		fail_msg("cannot run hermes %s: %s", child->line, error->message);
	close(null_fd);
	close(out_fd);
	close(err_fd);
	return child;
}

void
hostile_child_kill(HostileChild *child)
{
	/* hermes alone, as `kill -9 PID` would: what it started detached must cope */
	kill(child->pid, SIGKILL);
}

static void
hostile_read_output(const gchar *path, GString *buf)
{
	g_autofree gchar *text = NULL;
	if (g_file_get_contents(path, &text, NULL, NULL))
		g_string_append(buf, text);
}

gint
hostile_child_finish(HostileFixture *fx, HostileChild *child)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) err = g_string_new(NULL);
	gint64 deadline = child->started + (gint64)hostile_timeout_seconds() * G_USEC_PER_SEC;
	gint wait_status = 0;

	while (waitpid(child->pid, &wait_status, WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			kill(-child->pid, SIGKILL);
			kill(child->pid, SIGKILL);
			waitpid(child->pid, &wait_status, 0);
			hostile_read_output(child->err_path, err);
			fail_msg("'hermes %s' hung: killed after %u s; stderr so far: %s",
				 child->line,
				 hostile_timeout_seconds(),
				 err->str);
		}
		g_usleep(2000);
	}
	hostile_read_output(child->out_path, out);
	hostile_read_output(child->err_path, err);
	hostile_record(fx, child->line, child->started, out, err, wait_status);
	return fx->status;
}

void
hostile_child_free(HostileChild *child)
{
	if (child == NULL)
		return;
	g_unlink(child->out_path);
	g_unlink(child->err_path);
	g_free(child->out_path);
	g_free(child->err_path);
	g_free(child->line);
	g_free(child);
}
