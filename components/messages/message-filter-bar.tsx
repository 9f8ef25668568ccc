"use client";

import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { apiFetch } from "@/lib/api/client";
import { MESSAGE_LIST_CATEGORIES, messageListFilterSchema, searchParamsObject, type MessageListFilter } from "@/lib/messages/list/message-list-filter";
import { useFieldMessage } from "../use-messages";
import { Button, Card, SelectField, TextField } from "../ui";
import { MESSAGE_STATES } from "./api-types";

/**
 * The message list's filters as a form. The filters live in the page's address (so a link, the
 * loss analysis's among them, opens the same list); applying the form writes them there.
 */

interface Draft {
  status: string[];
  channelKey: string;
  provider: string;
  sendId: string;
  userid: string;
  phone: string;
  category: string;
  code: string;
  from: string;
  to: string;
}

/** A category filter that makes sense for a list of messages: every failure category, not "delivered". */
const FILTER_CATEGORIES = MESSAGE_LIST_CATEGORIES.filter((c) => c !== "delivered");

/** A datetime-local value is the browser's local time; the filter holds ISO instants. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

function isoToLocal(iso: string | undefined): string {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

function draftOf(filter: MessageListFilter): Draft {
  return {
    status: filter.status ?? [],
    channelKey: filter.channelKey ?? "",
    provider: filter.provider ?? "",
    sendId: filter.sendId ?? "",
    userid: filter.userid ?? "",
    phone: filter.phone ?? "",
    category: filter.category ?? "",
    code: filter.code ?? "",
    from: isoToLocal(filter.from),
    to: isoToLocal(filter.to),
  };
}

interface ChannelOption {
  channelKey: string;
  name: string;
}

interface ProviderOption {
  providerId: string;
  name: string;
}

type FieldErrors = Partial<Record<keyof Draft, string>>;

export function MessageFilterBar({
  filter,
  errors: addressErrors,
  onApply,
}: {
  /** The filters in force (from the address). */
  filter: MessageListFilter;
  /** What was wrong with the address's filters, by field. */
  errors?: FieldErrors;
  onApply: (filter: MessageListFilter) => void;
}) {
  const t = useTranslations("messageList");
  const tm = useTranslations("messages");
  const root = useTranslations();
  const msg = useFieldMessage();
  const [draft, setDraft] = useState<Draft>(() => draftOf(filter));
  const [errors, setErrors] = useState<FieldErrors>(addressErrors ?? {});
  const channels = useQuery({ queryKey: ["channels", "options"], queryFn: () => apiFetch<{ items: ChannelOption[] }>("/api/v1/channels") });
  const providers = useQuery({ queryKey: ["providers", "options"], queryFn: () => apiFetch<{ items: ProviderOption[] }>("/api/v1/providers") });

  const set = (key: Exclude<keyof Draft, "status">) => (event: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: event.target.value }));
  const toggleState = (state: string, on: boolean) =>
    setDraft((d) => ({ ...d, status: on ? MESSAGE_STATES.filter((s) => s === state || d.status.includes(s)) : d.status.filter((s) => s !== state) }));

  function apply(event: FormEvent) {
    event.preventDefault();
    const raw: Record<string, string> = {
      status: draft.status.join(","),
      channelKey: draft.channelKey,
      provider: draft.provider,
      sendId: draft.sendId,
      userid: draft.userid,
      phone: draft.phone,
      category: draft.category,
      code: draft.code,
      from: localToIso(draft.from) ?? "",
      to: localToIso(draft.to) ?? "",
    };
    const parsed = messageListFilterSchema.safeParse(searchParamsObject(new URLSearchParams(raw)));
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0]), issue.message])));
      return;
    }
    setErrors({});
    onApply(parsed.data);
  }

  function clear() {
    setDraft(draftOf({}));
    setErrors({});
    onApply({});
  }

  const providerName = (p: ProviderOption) => (root.has(`providers.presets.${p.providerId}`) ? root(`providers.presets.${p.providerId}` as never) : p.name);

  return (
    <Card title={t("filterTitle")}>
      <form role="search" aria-label={t("filterTitle")} noValidate onSubmit={apply} className="space-y-4">
        <fieldset>
          <legend className="text-sm font-medium text-slate-700">{t("states")}</legend>
          <div className="mt-1 flex flex-wrap gap-x-4 gap-y-2">
            {MESSAGE_STATES.map((state) => (
              <label key={state} className="inline-flex items-center gap-1.5 text-sm text-slate-700">
                <input
                  type="checkbox"
                  className="h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"
                  checked={draft.status.includes(state)}
                  onChange={(e) => toggleState(state, e.target.checked)}
                />
                {tm(`states.${state}`)}
              </label>
            ))}
          </div>
          <p className="mt-1 text-xs text-slate-500">{t("statesHint")}</p>
          <p className="min-h-5 text-sm text-red-700">{msg(errors.status)}</p>
        </fieldset>
        <div className="grid gap-x-4 md:grid-cols-2 lg:grid-cols-3">
          <SelectField label={t("channel")} value={draft.channelKey} onChange={set("channelKey")} error={msg(errors.channelKey)}>
            <option value="">{t("allChannels")}</option>
            {draft.channelKey && !channels.data?.items.some((c) => c.channelKey === draft.channelKey) ? <option value={draft.channelKey}>{draft.channelKey}</option> : null}
            {(channels.data?.items ?? []).map((c) => (
              <option key={c.channelKey} value={c.channelKey}>
                {c.name === c.channelKey ? c.name : `${c.name} (${c.channelKey})`}
              </option>
            ))}
          </SelectField>
          <SelectField label={t("provider")} value={draft.provider} onChange={set("provider")} error={msg(errors.provider)}>
            <option value="">{t("allProviders")}</option>
            {draft.provider && !providers.data?.items.some((p) => p.providerId === draft.provider) ? <option value={draft.provider}>{draft.provider}</option> : null}
            {(providers.data?.items ?? []).map((p) => (
              <option key={p.providerId} value={p.providerId}>
                {providerName(p)}
              </option>
            ))}
          </SelectField>
          <SelectField label={t("category")} value={draft.category} onChange={set("category")} error={msg(errors.category)}>
            <option value="">{t("allCategories")}</option>
            {FILTER_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {c === "unclassified" ? t("unclassified") : tm(`categories.${c}`)}
              </option>
            ))}
          </SelectField>
          <TextField label={t("code")} hint={t("codeHint")} value={draft.code} onChange={set("code")} error={msg(errors.code)} autoComplete="off" spellCheck={false} />
          <TextField label={t("phone")} hint={t("phoneHint")} value={draft.phone} onChange={set("phone")} error={msg(errors.phone)} inputMode="tel" autoComplete="off" />
          <TextField label={t("userid")} value={draft.userid} onChange={set("userid")} error={msg(errors.userid)} autoComplete="off" spellCheck={false} />
          <TextField label={t("sendId")} value={draft.sendId} onChange={set("sendId")} error={msg(errors.sendId)} autoComplete="off" spellCheck={false} />
          <TextField label={t("from")} hint={t("timeHint")} type="datetime-local" step={1} value={draft.from} onChange={set("from")} error={msg(errors.from)} />
          <TextField label={t("to")} hint={t("timeHint")} type="datetime-local" step={1} value={draft.to} onChange={set("to")} error={msg(errors.to)} />
        </div>
        <div className="flex flex-wrap gap-2">
          <Button type="submit">{t("apply")}</Button>
          <Button variant="secondary" onClick={clear}>
            {t("clear")}
          </Button>
        </div>
      </form>
    </Card>
  );
}
