import type { Table } from './format-table.js';
import { inlineMarkdownToHtml } from './markdown-to-html.js';

/** An HTML table built from row data; each cell's inline markdown (**bold**, `code`) is rendered, HTML escaped. */
export function htmlTable({ header, rows }: Table): string {
  const cells = (row: string[], tag: 'th' | 'td') =>
    row.map((cell) => `<${tag}>${inlineMarkdownToHtml(cell)}</${tag}>`).join('');
  return [
    '<table>',
    `<thead><tr>${cells(header, 'th')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => `<tr>${cells(row, 'td')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}
