import type { ReceiptCodeView } from "./receipt-code-service";

/**
 * The shapes of the receipt-code server actions (app/actions/receipt-codes.ts), for the pages that
 * pass them to components and the components that call them. Browser-safe: types only.
 */
export interface ActionFailure {
  ok: false;
  /** The domain error's code: "provider_not_found", "receipt_code_not_found", "forbidden", "invalid_input". */
  error: string;
  /** Its details, `{path, message}`, the message a catalogue key (`providers.errors.*`). */
  fields: { path: string; message: string }[];
}

export type ClassifyCodeResult = { ok: true; code: ReceiptCodeView } | ActionFailure;
export type DeleteCodeResult = { ok: true } | ActionFailure;

export interface ClassifyCodeInput {
  providerId: string;
  code: string;
  outcome: string;
  category: string;
  /** English; `descriptionEn` is taken too. Left out: empty. */
  description?: string;
  descriptionEn?: string;
  descriptionZh?: string;
}

export type ClassifyCodeAction = (input: ClassifyCodeInput) => Promise<ClassifyCodeResult>;
export type DeleteCodeAction = (input: { providerId: string; code: string }) => Promise<DeleteCodeResult>;
