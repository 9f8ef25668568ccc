import Link from "next/link";
import type { ReactNode } from "react";

export interface Figure {
  label: string;
  value: string;
  /** The messages the figure counts. */
  href?: string;
  tone?: "green" | "red" | "amber" | "slate";
  detail?: ReactNode;
}

const TONES = { green: "text-emerald-700", red: "text-red-700", amber: "text-amber-700", slate: "text-slate-900" };

/**
 * Key figures as a description list (label, then value), tiles on a grid that wraps to two
 * columns on a phone. A figure that counts messages links to them.
 */
/** `label` names the list when nothing around it does (a Card names its own). */
export function FigureList({ figures, label }: { figures: Figure[]; label?: string }) {
  return (
    <dl aria-label={label} className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
      {figures.map((figure) => (
        <div key={figure.label} className="min-w-0 rounded-md border border-slate-200 bg-white px-3 py-2">
          <dt className="text-xs font-medium text-slate-600">{figure.label}</dt>
          <dd className={`text-xl font-semibold tabular-nums ${TONES[figure.tone ?? "slate"]}`}>
            {figure.href ? (
              <Link href={figure.href} className="underline-offset-2 hover:underline">
                {figure.value}
              </Link>
            ) : (
              figure.value
            )}
          </dd>
          {figure.detail ? <dd className="text-xs text-slate-600">{figure.detail}</dd> : null}
        </div>
      ))}
    </dl>
  );
}
