"use client";

import { useTranslations } from "next-intl";
import { useId, useRef, useState } from "react";
import type { FieldPath, FieldValues, SubmitErrorHandler, SubmitHandler, UseFormReturn } from "react-hook-form";
import type { ApiErrorDetail } from "@/lib/api/client";
import { flattenFieldErrors } from "@/lib/forms/field-errors";
import { openFoldsAround, revealField } from "./fold";
import { useFieldMessage } from "./use-messages";

/**
 * What a form does when it is sent with problems, written once for every form:
 * - the first field with a problem (in page order) gets the focus, its closed fold opened;
 * - an error summary at the top lists every problem, each a link to its field;
 * - a server's field-level details show on their fields (folds around them opened).
 * Fields are found by their `name` (react-hook-form's register gives every control one), so
 * no form has to list its fields again. The form must pass `shouldFocusError: false` to useForm,
 * or react-hook-form would move the focus itself after ours (to a field still folded away).
 */

interface Target {
  name: string;
  /** The control's id, for the summary link's href; undefined for a field not on the page. */
  id: string | undefined;
  label: string;
}

export interface Problem extends Target {
  message: string;
}

export interface ErrorSummaryState {
  problems: Problem[];
  focusField: (name: string) => void;
}

/** The control registered under `name`: for a group of radios the checked one, or the first. */
function fieldElement(form: HTMLFormElement | null, name: string): HTMLElement | null {
  const item = form?.elements.namedItem(name);
  if (!item) return null;
  if (item instanceof RadioNodeList) {
    const radios = Array.from(item).filter((node): node is HTMLInputElement => node instanceof HTMLInputElement);
    return radios.find((radio) => radio.checked) ?? radios[0] ?? null;
  }
  return item instanceof HTMLElement ? item : null;
}

/** A control's visible name: its label, or for a radio the legend of its group. */
function labelOf(element: HTMLElement): string {
  if (element instanceof HTMLInputElement && element.type === "radio") {
    return element.closest("fieldset")?.querySelector("legend")?.textContent?.trim() ?? "";
  }
  const labels = "labels" in element ? (element as HTMLInputElement).labels : null;
  return labels?.[0]?.textContent?.trim() ?? element.getAttribute("aria-label") ?? "";
}

/** The fields named, in the order the page shows them; those not on the page come last. */
function targetsInPageOrder(form: HTMLFormElement | null, names: string[]): Target[] {
  const wanted = new Set(names);
  const targets: Target[] = [];
  for (const control of Array.from(form?.elements ?? [])) {
    const name = control.getAttribute("name");
    if (!name || !wanted.has(name)) continue;
    wanted.delete(name);
    const element = fieldElement(form, name) ?? (control as HTMLElement);
    targets.push({ name, id: element.id || undefined, label: labelOf(element) });
  }
  return [...targets, ...[...wanted].map((name) => ({ name, id: undefined, label: "" }))];
}

export function useFormErrors<T extends FieldValues>(form: UseFormReturn<T>) {
  const formRef = useRef<HTMLFormElement>(null);
  // The fields that had problems at the last failed submit; the summary shows those still failing.
  const [targets, setTargets] = useState<Target[]>([]);
  const fieldMessage = useFieldMessage();
  const errors = form.formState.errors;

  const focusField = (name: string) => {
    const element = fieldElement(formRef.current, name);
    if (element) revealField(element);
  };

  const onInvalid: SubmitErrorHandler<T> = (invalid) => {
    const found = targetsInPageOrder(
      formRef.current,
      flattenFieldErrors(invalid).map((p) => p.name),
    );
    setTargets(found);
    const first = found.find((target) => fieldElement(formRef.current, target.name));
    if (first) focusField(first.name);
  };

  /** form.handleSubmit with the behaviour above; the summary goes away once a submit passes. */
  const handleSubmit = (onValid: SubmitHandler<T>) =>
    form.handleSubmit(async (values, event) => {
      setTargets([]);
      await onValid(values, event);
    }, onInvalid);

  /**
   * Puts a server's field-level details on their fields (`fieldOf` maps an API path to a form
   * field; by default they are the same) and opens the folds around them. Returns the details
   * the form has no field for, to show with the failure message.
   */
  const showServerDetails = (
    details: ApiErrorDetail[],
    fieldOf: (path: string) => FieldPath<T> | undefined = (path) => path as FieldPath<T>,
  ): ApiErrorDetail[] => {
    const unplaced: ApiErrorDetail[] = [];
    for (const detail of details) {
      const name = fieldOf(detail.path);
      const element = name ? fieldElement(formRef.current, name) : null;
      if (!name || !element) {
        unplaced.push(detail);
        continue;
      }
      form.setError(name, { type: "server", message: detail.message });
      openFoldsAround(element);
    }
    return unplaced;
  };

  const messages = new Map(flattenFieldErrors(errors).map((p) => [p.name, p.message]));
  const problems = targets.flatMap((target) => {
    const message = messages.get(target.name);
    return message ? [{ ...target, message: fieldMessage(message) ?? message }] : [];
  });
  const summary: ErrorSummaryState = { problems, focusField };
  return { formRef, handleSubmit, showServerDetails, summary };
}

/**
 * "There are 2 problems", then each problem as a link that opens its fold and focuses its
 * field. An alert, so it is read out when a submit fails while the focus goes to the first field.
 */
export function ErrorSummary({ summary, headingLevel = 2 }: { summary: ErrorSummaryState; headingLevel?: 2 | 3 }) {
  const t = useTranslations("common");
  const titleId = useId();
  const { problems, focusField } = summary;
  if (problems.length === 0) return null;
  const Heading = headingLevel === 3 ? "h3" : "h2";
  return (
    <div role="alert" aria-labelledby={titleId} className="rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      <Heading id={titleId} className="font-semibold">
        {t("errorSummary", { count: problems.length })}
      </Heading>
      <ul className="mt-1 list-disc pl-5">
        {problems.map((problem) => (
          <li key={problem.name}>
            <a
              href={problem.id ? `#${problem.id}` : "#"}
              // A line and a half high: big enough a target for a finger (WCAG 2.5.8).
              className="inline-block rounded-sm py-1 underline hover:text-red-950 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-600"
              onClick={(event) => {
                event.preventDefault();
                focusField(problem.name);
              }}
            >
              {problem.label ? t("errorSummaryItem", { label: problem.label, message: problem.message }) : problem.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
