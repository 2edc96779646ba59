/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Not a backend: the attacker's library for the loader race in
 * test-hostile-loader.c. Its constructor leaves a marker, so a process that
 * ever maps it (instead of the file it checked) is caught.
 */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void
hermes_hostile_evil_constructor(void)
{
	const char *marker = getenv("HERMES_HOSTILE_EVIL_MARKER");
	int fd;
	if (marker == NULL)
		return;
	fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		(void)write(fd, "ran\n", 4);
		close(fd);
	}
}
