/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the node agent's test machine room (see cluster-agent-test.h): the gateway log, read as
 * intervals per profile, and the checks made on it (no overlap, placement, no takeover) */

#include "config.h"

#include <string.h>

#include "cluster-agent-test.h"

/* a failure message as a whole: cmocka prints at most 1023 bytes of one */
#define AGENT_TEST_MESSAGE_MAX 900

/*****************************************************************************/
/* the gateway log */

static void
agent_interval_free(gpointer data)
{
	AgentInterval *iv = data;
	g_free(iv->profile);
	g_free(iv->node);
	g_free(iv);
}

void
agent_log_free(AgentLog *log)
{
	if (log == NULL)
		return;
	g_ptr_array_unref(log->intervals);
	g_free(log);
}

/* "1796662436.642841055" -> µs; -1 when it is not that */
static gint64
agent_parse_time(const gchar *text)
{
	const gchar *dot = strchr(text, '.');
	gchar frac[7] = "000000";
	gint64 sec;
	if (dot == NULL || dot == text)
		return -1;
	for (const gchar *p = text; p < dot; p++) {
		if (!g_ascii_isdigit(*p))
			return -1;
	}
	for (guint i = 0; dot[1 + i] != '\0'; i++) {
		if (!g_ascii_isdigit(dot[1 + i]))
			return -1;
		if (i < 6)
			frac[i] = dot[1 + i];
	}
	sec = g_ascii_strtoll(text, NULL, 10);
	return sec * G_USEC_PER_SEC + g_ascii_strtoll(frac, NULL, 10);
}

static gint
agent_interval_cmp(gconstpointer a, gconstpointer b)
{
	const AgentInterval *x = *(const AgentInterval *const *)a;
	const AgentInterval *y = *(const AgentInterval *const *)b;
	gint64 xs = x->start_us != 0 ? x->start_us : x->stop_us;
	gint64 ys = y->start_us != 0 ? y->start_us : y->stop_us;
	if (xs != ys)
		return xs < ys ? -1 : 1;
	return g_strcmp0(x->node, y->node);
}

AgentLog *
agent_log_parse(const gchar *text, const AgentFixture *f)
{
	g_autoptr(AgentLog) log = g_new0(AgentLog, 1);
	g_autoptr(GHashTable) open = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = g_strv_length(lines);

	log->intervals = g_ptr_array_new_with_free_func(agent_interval_free);
	/* the last element is what follows the last newline: a line still being written */
	for (guint i = 0; i + 1 < n; i++) {
		g_auto(GStrv) fields = g_strsplit(lines[i], " ", -1);
		g_autofree gchar *key = NULL;
		AgentInterval *iv;
		gint64 t = -1;

		if (g_strv_length(fields) != 4 || (t = agent_parse_time(fields[3])) < 0 ||
		    (g_strcmp0(fields[2], "start") != 0 && g_strcmp0(fields[2], "stop") != 0))
			fail_msg("gateway log line %u does not parse: '%s'", i + 1, lines[i]);
		log->lines++;
		key = g_strdup_printf("%s %s", fields[0], fields[1]);
		iv = g_hash_table_lookup(open, key);
		if (g_strcmp0(fields[2], "start") == 0) {
			/* a run before it on this node ended without its line (SIGKILL) */
			if (iv != NULL)
				iv->stop_us = t;
			iv = g_new0(AgentInterval, 1);
			iv->profile = g_strdup(fields[0]);
			iv->node = g_strdup(fields[1]);
			iv->start_us = t;
			g_ptr_array_add(log->intervals, iv);
			g_hash_table_replace(open, g_steal_pointer(&key), iv);
		} else if (iv != NULL) {
			iv->stop_us = t;
			g_hash_table_remove(open, key);
		} else {
			/* told to stop before it wrote its start: a run of no length */
			iv = g_new0(AgentInterval, 1);
			iv->profile = g_strdup(fields[0]);
			iv->node = g_strdup(fields[1]);
			iv->stop_us = t;
			g_ptr_array_add(log->intervals, iv);
		}
	}
	/* what ran on a node the test killed ended, at the latest, once its processes were gone */
	for (guint i = 0; f != NULL && i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		for (guint k = 0; k < AGENT_TEST_NODES; k++) {
			const AgentNode *node = &f->nodes[k];
			if (node->killed_at != 0 && iv->stop_us == 0 &&
			    g_strcmp0(iv->node, node->name) == 0 &&
			    iv->start_us <= node->killed_at) {
				iv->stop_us = node->killed_at;
				iv->by_kill = TRUE;
			}
		}
	}
	g_ptr_array_sort(log->intervals, agent_interval_cmp);
	return g_steal_pointer(&log);
}

AgentLog *
agent_log_read(AgentFixture *f)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(f->gateway_log, &text, NULL, &error))
		fail_msg("cannot read the gateway log: %s", error->message);
	return agent_log_parse(text, f);
}

static gint64
agent_interval_end(const AgentInterval *iv)
{
	return iv->stop_us != 0 ? iv->stop_us : G_MAXINT64;
}

gchar *
agent_log_find_overlap(AgentLog *log, gint64 t0)
{
	/* profile -> its run that ends last so far (runs come by start) */
	g_autoptr(GHashTable) last = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		AgentInterval *prev;
		if (iv->start_us == 0)
			continue;
		prev = g_hash_table_lookup(last, iv->profile);
		if (prev != NULL && agent_interval_end(prev) > iv->start_us) {
			g_autofree gchar *until =
				prev->stop_us == 0
					? g_strdup("and still runs")
					: g_strdup_printf(
						  "to %.3f s%s",
						  (gdouble)(prev->stop_us - t0) / G_USEC_PER_SEC,
						  prev->by_kill ? " (its node killed)" : "");
			return g_strdup_printf(
				"gateway %s ran twice at once: on %s from %.3f s %s, and on %s "
				"from %.3f s (seconds since the setup)",
				iv->profile,
				prev->node,
				(gdouble)(prev->start_us - t0) / G_USEC_PER_SEC,
				until,
				iv->node,
				(gdouble)(iv->start_us - t0) / G_USEC_PER_SEC);
		}
		if (prev == NULL || agent_interval_end(iv) > agent_interval_end(prev))
			g_hash_table_insert(last, iv->profile, iv);
	}
	return NULL;
}

void
agent_assert_no_overlap(AgentFixture *f)
{
	g_autoptr(AgentLog) log = agent_log_read(f);
	g_autofree gchar *overlap = agent_log_find_overlap(log, f->t0);
	if (overlap != NULL)
		fail_msg("%s", overlap);
}

GHashTable *
agent_log_running(AgentLog *log)
{
	GHashTable *running = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		if (iv->stop_us != 0)
			continue;
		g_hash_table_replace(
			running,
			g_strdup(iv->profile),
			g_strdup(g_hash_table_contains(running, iv->profile) ? "*" : iv->node));
	}
	return running;
}

GPtrArray *
agent_log_runs_of(AgentLog *log, const gchar *profile)
{
	GPtrArray *runs = g_ptr_array_new();
	for (guint i = 0; i < log->intervals->len; i++) {
		AgentInterval *iv = g_ptr_array_index(log->intervals, i);
		if (g_strcmp0(iv->profile, profile) == 0)
			g_ptr_array_add(runs, iv);
	}
	return runs;
}

/* what is still wrong for agent_wait_placed(), or NULL */
static gchar *
agent_placed_problems(GHashTable *running,
		      GHashTable *owners,
		      const gchar *const *profiles,
		      const gchar *const *stopped,
		      const gchar *avoid)
{
	g_autoptr(GString) problems = g_string_new(NULL);
	for (guint i = 0; profiles[i] != NULL; i++) {
		const gchar *node = g_hash_table_lookup(running, profiles[i]);
		const gchar *owner =
			owners != NULL ? g_hash_table_lookup(owners, profiles[i]) : NULL;
		if (node == NULL)
			g_string_append_printf(problems, " %s runs nowhere;", profiles[i]);
		else if (g_strcmp0(node, "*") == 0)
			g_string_append_printf(problems, " %s runs twice;", profiles[i]);
		else if (g_strcmp0(node, avoid) == 0)
			g_string_append_printf(
				problems, " %s still runs on %s;", profiles[i], node);
		else if (owners != NULL && g_strcmp0(owner, node) != 0)
			g_string_append_printf(problems,
					       " %s runs on %s but cluster status says %s;",
					       profiles[i],
					       node,
					       owner != NULL ? owner : "no node");
	}
	for (guint i = 0; stopped != NULL && stopped[i] != NULL; i++) {
		if (g_hash_table_contains(running, stopped[i]))
			g_string_append_printf(
				problems,
				" %s (wanted stopped) runs on %s;",
				stopped[i],
				(const gchar *)g_hash_table_lookup(running, stopped[i]));
		if (owners != NULL && g_hash_table_contains(owners, stopped[i]))
			g_string_append_printf(
				problems,
				" %s (wanted stopped) is owned by %s;",
				stopped[i],
				(const gchar *)g_hash_table_lookup(owners, stopped[i]));
	}
	if (problems->len == 0)
		return NULL;
	if (problems->len > AGENT_TEST_MESSAGE_MAX - 100) {
		g_string_truncate(problems, AGENT_TEST_MESSAGE_MAX - 100);
		g_string_append(problems, "...");
	}
	return g_string_free(g_steal_pointer(&problems), FALSE);
}

GHashTable *
agent_wait_placed(AgentFixture *f,
		  const gchar *const *profiles,
		  const gchar *const *stopped,
		  const gchar *avoid,
		  gint64 deadline_us,
		  const gchar *what)
{
	for (;;) {
		g_autoptr(AgentLog) log = agent_log_read(f);
		g_autofree gchar *overlap = agent_log_find_overlap(log, f->t0);
		g_autoptr(GHashTable) running = NULL;
		g_autoptr(GHashTable) owners = NULL;
		g_autofree gchar *problems = NULL;

		if (overlap != NULL)
			fail_msg("%s: %s", what, overlap);
		agent_assert_alive(f);
		running = agent_log_running(log);
		problems = agent_placed_problems(running, NULL, profiles, stopped, avoid);
		/* the log looks right: does the cluster say the same? */
		if (problems == NULL) {
			owners = agent_status_owners(f);
			problems = agent_placed_problems(running, owners, profiles, stopped, avoid);
		}
		if (problems == NULL)
			return g_steal_pointer(&running);
		if (g_get_monotonic_time() > deadline_us)
			fail_msg("%s: not there in time:%s", what, problems);
		g_usleep(100000);
	}
}

/* every file of every gateway's log directory, for words a runner wrote */
void
agent_assert_no_takeover(AgentFixture *f)
{
	g_autofree gchar *root = g_build_filename(f->home, "logs", "gateways", NULL);
	g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
	const gchar *profile;
	while (dir != NULL && (profile = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *pdir = g_build_filename(root, profile, NULL);
		g_autoptr(GDir) files = g_dir_open(pdir, 0, NULL);
		const gchar *name;
		while (files != NULL && (name = g_dir_read_name(files)) != NULL) {
			g_autofree gchar *path = g_build_filename(pdir, name, NULL);
			g_autofree gchar *text = NULL;
			const gchar *hit;
			if (!g_file_get_contents(path, &text, NULL, NULL))
				continue;
			hit = strstr(text, "replacing the gateway with PID");
			if (hit != NULL) {
				const gchar *bol = hit;
				const gchar *eol = strchr(hit, '\n');
				while (bol > text && bol[-1] != '\n')
					bol--;
				fail_msg("gateway %s: one runner replaced another (two nodes "
					 "started "
					 "it; the one-host lock hid the overlap): %.*s",
					 profile,
					 (gint)(eol != NULL ? eol - bol : (gssize)strlen(bol)),
					 bol);
			}
		}
	}
}
