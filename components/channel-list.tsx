"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import type { ChannelView } from "@/lib/channels/channel-view";
import { Table } from "./table";
import { useDateTime } from "./use-messages";
import { Alert, Badge } from "./ui";

export function ChannelList({ initial }: { initial: ChannelView[] }) {
  const t = useTranslations("channels");
  const when = useDateTime();
  const { data, error } = useQuery({
    queryKey: ["channels"],
    queryFn: () => apiFetch<{ items: ChannelView[] }>("/api/v1/channels").then((r) => r.items),
    initialData: initial,
  });
  if (error) return <Alert>{t("loadFailed")}</Alert>;
  if (data.length === 0) {
    return <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-500">{t("empty")}</p>;
  }
  return (
    <div className="rounded-lg border border-slate-200 bg-white px-3 py-1 shadow-sm">
      <Table caption={t("title")} headers={[t("fields.name"), t("type"), t("channelKey"), t("status"), t("createdAt")]}>
        {data.map((channel) => (
          <tr key={channel.channelKey} className="hover:bg-slate-50">
            <td className="font-medium">
              <Link className="text-brand-700 underline decoration-brand-500/40 underline-offset-2 hover:decoration-brand-700" href={`/channels/${channel.channelKey}`}>
                {channel.name}
              </Link>
              {channel.warnings.length > 0 ? (
                <span className="ml-2">
                  <Badge tone="amber">{t("warningBadge")}</Badge>
                </span>
              ) : null}
            </td>
            <td>{t(`types.${channel.type}`)}</td>
            <td className="font-mono text-xs">{channel.channelKey}</td>
            <td>
              <Badge tone={channel.enabled ? "green" : "slate"}>{channel.enabled ? t("enabled") : t("disabled")}</Badge>
            </td>
            <td className="text-slate-500">{when(channel.createdAt)}</td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
