/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Everything the backend loader checks before dlopen(), none of it by
 * re-resolving a name: the directory chain from / down, each directory
 * opened relative to its checked parent; the file, opened once relative to
 * its checked directory; and the ELF object on that descriptor.
 *
 * dlopen() trusts the ELF headers it maps: a file that claims segments past
 * its end dies with SIGBUS instead of an error, and a file for another
 * machine only fails after the loader has touched it. Everything here reads
 * the already-opened descriptor with pread() into buffers (never mmap, so a
 * short file cannot fault) and refuses with HERMES_ERROR_ABI_MISMATCH: the
 * file is not a backend this process can load.
 */

#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-elf-check.h"
#include "hermes-error.h"
#include "hermes-platform-private.h"

typedef ElfW(Ehdr) HermesElfHeader;
typedef ElfW(Phdr) HermesElfSegment;
typedef ElfW(Shdr) HermesElfSection;

#if __ELF_NATIVE_CLASS == 64
#define HERMES_ELF_CLASS ELFCLASS64
#else
#define HERMES_ELF_CLASS ELFCLASS32
#endif

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define HERMES_ELF_DATA ELFDATA2LSB
#else
#define HERMES_ELF_DATA ELFDATA2MSB
#endif

/* symbolic links followed while walking one search directory, as the kernel allows */
#define HERMES_ELF_CHECK_MAX_LINKS 40

/* any object inside this library: dladdr() on it finds the library's own ELF header */
static const gchar hermes_elf_check_anchor = 0;

/* the machine this process runs, read from the core library's own mapped header */
static guint16
hermes_elf_check_native_machine(void)
{
	static gsize once = 0;
	static guint16 machine = EM_NONE;
	if (g_once_init_enter(&once)) {
		Dl_info info = {0};
		if (dladdr(&hermes_elf_check_anchor, &info) != 0 && info.dli_fbase != NULL &&
		    memcmp(info.dli_fbase, ELFMAG, SELFMAG) == 0)
			machine = ((const HermesElfHeader *)info.dli_fbase)->e_machine;
		g_once_init_leave(&once, 1);
	}
	return machine;
}

/* exactly @len bytes at @offset; running out of file means the headers lie about its size */
static gboolean
hermes_elf_check_read(
	gint fd, gpointer buf, gsize len, guint64 offset, const gchar *what, GError **error)
{
	gsize done = 0;
	while (done < len) {
		gssize n = pread(fd, (guint8 *)buf + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hermes_error_set_errno(error, errno, "cannot read %s", what);
			return FALSE;
		}
		if (n == 0) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_ABI_MISMATCH,
				    "%s is truncated: it ends before byte %" G_GUINT64_FORMAT,
				    what,
				    offset + len);
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

/* @count entries of @entsize bytes at @offset fit in @size; written so nothing can overflow */
static gboolean
hermes_elf_check_fits(guint64 offset, guint64 count, guint64 entsize, guint64 size)
{
	if (offset > size)
		return FALSE;
	return entsize == 0 || count <= (size - offset) / entsize;
}

static gboolean
hermes_elf_check_header(const HermesElfHeader *hdr, const gchar *what, GError **error)
{
	guint16 native = hermes_elf_check_native_machine();
	if (hdr->e_ident[EI_CLASS] != HERMES_ELF_CLASS) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s is a %s ELF object, this process is %s",
			    what,
			    hdr->e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "32-bit",
			    HERMES_ELF_CLASS == ELFCLASS64 ? "64-bit" : "32-bit");
		return FALSE;
	}
	if (hdr->e_ident[EI_DATA] != HERMES_ELF_DATA || hdr->e_ident[EI_VERSION] != EV_CURRENT) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s has the wrong ELF byte order or version",
			    what);
		return FALSE;
	}
	if (hdr->e_type != ET_DYN) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s is not a shared object (ELF type %u)",
			    what,
			    (guint)hdr->e_type);
		return FALSE;
	}
	/* EM_NONE: the own header could not be found, so the machine is left to dlopen() */
	if (native != EM_NONE && hdr->e_machine != native) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s is built for ELF machine %u, this process runs machine %u",
			    what,
			    (guint)hdr->e_machine,
			    (guint)native);
		return FALSE;
	}
	return TRUE;
}

static gboolean
hermes_elf_check_segments(
	gint fd, const HermesElfHeader *hdr, guint64 size, const gchar *what, GError **error)
{
	g_autofree HermesElfSegment *phdrs = NULL;
	guint loads = 0;

	if (hdr->e_phentsize != sizeof(HermesElfSegment) || hdr->e_phnum == 0 ||
	    hdr->e_phnum == PN_XNUM) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s has no usable program header table",
			    what);
		return FALSE;
	}
	if (!hermes_elf_check_fits(hdr->e_phoff, hdr->e_phnum, sizeof(HermesElfSegment), size)) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_ABI_MISMATCH,
			"%s is truncated: its program headers lie past its end (%" G_GUINT64_FORMAT
			" bytes)",
			what,
			size);
		return FALSE;
	}
	phdrs = g_new(HermesElfSegment, hdr->e_phnum);
	if (!hermes_elf_check_read(
		    fd, phdrs, sizeof(HermesElfSegment) * hdr->e_phnum, hdr->e_phoff, what, error))
		return FALSE;
	for (guint i = 0; i < hdr->e_phnum; i++) {
		/* every segment the loader would map or read must come from the file itself */
		if (!hermes_elf_check_fits(phdrs[i].p_offset, 1, phdrs[i].p_filesz, size)) {
			g_set_error(
				error,
				HERMES_ERROR,
				HERMES_ERROR_ABI_MISMATCH,
				"%s is truncated: segment %u ends past its end (%" G_GUINT64_FORMAT
				" bytes)",
				what,
				i,
				size);
			return FALSE;
		}
		if (phdrs[i].p_type == PT_LOAD)
			loads++;
	}
	if (loads == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s has no loadable segment",
			    what);
		return FALSE;
	}
	return TRUE;
}

static gboolean
hermes_elf_check_sections(
	gint fd, const HermesElfHeader *hdr, guint64 size, const gchar *what, GError **error)
{
	guint64 count = hdr->e_shnum;

	/* a stripped object may have no section headers at all */
	if (hdr->e_shoff == 0)
		return TRUE;
	if (hdr->e_shentsize != sizeof(HermesElfSection) ||
	    !hermes_elf_check_fits(hdr->e_shoff, 1, sizeof(HermesElfSection), size)) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_ABI_MISMATCH,
			"%s is truncated: its section headers lie past its end (%" G_GUINT64_FORMAT
			" bytes)",
			what,
			size);
		return FALSE;
	}
	/* extended numbering: with 0 here the real count is the first entry's sh_size */
	if (count == 0) {
		HermesElfSection first;
		if (!hermes_elf_check_read(fd, &first, sizeof(first), hdr->e_shoff, what, error))
			return FALSE;
		count = first.sh_size;
	}
	if (!hermes_elf_check_fits(hdr->e_shoff, count, sizeof(HermesElfSection), size)) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_ABI_MISMATCH,
			"%s is truncated: its section headers lie past its end (%" G_GUINT64_FORMAT
			" bytes)",
			what,
			size);
		return FALSE;
	}
	return TRUE;
}

/* the same rules as for a backend file: a writable directory lets anyone swap what it holds */
static gboolean
hermes_elf_check_dir(
	gint fd, const gchar *walked, const gchar *dirpath, gboolean is_target, GError **error)
{
	g_autofree gchar *what =
		is_target ? g_strdup_printf("directory %s", dirpath)
			  : g_strdup_printf("directory %s, a parent of %s,", walked, dirpath);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", what);
		return FALSE;
	}
	if (!S_ISDIR(st.st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is not a regular directory",
			    what);
		return FALSE;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is owned by uid %u, which is neither root nor the current user",
			    what,
			    (guint)st.st_uid);
		return FALSE;
	}
	/* a sticky parent like /tmp is safe to pass through: the next component is
	 * checked to be root's or ours, and the sticky bit keeps others from
	 * renaming or removing it. The directory holding the backends is another
	 * matter: anyone could create the name a backend would have there. */
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (is_target || (st.st_mode & S_ISVTX) == 0)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is writable by %s (mode %04o)",
			    what,
			    (st.st_mode & S_IWOTH) != 0 ? "others" : "its group",
			    (guint)(st.st_mode & 07777));
		return FALSE;
	}
	return TRUE;
}

/* pushes the components of @path so that the first one is popped first */
static void
hermes_elf_check_push_components(GPtrArray *todo, const gchar *path)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	for (guint i = g_strv_length(parts); i > 0; i--) {
		if (parts[i - 1][0] != '\0' && g_strcmp0(parts[i - 1], ".") != 0)
			g_ptr_array_add(todo, g_strdup(parts[i - 1]));
	}
}

static gint
hermes_elf_check_open_root(const gchar *dirpath,
			   GString *walked,
			   gboolean is_target,
			   GError **error)
{
	gint fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open /");
		return -1;
	}
	g_string_assign(walked, "/");
	if (!hermes_elf_check_dir(fd, walked->str, dirpath, is_target, error)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * @linkfd is the link itself (O_PATH|O_NOFOLLOW) inside the checked *dirfd; its
 * target is walked from there (or from / again), so every directory it passes is
 * checked as well
 */
static gboolean
hermes_elf_check_follow_link(gint linkfd,
			     gint *dirfd,
			     GPtrArray *todo,
			     GString *walked,
			     const gchar *dirpath,
			     GError **error)
{
	gchar target[PATH_MAX];
	gssize len = readlinkat(linkfd, "", target, sizeof(target) - 1);
	if (len < 0) {
		hermes_error_set_errno(error, errno, "cannot read the link in %s", walked->str);
		return FALSE;
	}
	target[len] = '\0';
	hermes_elf_check_push_components(todo, target);
	if (target[0] == '/') {
		close(*dirfd);
		*dirfd = hermes_elf_check_open_root(dirpath, walked, todo->len == 0, error);
	}
	return *dirfd >= 0;
}

/* the next directory below @dirfd, or the link in its place (*is_link), or -1 */
static gint
hermes_elf_check_open_component(gint dirfd, const gchar *name, gboolean *is_link)
{
	struct stat st;
	gint fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	*is_link = FALSE;
	if (fd >= 0 || errno != ENOTDIR)
		return fd;
	/* a link is opened as itself, so the one read is the one seen here */
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISLNK(st.st_mode)) {
		close(fd);
		errno = ENOTDIR;
		return -1;
	}
	*is_link = TRUE;
	return fd;
}

/*
 * opens @dirpath as an O_PATH descriptor, checking every directory from /
 * down; each is opened relative to its already-checked parent, never by
 * name from the top, so a directory cannot be exchanged between its check
 * and its use
 */
gint
hermes_elf_check_open_dir(const gchar *dirpath, GError **error)
{
	g_autoptr(GPtrArray) todo = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) walked = g_string_new(NULL);
	guint links = 0;
	gint fd;

	hermes_elf_check_push_components(todo, dirpath);
	fd = hermes_elf_check_open_root(dirpath, walked, todo->len == 0, error);
	while (fd >= 0 && todo->len > 0) {
		g_autofree gchar *name = g_ptr_array_steal_index(todo, todo->len - 1);
		gboolean is_link = FALSE;
		gint next = hermes_elf_check_open_component(fd, name, &is_link);
		if (next < 0) {
			hermes_error_set_errno(error, errno, "cannot open directory %s", dirpath);
			close(fd);
			return -1;
		}
		if (is_link) {
			gboolean ok = FALSE;
			if (++links > HERMES_ELF_CHECK_MAX_LINKS)
				hermes_error_set_errno(
					error, ELOOP, "cannot open directory %s", dirpath);
			else
				ok = hermes_elf_check_follow_link(
					next, &fd, todo, walked, dirpath, error);
			close(next);
			if (!ok) {
				if (fd >= 0)
					close(fd);
				return -1;
			}
			continue;
		}
		if (walked->len > 1)
			g_string_append_c(walked, '/');
		g_string_append(walked, name);
		close(fd);
		fd = next;
		if (!hermes_elf_check_dir(fd, walked->str, dirpath, todo->len == 0, error)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* opens @basename once, relative to the checked directory, and checks what was opened */
gint
hermes_elf_check_open_file(
	gint dirfd, const gchar *basename, const gchar *path, struct stat *st, gchar **reason)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *what = g_strdup_printf("file %s", path);
	/* O_NONBLOCK: a FIFO planted in the search path must not hang the loader */
	gint fd =
		openat(dirfd, basename, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ELOOP) {
		/* a link would load a file from a directory nobody checked */
		*reason = g_strdup_printf("%s is a symbolic link", what);
		return -1;
	}
	if (fd < 0) {
		*reason = g_strdup_printf("cannot open: %s", g_strerror(errno));
		return -1;
	}
	if (!hermes_platform_check_trusted(fd, what, &error_local) || fstat(fd, st) != 0) {
		*reason = g_strdup(error_local != NULL ? error_local->message : g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * hermes_elf_check_fd: (skip)
 * @fd: the open backend file
 * @size: its size from fstat()
 * @what: how to name the file in errors, e.g. "file /path"
 * @error: return location for a #GError
 *
 * Checks that @fd holds a shared object for this process's class, byte
 * order and machine, whose headers and segments all lie inside @size.
 *
 * Returns: %TRUE if dlopen() may be tried on it
 */
gboolean
hermes_elf_check_fd(gint fd, guint64 size, const gchar *what, GError **error)
{
	HermesElfHeader hdr = {0};

	if (size > HERMES_ELF_CHECK_MAX_SIZE) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s is %" G_GUINT64_FORMAT
			    " bytes, more than the %u MiB a backend may be",
			    what,
			    size,
			    (guint)(HERMES_ELF_CHECK_MAX_SIZE / (1024 * 1024)));
		return FALSE;
	}
	if (size < SELFMAG || !hermes_elf_check_read(fd, hdr.e_ident, SELFMAG, 0, what, error) ||
	    memcmp(hdr.e_ident, ELFMAG, SELFMAG) != 0) {
		g_clear_error(error);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s is not an ELF object",
			    what);
		return FALSE;
	}
	if (size < sizeof(hdr)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ABI_MISMATCH,
			    "%s is truncated: %" G_GUINT64_FORMAT
			    " bytes cannot hold an ELF header",
			    what,
			    size);
		return FALSE;
	}
	if (!hermes_elf_check_read(fd, &hdr, sizeof(hdr), 0, what, error))
		return FALSE;
	return hermes_elf_check_header(&hdr, what, error) &&
	       hermes_elf_check_segments(fd, &hdr, size, what, error) &&
	       hermes_elf_check_sections(fd, &hdr, size, what, error);
}
