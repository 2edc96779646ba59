/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * libsystemd is opened when a journal is first read, not linked: linked, it
 * and the five libraries it pulls in (gcrypt, gpg-error, lzma, zstd, lz4)
 * were mapped and relocated by every `hermes` start — a third of the CLI's
 * start-up — for the one command that reads a journal. systemd loads its own
 * optional libraries the same way. The headers still type-check every call.
 */

#include "config.h"

#if HAVE_LIBSYSTEMD

#include <dlfcn.h>

#include "hermes-error.h"
#include "hermes-journal-dl.h"

#define HERMES_LIBSYSTEMD_SONAME "libsystemd.so.0"

typedef struct {
	const gchar *name;
	gsize offset;
} HermesJournalSym;

#define HERMES_JOURNAL_SYM(field)                                              \
	{                                                                      \
		"sd_journal_" #field, G_STRUCT_OFFSET(HermesJournalApi, field) \
	}

static const HermesJournalSym hermes_journal_syms[] = {
	HERMES_JOURNAL_SYM(open),
	HERMES_JOURNAL_SYM(close),
	HERMES_JOURNAL_SYM(add_match),
	HERMES_JOURNAL_SYM(add_disjunction),
	HERMES_JOURNAL_SYM(set_data_threshold),
	HERMES_JOURNAL_SYM(get_data),
	HERMES_JOURNAL_SYM(get_realtime_usec),
	HERMES_JOURNAL_SYM(get_cursor),
	HERMES_JOURNAL_SYM(seek_tail),
	HERMES_JOURNAL_SYM(seek_cursor),
	HERMES_JOURNAL_SYM(previous),
	HERMES_JOURNAL_SYM(next),
	HERMES_JOURNAL_SYM(process),
	HERMES_JOURNAL_SYM(get_fd),
};

static HermesJournalApi hermes_journal_table;
static gchar *hermes_journal_failure; /* why it could not be loaded, once */

static gboolean
hermes_journal_load(void)
{
	/* by soname: the dynamic linker's own trusted directories, as a link would */
	void *handle = dlopen(HERMES_LIBSYSTEMD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		hermes_journal_failure = g_strdup(dlerror());
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(hermes_journal_syms); i++) {
		void *sym = dlsym(handle, hermes_journal_syms[i].name);
		if (sym == NULL) {
			hermes_journal_failure = g_strdup_printf("%s has no %s",
								 HERMES_LIBSYSTEMD_SONAME,
								 hermes_journal_syms[i].name);
			dlclose(handle);
			return FALSE;
		}
		G_STRUCT_MEMBER(void *, &hermes_journal_table, hermes_journal_syms[i].offset) = sym;
	}
	/* kept open for the life of the process, as a linked library would be */
	return TRUE;
}

/**
 * hermes_journal_api:
 * @error: a #GError, or %NULL
 *
 * The sd-journal functions, loaded from libsystemd the first time.
 *
 * Returns: the table, or %NULL with %HERMES_ERROR_NOT_SUPPORTED when
 * libsystemd cannot be loaded here
 */
const HermesJournalApi *
hermes_journal_api(GError **error)
{
	static gsize loaded = 0;
	if (g_once_init_enter(&loaded))
		g_once_init_leave(&loaded, hermes_journal_load() ? 1 : 2);
	if (loaded == 1)
		return &hermes_journal_table;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "the journal cannot be read: %s",
		    hermes_journal_failure);
	return NULL;
}

#endif
