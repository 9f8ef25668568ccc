"use client";

import { useQuery } from "@tanstack/react-query";
import { useFormatter, useTranslations } from "next-intl";
import { useId } from "react";
import { apiFetch } from "@/lib/api/client";
import type { ChannelView } from "@/lib/channels/channel-view";
import { RESEND_STATES, type ResendState } from "@/lib/messages/resend-schema";
import { SelectField } from "../ui";

/**
 * What both resend forms ask: which of the final states to resend (with how many messages are in
 * each, when known) and on which channel. The channel "" means each message's own channel.
 */
export interface ResendChoice {
  states: ResendState[];
  channelKey: string;
}

/** The console's enabled channels, for the channel choice (the same list the compose form reads). */
export function useEnabledChannels() {
  return useQuery({
    queryKey: ["channels", "for-resend"],
    queryFn: () => apiFetch<{ items: ChannelView[] }>("/api/v1/channels").then((r) => r.items.filter((c) => c.enabled)),
  });
}

export function ResendStateChoices({
  value,
  onChange,
  counts,
  disabled,
}: {
  value: readonly ResendState[];
  onChange: (states: ResendState[]) => void;
  /** Messages in each state now; a state with none cannot be chosen. Left out when not known. */
  counts?: Partial<Record<ResendState, number>>;
  disabled?: boolean;
}) {
  const t = useTranslations("resend");
  const format = useFormatter();
  const id = useId();
  const toggle = (state: ResendState, on: boolean) => onChange(RESEND_STATES.filter((s) => (s === state ? on : value.includes(s))));
  return (
    <fieldset className="space-y-1" aria-describedby={`${id}-hint`}>
      <legend className="text-sm font-medium text-slate-700">{t("statesLegend")}</legend>
      <div className="flex flex-wrap gap-x-6 gap-y-1">
        {RESEND_STATES.map((state) => {
          const count = counts?.[state];
          return (
            <label key={state} className="flex items-center gap-2 text-sm text-slate-800">
              <input
                type="checkbox"
                checked={value.includes(state)}
                disabled={disabled || count === 0}
                onChange={(e) => toggle(state, e.target.checked)}
                data-testid={`resend-state-${state}`}
              />
              {count === undefined ? t(`states.${state}`) : t("stateWithCount", { state: t(`states.${state}`), count: format.number(count) })}
            </label>
          );
        })}
      </div>
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        {t("statesHint")}
      </p>
    </fieldset>
  );
}

export function ResendChannelChoice({
  value,
  onChange,
  channels,
  sameLabel,
  disabled,
}: {
  value: string;
  onChange: (channelKey: string) => void;
  /** The channels that may be chosen (already narrowed to those that can send the content). */
  channels: readonly ChannelView[];
  /** What "" (no channel named) means here. */
  sameLabel: string;
  disabled?: boolean;
}) {
  const t = useTranslations("resend");
  return (
    <SelectField label={t("channelLabel")} hint={t("channelHint")} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} data-testid="resend-channel">
      <option value="">{sameLabel}</option>
      {channels.map((c) => (
        <option key={c.channelKey} value={c.channelKey}>
          {t("channelOption", { name: c.name, type: c.type.toUpperCase() })}
        </option>
      ))}
    </SelectField>
  );
}
