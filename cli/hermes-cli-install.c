/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway install|uninstall|render`: make a gateway permanent on
 * this host through the backend (a systemd unit, a launchd plist, an s6
 * slot), or show exactly what that would write and run.
 */

#include "config.h"

#include "hermes-cli.h"

static void
hermes_cli_print_steps(GPtrArray *steps)
{
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		switch (hermes_render_step_get_kind(step)) {
		case HERMES_RENDER_STEP_FILE:
			g_print("# file %s (mode %04o)\n%s",
				hermes_render_step_get_path(step),
				hermes_render_step_get_mode(step),
				hermes_render_step_get_contents(step));
			/* keep the next header on its own line */
			if (!g_str_has_suffix(hermes_render_step_get_contents(step), "\n"))
				g_print("\n");
			break;
		case HERMES_RENDER_STEP_DIRECTORY:
			g_print("# directory %s (mode %04o)\n",
				hermes_render_step_get_path(step),
				hermes_render_step_get_mode(step));
			break;
		case HERMES_RENDER_STEP_COMMAND: {
			g_autofree gchar *joined =
				g_strjoinv(" ", (gchar **)hermes_render_step_get_argv(step));
			const gchar *why = hermes_render_step_get_description(step);
			g_print("# run: %s%s%s\n",
				joined,
				why != NULL ? "  # " : "",
				why != NULL ? why : "");
			break;
		}
		default:
			break;
		}
	}
}

gint
hermes_cli_gateway_render(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *profile = hermes_cli_gateway_target(cli, error);
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(GPtrArray) steps = NULL;
	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	spec = hermes_gateway_spec_new_default(cli->ctx, profile, error);
	if (spec == NULL)
		return HERMES_EXIT_FAILED;
	steps = hermes_service_manager_render(manager, spec, error);
	if (steps == NULL)
		return HERMES_EXIT_FAILED;
	hermes_cli_print_steps(steps);
	return HERMES_EXIT_OK;
}

gint
hermes_cli_gateway_install(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *profile = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	HermesRegisterFlags flags = HERMES_REGISTER_FLAG_REPLACE;

	if (cli->dry_run)
		return hermes_cli_gateway_render(cli, args, error);
	profile = hermes_cli_gateway_target(cli, error);
	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	spec = hermes_gateway_spec_new_default(cli->ctx, profile, error);
	if (spec == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->start_now)
		flags |= HERMES_REGISTER_FLAG_START;
	if (cli->enable)
		flags |= HERMES_REGISTER_FLAG_ENABLE;
	if (!hermes_service_manager_install(manager, spec, flags, NULL, error)) {
		g_prefix_error(error, "install gateway '%s' failed: ", profile);
		return HERMES_EXIT_FAILED;
	}
	g_print("Installed gateway '%s' with %s (%s)%s%s\n",
		profile,
		hermes_service_manager_get_name(manager),
		hermes_service_manager_get_mode(manager),
		cli->start_now ? ", started" : "",
		cli->enable ? ", starts at boot" : "");
	/* a backend may say whether it created, updated or left the installation alone */
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(manager), "last-install") != NULL) {
		g_autofree gchar *what = NULL;
		g_object_get(manager, "last-install", &what, NULL);
		if (g_strcmp0(what, "updated") == 0)
			g_print("  the installed definition differed: updated it in place\n");
		else if (g_strcmp0(what, "unchanged") == 0)
			g_print("  an identical definition was installed already: nothing "
				"changed\n");
	}
	return HERMES_EXIT_OK;
}

gint
hermes_cli_gateway_uninstall(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *profile = hermes_cli_gateway_target(cli, error);
	g_autoptr(HermesServiceManager) manager = NULL;
	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	if (!hermes_service_manager_uninstall(manager, profile, NULL, error)) {
		g_prefix_error(error, "uninstall gateway '%s' failed: ", profile);
		return HERMES_EXIT_FAILED;
	}
	g_print("Uninstalled gateway '%s' from %s\n",
		profile,
		hermes_service_manager_get_name(manager));
	return HERMES_EXIT_OK;
}
