/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The real loader's file checks against real shared objects: every
 * refusal has a test (group or other writable, a foreign owner, not a
 * regular file, an untrusted or writable parent directory, a bad file
 * name, a symlink, a truncated, non-ELF or foreign ELF file, a sticky
 * /tmp, directory links), and the file checked is the file loaded.
 */

#include "plugin-loader-test.h"

static void
test_plugin_loader_fake_loads_beside_bad_ones(void **state)
{
	Fixture *f = *state;
	const gchar *dir = hermes_test_env("HERMES_TEST_PLUGIN_DIR");
	HermesPlugin *fake;

	f->plugins = hermes_backend_loader_discover(f->ctx);
	fake = find_plugin(f->plugins, "fake", dir);
	assert_int_equal(hermes_plugin_get_state(fake), HERMES_PLUGIN_STATE_LOADED);
	assert_null(hermes_plugin_get_refusal(fake));
	assert_int_equal(hermes_plugin_get_abi_major(fake), HERMES_BACKEND_ABI_MAJOR);
	assert_int_equal(hermes_plugin_get_abi_minor(fake), HERMES_BACKEND_ABI_MINOR);
	assert_string_equal(hermes_plugin_get_version(fake), PACKAGE_VERSION);
	assert_int_equal(hermes_plugin_get_score(fake), 1);
	/* a multi-line probe reason is shown on one line */
	assert_string_equal(hermes_plugin_get_reason(fake),
			    "fake backend for tests (score 1) second line");

	assert_refused(
		f->plugins, "abimajor", dir, "built for backend ABI 2.4, this core speaks 1.4");
	assert_refused(f->plugins, "abiminor", dir, "built for a newer backend ABI 1.5");
	assert_refused(f->plugins, "shortstruct", dir, "descriptor is 16 bytes");
	assert_refused(f->plugins, "nosymbol", dir, "does not export hermes_backend_query()");
	assert_refused(f->plugins, "notamanager", dir, "does not implement HermesServiceManager");
	assert_refused(f->plugins,
		       "wrongname",
		       dir,
		       "descriptor names backend 'fake' but the file is named for 'wrongname'");
	/* refusals that read the descriptor still report the ABI it declared */
	assert_int_equal(hermes_plugin_get_abi_major(find_plugin(f->plugins, "abimajor", dir)), 2);
}

static void
test_plugin_loader_refuses_group_writable(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = make_plugin_dir(f, "gw", "libhermes-backend-fake.so", 0664);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "fake", dir, "is writable by its group (mode 0664)");
	assert_int_equal(hermes_plugin_get_refusal_code(find_plugin(f->plugins, "fake", dir)),
			 HERMES_ERROR_PERMISSION_DENIED);
}

static void
test_plugin_loader_refuses_other_writable(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = make_plugin_dir(f, "ow", "libhermes-backend-fake.so", 0646);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "fake", dir, "is writable by others");
}

static void
test_plugin_loader_refuses_foreign_owner(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *file = NULL;
	if (geteuid() != 0)
		skip(); /* only root can give a file away */
	dir = make_plugin_dir(f, "owner", "libhermes-backend-fake.so", 0644);
	file = g_build_filename(dir, "libhermes-backend-fake.so", NULL);
	assert_int_equal(chown(file, 65534, 65534), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins,
		       "fake",
		       dir,
		       "owned by uid 65534, which is neither root nor the current user");
}

static void
test_plugin_loader_refuses_non_regular(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = g_build_filename(f->tmp, "odd", NULL);
	g_autofree gchar *subdir = g_build_filename(dir, "libhermes-backend-adir.so", NULL);
	g_autofree gchar *fifo = g_build_filename(dir, "libhermes-backend-afifo.so", NULL);
	g_mkdir_with_parents(subdir, 0755);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	/* the FIFO must be refused, not block the loader */
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "adir", dir, "is not a regular file");
	assert_refused(f->plugins, "afifo", dir, "is not a regular file");
}

static void
test_plugin_loader_refuses_untrusted_directory(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = make_plugin_dir(f, "open", "libhermes-backend-fake.so", 0644);
	assert_int_equal(g_chmod(dir, 0777), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "fake", dir, "is writable by others");
	hermes_assert_str_contains(hermes_plugin_get_refusal(find_plugin(f->plugins, "fake", dir)),
				   "directory");
}

static void
test_plugin_loader_refuses_bad_file_name(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = make_plugin_dir(f, "names", "libhermes-backend-Fake.so", 0644);
	g_autofree gchar *src = fake_path();
	g_autofree gchar *other = hermes_test_copy_file(src, dir, "README.so", 0644);
	assert_true(g_file_test(other, G_FILE_TEST_IS_REGULAR));
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "Fake", dir, "invalid backend name");
	/* files that do not follow the naming scheme are not backends at all */
	for (guint i = 0; i < f->plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(f->plugins, i);
		assert_false(g_str_has_suffix(hermes_plugin_get_path(p), "README.so"));
	}
}

static void
test_plugin_loader_refuses_symlink(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = make_plugin_dir(f, "sym", "libhermes-backend-real.so", 0644);
	g_autofree gchar *link_path = g_build_filename(dir, "libhermes-backend-linked.so", NULL);
	assert_int_equal(symlink("libhermes-backend-real.so", link_path), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "linked", dir, "is a symbolic link");
	assert_int_equal(hermes_plugin_get_refusal_code(find_plugin(f->plugins, "linked", dir)),
			 HERMES_ERROR_PERMISSION_DENIED);
}

/* a copy of the fake under @basename in @dir, cut to @len bytes */
static void
copy_truncated(const gchar *dir, const gchar *basename, goffset len)
{
	g_autofree gchar *src = fake_path();
	g_autofree gchar *copy = hermes_test_copy_file(src, dir, basename, 0644);
	assert_int_equal(truncate(copy, len), 0);
}

static goffset
fake_size(void)
{
	g_autofree gchar *src = fake_path();
	GStatBuf st;
	assert_int_equal(g_stat(src, &st), 0);
	return st.st_size;
}

static void
test_plugin_loader_refuses_truncated_or_non_elf(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = g_build_filename(f->tmp, "truncated", NULL);
	goffset size = fake_size();
	const gchar *names[] = {"cut64", "cuthalf", "cutlast", "cutheader"};
	g_autofree gchar *text = NULL;

	g_mkdir_with_parents(dir, 0755);
	copy_truncated(dir, "libhermes-backend-cut64.so", 64);
	copy_truncated(dir, "libhermes-backend-cuthalf.so", size / 2);
	copy_truncated(dir, "libhermes-backend-cutlast.so", size - 1);
	copy_truncated(dir, "libhermes-backend-cutheader.so", 40);
	copy_truncated(dir, "libhermes-backend-cutempty.so", 0);
	text = g_build_filename(dir, "libhermes-backend-text.so", NULL);
	hermes_test_write_file(text, "#!/bin/sh\necho not a library\n", 0755);
	/* sparse: past the size cap without writing 64 MiB */
	copy_truncated(dir, "libhermes-backend-huge.so", (goffset)65 * 1024 * 1024);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		HermesPlugin *p = find_plugin(f->plugins, names[i], dir);
		assert_refused(f->plugins, names[i], dir, "is truncated");
		assert_int_equal(hermes_plugin_get_refusal_code(p), HERMES_ERROR_ABI_MISMATCH);
		/* refused before dlopen(): no descriptor was read */
		assert_int_equal(hermes_plugin_get_abi_major(p), 0);
	}
	assert_refused(f->plugins, "cutempty", dir, "is not an ELF object");
	assert_refused(f->plugins, "text", dir, "is not an ELF object");
	assert_refused(f->plugins, "huge", dir, "more than the 64 MiB a backend may be");
}

/* a copy of the fake under @basename with @len bytes at @offset replaced */
static void
copy_patched(const gchar *dir, const gchar *basename, goffset offset, gconstpointer buf, gsize len)
{
	g_autofree gchar *src = fake_path();
	g_autofree gchar *copy = hermes_test_copy_file(src, dir, basename, 0644);
	gint fd = open(copy, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, offset), (gssize)len);
	close(fd);
}

static void
test_plugin_loader_refuses_foreign_elf(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = g_build_filename(f->tmp, "foreign", NULL);
	/* a machine that is not this one, whichever this one is */
	guint16 machine = G_BYTE_ORDER == G_LITTLE_ENDIAN ? 0x1234 : 0x3412;
	guint16 exec_type = ET_EXEC;
	guint8 elf_class = sizeof(gpointer) == 8 ? ELFCLASS32 : ELFCLASS64;

	g_mkdir_with_parents(dir, 0755);
	copy_patched(dir,
		     "libhermes-backend-machine.so",
		     G_STRUCT_OFFSET(Elf64_Ehdr, e_machine),
		     &machine,
		     sizeof(machine));
	copy_patched(dir,
		     "libhermes-backend-exec.so",
		     G_STRUCT_OFFSET(Elf64_Ehdr, e_type),
		     &exec_type,
		     sizeof(exec_type));
	copy_patched(dir, "libhermes-backend-class.so", EI_CLASS, &elf_class, 1);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "machine", dir, "is built for ELF machine 4660");
	assert_refused(f->plugins, "exec", dir, "is not a shared object (ELF type 2)");
	assert_refused(f->plugins, "class", dir, "ELF object, this process is");
	assert_int_equal(hermes_plugin_get_refusal_code(find_plugin(f->plugins, "machine", dir)),
			 HERMES_ERROR_ABI_MISMATCH);
}

static void
test_plugin_loader_refuses_writable_parent(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *parent = g_build_filename(f->tmp, "shared", NULL);
	g_autofree gchar *dir =
		make_plugin_dir(f, "shared/plug", "libhermes-backend-fake.so", 0644);
	g_autofree gchar *why = NULL;

	/* the plugin directory itself is fine; its parent lets the group rename it away */
	assert_int_equal(g_chmod(parent, 0775), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	why = g_strdup_printf(
		"directory %s, a parent of %s, is writable by its group (mode 0775)", parent, dir);
	assert_refused(f->plugins, "fake", dir, why);
	assert_int_equal(hermes_plugin_get_refusal_code(find_plugin(f->plugins, "fake", dir)),
			 HERMES_ERROR_PERMISSION_DENIED);
}

static void
test_plugin_loader_sticky_tmp(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *tmp_parent = g_path_get_dirname(tmp);
	g_autofree gchar *src = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-abimajor.so", NULL);
	g_autofree gchar *copy = NULL;
	g_autofree gchar *copy2 = NULL;
	g_autofree gchar *sticky = NULL;
	g_autofree gchar *why = NULL;
	GStatBuf st;

	assert_int_equal(g_stat(tmp_parent, &st), 0);
	if ((st.st_mode & S_IWOTH) == 0 || (st.st_mode & S_ISVTX) == 0) {
		hermes_test_rmtree(tmp);
		skip();
	}
	/* a private directory below the usual /tmp is fine: the sticky bit keeps
	 * others from replacing it (CI may clone the tree below /tmp) */
	copy = hermes_test_copy_file(src, tmp, "libhermes-backend-abimajor.so", 0644);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", tmp);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	/* the descriptor was read, so every check on the way passed */
	assert_refused(f->plugins, "abimajor", tmp, "built for backend ABI 2.4");
	g_clear_pointer(&f->plugins, g_ptr_array_unref);
	hermes_test_rmtree(tmp);

	/* but a sticky directory holding the backends is not: anyone may create their names */
	sticky = g_build_filename(f->tmp, "sticky", NULL);
	assert_int_equal(g_mkdir(sticky, 0755), 0);
	assert_int_equal(g_chmod(sticky, 01777), 0);
	copy2 = hermes_test_copy_file(src, sticky, "libhermes-backend-abimajor.so", 0644);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", sticky);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	why = g_strdup_printf("directory %s is writable by others (mode 1777)", sticky);
	assert_refused(f->plugins, "abimajor", sticky, why);
}

static void
test_plugin_loader_walks_directory_links(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *src = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-abimajor.so", NULL);
	g_autofree gchar *real = g_build_filename(f->tmp, "real", NULL);
	g_autofree gchar *open_dir = g_build_filename(f->tmp, "open", NULL);
	g_autofree gchar *good = g_build_filename(f->tmp, "good-link", NULL);
	g_autofree gchar *bad = g_build_filename(f->tmp, "bad-link", NULL);
	g_autofree gchar *path = g_strdup_printf("%s/sub:%s", good, bad);
	g_autofree gchar *sub = g_build_filename(real, "sub", NULL);
	g_autofree gchar *copy = NULL;
	g_autofree gchar *copy2 = NULL;

	/* a trusted link is followed (relative, then absolute); one into an open directory is not */
	g_mkdir_with_parents(sub, 0755);
	g_mkdir_with_parents(open_dir, 0755);
	copy = hermes_test_copy_file(src, sub, "libhermes-backend-abimajor.so", 0644);
	copy2 = hermes_test_copy_file(src, open_dir, "libhermes-backend-abimajor.so", 0644);
	assert_int_equal(g_chmod(open_dir, 0777), 0);
	assert_int_equal(symlink("real", good), 0);
	assert_int_equal(symlink(open_dir, bad), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", path);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	/* the descriptor was read, so every check on the way passed */
	assert_refused(f->plugins, "abimajor", NULL, "built for backend ABI 2.4");
	assert_int_equal(hermes_plugin_get_state(find_plugin(f->plugins, "abimajor", bad)),
			 HERMES_PLUGIN_STATE_REFUSED);
	hermes_assert_str_contains(
		hermes_plugin_get_refusal(find_plugin(f->plugins, "abimajor", bad)),
		"is writable by others (mode 0777)");
}

/* the attacker's move, at the worst moment: after every check, before dlopen() */
static void
swap_dirs_cb(const gchar *path, gpointer user_data)
{
	Fixture *f = user_data;
	if (f->swaps++ > 0)
		return;
	if (renameat2(AT_FDCWD, f->swap_a, AT_FDCWD, f->swap_b, RENAME_EXCHANGE) != 0)
		fail_msg("cannot exchange %s and %s: %s", f->swap_a, f->swap_b, g_strerror(errno));
}

static void
test_plugin_loader_loads_the_checked_file(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *src = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-abimajor.so", NULL);
	g_autofree gchar *evil = g_build_filename(hermes_test_env("HERMES_TEST_PLUGIN_DIR"),
						  "evil",
						  "libhermes-backend-evil.so",
						  NULL);
	g_autofree gchar *checked = NULL;
	g_autofree gchar *swapped = NULL;
	g_autofree gchar *now_there = NULL;
	HermesPlugin *p;
	GStatBuf st_evil, st_now;

	f->swap_a = g_build_filename(f->tmp, "plug", NULL);
	f->swap_b = g_build_filename(f->tmp, "attacker", NULL);
	g_mkdir_with_parents(f->swap_a, 0755);
	g_mkdir_with_parents(f->swap_b, 0755);
	checked = hermes_test_copy_file(src, f->swap_a, "libhermes-backend-abimajor.so", 0644);
	swapped = hermes_test_copy_file(evil, f->swap_b, "libhermes-backend-abimajor.so", 0644);
	assert_int_equal(g_stat(swapped, &st_evil), 0);
	assert_null(g_getenv("HERMES_TEST_EVIL_CONSTRUCTOR_RAN"));

	hermes_backend_loader_set_checked_func(swap_dirs_cb, f);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", f->swap_a);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	hermes_backend_loader_set_checked_func(NULL, NULL);

	/* the swap did happen: the path now names the attacker's file */
	assert_int_equal(f->swaps, 1);
	now_there = g_build_filename(f->swap_a, "libhermes-backend-abimajor.so", NULL);
	assert_int_equal(g_stat(now_there, &st_now), 0);
	assert_int_equal(st_now.st_ino, st_evil.st_ino);
	/* yet what was loaded is the checked file, and the attacker's constructor never ran */
	p = find_plugin(f->plugins, "abimajor", f->swap_a);
	assert_refused(f->plugins, "abimajor", f->swap_a, "built for backend ABI 2.4");
	assert_int_equal(hermes_plugin_get_abi_major(p), 2);
	assert_null(g_getenv("HERMES_TEST_EVIL_CONSTRUCTOR_RAN"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plugin_loader_fake_loads_beside_bad_ones),
		T(test_plugin_loader_refuses_group_writable),
		T(test_plugin_loader_refuses_other_writable),
		T(test_plugin_loader_refuses_foreign_owner),
		T(test_plugin_loader_refuses_non_regular),
		T(test_plugin_loader_refuses_untrusted_directory),
		T(test_plugin_loader_refuses_bad_file_name),
		T(test_plugin_loader_refuses_symlink),
		T(test_plugin_loader_refuses_truncated_or_non_elf),
		T(test_plugin_loader_refuses_foreign_elf),
		T(test_plugin_loader_refuses_writable_parent),
		T(test_plugin_loader_sticky_tmp),
		T(test_plugin_loader_walks_directory_links),
		T(test_plugin_loader_loads_the_checked_file),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
