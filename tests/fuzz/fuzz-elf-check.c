/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The ELF headers of a backend file, read by the loader before dlopen():
 * the input is the file, handed over as a memfd as the loader hands over
 * the fd it opened. A refusal is HERMES_ERROR_ABI_MISMATCH; what is
 * accepted is checked again here, independently: the program headers and
 * every loaded segment lie inside the file (dlopen() would otherwise fault
 * on the missing pages with SIGBUS).
 */

#include "config.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hermes-elf-check.h"
#include "hermes-fuzz.h"

static void
hermes_fuzz_elf_assert_inside(const uint8_t *data, size_t size)
{
	ElfW(Ehdr) hdr;
	g_assert_cmpuint(size, >=, sizeof(hdr));
	memcpy(&hdr, data, sizeof(hdr));
	g_assert_cmpuint(hdr.e_phentsize, ==, sizeof(ElfW(Phdr)));
	g_assert_cmpuint(hdr.e_phoff, <=, size);
	g_assert_cmpuint((guint64)hdr.e_phnum * sizeof(ElfW(Phdr)), <=, size - hdr.e_phoff);
	for (guint i = 0; i < hdr.e_phnum; i++) {
		ElfW(Phdr) seg;
		memcpy(&seg, data + hdr.e_phoff + (gsize)i * sizeof(seg), sizeof(seg));
		if (seg.p_type != PT_LOAD)
			continue;
		g_assert_cmpuint(seg.p_offset, <=, size);
		g_assert_cmpuint(seg.p_filesz, <=, size - seg.p_offset);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	gint fd;

	hermes_fuzz_init();
	fd = memfd_create("hermes-fuzz-elf", MFD_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, size), ==, (gssize)size);
	if (hermes_elf_check_fd(fd, size, "fuzz input", &error))
		hermes_fuzz_elf_assert_inside(data, size);
	else
		g_assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_ABI_MISMATCH));
	close(fd);
	return 0;
}
