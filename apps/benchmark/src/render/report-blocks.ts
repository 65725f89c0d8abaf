import { formatTable, type Table } from './format-table.js';
import { htmlTable } from './html-table.js';
import { inlineMarkdownToHtml, markdownToHtml } from './markdown-to-html.js';

/**
 * A report as data, written once and rendered twice — as markdown (terminal, .md files) and as HTML (the report
 * page): headings and paragraphs in inline markdown, tables as row data.
 */
export type ReportBlock =
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'table'; table: Table };

export const heading = (level: number, text: string): ReportBlock => ({ kind: 'heading', level, text });
export const paragraph = (text: string): ReportBlock => ({ kind: 'paragraph', text });
export const table = (header: string[], rows: string[][]): ReportBlock => ({
  kind: 'table',
  table: { header, rows },
});

/** The blocks as markdown, separated by blank lines. */
export function blocksToMarkdown(blocks: readonly ReportBlock[]): string {
  return blocks
    .map((b) =>
      b.kind === 'heading'
        ? `${'#'.repeat(b.level)} ${b.text}`
        : b.kind === 'paragraph'
          ? b.text
          : formatTable(b.table.header, b.table.rows),
    )
    .join('\n\n');
}

/** The blocks as HTML (headings `headingShift` levels deeper, tables from their rows). */
export function blocksToHtml(blocks: readonly ReportBlock[], { headingShift = 0 } = {}): string {
  return blocks
    .map((b) => {
      if (b.kind === 'table') return htmlTable(b.table);
      if (b.kind === 'paragraph') return markdownToHtml(b.text);
      const level = Math.min(b.level + headingShift, 6);
      return `<h${level}>${inlineMarkdownToHtml(b.text)}</h${level}>`;
    })
    .join('\n');
}
