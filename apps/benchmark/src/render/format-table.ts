/** A table as row data: a header and rows of cell texts (inline markdown allowed: **bold**, _italic_, `code`). */
export interface Table {
  header: string[];
  rows: string[][];
}

/** A cell for a markdown table: `|` escaped (GitHub-flavoured markdown reads `\|` as a literal bar). */
const markdownCell = (cell: string) => cell.replace(/\|/g, '\\|');

/**
 * A GitHub-flavoured markdown table with padded columns, readable in a terminal too. A `|` inside a cell is escaped
 * (`\|`) so it stays in its cell.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const escaped = [header, ...rows].map((r) => r.map(markdownCell));
  const [head, ...body] = escaped as [string[], ...string[][]];
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n');
}
