import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { countOperators } from "@/lib/auth/operators";
import { getSessionActor } from "@/lib/auth/session";
import { getDb } from "@/lib/server/runtime";
import { SignInForm } from "@/components/sign-in-form";
import { signInAction } from "@/app/actions/sign-in";
import { pageMetadata } from "@/lib/i18n/page-title";

export const dynamic = "force-dynamic";

export const generateMetadata = () => pageMetadata("auth.signInTitle");

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  if ((await countOperators(await getDb())) === 0) redirect("/setup");
  if (await getSessionActor()) redirect("/");
  const t = await getTranslations("auth");
  const { callbackUrl } = await searchParams;
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
      <h1 className="text-2xl font-semibold">{t("signInTitle")}</h1>
      <p className="mb-6 mt-1 text-sm text-slate-600">{t("signInIntro")}</p>
      <SignInForm action={signInAction} callbackUrl={callbackUrl ?? "/"} />
    </div>
  );
}
