import { describe, expect, it } from "vitest";
import type { FieldErrors } from "react-hook-form";
import { flattenFieldErrors } from "./field-errors";

describe("flattenFieldErrors", () => {
  it("names top-level and nested errors by their form path, in the tree's order", () => {
    const errors = {
      name: { type: "custom", message: "errors.name_required" },
      params: [undefined, { key: { type: "custom", message: "send.errors.param_name_duplicate" } }],
      port: { type: "custom", message: "errors.digits_only", ref: { name: "port" } },
    } as unknown as FieldErrors;
    expect(flattenFieldErrors(errors)).toEqual([
      { name: "name", message: "errors.name_required" },
      { name: "params.1.key", message: "send.errors.param_name_duplicate" },
      { name: "port", message: "errors.digits_only" },
    ]);
  });

  it("leaves out form-level errors and errors without a message", () => {
    const errors = {
      root: { server: { type: "409", message: "taken" } },
      email: { type: "required" },
      password: { type: "custom", message: "" },
    } as unknown as FieldErrors;
    expect(flattenFieldErrors(errors)).toEqual([]);
  });

  it("does not walk into a field error's element reference", () => {
    const errors = { file: { type: "custom", message: "send.errors.file_required", ref: { files: { type: "x", message: "no" } } } } as unknown as FieldErrors;
    expect(flattenFieldErrors(errors)).toEqual([{ name: "file", message: "send.errors.file_required" }]);
  });
});
