"use client";

import { useFormatter, useTranslations } from "next-intl";
import { MESSAGE_STATES, finalCount, finalPercent, type SendCounts } from "./api-types";

/**
 * How far a send is: messages in a final state (delivered, failed, expired, unknown, cancelled)
 * over all its messages, as a progress bar with a text label beside it.
 */
export function SendProgressBar({ counts, total, label }: { counts: SendCounts; total: number; label: string }) {
  const t = useTranslations("messages");
  const format = useFormatter();
  const done = finalCount(counts);
  const percent = finalPercent(counts, total);
  const text = t("progressText", { done: format.number(done), total: format.number(total) });
  return (
    <div className="flex min-w-40 items-center gap-2">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={text}
        className="h-2 w-full min-w-24 overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full bg-brand-600 transition-all" style={{ width: `${percent}%` }} />
      </div>
      <span className="whitespace-nowrap text-xs text-slate-600">{text}</span>
    </div>
  );
}

const COUNT_TONES: Record<string, string> = {
  delivered: "text-emerald-700",
  failed: "text-red-700",
  expired: "text-amber-700",
  unknown: "text-amber-700",
};

/** The states a send's messages are in, the non-empty ones only (a list row has little room). */
export function CompactCounts({ counts }: { counts: SendCounts }) {
  const t = useTranslations("messages");
  const format = useFormatter();
  const shown = MESSAGE_STATES.filter((state) => (counts[state] ?? 0) > 0);
  if (shown.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs">
      {shown.map((state) => (
        <li key={state} className={COUNT_TONES[state] ?? "text-slate-700"}>
          {t(`states.${state}`)} <span className="font-semibold">{format.number(counts[state])}</span>
        </li>
      ))}
    </ul>
  );
}
