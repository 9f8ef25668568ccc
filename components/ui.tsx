"use client";

import Link from "next/link";
import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode, Ref, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import { forwardRef, useId } from "react";

/** Small building blocks. Every control has a visible label, so it has an accessible name. */

type Variant = "primary" | "secondary" | "danger" | "ghost";
const variants: Record<Variant, string> = {
  primary: "bg-brand-600 text-white hover:bg-brand-700 disabled:bg-slate-300",
  secondary: "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50 disabled:text-slate-400",
  danger: "bg-red-600 text-white hover:bg-red-700 disabled:bg-red-300",
  ghost: "text-slate-700 hover:bg-slate-100",
};

export function Button({
  variant = "primary",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-2 rounded-md px-3.5 py-2 text-sm font-medium shadow-sm transition focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-offset-2 disabled:cursor-not-allowed ${variants[variant]} ${className}`}
    />
  );
}

interface FieldShellProps {
  label: string;
  error?: string;
  hint?: ReactNode;
  warning?: string;
  /** Shown under the field and read with it (a live counter, say). */
  below?: ReactNode;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}

function FieldShell({ label, error, hint, warning, below, children }: FieldShellProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const warningId = warning ? `${id}-warning` : undefined;
  const belowId = below ? `${id}-below` : undefined;
  const describedBy = [errorId, warningId, belowId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      {children({ id, describedBy, invalid: Boolean(error) })}
      {/* No live role: a warning that follows the typing is announced once the operator pauses (useSettledAnnouncement). */}
      {warning ? (
        <p id={warningId} className="rounded bg-amber-50 px-2 py-1 text-sm text-amber-800">
          {warning}
        </p>
      ) : null}
      {below ? <div id={belowId}>{below}</div> : null}
      {hint ? (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {/* Always there, one line high: an error appearing on blur must not push the button below from under the pointer. */}
      <p id={`${id}-error`} className="min-h-5 text-sm text-red-700">
        {error}
      </p>
    </div>
  );
}

const inputClass =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-1 focus:ring-brand-500 aria-[invalid=true]:border-red-500";

type TextFieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; hint?: ReactNode; warning?: string };

export const TextField = forwardRef<HTMLInputElement, TextFieldProps>(function TextField(
  { label, error, hint, warning, className = "", ...props },
  ref,
) {
  return (
    <FieldShell label={label} error={error} hint={hint} warning={warning}>
      {({ id, describedBy, invalid }) => (
        <input
          ref={ref}
          id={id}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          className={`${inputClass} ${className}`}
          {...props}
        />
      )}
    </FieldShell>
  );
});

type TextAreaFieldProps = TextareaHTMLAttributes<HTMLTextAreaElement> & { label: string; error?: string; hint?: ReactNode; below?: ReactNode };

export const TextAreaField = forwardRef<HTMLTextAreaElement, TextAreaFieldProps>(function TextAreaField(
  { label, error, hint, below, className = "", ...props },
  ref,
) {
  return (
    <FieldShell label={label} error={error} hint={hint} below={below}>
      {({ id, describedBy, invalid }) => (
        <textarea ref={ref} id={id} aria-invalid={invalid} aria-describedby={describedBy} className={`${inputClass} ${className}`} {...props} />
      )}
    </FieldShell>
  );
});

/** One label and value of a detail page's definition list (`<dl>`). */
export function DetailRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    // Label above value on a phone; a long unbroken value (a key, a URL, an id) wraps rather than widening the page.
    <div className="grid gap-1 py-2 sm:grid-cols-3 sm:gap-4">
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="min-w-0 text-sm text-slate-900 wrap-anywhere sm:col-span-2">{children}</dd>
    </div>
  );
}

type SelectFieldProps = SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string; hint?: ReactNode; children: ReactNode };

export const SelectField = forwardRef<HTMLSelectElement, SelectFieldProps>(function SelectField(
  { label, error, hint, children, ...props },
  ref,
) {
  return (
    <FieldShell label={label} error={error} hint={hint}>
      {({ id, describedBy, invalid }) => (
        <select ref={ref} id={id} aria-invalid={invalid} aria-describedby={describedBy} className={inputClass} {...props}>
          {children}
        </select>
      )}
    </FieldShell>
  );
});

export function Alert({
  children,
  tone = "error",
  ref,
}: {
  children: ReactNode;
  tone?: "error" | "warning" | "success" | "info";
  /** An error Alert can take the focus (useFailure moves it there), so it is read and seen at once. */
  ref?: Ref<HTMLDivElement>;
}) {
  const tones = {
    error: "border-red-200 bg-red-50 text-red-800",
    warning: "border-amber-200 bg-amber-50 text-amber-900",
    success: "border-emerald-200 bg-emerald-50 text-emerald-800",
    info: "border-sky-200 bg-sky-50 text-sky-900",
  };
  // Errors interrupt (alert); a warning or success reports what just happened (status); help text is no news (no live role).
  const role = tone === "error" ? "alert" : tone === "info" ? undefined : "status";
  return (
    <div
      ref={ref}
      role={role}
      tabIndex={tone === "error" ? -1 : undefined}
      className={`rounded-md border px-4 py-3 text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 ${tones[tone]}`}
    >
      {children}
    </div>
  );
}

export function Card({ title, children, actions }: { title?: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white shadow-sm" aria-label={title}>
      {title ? (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-4 py-3 sm:px-5">
          <h2 className="min-w-0 text-base font-semibold text-slate-800 wrap-anywhere">{title}</h2>
          {actions}
        </header>
      ) : null}
      <div className="px-4 py-4 sm:px-5">{children}</div>
    </section>
  );
}

export function PageHeader({
  title,
  description,
  actions,
  back,
}: {
  title: string;
  description?: string;
  actions?: ReactNode;
  /** A link to the page above this one, shown over the title. */
  back?: { href: string; label: string };
}) {
  return (
    <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        {back ? (
          <Link href={back.href} className="mb-1 inline-block text-sm text-brand-700 hover:underline">
            ← {back.label}
          </Link>
        ) : null}
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900 wrap-anywhere">{title}</h1>
        {description ? <p className="mt-1 max-w-3xl text-sm text-slate-600">{description}</p> : null}
      </div>
      {actions ? <div className="flex flex-wrap gap-2">{actions}</div> : null}
    </div>
  );
}

export function Badge({ children, tone = "slate" }: { children: ReactNode; tone?: "slate" | "green" | "amber" | "red" | "blue" }) {
  const tones = {
    slate: "bg-slate-100 text-slate-700",
    green: "bg-emerald-100 text-emerald-800",
    amber: "bg-amber-100 text-amber-800",
    red: "bg-red-100 text-red-800",
    blue: "bg-brand-100 text-brand-700",
  };
  return <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}
