"use client";

import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { apiFetch } from "@/lib/api/client";
import type { ReplyView, ReviewView } from "@/lib/channels/channel-feedback";
import { Table } from "./table";
import { useDateTime } from "./use-messages";
import { Badge, Card } from "./ui";

/** Jiguang's template/signature review results and the latest replies, refreshed while the page is open. */
export function ChannelFeedback({ channelKey }: { channelKey: string }) {
  const t = useTranslations("channels");
  const when = useDateTime();
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
        {reviews.data?.length ? (
          <Table headers={[t("reviewSubject"), t("status"), t("refuseReason"), t("reviewedAt")]}>
            {reviews.data.map((r) => (
              <tr key={`${r.kind}-${r.ref}`}>
                <td>{t(r.kind === "template" ? "reviewTemplate" : "reviewSign", { ref: r.ref })}</td>
                <td>
                  <Badge tone={r.status === "approved" ? "green" : "red"}>{t(r.status === "approved" ? "reviewApproved" : "reviewRejected")}</Badge>
                </td>
                <td>{r.refuseReason ?? "—"}</td>
                <td className="text-slate-500">{when(r.reviewedAt)}</td>
              </tr>
            ))}
          </Table>
        ) : (
          <p className="text-sm text-slate-500">{t("noReviews")}</p>
        )}
      </Card>
      <Card title={t("repliesTitle")}>
        {replies.data?.length ? (
          <Table headers={[t("replyPhone"), t("replyContent"), t("replyAt")]}>
            {replies.data.map((r) => (
              <tr key={r.id}>
                <td className="font-mono">{r.phone}</td>
                <td>{r.content}</td>
                <td className="text-slate-500">{when(r.repliedAt ?? r.receivedAt)}</td>
              </tr>
            ))}
          </Table>
        ) : (
          <p className="text-sm text-slate-500">{t("noReplies")}</p>
        )}
      </Card>
    </>
  );
}
