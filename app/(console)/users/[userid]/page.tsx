import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { getContactWithEffectiveNumbers } from "@/lib/contacts/contact-queries";
import { getDb } from "@/lib/server/runtime";
import { NotFoundError } from "@/lib/util/errors";
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
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-2">{t("bindId")}</th>
                <th scope="col" className="py-2">{t("phone")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {bindings.map(([bindId, phone]) => (
                <tr key={bindId}>
                  <td className="py-2">
                    {bindId === "all" ? (
                      t("allChannels")
                    ) : (
                      <>
                        {channelNames.get(bindId) ?? <span className="text-slate-500">{t("channelGone")}</span>}{" "}
                        <code className="text-xs text-slate-500">{bindId}</code>
                      </>
                    )}
                  </td>
                  <td className="py-2 font-mono">{phone}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {bindings.length === 0 ? <p className="text-sm text-slate-500">{t("noBindings")}</p> : null}
        </Card>
        <Card title={t("effectiveTitle")}>
          <p className="mb-3 text-sm text-slate-600">{t("effectiveHelp")}</p>
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="py-2">{t("channel")}</th>
                <th scope="col" className="py-2">{t("numberUsed")}</th>
                <th scope="col" className="py-2">{t("source")}</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {user.effective.map((e) => (
                <tr key={e.channelKey}>
                  <td className="py-2">
                    {e.channelName} <code className="text-xs text-slate-500">{e.channelKey}</code>
                  </td>
                  <td className="py-2 font-mono">{e.phone ?? "—"}</td>
                  <td className="py-2">
                    <Badge tone={e.source === "channel" ? "blue" : e.source === "all" ? "slate" : "red"}>{t(`sources.${e.source}`)}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>
    </>
  );
}
