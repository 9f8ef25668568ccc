"use client";

import Form from "next/form";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { useRef, useState } from "react";
import type { ClassifyCodeAction, DeleteCodeAction } from "@/lib/providers/action-types";
import type { ProviderView } from "@/lib/providers/provider-service";
import { OUTCOME_CATEGORIES, type OutcomeCategory } from "@/lib/providers/receipt-code-schema";
import type { ReceiptCodeView } from "@/lib/providers/receipt-code-service";
import { useAnnounce } from "../live-region";
import { Table } from "../table";
import { useFailure } from "../use-failure";
import { useFieldMessage } from "../use-messages";
import { Alert, Badge, Button, Card, SelectField, TextField } from "../ui";
import { DictionaryFilePanel } from "./dictionary-file-panel";
import { ReceiptCodeForm } from "./receipt-code-form";

const OUTCOME_TONE = { delivered: "green", failed: "red", pending: "amber" } as const;

/**
 * A provider's receipt-code dictionary: filtered on the server by part of the code and by
 * category (the filter is in the address, so it survives a reload and can be linked to), edited
 * a row at a time by admins, imported and exported as a file.
 */
export function ReceiptCodeDictionary({
  provider,
  name,
  codes,
  filter,
  canEdit,
  saveCode,
  deleteCode,
}: {
  provider: ProviderView;
  name: string;
  codes: ReceiptCodeView[];
  filter: { q?: string; category?: OutcomeCategory };
  canEdit: boolean;
  /** Server actions (app/actions/receipt-codes.ts), passed down by the page. */
  saveCode: ClassifyCodeAction;
  deleteCode: DeleteCodeAction;
}) {
  const t = useTranslations("providers");
  const tm = useTranslations("messages");
  const tc = useTranslations("common");
  const locale = useLocale();
  const router = useRouter();
  const announce = useAnnounce();
  const fieldMessage = useFieldMessage();
  const { failure, setFailure, alertRef } = useFailure();
  // "new" for the add form, a code for the edit form of that row.
  const [editing, setEditing] = useState<string | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const filtered = Boolean(filter.q || filter.category);
  const path = `/providers/${encodeURIComponent(provider.providerId)}`;

  function open(target: string) {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setFailure(null);
    setEditing(target);
  }

  function close(saved?: ReceiptCodeView) {
    setEditing(null);
    if (saved) {
      announce(t("dictionary.saved", { code: saved.code }));
      router.refresh();
    }
    // Back to the button that opened the form, so the keyboard stays where it was.
    requestAnimationFrame(() => opener.current?.isConnected && opener.current.focus());
  }

  async function remove(code: string) {
    if (!window.confirm(t("dictionary.deleteConfirm", { code }))) return;
    setFailure(null);
    const result = await deleteCode({ providerId: provider.providerId, code });
    if (result.ok) {
      announce(t("dictionary.deleted", { code }));
      router.refresh();
    } else {
      setFailure(result.fields.map((f) => fieldMessage(f.message) ?? f.message).join(" ") || result.error);
    }
  }

  const editedRow = editing && editing !== "new" ? codes.find((row) => row.code === editing) : undefined;
  const headers = [
    t("dictionary.code"),
    t("dictionary.outcome"),
    t("dictionary.category"),
    t("dictionary.description"),
    ...(canEdit ? [{ label: tc("actions"), srOnly: true }] : []),
  ];

  return (
    <div className="space-y-6">
      {failure ? <Alert ref={alertRef}>{failure}</Alert> : null}
      {!canEdit ? <Alert tone="info">{t("dictionary.readOnly")}</Alert> : null}

      {editing ? (
        <Card title={editedRow ? t("dictionary.editTitle", { code: editedRow.code }) : t("dictionary.addTitle")}>
          <ReceiptCodeForm key={editing} providerId={provider.providerId} initial={editedRow} save={saveCode} onDone={close} />
        </Card>
      ) : null}

      <Card
        title={t("dictionary.caption", { name })}
        actions={
          canEdit && !editing ? (
            <Button variant="secondary" onClick={() => open("new")}>
              {t("dictionary.add")}
            </Button>
          ) : null
        }
      >
        <Form action={path} className="mb-4 grid gap-4 sm:grid-cols-[1fr_1fr_auto]" aria-label={t("dictionary.filterTitle")}>
          <TextField label={t("dictionary.filterCode")} name="q" defaultValue={filter.q ?? ""} autoComplete="off" spellCheck={false} />
          <SelectField label={t("dictionary.filterCategory")} name="category" defaultValue={filter.category ?? ""}>
            <option value="">{t("dictionary.allCategories")}</option>
            {OUTCOME_CATEGORIES.map((category) => (
              <option key={category} value={category}>
                {tm(`categories.${category}`)}
              </option>
            ))}
          </SelectField>
          {/* Level with the inputs: the fields keep a line for their error under them. */}
          <div className="flex items-end gap-2 pb-6">
            <Button type="submit" variant="secondary">
              {t("dictionary.filter")}
            </Button>
            {filtered ? (
              <Link href={path} className="rounded-md px-3 py-2 text-sm font-medium text-brand-700 hover:underline">
                {t("dictionary.clearFilter")}
              </Link>
            ) : null}
          </div>
        </Form>
        <p className="mb-2 text-sm text-slate-600">
          {t("dictionary.count", { shown: codes.length, total: provider.codeCount })}
        </p>
        {codes.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
            {filtered ? t("dictionary.empty") : t("dictionary.emptyDictionary")}
          </p>
        ) : (
          <Table caption={t("dictionary.caption", { name })} headers={headers}>
            {codes.map((row) => {
              const [first, second] = locale === "zh-CN" ? [row.descriptionZh, row.description] : [row.description, row.descriptionZh];
              return (
                <tr key={row.code}>
                  <td className="font-mono text-xs whitespace-nowrap">{row.code}</td>
                  <td>
                    <Badge tone={OUTCOME_TONE[row.outcome]}>{t(`outcomes.${row.outcome}`)}</Badge>
                  </td>
                  <td>{tm(`categories.${row.category}`)}</td>
                  <td className="max-w-xl">
                    <span className="block">{first || second}</span>
                    {first && second ? <span className="block text-xs text-slate-500">{second}</span> : null}
                  </td>
                  {canEdit ? (
                    <td className="text-right whitespace-nowrap">
                      <div className="flex justify-end gap-2">
                        {/* The visible word, and the code for screen readers: "Edit MK:0001" names the one row. */}
                        <Button variant="secondary" onClick={() => open(row.code)}>
                          <span aria-hidden="true">{tc("edit")}</span>
                          <span className="sr-only">{t("dictionary.edit", { code: row.code })}</span>
                        </Button>
                        <Button variant="ghost" onClick={() => void remove(row.code)}>
                          <span aria-hidden="true">{tc("delete")}</span>
                          <span className="sr-only">{t("dictionary.delete", { code: row.code })}</span>
                        </Button>
                      </div>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </Table>
        )}
      </Card>

      <DictionaryFilePanel providerId={provider.providerId} canEdit={canEdit} />
    </div>
  );
}
