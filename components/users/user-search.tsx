"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { apiFetch } from "@/lib/api/client";
import type { ContactView } from "@/lib/contacts/contact-queries";
import { Table, useCursorPages } from "../table";
import { Button, Card, TextField } from "../ui";

/** Search by userid or phone prefix; the server filters and pages (keyset by userid). */
export function UserSearch() {
  const t = useTranslations("users");
  const [draft, setDraft] = useState("");
  const [q, setQ] = useState("");
  const pages = useCursorPages();
  const result = useQuery({
    queryKey: ["users", q, pages.cursor],
    queryFn: () =>
      apiFetch<{ items: ContactView[]; nextCursor: string | null }>(
        `/api/v1/users?limit=25&q=${encodeURIComponent(q)}${pages.cursor ? `&cursor=${encodeURIComponent(pages.cursor)}` : ""}`,
      ),
  });
  return (
    <Card title={t("searchTitle")}>
      <form
        role="search"
        className="mb-4 flex flex-col gap-2 sm:flex-row sm:items-start"
        onSubmit={(e) => {
          e.preventDefault();
          setQ(draft.trim());
          pages.reset();
        }}
      >
        <div className="sm:flex-1">
          <TextField label={t("searchLabel")} value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="zhangsan / 138…" />
        </div>
        {/* Level with the input: below the label (1.5rem), above the field's reserved error line. */}
        <Button type="submit" className="sm:mt-6">
          {t("search")}
        </Button>
      </form>
      {result.data && result.data.items.length > 0 ? (
        <Table caption={t("searchTitle")} headers={["userid", t("bindings")]}>
          {result.data.items.map((u) => (
            <tr key={u.userid}>
              <td>
                <Link className="text-brand-700 hover:underline" href={`/users/${encodeURIComponent(u.userid)}`}>
                  {u.userid}
                </Link>
              </td>
              <td className="font-mono text-xs">
                {Object.entries(u.phones)
                  .map(([bind, phone]) => `${bind === "all" ? t("allChannels") : bind}: ${phone}`)
                  .join(" · ") || "—"}
              </td>
            </tr>
          ))}
        </Table>
      ) : (
        <p className="text-sm text-slate-500">{result.isLoading ? "…" : q ? t("noUsers") : t("noUsersYet")}</p>
      )}
      {pages.pager(result.data?.nextCursor)}
    </Card>
  );
}
