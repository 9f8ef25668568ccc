"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { useAnnounce } from "./live-region";

/** Copies a value; the label says what is copied, and "Copied" shows beside it and is said in the page's status region. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const t = useTranslations("common");
  const [copied, setCopied] = useState(false);
  const announce = useAnnounce();
  return (
    <span className="inline-flex items-center gap-2">
      <button
        type="button"
        aria-label={label}
        className="rounded border border-slate-300 bg-white px-2 py-0.5 text-xs text-slate-700 hover:bg-slate-50"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
          } catch {
            // Clipboard needs a secure context; fall back to a hidden textarea.
            const area = document.createElement("textarea");
            area.value = value;
            document.body.appendChild(area);
            area.select();
            document.execCommand("copy");
            area.remove();
          }
          setCopied(true);
          announce(t("copied"));
          setTimeout(() => setCopied(false), 2000);
        }}
      >
        {t("copy")}
      </button>
      <span className="text-xs text-emerald-700">
        {copied ? t("copied") : ""}
      </span>
    </span>
  );
}
