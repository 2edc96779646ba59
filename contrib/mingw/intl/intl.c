/* hermes-svc: see libintl.h; each call returns its message untranslated. */
#include "libintl.h"

static char *
pick(const char *singular, const char *plural, unsigned long n)
{
	return (char *)(n == 1 ? singular : plural);
}

char *
gettext(const char *msgid)
{
	return (char *)msgid;
}

char *
dgettext(const char *domain, const char *msgid)
{
	(void)domain;
	return (char *)msgid;
}

char *
dcgettext(const char *domain, const char *msgid, int category)
{
	(void)domain;
	(void)category;
	return (char *)msgid;
}

char *
ngettext(const char *singular, const char *plural, unsigned long n)
{
	return pick(singular, plural, n);
}

char *
dngettext(const char *domain, const char *singular, const char *plural, unsigned long n)
{
	(void)domain;
	return pick(singular, plural, n);
}

char *
dcngettext(
	const char *domain, const char *singular, const char *plural, unsigned long n, int category)
{
	(void)domain;
	(void)category;
	return pick(singular, plural, n);
}

char *
textdomain(const char *domain)
{
	/* NULL asks for the current domain; there is only the default one. */
	return (char *)(domain != NULL ? domain : "messages");
}

char *
bindtextdomain(const char *domain, const char *dirname)
{
	(void)domain;
	return (char *)dirname;
}

char *
bind_textdomain_codeset(const char *domain, const char *codeset)
{
	(void)domain;
	return (char *)codeset;
}
