/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Readiness, once the payload serves: s6's notification-fd
 * ($HERMES_READY_FD: a newline, then close) and systemd's Type=notify
 * ($NOTIFY_SOCKET: one READY=1 datagram).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hermes-runner-private.h"

/*
 * $HERMES_READY_FD is taken before the runner opens anything of its own:
 * only a pipe or socket we inherited can be the supervisor's, and an fd
 * number that turns out to be one of GLib's (an eventfd) must never be
 * written to or closed.
 */
void
hermes_runner_take_ready_fd(HermesRunner *self)
{
	const gchar *text = hermes_context_getenv(self->ctx, "HERMES_READY_FD");
	struct stat st;
	guint64 fd = 0;

	self->ready_fd = -1;
	if (text == NULL || text[0] == '\0')
		return;
	if (!g_ascii_string_to_unsigned(text, 10, 3, 1024, &fd, NULL) ||
	    fcntl((gint)fd, F_GETFD) < 0 || fstat((gint)fd, &st) != 0 ||
	    (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))) {
		hermes_runner_say(self,
				  "gateway: HERMES_READY_FD=%s is not an inherited pipe; readiness "
				  "not signalled",
				  text);
		return;
	}
	/* ours from here on: not inherited by the payload */
	fcntl((gint)fd, F_SETFD, FD_CLOEXEC);
	self->ready_fd = (gint)fd;
}

static void
hermes_runner_notify_fd(HermesRunner *self)
{
	if (self->ready_fd < 0)
		return;
	/* s6 notification-fd: a newline, then close */
	if (write(self->ready_fd, "\n", 1) != 1)
		hermes_runner_say(self,
				  "gateway: cannot signal readiness on fd %d: %s",
				  self->ready_fd,
				  g_strerror(errno));
	close(self->ready_fd);
	self->ready_fd = -1;
}

/* systemd Type=notify: one datagram; a leading '@' names an abstract socket */
static void
hermes_runner_notify_socket(HermesRunner *self)
{
	const gchar *path = hermes_context_getenv(self->ctx, "NOTIFY_SOCKET");
	struct sockaddr_un addr = {0};
	static const gchar msg[] = "READY=1";
	gsize len;
	socklen_t addr_len;
	gint fd;

	if (path == NULL || path[0] == '\0')
		return;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
		hermes_runner_say(self, "gateway: NOTIFY_SOCKET=%s is not usable", path);
		return;
	}
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			       (path[0] == '@' ? 0 : 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    sendto(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len) < 0)
		hermes_runner_say(self, "gateway: cannot notify %s: %s", path, g_strerror(errno));
	if (fd >= 0)
		close(fd);
}

void
hermes_runner_notify_ready(HermesRunner *self)
{
	if (self->ready_sent)
		return;
	self->ready_sent = TRUE;
	hermes_runner_notify_fd(self);
	hermes_runner_notify_socket(self);
}
