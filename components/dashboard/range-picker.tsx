"use client";

import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { dashboardHref, parseDashboardQuery, RANGE_CHOICES, type RangeChoice } from "@/lib/dashboard/dashboard-query";
import { instantToWallTime } from "@/lib/dashboard/wall-time";
import { Button, SelectField, TextField } from "../ui";

export interface PickerState {
  range: RangeChoice;
  from: string;
  to: string;
  channelKey?: string;
  provider?: string;
  sendId?: string;
}

/**
 * What the dashboard shows: a time range (a preset, or from/to typed in the console's zone), a
 * channel and a provider. The choice lives in the address, so a view can be bookmarked and
 * shared; without script the form still submits as a plain GET, which the page reads alike.
 */
export function RangePicker({
  current,
  channels,
  providers,
  timeZone,
}: {
  current: PickerState;
  channels: { channelKey: string; name: string }[];
  providers: { providerId: string; name: string }[];
  timeZone: string;
}) {
  const t = useTranslations("dashboard");
  const router = useRouter();
  const [range, setRange] = useState<RangeChoice>(current.range);
  const [from, setFrom] = useState(instantToWallTime(new Date(current.from), timeZone));
  const [to, setTo] = useState(instantToWallTime(new Date(current.to), timeZone));
  const [channelKey, setChannelKey] = useState(current.channelKey ?? "");
  const [provider, setProvider] = useState(current.provider ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});

  function submit(event: FormEvent) {
    event.preventDefault();
    const params = { range, channelKey, provider, sendId: current.sendId, ...(range === "custom" ? { from, to } : {}) };
    const parsed = parseDashboardQuery(params, { now: new Date(), timeZone });
    if (parsed.problems.length) {
      // The banner's sentences say what the page fell back to; beside a field, what to fix.
      const say = (key: string) => (t.has(`pickerErrors.${key}`) ? t(`pickerErrors.${key}` as never) : t(`problems.${key}` as never));
      setErrors(Object.fromEntries(parsed.problems.map((p) => [p.field === "range" ? "from" : p.field, say(p.message.replace("dashboard.problems.", ""))])));
      return;
    }
    setErrors({});
    router.push(dashboardHref(parsed.query));
  }

  return (
    <form action="/dashboard" method="get" onSubmit={submit} aria-label={t("filtersTitle")} className="grid gap-x-4 sm:grid-cols-2 lg:grid-cols-4">
      <SelectField label={t("range")} name="range" value={range} onChange={(e) => setRange(e.target.value as RangeChoice)}>
        {RANGE_CHOICES.map((choice) => (
          <option key={choice} value={choice}>
            {t(`ranges.${choice}`)}
          </option>
        ))}
      </SelectField>
      <SelectField label={t("channel")} name="channelKey" value={channelKey} onChange={(e) => setChannelKey(e.target.value)}>
        <option value="">{t("allChannels")}</option>
        {channels.map((c) => (
          <option key={c.channelKey} value={c.channelKey}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <SelectField label={t("provider")} name="provider" value={provider} onChange={(e) => setProvider(e.target.value)}>
        <option value="">{t("allProviders")}</option>
        {providers.map((p) => (
          <option key={p.providerId} value={p.providerId}>
            {p.name}
          </option>
        ))}
      </SelectField>
      {current.sendId ? <input type="hidden" name="sendId" value={current.sendId} /> : null}
      {range === "custom" ? (
        <>
          <TextField label={t("from")} name="from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} error={errors.from} hint={t("timesIn", { timeZone })} />
          <TextField label={t("to")} name="to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} error={errors.to} hint={t("timesIn", { timeZone })} />
        </>
      ) : null}
      <div className="flex items-start pt-6">
        <Button type="submit">{t("apply")}</Button>
      </div>
    </form>
  );
}
