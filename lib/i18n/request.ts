import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { loadMessages } from "./messages";
import { localeOfRequest } from "./request-locale";

/** next-intl per-request configuration: the operator's choice (cookie), else the browser's language. */
export default getRequestConfig(async () => {
  const locale = localeOfRequest({ cookies: await cookies(), headers: await headers() });
  return { locale, messages: loadMessages(locale), timeZone: process.env.TZ || "Asia/Shanghai" };
});
