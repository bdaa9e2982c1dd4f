// X.509 certificates as SAML metadata carries them (base64 DER in ds:X509Certificate) and as admins paste them
// (PEM): read with Node's own X509Certificate, so a certificate is checked by parsing, never by pattern alone.
import { createHash, X509Certificate } from 'node:crypto';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  expired: boolean;
  sha256Fingerprint: string;
  keyType: string;
  keyBits: number | null;
}

export type CertificateRead = { ok: true; pem: string; info: CertificateInfo } | { ok: false; reason: string };

/** The base64 body of a PEM or bare base64 certificate, whitespace removed. */
export function certificateBody(text: string): string {
  return text
    .replace(/-----BEGIN CERTIFICATE-----/g, '')
    .replace(/-----END CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
}

export function toPem(body: string): string {
  const lines = certificateBody(body).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** Parses a PEM (or bare base64 DER) certificate; RSA keys must be at least 2048 bits (the signatures we accept are RSA). */
export function readCertificate(text: string, now = new Date()): CertificateRead {
  const body = certificateBody(text);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return { ok: false, reason: 'is not a PEM or base64 X.509 certificate' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    return { ok: false, reason: 'is not a readable X.509 certificate' };
  }
  const key = cert.publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? null;
  if (key.asymmetricKeyType !== 'rsa')
    return { ok: false, reason: `has a ${key.asymmetricKeyType ?? 'unknown'} key; only RSA keys are supported` };
  if (bits !== null && bits < 2048) return { ok: false, reason: `has a ${bits}-bit RSA key; at least 2048 bits are required` };
  const notAfter = new Date(cert.validTo);
  return {
    ok: true,
    pem: toPem(body),
    info: {
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: notAfter.toISOString(),
      expired: notAfter.getTime() <= now.getTime(),
      sha256Fingerprint: createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/.{2}/g)!.join(':'),
      keyType: 'RSA',
      keyBits: bits,
    },
  };
}

/** Info of a certificate already validated (stored settings). */
export function certificateInfo(pem: string): CertificateInfo | null {
  const read = readCertificate(pem);
  return read.ok ? read.info : null;
}
