"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import type { ChannelView } from "@/lib/channels/channel-view";
import { Alert, Badge } from "./ui";

export function ChannelList({ initial }: { initial: ChannelView[] }) {
  const t = useTranslations("channels");
  const format = useFormatter();
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
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{t("title")}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-3">{t("fields.name")}</th>
            <th scope="col" className="px-4 py-3">{t("type")}</th>
            <th scope="col" className="px-4 py-3">{t("channelKey")}</th>
            <th scope="col" className="px-4 py-3">{t("status")}</th>
            <th scope="col" className="px-4 py-3">{t("createdAt")}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {data.map((channel) => (
            <tr key={channel.channelKey} className="hover:bg-slate-50">
              <td className="px-4 py-3 font-medium">
                <Link className="text-brand-700 hover:underline" href={`/channels/${channel.channelKey}`}>
                  {channel.name}
                </Link>
                {channel.warnings.length > 0 ? (
                  <span className="ml-2">
                    <Badge tone="amber">{t("warningBadge")}</Badge>
                  </span>
                ) : null}
              </td>
              <td className="px-4 py-3">{t(`types.${channel.type}`)}</td>
              <td className="px-4 py-3 font-mono text-xs">{channel.channelKey}</td>
              <td className="px-4 py-3">
                <Badge tone={channel.enabled ? "green" : "slate"}>{channel.enabled ? t("enabled") : t("disabled")}</Badge>
              </td>
              <td className="px-4 py-3 text-slate-500">{format.dateTime(new Date(channel.createdAt), { dateStyle: "medium", timeStyle: "short" })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
