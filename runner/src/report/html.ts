/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A table of text cells (escaped). */
export function htmlTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const tr = (cells: readonly string[], tag: 'td' | 'th'): string => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table><thead>${tr(head, 'th')}</thead><tbody>${rows.map((r) => tr(r, 'td')).join('')}</tbody></table>`;
}

/** A figure: its title, its static SVG (from the renderer, trusted) and an optional note. */
export function htmlFigure(title: string, svg: string, note?: string): string {
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${svg}${note === undefined ? '' : `<p class="note">${escapeHtml(note)}</p>`}</figure>`;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}code,pre{font-family:ui-monospace,monospace;font-size:.85rem}pre{background:#f8f8f8;padding:.5rem;overflow:auto}
.figures{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #eee;padding:.5rem}
figcaption{font-weight:600;font-size:.9rem;margin-bottom:.3rem}.note{color:#666;font-size:.8rem;margin:.3rem 0 0}
.metric{margin:1rem 0}.metric h3{font-size:1rem;margin:.2rem 0}
`;

/** The whole page: no script, no link, nothing fetched. */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
