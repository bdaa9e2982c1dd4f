// Reading SAML XML for our own checks (xmldom without DTDs, namespace-aware XPath) and writing it from templates
// with every value escaped in one pass, so a value is never read again as a placeholder.
import { DOMParser } from '@xmldom/xmldom';
import xpath from 'xpath';
import { refuse } from './errors.js';

export const NS = {
  samlp: 'urn:oasis:names:tc:SAML:2.0:protocol',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
};
const select = xpath.useNamespaces(NS);

export function parseXml(xml: string, what = 'SAML message'): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    errorHandler: { warning: () => {}, error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) },
  }).parseFromString(xml, 'text/xml');
  if (errors.length || !doc?.documentElement) throw refuse('saml_malformed_message', `The ${what} is not well-formed XML`);
  // No DTDs: entity expansion and XXE serve attacks, and SAML never needs them.
  if (doc.doctype) throw refuse('saml_malformed_message', `The ${what} carries a DTD`);
  return doc as unknown as Document;
}

export const nodes = (expression: string, context: Node) => select(expression, context) as Node[];
export const element = (expression: string, context: Node) => nodes(expression, context)[0] as Element | undefined;
export const attr = (el: Element | undefined | null, name: string) => (el && el.hasAttribute(name) ? el.getAttribute(name) : null);
export const text = (el: Element | undefined) => el?.textContent?.trim() ?? null;

/** xs:boolean (true, false, 1, 0). */
export const xsBoolean = (value: string | null) => value === 'true' || value === '1';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** An already-escaped fragment to insert as is. */
export interface RawXml {
  raw: string;
}

/**
 * Fills `{Name}` placeholders in one pass: strings are escaped, raw fragments inserted as built, and a null value
 * removes the attribute it stands in (`Name="{X}"`). Values are never scanned for placeholders themselves.
 */
export function renderXml(template: string, values: Record<string, string | RawXml | null>): string {
  return template
    .replace(/\s+[A-Za-z_:][\w:.-]*="\{(\w+)\}"/g, (match, key: string) => (key in values && values[key] === null ? '' : match))
    .replace(/\{(\w+)\}/g, (match, key: string) => {
      if (!(key in values)) throw new Error(`template placeholder {${key}} has no value`);
      const value = values[key];
      if (value === null || value === undefined) return '';
      return typeof value === 'string' ? escapeXml(value) : value.raw;
    });
}
