"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import type { ProviderView } from "@/lib/providers/provider-service";
import { useProviderLabel } from "../provider-label";
import { Table } from "../table";
import { Badge } from "../ui";

const LINK = "text-brand-700 underline decoration-brand-500/40 underline-offset-2 hover:decoration-brand-700";

/** Every provider with the channels it serves and the size of its dictionary; each name opens the dictionary. */
export function ProviderList({ providers, channelNames }: { providers: ProviderView[]; channelNames: Record<string, string> }) {
  const t = useTranslations("providers");
  const label = useProviderLabel();
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-1 shadow-sm">
      <Table caption={t("listCaption")} headers={[t("columns.name"), t("columns.kind"), t("columns.channels"), { label: t("columns.codes"), align: "right" }]}>
        {providers.map((provider) => (
          <tr key={provider.providerId} className="hover:bg-slate-50">
            <td className="font-medium">
              <Link className={LINK} href={`/providers/${encodeURIComponent(provider.providerId)}`}>
                {label(provider.providerId, provider.name)}
              </Link>
              <span className="ml-2">
                <Badge tone={provider.preset ? "blue" : "slate"}>{provider.preset ? t("preset") : t("addedByName")}</Badge>
              </span>
            </td>
            <td>{t(`kinds.${provider.kind}`)}</td>
            <td>
              {provider.channels.length === 0 ? (
                <span className="text-slate-500">{t("noChannels")}</span>
              ) : (
                <ul className="flex flex-wrap gap-x-3 gap-y-1">
                  {provider.channels.map((key) => (
                    <li key={key}>
                      <Link className={LINK} href={`/channels/${key}`}>
                        {channelNames[key] ?? key}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td className="text-right tabular-nums">{t("codeCount", { count: provider.codeCount })}</td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
