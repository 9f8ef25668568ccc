import { getTranslations } from "next-intl/server";
import { requireSessionActor } from "@/lib/auth/session";
import { listChannels } from "@/lib/channels/channel-service";
import { listProviders } from "@/lib/providers/provider-service";
import { channelContext, getRuntime } from "@/lib/server/runtime";
import { ProviderList } from "@/components/providers/provider-list";
import { PageHeader } from "@/components/ui";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("providers.title");

export default async function ProvidersPage() {
  await requireSessionActor();
  const t = await getTranslations("providers");
  const runtime = await getRuntime();
  const [providers, channels] = await Promise.all([listProviders(runtime.db), listChannels(channelContext(runtime))]);
  const channelNames = Object.fromEntries(channels.map((channel) => [channel.channelKey, channel.name]));
  return (
    <>
      <PageHeader title={t("title")} description={t("intro")} />
      <ProviderList providers={providers} channelNames={channelNames} />
    </>
  );
}
