import { LOCALE_COOKIE, isLocale, localeFromAcceptLanguage, type Locale } from "./locales";

/** What a request carries that says its language: the console's cookie, the browser's header. */
interface LocaleSource {
  cookies: { get(name: string): { value: string } | undefined };
  headers: { get(name: string): string | null };
}

/**
 * The language of the operator behind a request: their choice in the console (the NEXT_LOCALE
 * cookie), else the browser's Accept-Language, else English. The one rule for pages
 * (lib/i18n/request.ts) and route handlers (error answers, the error report).
 */
export function localeOfRequest(req: LocaleSource | undefined): Locale {
  if (!req) return "en";
  const chosen = req.cookies.get(LOCALE_COOKIE)?.value;
  return isLocale(chosen) ? chosen : localeFromAcceptLanguage(req.headers.get("accept-language"));
}
