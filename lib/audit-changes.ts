/**
 * What an update changed, for an audit row's detail: `{field: {from, to}}` for each named field
 * whose value differs. Only the fields the caller names are compared, so a record that also
 * holds a password hash or sealed secrets can be passed whole without either reaching the log.
 */
export type AuditChanges = Record<string, { from: unknown; to: unknown }>;

export function auditChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  fields: readonly string[],
): AuditChanges {
  const changes: AuditChanges = {};
  for (const field of fields) {
    const from = before[field] ?? null;
    const to = after[field] ?? null;
    // Values are JSON (they are stored as jsonb), so their JSON text compares them.
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[field] = { from, to };
  }
  return changes;
}
