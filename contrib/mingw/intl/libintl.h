/*
 * hermes-svc: a libintl that translates nothing, for the mingw-w64 sysroot.
 *
 * GLib needs a libintl to link. Debian ships none for mingw, and GLib's own
 * fallback (the proxy-libintl wrap) would be downloaded, which the sysroot
 * build must not do. Every message therefore stays in English.
 */
#ifndef HERMES_MINGW_LIBINTL_H
#define HERMES_MINGW_LIBINTL_H

#include <locale.h>

/* mingw's locale.h has no LC_MESSAGES; GNU gettext uses this value on Windows. */
#ifndef LC_MESSAGES
#define LC_MESSAGES 1729
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* format_arg: GLib builds with -Werror=format-nonliteral and passes these results to printf. */
char *
gettext(const char *msgid) __attribute__((format_arg(1)));
char *
dgettext(const char *domain, const char *msgid) __attribute__((format_arg(2)));
char *
dcgettext(const char *domain, const char *msgid, int category) __attribute__((format_arg(2)));
char *
ngettext(const char *singular, const char *plural, unsigned long n) __attribute__((format_arg(1)))
__attribute__((format_arg(2)));
char *
dngettext(const char *domain, const char *singular, const char *plural, unsigned long n)
	__attribute__((format_arg(2))) __attribute__((format_arg(3)));
char *
dcngettext(
	const char *domain, const char *singular, const char *plural, unsigned long n, int category)
	__attribute__((format_arg(2))) __attribute__((format_arg(3)));
char *
textdomain(const char *domain);
char *
bindtextdomain(const char *domain, const char *dirname);
char *
bind_textdomain_codeset(const char *domain, const char *codeset);

#ifdef __cplusplus
}
#endif

#endif /* HERMES_MINGW_LIBINTL_H */
