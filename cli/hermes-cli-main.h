/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

/*
 * The seam between the `hermes` launcher (cli/hermes-main.c, libc only) and the
 * CLI module it loads (libhermes-cli.so, everything else). Plain C on purpose:
 * the launcher must not see a GLib header.
 */

/* the module's file name, found through the launcher's RUNPATH */
#define HERMES_CLI_MODULE "libhermes-cli.so"
/* the one symbol the launcher looks up */
#define HERMES_CLI_MAIN_SYMBOL "hermes_cli_main"

typedef int (*HermesCliMainFunc)(int argc, char **argv);

/* the module is built with hidden visibility; this is its only export */
__attribute__((visibility("default"))) int
hermes_cli_main(int argc, char **argv);
