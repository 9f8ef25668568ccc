import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { LOCALE_COOKIE, isLocale, localeFromAcceptLanguage, type Locale } from "./locales";
import { loadMessages } from "./messages";

/** next-intl per-request configuration: the operator's choice (cookie), else the browser's language. */
export default getRequestConfig(async () => {
  const chosen = (await cookies()).get(LOCALE_COOKIE)?.value;
  const locale: Locale = isLocale(chosen) ? chosen : localeFromAcceptLanguage((await headers()).get("accept-language"));
  return { locale, messages: loadMessages(locale), timeZone: process.env.TZ || "Asia/Shanghai" };
});
