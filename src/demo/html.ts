// Small HTML helpers for the demo's own pages (the two upstream IdPs and the sample app). Each part has its own
// colour so a person sees when they are at "another company"; everything interpolated goes through `escapeHtml`.
import { randomBytes } from 'node:crypto';

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/** Tagged template: interpolated values are escaped unless wrapped in `raw()`. */
export interface RawHtml {
  readonly __html: string;
}
export const raw = (html: string): RawHtml => ({ __html: html });
export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += (Array.isArray(value) ? value.map(part).join('') : part(value)) + strings[i + 1]!;
  });
  return raw(out);
}
/** Nothing for null, undefined and false (so `${cond && html`…`}` works), markup as is, anything else escaped. */
const part = (value: unknown): string =>
  value === null || value === undefined || value === false ? '' : isRaw(value) ? value.__html : escapeHtml(value);
const isRaw = (value: unknown): value is RawHtml => typeof value === 'object' && value !== null && '__html' in value;

export interface PageOptions {
  title: string;
  /** Banner colour and name of the site the page belongs to. */
  site: { name: string; colour: string };
  body: RawHtml;
  /** A script nonce, when the page carries an inline script. */
  nonce?: string;
  script?: string;
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#f6f8fa}
header{padding:.8rem 1.5rem;color:#fff;font-weight:600}main{max-width:52rem;margin:2rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:1.5rem;margin-bottom:1.5rem}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:0 0 .75rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;max-width:22rem;padding:.5rem;border:1px solid #8c959f;border-radius:6px;font:inherit}
button,.button{display:inline-block;margin-top:1rem;padding:.55rem 1.1rem;border:0;border-radius:6px;color:#fff;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
.hint{color:#57606a;font-size:.9rem}.alert{color:#a40e26;background:#ffebe9;border:1px solid #ff818266;border-radius:6px;padding:.5rem .75rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #eaeef2}th{width:14rem;font-weight:600}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.75rem;overflow:auto}
dl{display:grid;grid-template-columns:10rem 1fr;gap:.35rem 1rem;margin:0}dt{font-weight:600}dd{margin:0}
nav a{margin-right:1rem}`;

export function renderPage({ title, site, body, nonce, script }: PageOptions): string {
  const colour = site.colour;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}header{background:${colour}}button,.button{background:${colour}}</style></head>
<body><header>${escapeHtml(site.name)}</header><main>${body.__html}</main>${
    script && nonce ? `<script nonce="${escapeHtml(nonce)}">${script}</script>` : ''
  }</body></html>`;
}

export const newNonce = () => randomBytes(16).toString('base64');

/** Headers for a demo page: no framing, no referrer, and only the page's own inline style (and nonce'd script). */
export function pageHeaders(nonce?: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; script-src ${nonce ? `'nonce-${nonce}'` : "'none'"}; form-action *; frame-ancestors 'none'; base-uri 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}
