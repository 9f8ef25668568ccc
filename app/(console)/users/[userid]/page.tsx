import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { getContactWithEffectiveNumbers } from "@/lib/contacts/contact-queries";
import { getDb } from "@/lib/server/runtime";
import { NotFoundError } from "@/lib/util/errors";
import { Table } from "@/components/table";
import { Badge, Card, PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export async function generateMetadata({ params }: { params: Promise<{ userid: string }> }) {
  const { userid } = await params;
  return pageMetadata("users.pageTitle", { userid });
}

export default async function UserPage({ params }: { params: Promise<{ userid: string }> }) {
  await requireSessionActor();
  // Next.js hands the segment over decoded once; decoding it again would look "a%2541" up as "aA".
  const { userid } = await params;
  const t = await getTranslations("users");
  const user = await getContactWithEffectiveNumbers(await getDb(), userid).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const bindings = Object.entries(user.phones).sort(([a], [b]) => (a === "all" ? -1 : b === "all" ? 1 : a.localeCompare(b)));
  const channelNames = new Map(user.effective.map((e) => [e.channelKey, e.channelName]));
  return (
    <>
      <PageHeader title={user.userid} description={t("userIntro")} back={{ href: "/users", label: t("title") }} />
      <div className="space-y-6">
        <Card title={t("bindings")}>
          <Table caption={t("bindings")} headers={[t("bindId"), t("phone")]}>
            {bindings.map(([bindId, phone]) => (
              <tr key={bindId}>
                <td>
                  {bindId === "all" ? (
                    t("allChannels")
                  ) : (
                    <>
                      {channelNames.get(bindId) ?? <span className="text-slate-500">{t("channelGone")}</span>}{" "}
                      <code className="text-xs text-slate-500">{bindId}</code>
                    </>
                  )}
                </td>
                <td className="font-mono">{phone}</td>
              </tr>
            ))}
          </Table>
          {bindings.length === 0 ? <p className="text-sm text-slate-500">{t("noBindings")}</p> : null}
        </Card>
        <Card title={t("effectiveTitle")}>
          <p className="mb-3 text-sm text-slate-600">{t("effectiveHelp")}</p>
          <Table caption={t("effectiveTitle")} headers={[t("channel"), t("numberUsed"), t("source")]}>
            {user.effective.map((e) => (
              <tr key={e.channelKey}>
                <td>
                  {e.channelName} <code className="text-xs text-slate-500">{e.channelKey}</code>
                </td>
                <td className="font-mono">{e.phone ?? "—"}</td>
                <td>
                  <Badge tone={e.source === "channel" ? "blue" : e.source === "all" ? "slate" : "red"}>{t(`sources.${e.source}`)}</Badge>
                </td>
              </tr>
            ))}
          </Table>
        </Card>
      </div>
    </>
  );
}
