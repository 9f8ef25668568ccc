import { notFound } from "next/navigation";
import { classifyReceiptCodeAction, deleteReceiptCodeAction } from "@/app/actions/receipt-codes";
import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { getProvider, type ProviderView } from "@/lib/providers/provider-service";
import { getProviderCodes } from "@/lib/providers/receipt-code-service";
import { codeFilterQuery, providerIdParam } from "@/lib/providers/rest-schemas";
import { getRuntime } from "@/lib/server/runtime";
import { NotFoundError } from "@/lib/util/errors";
import { ReceiptCodeDictionary } from "@/components/providers/receipt-code-dictionary";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

type Params = Promise<{ providerId: string }>;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** The provider the path names, or the not-found page (also for a segment that could name none). */
async function providerOf(params: Params): Promise<ProviderView> {
  const id = providerIdParam.safeParse((await params).providerId);
  if (!id.success) notFound();
  return getProvider((await getRuntime()).db, id.data).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
}

async function displayName(provider: ProviderView): Promise<string> {
  const t = await getTranslations("providers.presets");
  return provider.preset ? t(provider.providerId as "china_mobile") : provider.name;
}

export async function generateMetadata({ params }: { params: Params }) {
  await requireSessionActor();
  return pageMetadata("providers.pageTitle", { name: await displayName(await providerOf(params)) });
}

export default async function ProviderPage({ params, searchParams }: { params: Params; searchParams: SearchParams }) {
  const actor = await requireSessionActor();
  const provider = await providerOf(params);
  const t = await getTranslations("providers");
  // A filter that does not parse (a hand-edited address) shows the whole dictionary.
  const parsed = codeFilterQuery.safeParse(await searchParams);
  const filter = parsed.success ? parsed.data : {};
  const codes = await getProviderCodes((await getRuntime()).db, provider.providerId, filter);
  const name = await displayName(provider);
  return (
    <>
      <PageHeader title={name} description={t("dictionary.intro")} back={{ href: "/providers", label: t("back") }} />
      <ReceiptCodeDictionary
        provider={provider}
        name={name}
        codes={codes}
        filter={filter}
        canEdit={actor.role === "admin"}
        saveCode={classifyReceiptCodeAction}
        deleteCode={deleteReceiptCodeAction}
      />
    </>
  );
}
