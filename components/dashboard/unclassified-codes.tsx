"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { messagesHref, type LinkScope } from "@/lib/dashboard/message-links";
import type { UnclassifiedCode } from "@/lib/messages/stats/stats-types";
import { outcomeForCategory, type ReceiptOutcome } from "@/lib/providers/receipt-code-schema";
import { OUTCOME_CATEGORIES, type OutcomeCategory } from "@/lib/sender/outcome";
import { useAnnounce } from "../live-region";
import { Table } from "../table";
import { useFailure } from "../use-failure";
import { useExplainError } from "../use-messages";
import { Alert, Button } from "../ui";
import { useCategoryLabel, useStatsFormat } from "./use-stats-format";

/**
 * Saves one raw code to a provider's dictionary (the server action
 * app/actions/receipt-codes.ts classifyReceiptCodeAction). A failure names an error code and,
 * per field, a catalogue key.
 */
export type ClassifyAction = (input: {
  providerId: string;
  code: string;
  outcome: ReceiptOutcome;
  category: OutcomeCategory;
}) => Promise<{ ok: true } | { ok: false; error: string; fields?: { path: string; message: string }[] }>;

const rowKey = (c: Pick<UnclassifiedCode, "providerId" | "code">) => `${c.providerId}\u0000${c.code}`;

/**
 * Raw codes no dictionary knows, with how many messages carry each and one of them to look at.
 * With `classify` (admins), each row takes a category: saved to the provider's dictionary, the
 * page's analysis is read again, so the code leaves this list and its messages move to the
 * category chosen.
 */
export function UnclassifiedCodes({
  codes,
  scope,
  providerName,
  classify,
}: {
  codes: UnclassifiedCode[];
  scope: LinkScope;
  providerName: (providerId: string) => string;
  classify?: ClassifyAction;
}) {
  const t = useTranslations("loss");
  const tAll = useTranslations();
  const f = useStatsFormat();
  const category = useCategoryLabel();
  const router = useRouter();
  const announce = useAnnounce();
  const explain = useExplainError();
  const { failure, setFailure, alertRef } = useFailure();
  const [choice, setChoice] = useState<Record<string, OutcomeCategory | "">>({});
  const [saving, setSaving] = useState<string | null>(null);
  // Codes saved here stay hidden while the page reads the analysis again.
  const [done, setDone] = useState<Set<string>>(new Set());
  const [, startTransition] = useTransition();
  const shown = codes.filter((c) => !done.has(rowKey(c)));

  async function save(code: UnclassifiedCode) {
    const key = rowKey(code);
    const chosen = choice[key];
    if (!classify || !chosen) return;
    setSaving(key);
    setFailure(null);
    try {
      const result = await classify({ providerId: code.providerId, code: code.code, outcome: outcomeForCategory(chosen), category: chosen });
      if (!result.ok) {
        // The field's own sentence when the catalogue has it ("category must be…"), else the error's.
        const key = result.fields?.find((field) => tAll.has(field.message))?.message;
        setFailure(t("classifyFailed", { code: code.code, reason: key ? tAll(key as never) : explain(result.error) }));
        return;
      }
      setDone((was) => new Set(was).add(key));
      announce(t("classified", { code: code.code, provider: providerName(code.providerId), category: category(chosen) }));
      startTransition(() => router.refresh());
    } catch (error) {
      setFailure(t("classifyFailed", { code: code.code, reason: explain(error) }));
    } finally {
      setSaving(null);
    }
  }

  if (shown.length === 0) return <p className="text-sm text-slate-700">{t("unclassifiedNone")}</p>;
  return (
    <div className="space-y-3">
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      {classify ? null : <p className="text-sm text-slate-600">{t("classifyAdminOnly")}</p>}
      <Table
        caption={t("unclassifiedTitle")}
        headers={[
          t("code"),
          t("provider"),
          { label: t("count"), align: "right" },
          t("example"),
          ...(classify ? [t("classifyColumn")] : []),
        ]}
      >
        {shown.map((code) => {
          const key = rowKey(code);
          const selectId = `classify-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
          return (
            <tr key={key} className="align-top">
              <td>
                <code className="font-mono text-sm text-slate-900 wrap-anywhere">{code.code}</code>
              </td>
              <td>{providerName(code.providerId)}</td>
              <td className="tabular-nums md:text-right">
                <Link className="text-brand-700 hover:underline" href={messagesHref({ ...scope, provider: code.providerId, code: code.code })}>
                  {f.count(code.count)}
                </Link>
              </td>
              <td>
                {code.exampleMessageId ? (
                  <Link className="text-brand-700 hover:underline" href={`/messages/${encodeURIComponent(code.exampleMessageId)}`}>
                    {t("exampleLink", { id: code.exampleMessageId })}
                  </Link>
                ) : (
                  "—"
                )}
              </td>
              {classify ? (
                <td>
                  <div className="flex flex-wrap items-center gap-2">
                    <label htmlFor={selectId} className="sr-only">
                      {t("classifyAs", { code: code.code, provider: providerName(code.providerId) })}
                    </label>
                    <select
                      id={selectId}
                      value={choice[key] ?? ""}
                      onChange={(e) => setChoice((was) => ({ ...was, [key]: e.target.value as OutcomeCategory | "" }))}
                      className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500"
                    >
                      <option value="">{t("chooseCategory")}</option>
                      {OUTCOME_CATEGORIES.map((c) => (
                        <option key={c} value={c}>
                          {category(c)}
                        </option>
                      ))}
                    </select>
                    <Button variant="secondary" disabled={!choice[key] || saving !== null} onClick={() => save(code)}>
                      {saving === key ? t("classifying") : t("classify")}
                      <span className="sr-only"> {code.code}</span>
                    </Button>
                  </div>
                </td>
              ) : null}
            </tr>
          );
        })}
      </Table>
    </div>
  );
}
