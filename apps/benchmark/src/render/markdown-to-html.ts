import { Marked } from 'marked';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** GitHub-flavoured markdown (marked) that shows raw HTML as text, so a result string cannot inject markup. */
function markdownRenderer(headingShift: number): Marked {
  return new Marked({
    gfm: true,
    async: false,
    renderer: {
      html: ({ text }) => escapeHtml(text),
    },
    walkTokens: (token) => {
      // A report embedded under one of the page's own headings is shifted down by `headingShift` levels.
      if (token.type === 'heading') token.depth = Math.min(token.depth + headingShift, 6);
    },
  });
}

const renderers = new Map<number, Marked>();
function renderer(headingShift: number): Marked {
  if (!renderers.has(headingShift)) renderers.set(headingShift, markdownRenderer(headingShift));
  return renderers.get(headingShift)!;
}

/**
 * Markdown (GitHub-flavoured, rendered by `marked`) → HTML, headings `headingShift` levels deeper. Raw HTML in the
 * markdown is escaped, not inserted.
 */
export function markdownToHtml(markdown: string, { headingShift = 0 } = {}): string {
  return (renderer(headingShift).parse(markdown) as string).trim();
}

/** One line of inline markdown (**bold**, _italic_, `code`) → HTML, without a paragraph around it. */
export function inlineMarkdownToHtml(text: string): string {
  return renderer(0).parseInline(text) as string;
}
