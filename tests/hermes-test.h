/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/* cmocka <-> GLib glue shared by every test binary */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hermes-gateway-spec.h"
#include "hermes-svc.h"

#include <cmocka.h>

G_BEGIN_DECLS

void
hermes_test_init(void);
void
hermes_test_expect_log(GLogLevelFlags level, const gchar *pattern);
void
hermes_test_check_logs(void);
gchar *
hermes_test_mkdtemp(void);
void
hermes_test_rmtree(const gchar *path);
const gchar *
hermes_test_env(const gchar *name);
gchar *
hermes_test_copy_file(const gchar *src, const gchar *dir, const gchar *basename, guint mode);
void
hermes_test_write_file(const gchar *path, const gchar *contents, guint mode);
gchar *
hermes_test_list_dir(const gchar *path);
gchar *
hermes_test_snapshot_tree(const gchar *path);
/* fills the file system holding @dir to the last byte with `@dir/.filler` (a dot file, which
 * s6-svscan and listings skip); hermes_test_rmtree() of it frees the space again */
void
hermes_test_fill_disk(const gchar *dir);

#define hermes_assert_no_error(e)                                 \
	do {                                                      \
		if ((e) != NULL)                                  \
			fail_msg("unexpected error: %s (%s, %d)", \
				 (e)->message,                    \
				 g_quark_to_string((e)->domain),  \
				 (e)->code);                      \
	} while (0)

#define hermes_assert_error(e, dom, c)                                  \
	do {                                                            \
		if ((e) == NULL)                                        \
			fail_msg("expected error %s %d, got none",      \
				 g_quark_to_string(dom),                \
				 (gint)(c));                            \
		if ((e)->domain != (dom) || (e)->code != (gint)(c))     \
			fail_msg("expected error %s %d, got %s %d: %s", \
				 g_quark_to_string(dom),                \
				 (gint)(c),                             \
				 g_quark_to_string((e)->domain),        \
				 (e)->code,                             \
				 (e)->message);                         \
	} while (0)

#define hermes_assert_str_contains(haystack, needle)            \
	do {                                                    \
		const gchar *h_ = (haystack);                   \
		if (h_ == NULL || strstr(h_, (needle)) == NULL) \
			fail_msg("'%s' does not contain '%s'",  \
				 h_ != NULL ? h_ : "(null)",    \
				 (needle));                     \
	} while (0)

/* runs the real `hermes` (HERMES_TEST_HERMES) with @envp in @cwd; returns its exit status */
gint
hermes_test_run_hermes(const gchar *const *envp,
		       const gchar *cwd,
		       const gchar *const *args,
		       gchar **out,
		       gchar **err);
gchar **
hermes_test_hermes_environ(const gchar *hermes_home);
void
hermes_test_strip_valgrind(gchar *text);

/* a real s6-svscan on a private scan directory, for tests that drive real s6 */
GPid
hermes_test_s6_start(const gchar *scandir, const gchar *hermes_home);
gboolean
hermes_test_s6_send(const gchar *scandir, const gchar *command);
void
hermes_test_s6_stop(const gchar *scandir, GPid *pid);
guint
hermes_test_s6_supervisors(const gchar *scandir);

/* main-loop helpers: a GSourceFunc that sets the gboolean at user_data, and a bounded spin */
gboolean
hermes_test_tick_cb(gpointer user_data);
void
hermes_test_spin(guint ms);

/* gateway specs for render tests; any failure fails the test */
HermesGatewaySpec *
hermes_test_spec_new(const gchar *profile, const gchar *const *argv);
void
hermes_test_spec_setenv(HermesGatewaySpec *spec, const gchar *name, const gchar *value);

/* bounded: TRUE once @proc exited (and was reaped), FALSE after @timeout_s */
gboolean
hermes_test_subprocess_wait(GSubprocess *proc, guint timeout_s);
/* the pids of every process (but this one) whose environment holds @entry (`NAME=VALUE`) */
GArray *
hermes_test_processes_with_env(const gchar *entry);
/* a loopback TCP port nobody listens on now */
guint16
hermes_test_free_port(void);
/* the pid s6 says runs in @scandir/@slot (s6-svstat -p), 0 when none or unknown */
GPid
hermes_test_s6_slot_pid(const gchar *scandir, const gchar *slot);
/* GET @path of hermes-svcd's web door at @addr with the token in @token_path; the HTTP
 * status (0 when nothing answers, or no token yet) and, when @body, the whole reply */
guint
hermes_test_http_get(const gchar *addr, const gchar *token_path, const gchar *path, gchar **body);

/* the cluster as `hermes --json cluster status` (run with @envp) shows it: the whole
 * object (NULL when the command failed), a row of its "nodes" or "gateways" whose @key is
 * @value (NULL: none), and a node's state with the owner of a profile (NULL: not listed) */
JsonObject *
hermes_test_cluster_status(const gchar *const *envp);
JsonObject *
hermes_test_cluster_row(JsonObject *status,
			const gchar *array,
			const gchar *key,
			const gchar *value);
gchar *
hermes_test_cluster_look(const gchar *const *envp,
			 const gchar *node,
			 const gchar *profile,
			 gchar **owner);

/* compare @text with tests/golden/@subdir/@basename; HERMES_UPDATE_GOLDEN=1 rewrites it */
void
hermes_test_golden_check(const gchar *subdir, const gchar *basename, const gchar *text);

G_END_DECLS
