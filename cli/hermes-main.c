/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The `hermes` program: a launcher that links only libc and loads the CLI module.
 *
 * Why: mapping and relocating GLib, GIO and what GIO pulls in (libmount,
 * libblkid, libselinux, libffi, libz, libpcre2) is most of the cost of starting
 * any GLib program, several milliseconds on a small VM, more than the work of
 * most commands. An answer that needs none of it (`hermes --version`, asked by
 * scripts and package checks) is given here; every other command runs in the
 * module (cli/hermes-cli.c), loaded once with RTLD_NOW, exactly as if it were
 * linked in. The module is found through this program's RUNPATH: the build
 * directory in a build tree, $libdir/hermes-svc-1 once installed, never a
 * system-wide search path, so a build tree never runs an installed module.
 */

#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "hermes-cli-main.h"

/* sysexits' EX_UNAVAILABLE, HERMES_EXIT_UNAVAILABLE in docs/cli.md */
#define HERMES_LAUNCHER_EXIT_UNAVAILABLE 69

int
main(int argc, char **argv)
{
	void *module;
	HermesCliMainFunc cli_main;

	/* the same line the module prints for `--version` anywhere among the options */
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		if (printf("hermes %s\n", PACKAGE_VERSION) < 0 || fflush(stdout) != 0)
			return 1;
		return 0;
	}
	module = dlopen(HERMES_CLI_MODULE, RTLD_NOW | RTLD_LOCAL);
	if (module == NULL) {
		fprintf(stderr, "hermes: cannot load its command module: %s\n", dlerror());
		return HERMES_LAUNCHER_EXIT_UNAVAILABLE;
	}
	/* POSIX's way to turn an object pointer from dlsym() into a function pointer */
	*(void **)(&cli_main) = dlsym(module, HERMES_CLI_MAIN_SYMBOL);
	if (cli_main == NULL) {
		fprintf(stderr,
			"hermes: %s has no %s: a module from another build?\n",
			HERMES_CLI_MODULE,
			HERMES_CLI_MAIN_SYMBOL);
		return HERMES_LAUNCHER_EXIT_UNAVAILABLE;
	}
	/* never unloaded: the module's GTypes and atexit handlers live until exit */
	return cli_main(argc, argv);
}
