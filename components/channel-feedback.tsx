"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import type { ReplyView, ReviewView } from "@/lib/channels/channel-feedback";
import { Badge, Card } from "./ui";

/** Jiguang's template/signature review results and the latest replies, refreshed while the page is open. */
export function ChannelFeedback({ channelKey }: { channelKey: string }) {
  const t = useTranslations("channels");
  const format = useFormatter();
  const when = (iso: string) => format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "short" });
  const reviews = useQuery({
    queryKey: ["channels", channelKey, "reviews"],
    queryFn: () => apiFetch<{ items: ReviewView[] }>(`/api/v1/channels/${channelKey}/reviews`).then((r) => r.items),
    refetchInterval: 5_000,
  });
  const replies = useQuery({
    queryKey: ["channels", channelKey, "replies"],
    queryFn: () => apiFetch<{ items: ReplyView[] }>(`/api/v1/channels/${channelKey}/replies?limit=20`).then((r) => r.items),
    refetchInterval: 5_000,
  });

  return (
    <>
      <Card title={t("reviewsTitle")}>
        {reviews.data && reviews.data.length > 0 ? (
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-2">{t("reviewSubject")}</th>
                <th scope="col" className="py-2">{t("status")}</th>
                <th scope="col" className="py-2">{t("refuseReason")}</th>
                <th scope="col" className="py-2">{t("reviewedAt")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {reviews.data.map((r) => (
                <tr key={`${r.kind}-${r.ref}`}>
                  <td className="py-2">{t(r.kind === "template" ? "reviewTemplate" : "reviewSign", { ref: r.ref })}</td>
                  <td className="py-2">
                    <Badge tone={r.status === "approved" ? "green" : "red"}>{t(r.status === "approved" ? "reviewApproved" : "reviewRejected")}</Badge>
                  </td>
                  <td className="py-2">{r.refuseReason ?? "—"}</td>
                  <td className="py-2 text-slate-500">{when(r.reviewedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-slate-500">{t("noReviews")}</p>
        )}
      </Card>
      <Card title={t("repliesTitle")}>
        {replies.data && replies.data.length > 0 ? (
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-2">{t("replyPhone")}</th>
                <th scope="col" className="py-2">{t("replyContent")}</th>
                <th scope="col" className="py-2">{t("replyAt")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {replies.data.map((r) => (
                <tr key={r.id}>
                  <td className="py-2 font-mono">{r.phone}</td>
                  <td className="py-2">{r.content}</td>
                  <td className="py-2 text-slate-500">{when(r.repliedAt ?? r.receivedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-slate-500">{t("noReplies")}</p>
        )}
      </Card>
    </>
  );
}
