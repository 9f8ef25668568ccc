"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { apiFetch } from "@/lib/api/client";
import { AUDIT_ACTION_PREFIXES, auditLogFilterSchema, type AuditLogFilter, type AuditLogPage } from "@/lib/audit-log-query";
import { Table, useCursorPages } from "./table";
import { useExplainError, useFieldMessage } from "./use-messages";
import { Alert, Button, Card, SelectField, TextField } from "./ui";

const PAGE_SIZE = 50;

interface Draft {
  actor: string;
  actionPrefix: string;
  action: string;
  from: string;
  to: string;
}

const EMPTY: Draft = { actor: "", actionPrefix: "", action: "", from: "", to: "" };

/** A datetime-local value ("2026-03-01T08:00") is the browser's local time; the server takes ISO with an offset. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

function queryString(filter: AuditLogFilter, cursor: string | null): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  if (cursor) params.set("cursor", cursor);
  return params.toString();
}

/** The audit log for admins: filters by actor, action and time; the server filters and pages. */
export function AuditLogViewer() {
  const t = useTranslations("auditLog");
  const format = useFormatter();
  const explain = useExplainError();
  const msg = useFieldMessage();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filter, setFilter] = useState<AuditLogFilter>({});
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<keyof AuditLogFilter, string>>>({});
  const pages = useCursorPages();
  const result = useQuery({
    queryKey: ["audit-log", filter, pages.cursor],
    queryFn: () => apiFetch<AuditLogPage>(`/api/v1/audit-log?${queryString(filter, pages.cursor)}`),
    placeholderData: keepPreviousData,
  });

  const set = (key: keyof Draft) => (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: event.target.value }));

  function apply(event: FormEvent) {
    event.preventDefault();
    const parsed = auditLogFilterSchema.safeParse({
      actor: draft.actor,
      // Free text, when given, is more precise than the list's family of actions.
      action: draft.action.trim() || draft.actionPrefix,
      from: localToIso(draft.from),
      to: localToIso(draft.to),
    });
    if (!parsed.success) {
      setFieldErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setFieldErrors({});
    setFilter(parsed.data);
    pages.reset();
  }

  function clear() {
    setDraft(EMPTY);
    setFieldErrors({});
    setFilter({});
    pages.reset();
  }

  const when = (iso: string) => format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "medium" });

  return (
    <div className="space-y-6">
      <Card title={t("filterTitle")}>
        <form role="search" aria-label={t("filterTitle")} noValidate className="grid gap-4 md:grid-cols-2 lg:grid-cols-3" onSubmit={apply}>
          <TextField label={t("actor")} hint={t("actorHint")} value={draft.actor} onChange={set("actor")} error={msg(fieldErrors.actor)} />
          <SelectField label={t("actionFamily")} value={draft.actionPrefix} onChange={set("actionPrefix")}>
            <option value="">{t("allActions")}</option>
            {AUDIT_ACTION_PREFIXES.map((prefix) => (
              <option key={prefix} value={prefix}>
                {t(`families.${prefix.slice(0, -1)}`)}
              </option>
            ))}
          </SelectField>
          <TextField label={t("action")} hint={t("actionHint")} value={draft.action} onChange={set("action")} error={msg(fieldErrors.action)} />
          <TextField label={t("from")} hint={t("timeHint")} type="datetime-local" step={1} value={draft.from} onChange={set("from")} error={msg(fieldErrors.from)} />
          <TextField label={t("to")} hint={t("timeHint")} type="datetime-local" step={1} value={draft.to} onChange={set("to")} error={msg(fieldErrors.to)} />
          <div className="flex items-end gap-2">
            <Button type="submit">{t("apply")}</Button>
            <Button variant="secondary" onClick={clear}>
              {t("clear")}
            </Button>
          </div>
        </form>
      </Card>
      <Card title={t("listTitle")}>
        {result.error ? <Alert>{explain(result.error)}</Alert> : null}
        {result.data && result.data.items.length > 0 ? (
          <Table caption={t("listTitle")} headers={[t("when"), t("actor"), t("action"), t("target"), t("detail"), t("address")]}>
            {result.data.items.map((item) => (
              <tr key={item.id} className="align-top">
                <td className="whitespace-nowrap">
                  <time dateTime={item.at}>{when(item.at)}</time>
                </td>
                <td className="break-all font-mono text-xs">{item.actor}</td>
                <td className="font-mono text-xs">{item.action}</td>
                <td className="break-all">{item.target}</td>
                <td className="max-w-md break-all font-mono text-xs text-slate-600">
                  <Detail detail={item.detail} />
                </td>
                <td className="whitespace-nowrap font-mono text-xs">{item.address ?? "—"}</td>
              </tr>
            ))}
          </Table>
        ) : result.error ? null : (
          <p role="status" className="text-sm text-slate-500">
            {result.isLoading ? t("loading") : t("empty")}
          </p>
        )}
        {pages.pager(result.data?.nextCursor)}
      </Card>
    </div>
  );
}

const isChange = (value: unknown): value is { from: unknown; to: unknown } =>
  typeof value === "object" && value !== null && "from" in value && "to" in value;

/** One line per field; a `changes` map reads "field: old → new". Values are shown as JSON, as stored. */
function Detail({ detail }: { detail: Record<string, unknown> }) {
  const lines = Object.entries(detail).flatMap(([key, value]) =>
    key === "changes" && typeof value === "object" && value !== null && Object.values(value).every(isChange)
      ? Object.entries(value as Record<string, { from: unknown; to: unknown }>).map(
          ([field, change]) => `${field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`,
        )
      : [`${key}: ${JSON.stringify(value)}`],
  );
  if (lines.length === 0) return <>—</>;
  return (
    <ul>
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}
