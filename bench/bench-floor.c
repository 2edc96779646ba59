/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The floors the command-level benchmarks (bench-cli.py) compare hermes
 * against: plain C doing the least a tool must do for the same answer,
 * without GLib, so the floor is the kernel's and libc's cost only.
 *
 *   bench-floor stat-slots SCANDIR    stat every gateway-* slot and its run
 *                                     file (what an unchanged reconcile
 *                                     must at least look at)
 *   bench-floor read-status SCANDIR   read and decode every gateway-*
 *                                     supervise/status and print one JSON
 *                                     row per slot (a status listing)
 *   bench-floor notify                the tiny s6 gateway: writes readiness
 *                                     to fd 3 (notification-fd), then waits
 *   bench-floor spawn N CMD [ARG…]    run CMD N times (posix_spawn, output
 *                                     to /dev/null, waited for) and print
 *                                     the median in microseconds: a
 *                                     command's start-up without the
 *                                     caller's own cost (Python's
 *                                     subprocess adds milliseconds)
 *   bench-floor respawn SLOT MS       kill -9 the slot's process and wait
 *                                     (inotify on supervise/, no polling)
 *                                     until s6 reports a new pid and then
 *                                     that pid ready; prints both delays
 *                                     in microseconds
 */

/* the build defines _GNU_SOURCE for every file; a standalone build may not */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
	uint64_t pid;
	int ready;
	int up;
} BenchS6Status;

static uint64_t
bench_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* 35 bytes (s6 < 2.13) or 43 (pgid added): stamp, ready stamp, pid, [pgid], wstat, flags */
static int
bench_read_s6_status(int dirfd, const char *path, BenchS6Status *out)
{
	unsigned char buf[64];
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != 35 && n != 43)
		return -1;
	out->pid = bench_be(buf + 24, 8);
	out->up = out->pid != 0;
	out->ready = (buf[n - 1] & 0x08) != 0;
	return 0;
}

static int64_t
bench_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int
bench_stat_slots(const char *scandir)
{
	DIR *dir = opendir(scandir);
	struct dirent *entry;
	unsigned n = 0;
	if (dir == NULL) {
		perror(scandir);
		return 1;
	}
	while ((entry = readdir(dir)) != NULL) {
		char run[PATH_MAX];
		struct stat st;
		if (strncmp(entry->d_name, "gateway-", 8) != 0)
			continue;
		if (fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		snprintf(run, sizeof(run), "%s/run", entry->d_name);
		if (fstatat(dirfd(dir), run, &st, 0) == 0)
			n++;
	}
	closedir(dir);
	printf("%u slots\n", n);
	return 0;
}

static int
bench_read_status(const char *scandir)
{
	DIR *dir = opendir(scandir);
	struct dirent *entry;
	int first = 1;
	if (dir == NULL) {
		perror(scandir);
		return 1;
	}
	printf("[");
	while ((entry = readdir(dir)) != NULL) {
		char path[PATH_MAX];
		BenchS6Status st;
		if (strncmp(entry->d_name, "gateway-", 8) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/supervise/status", entry->d_name);
		if (bench_read_s6_status(dirfd(dir), path, &st) != 0)
			continue;
		printf("%s{\"profile\":\"%s\",\"state\":\"%s\",\"pid\":%llu,\"ready\":%s}",
		       first ? "" : ",",
		       entry->d_name + 8,
		       st.up ? "up" : "down",
		       (unsigned long long)st.pid,
		       st.ready ? "true" : "false");
		first = 0;
	}
	printf("]\n");
	closedir(dir);
	return 0;
}

static int
bench_notify(void)
{
	if (write(3, "\n", 1) != 1)
		return 111;
	close(3);
	for (;;)
		pause();
}

static int
bench_respawn(const char *slot, int timeout_ms)
{
	char supervise[PATH_MAX];
	BenchS6Status st;
	uint64_t old_pid;
	int64_t killed_at, pid_at = 0, ready_at = 0, deadline;
	int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int slot_fd = open(slot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	snprintf(supervise, sizeof(supervise), "%s/supervise", slot);
	if (in < 0 || slot_fd < 0 || inotify_add_watch(in, supervise, IN_MOVED_TO) < 0) {
		perror(slot);
		return 1;
	}
	if (bench_read_s6_status(slot_fd, "supervise/status", &st) != 0 || !st.up || !st.ready) {
		fprintf(stderr, "%s is not up and ready\n", slot);
		return 1;
	}
	old_pid = st.pid;
	killed_at = bench_now_us();
	if (kill((pid_t)old_pid, SIGKILL) != 0) {
		perror("kill");
		return 1;
	}
	deadline = killed_at + (int64_t)timeout_ms * 1000;
	while (ready_at == 0) {
		struct pollfd p = {in, POLLIN, 0};
		char events[4096];
		int64_t left = deadline - bench_now_us();
		if (left <= 0) {
			fprintf(stderr,
				"%s: no ready replacement within %d ms\n",
				slot,
				timeout_ms);
			return 1;
		}
		if (poll(&p, 1, (int)(left / 1000) + 1) < 0 && errno != EINTR)
			return 1;
		while (read(in, events, sizeof(events)) > 0)
			;
		if (bench_read_s6_status(slot_fd, "supervise/status", &st) != 0)
			continue;
		if (st.up && st.pid != old_pid) {
			int64_t now = bench_now_us();
			if (pid_at == 0)
				pid_at = now;
			if (st.ready)
				ready_at = now;
		}
	}
	printf("%lld %lld %llu\n",
	       (long long)(pid_at - killed_at),
	       (long long)(ready_at - killed_at),
	       (unsigned long long)st.pid);
	close(in);
	close(slot_fd);
	return 0;
}

static int
bench_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int
bench_spawn(int n, char **argv)
{
	int64_t took[64];
	posix_spawn_file_actions_t fa;

	if (n < 1 || n > 64) {
		fprintf(stderr, "spawn: N must be 1..64\n");
		return 64;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	for (int i = 0; i < n; i++) {
		int64_t t0 = bench_now_us();
		pid_t pid;
		int status;
		if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0 ||
		    waitpid(pid, &status, 0) != pid) {
			perror(argv[0]);
			return 1;
		}
		took[i] = bench_now_us() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "%s failed (wait status %d)\n", argv[0], status);
			return 1;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	qsort(took, (size_t)n, sizeof(took[0]), bench_cmp_i64);
	printf("%lld\n", (long long)took[n / 2]);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "stat-slots") == 0)
		return bench_stat_slots(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "read-status") == 0)
		return bench_read_status(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "notify") == 0)
		return bench_notify();
	if (argc >= 4 && strcmp(argv[1], "respawn") == 0)
		return bench_respawn(argv[2], atoi(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
		return bench_spawn(atoi(argv[2]), argv + 3);
	fprintf(stderr,
		"usage: bench-floor stat-slots|read-status SCANDIR | notify | respawn SLOT MS | "
		"spawn N CMD [ARG…]\n");
	return 64;
}
