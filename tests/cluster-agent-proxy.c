/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the node agent's test machine room (see cluster-agent-test.h): the TCP proxy between an
 * agent and one etcd member, which a test kills or silences to cut that agent off */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster-agent-test.h"

/*****************************************************************************/
/* the proxy: a forked child forwarding 127.0.0.1:<port> to one member */

#define AGENT_PROXY_CONNS 32
#define AGENT_PROXY_BUF	  32768

typedef struct {
	gint fd[2];		       /* [0] the agent's side, [1] the member's; -1: free */
	gchar buf[2][AGENT_PROXY_BUF]; /* buf[d]: read from fd[d], to be written to fd[1 - d] */
	gsize len[2];
} AgentProxyConn;

/* the child's only memory: nothing is allocated after fork() */
static AgentProxyConn agent_proxy_conns[AGENT_PROXY_CONNS];

static void
agent_proxy_close(AgentProxyConn *c)
{
	for (guint d = 0; d < 2; d++) {
		/* what one side said before it closed still goes to the other, if it can */
		if (c->len[d] > 0 && c->fd[1 - d] >= 0)
			(void)send(c->fd[1 - d], c->buf[d], c->len[d], MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	for (guint d = 0; d < 2; d++) {
		if (c->fd[d] >= 0)
			close(c->fd[d]);
		c->fd[d] = -1;
		c->len[d] = 0;
	}
}

/* SIGUSR1: the network goes silent */
static volatile sig_atomic_t agent_proxy_silent = 0;

static void
agent_proxy_silence_cb(gint sig)
{
	agent_proxy_silent = 1;
}

/* the child's start (async-signal-safe calls only, as in all of the child: the test
 * process has threads): it dies with its parent, keeps no descriptor of the test's but
 * @listen_fd and stderr, and takes SIGUSR1 only inside ppoll() with @open_mask */
static void
agent_proxy_child_init(gint listen_fd, pid_t parent, sigset_t *open_mask)
{
	struct sigaction action;
	sigset_t usr1;
	struct rlimit limit;
	gint devnull;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
	}
	/* the client's limit: valgrind keeps its own descriptors above it */
	if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur > 65536)
		limit.rlim_cur = 1024;
	for (gint fd = 3; fd < (gint)limit.rlim_cur; fd++) {
		if (fd != listen_fd)
			close(fd);
	}
	for (guint i = 0; i < AGENT_PROXY_CONNS; i++)
		agent_proxy_conns[i].fd[0] = agent_proxy_conns[i].fd[1] = -1;
	memset(&action, 0, sizeof(action));
	action.sa_handler = agent_proxy_silence_cb;
	sigaction(SIGUSR1, &action, NULL);
	/* SIGUSR1 comes only inside ppoll(), so the flag is never missed */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, open_mask);
	sigdelset(open_mask, SIGUSR1);
}

/* what was open is cut; what connects now is accepted by the kernel (the backlog) and
 * never answered, as behind a link that drops everything */
static void G_GNUC_NORETURN
agent_proxy_go_silent(void)
{
	for (guint i = 0; i < AGENT_PROXY_CONNS; i++) {
		if (agent_proxy_conns[i].fd[0] >= 0)
			agent_proxy_close(&agent_proxy_conns[i]);
	}
	for (;;)
		pause();
}

/* what ppoll() watches: @listen_fd in pfd[0], then both sides of every open connection,
 * where[k] = connection * 2 + side; returns how many entries */
static guint
agent_proxy_poll_set(gint listen_fd, struct pollfd *pfd, guint *where)
{
	guint nfds = 1;

	pfd[0].fd = listen_fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (guint i = 0; i < AGENT_PROXY_CONNS; i++) {
		AgentProxyConn *c = &agent_proxy_conns[i];
		if (c->fd[0] < 0)
			continue;
		for (guint d = 0; d < 2; d++) {
			pfd[nfds].fd = c->fd[d];
			pfd[nfds].events = 0;
			pfd[nfds].revents = 0;
			if (c->len[d] < AGENT_PROXY_BUF)
				pfd[nfds].events |= POLLIN;
			if (c->len[1 - d] > 0)
				pfd[nfds].events |= POLLOUT;
			where[nfds] = i * 2 + d;
			nfds++;
		}
	}
	return nfds;
}

/* a new agent's connection gets a free slot and its own to the member, or is closed */
static void
agent_proxy_accept(gint listen_fd, const struct sockaddr_in *target)
{
	gint cfd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	AgentProxyConn *c = NULL;
	gint sfd;

	if (cfd < 0)
		return;
	sfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (guint i = 0; i < AGENT_PROXY_CONNS && c == NULL; i++) {
		if (agent_proxy_conns[i].fd[0] < 0)
			c = &agent_proxy_conns[i];
	}
	/* loopback: a blocking connect answers at once */
	if (c == NULL || sfd < 0 ||
	    connect(sfd, (const struct sockaddr *)target, sizeof(*target)) != 0) {
		close(cfd);
		if (sfd >= 0)
			close(sfd);
		return;
	}
	fcntl(sfd, F_SETFL, fcntl(sfd, F_GETFL) | O_NONBLOCK);
	c->fd[0] = cfd;
	c->fd[1] = sfd;
	c->len[0] = c->len[1] = 0;
}

/* side @d of @c as ppoll() found it (@p): read what it says, write what the other said */
static void
agent_proxy_pump(AgentProxyConn *c, guint d, const struct pollfd *p)
{
	if (c->fd[0] < 0 || c->fd[d] != p->fd)
		return;
	if ((p->revents & (POLLERR | POLLNVAL)) != 0) {
		agent_proxy_close(c);
		return;
	}
	if ((p->revents & (POLLIN | POLLHUP)) != 0 && c->len[d] < AGENT_PROXY_BUF) {
		gssize got = read(c->fd[d], c->buf[d] + c->len[d], AGENT_PROXY_BUF - c->len[d]);
		if (got > 0) {
			c->len[d] += (gsize)got;
		} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
			/* one side is done: so is the connection */
			agent_proxy_close(c);
			return;
		}
	}
	if ((p->revents & POLLOUT) != 0 && c->len[1 - d] > 0) {
		gssize put =
			send(c->fd[d], c->buf[1 - d], c->len[1 - d], MSG_NOSIGNAL | MSG_DONTWAIT);
		if (put > 0) {
			memmove(c->buf[1 - d], c->buf[1 - d] + put, c->len[1 - d] - (gsize)put);
			c->len[1 - d] -= (gsize)put;
		} else if (put < 0 && errno != EAGAIN && errno != EINTR) {
			agent_proxy_close(c);
		}
	}
}

/* async-signal-safe calls only: the test process has threads */
static void G_GNUC_NORETURN
agent_proxy_child(gint listen_fd, guint16 target_port, pid_t parent)
{
	sigset_t open_mask;
	struct sockaddr_in target;

	agent_proxy_child_init(listen_fd, parent, &open_mask);
	memset(&target, 0, sizeof(target));
	target.sin_family = AF_INET;
	target.sin_port = htons(target_port);
	target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (;;) {
		struct pollfd pfd[1 + 2 * AGENT_PROXY_CONNS];
		guint where[1 + 2 * AGENT_PROXY_CONNS];
		guint nfds;

		if (agent_proxy_silent)
			agent_proxy_go_silent();
		nfds = agent_proxy_poll_set(listen_fd, pfd, where);
		if (ppoll(pfd, nfds, NULL, &open_mask) < 0)
			continue;
		if ((pfd[0].revents & POLLIN) != 0)
			agent_proxy_accept(listen_fd, &target);
		for (guint k = 1; k < nfds; k++)
			agent_proxy_pump(&agent_proxy_conns[where[k] / 2], where[k] % 2, &pfd[k]);
	}
}

gchar *
agent_proxy_start(AgentFixture *f, guint member)
{
	const gchar *url = etcd_test_cluster_get_endpoint(f->etcd, member);
	const gchar *colon = strrchr(url, ':');
	guint16 target_port = (guint16)g_ascii_strtoull(colon + 1, NULL, 10);
	struct sockaddr_in addr;
	socklen_t addr_len = sizeof(addr);
	gint one = 1;
	gint fd;
	pid_t parent = getpid();
	pid_t pid;

	assert_int_equal(f->proxy, 0);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	/* the same port again after a kill: the agent's endpoint does not change */
	addr.sin_port = htons(f->proxy_port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 64) != 0)
		fail_msg(
			"the proxy cannot listen on port %u: %s", f->proxy_port, g_strerror(errno));
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &addr_len), 0);
	f->proxy_port = ntohs(addr.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		agent_proxy_child(fd, target_port, parent);
	close(fd);
	f->proxy = pid;
	return g_strdup_printf("http://127.0.0.1:%u", f->proxy_port);
}

void
agent_proxy_silence(AgentFixture *f)
{
	assert_true(f->proxy > 0);
	assert_int_equal(kill(f->proxy, SIGUSR1), 0);
}

void
agent_proxy_kill(AgentFixture *f)
{
	if (f->proxy <= 0)
		return;
	kill(f->proxy, SIGKILL);
	waitpid(f->proxy, NULL, 0);
	f->proxy = 0;
}
