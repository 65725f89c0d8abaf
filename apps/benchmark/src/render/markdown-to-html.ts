/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Inline markdown the reports use: **bold**, _italic_, `code` (applied after escaping). */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])_([^_]+)_(?=$|[\s).,;:])/g, '$1<em>$2</em>');
}

function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

const isSeparatorRow = (line: string) => /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$/.test(line.trim());

/**
 * Converts the markdown subset the benchmark reports emit — `#` headings, GitHub tables, paragraphs with
 * bold/italic/code — into HTML (headings `headingShift` levels deeper). Anything else is kept as an escaped paragraph, so nothing is lost or injected.
 */
export function markdownToHtml(markdown: string, { headingShift = 0 } = {}): string {
  const lines = markdown.split('\n');
  const html: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      // A report embedded under one of the page's own headings is shifted down by `headingShift` levels.
      const level = Math.min(heading[1]!.length + headingShift, 6);
      html.push(`<h${level}>${inline(heading[2]!)}</h${level}>`);
      i++;
    } else if (line.trim().startsWith('|')) {
      const block: string[] = [];
      while (i < lines.length && lines[i]!.trim().startsWith('|')) block.push(lines[i++]!);
      const [header, ...rest] = block;
      const body = rest.length && isSeparatorRow(rest[0]!) ? rest.slice(1) : rest;
      html.push(
        '<table>',
        `<thead><tr>${cells(header!)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead>`,
        '<tbody>',
        ...body.map(
          (r) =>
            `<tr>${cells(r)
              .map((c) => `<td>${inline(c)}</td>`)
              .join('')}</tr>`,
        ),
        '</tbody>',
        '</table>',
      );
    } else if (line.trim() === '') {
      i++;
    } else {
      const paragraph: string[] = [];
      while (
        i < lines.length &&
        lines[i]!.trim() !== '' &&
        !lines[i]!.trim().startsWith('|') &&
        !/^#{1,6}\s/.test(lines[i]!)
      ) {
        paragraph.push(lines[i++]!);
      }
      html.push(`<p>${inline(paragraph.join(' '))}</p>`);
    }
  }
  return html.join('\n');
}
