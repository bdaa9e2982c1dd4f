// X.509 certificates as SAML metadata carries them (base64 DER in ds:X509Certificate) and as admins paste them
// (PEM): read with Node's own X509Certificate, so a certificate is checked by parsing, never by pattern alone.
import { createHash, generateKeyPair, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

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

const generate = promisify(generateKeyPair);

export interface SelfSignedKey {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  certificatePem: string;
  publicKey: KeyObject;
}

/**
 * A fresh RSA key with a self-signed certificate over it, signed with SHA-256: what SAML trust is configured with.
 * Node's crypto cannot issue a certificate, so node-forge builds the X.509 structure.
 */
export async function selfSignedKey(options: {
  bits: number;
  commonName: string;
  organization?: string;
  years: number;
}): Promise<SelfSignedKey> {
  const pair = await generate('rsa', { modulusLength: options.bits });
  const subject = [
    { name: 'commonName', value: options.commonName },
    ...(options.organization ? [{ name: 'organizationName', value: options.organization }] : []),
  ];
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  // A positive serial of 128 random bits (RFC 5280 §4.1.2.2).
  cert.serialNumber = `01${randomBytes(16).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + options.years * 365 * 24 * 3600 * 1000);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: forge.pki.certificateToPem(cert),
    publicKey: pair.publicKey,
  };
}
