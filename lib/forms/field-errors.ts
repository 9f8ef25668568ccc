import type { FieldErrors, FieldValues } from "react-hook-form";

/** One field's problem, named by its react-hook-form path ("port", "params.0.key"). */
export interface FieldProblem {
  name: string;
  message: string;
}

function isFieldError(value: unknown): value is { type: unknown; message?: unknown } {
  return typeof value === "object" && value !== null && "type" in value;
}

/**
 * react-hook-form's nested error tree as a flat list of named messages, for an error summary and
 * for finding each field in the form. Form-level errors (`root`) belong to no field and are left
 * out; so are errors without a message (nothing to say to the operator).
 */
export function flattenFieldErrors<T extends FieldValues>(errors: FieldErrors<T>, prefix = ""): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(errors)) {
    if (value === undefined || value === null || (prefix === "" && key === "root")) continue;
    const name = prefix ? `${prefix}.${key}` : key;
    if (isFieldError(value)) {
      if (typeof value.message === "string" && value.message !== "") problems.push({ name, message: value.message });
    } else if (typeof value === "object") {
      problems.push(...flattenFieldErrors(value as FieldErrors, name));
    }
  }
  return problems;
}
