/**
 * Rows as a Markdown table with padded columns, so the output reads in a terminal and pastes into
 * a README as is.
 *
 * @example
 * markdownTable(['target', 'req/s'], [['raw', '70,000']])
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]) =>
    `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** Whole numbers with thousands separators: 12,345. */
export const count = (value: number) => Math.round(value).toLocaleString('en-US')

/** Milliseconds, three decimals below 0.1 ms, two below 10 ms, one above; a dash for no figure. */
export const ms = (value: number) =>
  Number.isFinite(value) ? `${value.toFixed(value < 0.1 ? 3 : value < 10 ? 2 : 1)} ms` : '—'

/** A ratio with two decimals (three below 0.1); a dash for no figure. */
export const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 0.1 ? 3 : 2) : '—')
