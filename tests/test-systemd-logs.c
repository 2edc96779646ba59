/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway logs` of the systemd backend read back from a real
 * journal: the harness runs its own systemd-journald (SDH_JOURNALD=1), so a
 * unit's output goes where it goes on a real machine. The gateway's payload
 * prints five lines, then one line for each line written to a fifo, so the
 * test decides when a line is logged. Every wait is bounded.
 * Runs inside tests/systemd-user-harness.sh (see systemd-test.h).
 */

#include <fcntl.h>
#include <poll.h>

#include "systemd-test.h"

/* not UTC and no tzdata needed: a stamp in UTC would be 5.5 h off */
#define LOCAL_TZ     "XST-05:30"
#define LINE_WAIT_MS 10000

typedef struct {
	gchar *fifo;
	gchar *unit;
} Payload;

static void
payload_clear(Payload *p)
{
	g_free(p->fifo);
	g_free(p->unit);
}

/* the journal's own view of the unit, for failure messages */
static gchar *
journal_of(const gchar *unit)
{
	g_autofree gchar *match = g_strdup_printf("_SYSTEMD_USER_UNIT=%s", unit);
	const gchar *argv[] = {"journalctl", "--no-pager", "-o", "cat", match, NULL};
	gchar *out = NULL;
	g_spawn_sync(NULL,
		     (gchar **)argv,
		     NULL,
		     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
		     NULL,
		     NULL,
		     &out,
		     NULL,
		     NULL,
		     NULL);
	return out != NULL ? out : g_strdup("(journalctl failed)");
}

static gint
logs(Fixture *f, const gchar *const *args)
{
	g_auto(GStrv) envp = g_environ_setenv(g_strdupv(f->envp), "TZ", LOCAL_TZ, TRUE);
	return run_env(f, envp, args);
}

/* waits (bounded) until `gateway logs -n 20` shows @text: it is in the journal */
static void
wait_logged(Fixture *f, Payload *p, const gchar *text)
{
	gint64 deadline = g_get_monotonic_time() + LINE_WAIT_MS * 1000;
	while (TRUE) {
		gint rc = logs(
			f, (const gchar *[]){"-p", "demo", "gateway", "logs", "-n", "20", NULL});
		if (rc == 0 && strstr(f->out, text) != NULL)
			return;
		if (g_get_monotonic_time() > deadline) {
			g_autofree gchar *journal = journal_of(p->unit);
			fail_msg(
				"`gateway logs` never showed %s (exit %d)\nstdout: %s\nstderr: %s\n"
				"journalctl of the unit:\n%s",
				text,
				rc,
				f->out,
				f->err,
				journal);
		}
		hermes_test_spin(50);
	}
}

/* install and start demo with the payload (its lines carry @tag); returns once its first
 * lines are read back */
static void
payload_start(Fixture *f, Payload *p, const gchar *tag)
{
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
	g_autofree gchar *conf = g_build_filename(home, "hermes-svc.conf", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *last = g_strdup_printf("%s-early-5", tag);

	p->unit = hermes_systemd_unit_name("demo");
	p->fifo = g_build_filename(f->tmp, "say", NULL);
	assert_int_equal(mkfifo(p->fifo, 0600), 0);
	/* held open read-write: never an EOF, and no line lost between two reads */
	text = g_strdup_printf("[gateway]\ncommand=/bin/sh -c 'exec 3<>%s; for i in 1 2 3 4 5; do "
			       "echo %s-early-$i; done; while read -r w <&3; do echo %s-late-$w; "
			       "done'\n",
			       p->fifo,
			       tag,
			       tag);
	hermes_test_write_file(conf, text, 0644);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install");
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start");
	/* the runner's own line races the payload's: after both, only the payload logs */
	wait_logged(f, p, "gateway: profile 'demo' running as pid");
	wait_logged(f, p, last);
}

/* writes one line to the payload's fifo (bounded: it may not have opened it yet); on failure
 * says why and returns FALSE, so that a caller can stop what it started */
static gboolean
payload_say(Payload *p, const gchar *word)
{
	g_autofree gchar *line = g_strdup_printf("%s\n", word);
	gint64 deadline = g_get_monotonic_time() + LINE_WAIT_MS * 1000;
	gssize wrote;
	gint fd;
	while ((fd = open(p->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		if (errno != ENXIO || g_get_monotonic_time() > deadline) {
			g_autofree gchar *journal = journal_of(p->unit);
			print_message(
				"# cannot open the payload's fifo: %s; journal of the unit:\n%s",
				g_strerror(errno),
				journal);
			return FALSE;
		}
		g_usleep(10000);
	}
	wrote = write(fd, line, strlen(line));
	close(fd);
	return wrote == (gssize)strlen(line);
}

/* "2026-12-07 02:41:35.745  text": the stamp's time in LOCAL_TZ as Unix seconds, or -1 */
static gint64
stamp_of(const gchar *line, const gchar **text)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(LOCAL_TZ);
	g_autoptr(GDateTime) dt = NULL;
	gint y, mo, d, h, mi, s, ms, used = 0;
	if (tz == NULL ||
	    sscanf(line, "%4d-%2d-%2d %2d:%2d:%2d.%3d  %n", &y, &mo, &d, &h, &mi, &s, &ms, &used) !=
		    7 ||
	    used != 25)
		return -1;
	dt = g_date_time_new(tz, y, mo, d, h, mi, s);
	*text = line + used;
	return dt != NULL ? g_date_time_to_unix(dt) : -1;
}

/* `logs -n 3`: the unit's last three lines, in order, stamped in local time */
static void
test_systemd_logs_tail(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) lines = NULL;
	gint64 before = g_get_real_time() / G_USEC_PER_SEC;
	gint64 after;
	Payload p = {0};
	const gchar *words[] = {"a", "b", "c"};

	SKIP_UNLESS_HERE(f);
	payload_start(f, &p, "tail");
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		g_autofree gchar *logged = g_strdup_printf("tail-late-%s", words[i]);
		assert_true(payload_say(&p, words[i]));
		wait_logged(f, &p, logged);
	}
	assert_run_ok(f,
		      logs(f, (const gchar *[]){"-p", "demo", "gateway", "logs", "-n", "3", NULL}),
		      "logs -n 3");
	after = g_get_real_time() / G_USEC_PER_SEC;
	lines = g_strsplit(f->out, "\n", -1);
	if (g_strv_length(lines) != 4 || lines[3][0] != '\0')
		fail_msg("not three lines: %s", f->out);
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *want = g_strdup_printf("tail-late-%s", words[i]);
		const gchar *text = NULL;
		gint64 when = stamp_of(lines[i], &text);
		if (when < 0 || g_strcmp0(text, want) != 0)
			fail_msg("line %u is not \"<local stamp>  %s\": %s", i, want, lines[i]);
		if (when < before - 1 || when > after + 1)
			fail_msg("line %u is not stamped in local time (%s): %s",
				 i,
				 LOCAL_TZ,
				 lines[i]);
	}
	assert_run_ok(f, logs(f, (const gchar *[]){"-p", "demo", "gateway", "logs", NULL}), "logs");
	hermes_assert_str_contains(f->out, "tail-early-1\n");
	payload_clear(&p);
}

/* `hermes -p demo gateway logs -f -n 6` (the payload's five lines and the runner's, in
 * either order), its stdout a pipe (in @out) */
static GPid
follow_spawn(Fixture *f, gint *out)
{
	g_auto(GStrv) envp = g_environ_setenv(g_strdupv(f->envp), "TZ", LOCAL_TZ, TRUE);
	const gchar *argv[] = {hermes_test_env("HERMES_TEST_HERMES"),
			       "-p",
			       "demo",
			       "gateway",
			       "logs",
			       "-f",
			       "-n",
			       "6",
			       NULL};
	g_autoptr(GError) error = NULL;
	GPid pid = 0;
	g_spawn_async_with_pipes(NULL,
				 (gchar **)argv,
				 envp,
				 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
				 NULL,
				 NULL,
				 &pid,
				 NULL,
				 out,
				 NULL,
				 &error);
	hermes_assert_no_error(error);
	return pid;
}

/* reads @fd into @seen until it holds @needle; FALSE at @deadline (monotonic) */
static gboolean
read_until(gint fd, GString *seen, const gchar *needle, gint64 deadline)
{
	while (strstr(seen->str, needle) == NULL) {
		struct pollfd pfd = {fd, POLLIN, 0};
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		gchar buf[4096];
		gssize got;
		if (left <= 0 || poll(&pfd, 1, (gint)left) <= 0)
			return FALSE;
		got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			return FALSE;
		g_string_append_len(seen, buf, got);
	}
	return TRUE;
}

/* SIGTERM, then at most 5 s for it to exit; SIGKILL if it hangs. Its exit status, or -1 */
static gint
follow_stop(GPid pid)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	gint status = 0;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		g_usleep(10000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* `logs -f`: a line logged after it started arrives, through the journal's fd */
static void
test_systemd_logs_follow(void **state)
{
	Fixture *f = *state;
	g_autoptr(GString) seen = g_string_new(NULL);
	Payload p = {0};
	gint out = -1;
	gint64 sent;
	gboolean got;
	GPid pid;
	gint rc;

	SKIP_UNLESS_HERE(f);
	payload_start(f, &p, "follow");
	pid = follow_spawn(f, &out);
	/* its tail is printed: it is following now */
	got = read_until(
		out, seen, "follow-early-5\n", g_get_monotonic_time() + LINE_WAIT_MS * 1000);
	sent = g_get_monotonic_time();
	if (got && (got = payload_say(&p, "one")))
		got = read_until(out, seen, "follow-late-one\n", sent + LINE_WAIT_MS * 1000);
	if (got) {
		print_message("# -f: a new line arrived %.1f ms after it was written\n",
			      (g_get_monotonic_time() - sent) / 1000.0);
		/* a second one */
		got = payload_say(&p, "two") &&
		      read_until(out,
				 seen,
				 "follow-late-two\n",
				 g_get_monotonic_time() + LINE_WAIT_MS * 1000);
	}
	/* never left running, whatever happened */
	rc = follow_stop(pid);
	close(out);
	if (!got)
		fail_msg("`gateway logs -f -n 6` did not show its tail and then each new line "
			 "within %d ms; it printed:\n%s",
			 LINE_WAIT_MS,
			 seen->str);
	assert_int_equal(rc, 0); /* SIGTERM is a clean end */
	/* nothing printed twice */
	assert_null(strstr(strstr(seen->str, "follow-late-one") + 1, "follow-late-one"));
	assert_null(strstr(strstr(seen->str, "follow-early-5") + 1, "follow-early-5"));
	g_spawn_close_pid(pid);
	payload_clear(&p);
}

/* `--since`: only the lines stamped at or after a local time, or within an age */
static void
test_systemd_logs_since(void **state)
{
	Fixture *f = *state;
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(LOCAL_TZ);
	g_autoptr(GDateTime) at = NULL;
	g_autofree gchar *since = NULL;
	gint64 boundary;
	Payload p = {0};

	SKIP_UNLESS_HERE(f);
	payload_start(f, &p, "since");
	/* the early lines are in: the next whole second is after all of them */
	boundary = g_get_real_time() / G_USEC_PER_SEC + 1;
	while (g_get_real_time() < boundary * G_USEC_PER_SEC)
		hermes_test_spin(10);
	assert_true(payload_say(&p, "one"));
	wait_logged(f, &p, "since-late-one");
	at = g_date_time_new_from_unix_local(boundary);
	{
		g_autoptr(GDateTime) local = g_date_time_to_timezone(at, tz);
		since = g_date_time_format(local, "%Y-%m-%dT%H:%M:%S");
	}
	assert_run_ok(
		f,
		logs(f, (const gchar *[]){"-p", "demo", "gateway", "logs", "--since", since, NULL}),
		"logs --since TIME");
	hermes_assert_str_contains(f->out, "  since-late-one\n");
	if (strstr(f->out, "since-early-") != NULL)
		fail_msg("--since %s (%s) shows lines from before: %s", since, LOCAL_TZ, f->out);
	/* an age: everything of the last hour, early lines too, in order */
	assert_run_ok(
		f,
		logs(f, (const gchar *[]){"-p", "demo", "gateway", "logs", "--since", "1h", NULL}),
		"logs --since 1h");
	hermes_assert_str_contains(f->out, "since-early-1\n");
	assert_true(strstr(f->out, "since-early-5") < strstr(f->out, "since-late-one"));
	payload_clear(&p);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_logs_tail),
		T(test_systemd_logs_follow),
		T(test_systemd_logs_since),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	if (g_getenv("HERMES_SDH_INNER") == NULL) {
		skip_reason = why_not_here();
		if (skip_reason == NULL && !HAVE_LIBSYSTEMD)
			skip_reason = "built without libsystemd: no journal reader to test";
		if (skip_reason == NULL &&
		    !g_file_test("/lib/systemd/systemd-journald", G_FILE_TEST_IS_EXECUTABLE) &&
		    !g_file_test("/usr/lib/systemd/systemd-journald", G_FILE_TEST_IS_EXECUTABLE))
			skip_reason = "systemd-journald is not installed";
		if (skip_reason == NULL) {
			g_autofree gchar *self_path = g_canonicalize_filename(argv[0], NULL);
			/* the harness starts its own journald for this run only */
			g_setenv("SDH_JOURNALD", "1", TRUE);
			return outer_main(self_path);
		}
	} else if (g_getenv("SDH_JOURNALD_LOG") == NULL) {
		skip_reason = "the harness runs no journald (SDH_JOURNALD=1 was not passed)";
	}
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
