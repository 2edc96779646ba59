/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-svc.h"

G_BEGIN_DECLS

/* documented in docs/cli.md; scripts depend on these */
typedef enum {
	HERMES_EXIT_OK = 0,
	HERMES_EXIT_FAILED = 1,
	HERMES_EXIT_NOTHING_TO_DO = 2,
	HERMES_EXIT_NOT_FOUND = 3,
	HERMES_EXIT_ALREADY_EXISTS = 4,
	HERMES_EXIT_NOT_SUPPORTED = 5,
	HERMES_EXIT_USAGE = 64,
	HERMES_EXIT_DATA = 65,
	HERMES_EXIT_NO_CLUSTER = 68, /* sysexits' EX_NOHOST: the etcd cluster cannot be reached */
	HERMES_EXIT_UNAVAILABLE = 69,
	HERMES_EXIT_PERMISSION = 77,
	HERMES_EXIT_CONFIG =
		78, /* sysexits' EX_CONFIG, as upstream exits for a multiplexed profile */
} HermesExit;

typedef struct {
	HermesContext *ctx;
	gchar *profile; /* -p/--profile, NULL for the current one */
	gchar *backend; /* --backend, NULL for $HERMES_SERVICE_MANAGER or the probes */
	gboolean json;
	gboolean yes;
	gboolean all;
	gboolean replace;
	gboolean no_supervise;
	gboolean dry_run;
	gboolean start_now;
	gboolean enable;
	gboolean dbus;	  /* --dbus: read the status from hermes-svcd */
	gboolean system;  /* --system: the system-wide scope of systemd/launchd */
	gboolean follow;  /* gateway logs -f */
	gint lines;	  /* gateway logs -n, G_MININT when not given */
	gchar *since;	  /* gateway logs --since */
	gboolean force;	  /* --force: a named profile's own gateway while multiplexing */
	guint wait_ms;	  /* gateway start|stop|restart --wait[=SECONDS], 0 without */
	gboolean cluster; /* gateway start|stop|restart --cluster: the intent goes to etcd */
	gchar *endpoints; /* --endpoints, NULL for $HERMES_ETCD_ENDPOINTS */
	gchar *node;	  /* cluster agent --node, NULL for the host's name */
	gint capacity;	  /* cluster agent --capacity, 0 for no limit */
	gint ttl;	  /* cluster agent --ttl, 0 for the default */
	gchar **labels;	  /* cluster agent --label KEY=VALUE, NULL for $HERMES_CLUSTER_LABELS */
	gchar **require;  /* gateway start|restart --cluster --require KEY=VALUE */
} HermesCli;

/* `--wait` without a value */
#define HERMES_CLI_WAIT_DEFAULT_S 30

/* options a command accepts beyond the common ones */
typedef enum {
	HERMES_CLI_OPT_NONE = 0,
	HERMES_CLI_OPT_YES = 1 << 0,
	HERMES_CLI_OPT_ALL = 1 << 1,
	HERMES_CLI_OPT_REPLACE = 1 << 2,
	HERMES_CLI_OPT_DRY_RUN = 1 << 3,
	HERMES_CLI_OPT_INSTALL = 1 << 4,
	HERMES_CLI_OPT_DBUS = 1 << 5,
	HERMES_CLI_OPT_LOGS = 1 << 6,
	HERMES_CLI_OPT_FORCE = 1 << 7,
	HERMES_CLI_OPT_WAIT = 1 << 8,
	HERMES_CLI_OPT_ENDPOINTS = 1 << 9, /* --endpoints */
	HERMES_CLI_OPT_CLUSTER = 1 << 10,  /* --cluster, with --endpoints */
	HERMES_CLI_OPT_AGENT = 1 << 11,	   /* cluster agent: --node, --capacity, --ttl */
} HermesCliOptions;

typedef gint (*HermesCliFunc)(HermesCli *cli, gchar **args, GError **error);

typedef struct {
	const gchar *name;
	const gchar *args;    /* positional arguments for the usage line */
	guint n_args;	      /* exactly this many */
	const gchar *summary; /* one line */
	HermesCliOptions options;
	HermesCliFunc func;
} HermesCliCommand;

gint
hermes_cli_exit_code(const GError *error);
void
hermes_cli_cluster_add_options(GOptionContext *octx, HermesCli *cli, HermesCliOptions options);
gint
hermes_cli_cluster_gateway(HermesCli *cli, const gchar *action, GError **error);
gboolean
hermes_cli_cluster_check_require(HermesCli *cli, const gchar *action, GError **error);
extern const HermesCliCommand hermes_cli_cluster_commands[];

/* the cluster module's one entry (cli/cluster/): @command is a cluster
 * command or `gateway-start`, `gateway-stop`, `gateway-restart` */
typedef gint (*HermesCliClusterRun)(HermesCli *cli,
				    const gchar *command,
				    gchar **args,
				    GError **error);
#define HERMES_CLI_CLUSTER_MODULE "libhermes-cli-cluster.so"
#define HERMES_CLI_CLUSTER_ENTRY  "hermes_cli_cluster_module_run"
/* its second entry: each report gets its owning node (`hermes status` in a cluster) */
typedef gboolean (*HermesCliClusterAnnotate)(HermesCli *cli, GPtrArray *reports, GError **error);
#define HERMES_CLI_CLUSTER_ANNOTATE "hermes_cli_cluster_module_annotate"
void
hermes_cli_cluster_annotate(HermesCli *cli, GPtrArray *reports);
gint
hermes_cli_gateway_run(HermesCli *cli, gchar **args, GError **error);
gint
hermes_cli_gateway_status(HermesCli *cli, gchar **args, GError **error);
gint
hermes_cli_status_dbus(HermesCli *cli, GError **error);
gchar *
hermes_cli_manager_line_format(const gchar *backend,
			       const gchar *mode,
			       const gchar *detail,
			       gboolean running);
void
hermes_cli_print_reports(HermesCli *cli,
			 const gchar *manager_line,
			 const gchar *backend,
			 GPtrArray *reports);
void
hermes_cli_print_reports_json(const gchar *backend, const gchar *mode, GPtrArray *reports);
gint
hermes_cli_reports_exit_code(GPtrArray *reports);
gint
hermes_cli_gateway_health(HermesCli *cli, gchar **args, GError **error);
gboolean
hermes_cli_use_colour(HermesCli *cli);
gint
hermes_cli_gateway_logs(HermesCli *cli, gchar **args, GError **error);
gint
hermes_cli_gateway_install(HermesCli *cli, gchar **args, GError **error);
gint
hermes_cli_gateway_uninstall(HermesCli *cli, gchar **args, GError **error);
gint
hermes_cli_gateway_render(HermesCli *cli, gchar **args, GError **error);
gchar *
hermes_cli_gateway_target(HermesCli *cli, GError **error);
gboolean
hermes_cli_gateway_check_all(HermesCli *cli, GError **error);
gint
hermes_cli_fail(GError *error);
void
hermes_cli_print_json(JsonNode *node);
gchar *
hermes_cli_profile_name(HermesCli *cli);
HermesServiceManager *
hermes_cli_get_manager(HermesCli *cli, GError **error);

/* hermes-cli-progress.c: a one-line progress display on a terminal, else nothing */
typedef struct _HermesCliProgress HermesCliProgress;
HermesCliProgress *
hermes_cli_progress_new(HermesCli *cli);
void
hermes_cli_progress_update(
	HermesCliProgress *self, guint done, guint total, const gchar *format, ...)
	G_GNUC_PRINTF(4, 5);
gboolean
hermes_cli_progress_get_enabled(HermesCliProgress *self);
void
hermes_cli_progress_clear(HermesCliProgress *self);
void
hermes_cli_progress_free(HermesCliProgress *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesCliProgress, hermes_cli_progress_free)

extern const HermesCliCommand hermes_cli_profile_commands[];
extern const HermesCliCommand hermes_cli_gateway_commands[];
extern const HermesCliCommand hermes_cli_supervisor_commands[];
extern const HermesCliCommand hermes_cli_boot_commands[];
extern const HermesCliCommand hermes_cli_dashboard_commands[];
extern const HermesCliCommand hermes_cli_backends_command;
extern const HermesCliCommand hermes_cli_status_command;
extern const HermesCliCommand hermes_cli_doctor_command;

G_END_DECLS
