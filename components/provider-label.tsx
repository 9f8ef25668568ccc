"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";

/** The preset providers, whose names the catalogues hold in both languages. */
const PRESETS = new Set(["china_mobile", "china_unicom", "china_telecom", "other", "jsms"]);

/** A provider's name in the operator's language: a preset's from the catalogue, any other as it was named. */
export function useProviderLabel() {
  const t = useTranslations("providers.presets");
  return (providerId: string, name: string) => (PRESETS.has(providerId) ? t(providerId as "china_mobile") : name);
}

/** The provider's name as a link to its receipt-code dictionary. */
export function ProviderLink({ providerId, name }: { providerId: string; name: string }) {
  const label = useProviderLabel();
  return (
    <Link href={`/providers/${encodeURIComponent(providerId)}`} className="text-brand-700 underline-offset-2 hover:underline">
      {label(providerId, name)}
    </Link>
  );
}
