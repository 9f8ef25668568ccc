import { LOCALE_COOKIE, isLocale, localeFromAcceptLanguage, type Locale } from "./locales";

/** What a request carries that says its language: the console's cookie, the browser's header. */
interface LocaleSource {
  cookies: { get(name: string): { value: string } | undefined };
  headers: { get(name: string): string | null };
}

/**
 * The language of the operator behind a REST request, resolved as pages resolve it
 * (lib/i18n/request.ts): their choice in the console (the NEXT_LOCALE cookie), else the
 * browser's Accept-Language, else English. For route handlers, which have the request at hand.
 */
export function localeOfRequest(req: LocaleSource | undefined): Locale {
  if (!req) return "en";
  const chosen = req.cookies.get(LOCALE_COOKIE)?.value;
  return isLocale(chosen) ? chosen : localeFromAcceptLanguage(req.headers.get("accept-language"));
}
