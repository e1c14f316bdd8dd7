import { X509Certificate, createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

/**
 * Client certificates of mutual TLS (RFC 8705): what the authorization server's TLS layer
 * received, handed over as PEM. Chain validation is that layer's job (§2.1: a PKI it trusts);
 * here the certificate is matched against the client's registered metadata.
 */

export const CERTIFICATE_LIMITS = { pemLength: 16_384 } as const;

/** The certificate metadata of RFC 8705 §2.1.2: a TLS_CLIENT_AUTH client registers exactly one. */
export const TLS_CLIENT_AUTH_FIELDS = [
  'tlsClientAuthSubjectDn',
  'tlsClientAuthSanDns',
  'tlsClientAuthSanUri',
  'tlsClientAuthSanIp',
  'tlsClientAuthSanEmail',
] as const;
export type TlsClientAuthField = (typeof TLS_CLIENT_AUTH_FIELDS)[number];
export type TlsClientAuthMetadata = Record<TlsClientAuthField, string | null>;

/** The certificate in PEM, parsed; null when it is not one. */
export function parseCertificate(pem: string): X509Certificate | null {
  if (pem.length > CERTIFICATE_LIMITS.pemLength || !pem.includes('-----BEGIN CERTIFICATE-----')) return null;
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/** `x5t#S256`: base64url SHA-256 of the DER certificate, for binding tokens to it (RFC 8705 §3.1). */
export function certificateThumbprint(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('base64url');
}

/** Whether `now` lies within the certificate's validity period. */
export function withinValidity(certificate: X509Certificate, now = new Date()): boolean {
  return new Date(certificate.validFrom).getTime() <= now.getTime() && now.getTime() <= new Date(certificate.validTo).getTime();
}

/** Attribute type names and OIDs that mean the same attribute (RFC 4514 §3, RFC 4519). */
const ATTRIBUTE_ALIASES: Record<string, string> = {
  '2.5.4.3': 'cn',
  commonname: 'cn',
  '2.5.4.6': 'c',
  countryname: 'c',
  '2.5.4.7': 'l',
  localityname: 'l',
  '2.5.4.8': 'st',
  stateorprovincename: 'st',
  '2.5.4.9': 'street',
  streetaddress: 'street',
  '2.5.4.10': 'o',
  organizationname: 'o',
  '2.5.4.11': 'ou',
  organizationalunitname: 'ou',
  '2.5.4.5': 'serialnumber',
  '0.9.2342.19200300.100.1.25': 'dc',
  domaincomponent: 'dc',
  '0.9.2342.19200300.100.1.1': 'uid',
  userid: 'uid',
  '1.2.840.113549.1.9.1': 'emailaddress',
  email: 'emailaddress',
  e: 'emailaddress',
};

/**
 * A distinguished name in RFC 4514 string form as a list of RDNs, each a sorted list of
 * `type=value`: types case-insensitive (and aliases/OIDs folded), escapes resolved, values
 * compared as caseIgnoreMatch does (RFC 4518 §2.6.1: case folded, leading and trailing spaces
 * dropped, inner runs of spaces one space). The RDN order is significant (RFC 4514 §2.1), the
 * order of the attributes of a multi-valued RDN is not. Null when the string is malformed.
 */
export function normalizeDn(dn: string): string[][] | null {
  const rdns: string[][] = [];
  let rdn: string[] = [];
  let type = '';
  let value = '';
  let inValue = false;
  const finishAttribute = (): boolean => {
    const name = type.trim().toLowerCase();
    if (!inValue || !/^([a-z][a-z0-9-]*|\d+(\.\d+)*)$/.test(name)) return false;
    rdn.push(`${ATTRIBUTE_ALIASES[name] ?? name}=${value.trim().replace(/\s+/g, ' ').toLowerCase()}`);
    type = '';
    value = '';
    inValue = false;
    return true;
  };
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i];
    if (ch === '\\' && inValue) {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        // A run of hex escapes is UTF-8 (RFC 4514 §2.4).
        const bytes: number[] = [];
        while (dn[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) {
          bytes.push(parseInt(dn.slice(i + 1, i + 3), 16));
          i += 3;
        }
        i -= 1;
        value += Buffer.from(bytes).toString('utf8');
      } else if (i + 1 < dn.length) {
        value += dn[++i];
      } else {
        return null;
      }
    } else if (ch === '=' && !inValue) {
      inValue = true;
    } else if ((ch === ',' || ch === ';' || ch === '+') && inValue) {
      if (!finishAttribute()) return null;
      if (ch !== '+') {
        rdns.push(rdn.sort());
        rdn = [];
      }
    } else if (inValue) {
      value += ch;
    } else {
      type += ch;
    }
  }
  if (!finishAttribute()) return null;
  rdns.push(rdn.sort());
  return rdns;
}

/** The subject of a certificate in RFC 4514 order (last RDN of the ASN.1 sequence first). */
export function subjectDnOf(certificate: X509Certificate): string {
  // Node prints one RDN per line, first RDN first, values escaped as RFC 2253 says.
  return certificate.subject.split('\n').reverse().join(',');
}

/** RFC 8705 §2.1.2 `tls_client_auth_subject_dn`: the subject equals the registered DN after normalisation. */
export function subjectDnMatches(certificate: X509Certificate, registered: string): boolean {
  const expected = normalizeDn(registered);
  const actual = normalizeDn(subjectDnOf(certificate));
  return expected !== null && actual !== null && JSON.stringify(expected) === JSON.stringify(actual);
}

type SanType = 'DNS' | 'URI' | 'IP Address' | 'email';

/** The subject alternative names of a certificate by type, as Node prints them (quoted when they hold a comma). */
export function subjectAltNames(certificate: X509Certificate): { type: string; value: string }[] {
  const names: { type: string; value: string }[] = [];
  const pattern = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (const match of (certificate.subjectAltName ?? '').matchAll(pattern)) {
    const raw = match[2];
    names.push({ type: match[1], value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return names;
}

function normalizeIp(ip: string): string | null {
  const bare = ip.trim();
  if (isIPv6(bare)) return new URL(`http://[${bare}]`).hostname;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(bare) ? bare.split('.').map(Number).join('.') : null;
}

const SAN_MATCHERS: Record<Exclude<TlsClientAuthField, 'tlsClientAuthSubjectDn'>, { type: SanType; same: (a: string, b: string) => boolean }> = {
  // DNS names are case-insensitive (RFC 4343); a trailing dot is the same name.
  tlsClientAuthSanDns: { type: 'DNS', same: (a, b) => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '') },
  tlsClientAuthSanUri: { type: 'URI', same: (a, b) => a === b },
  tlsClientAuthSanIp: { type: 'IP Address', same: (a, b) => normalizeIp(a) !== null && normalizeIp(a) === normalizeIp(b) },
  // The domain of a mailbox is case-insensitive, its local part is not (RFC 5321 §2.4).
  tlsClientAuthSanEmail: {
    type: 'email',
    same: (a, b) => {
      const [la, da] = [a.slice(0, a.lastIndexOf('@')), a.slice(a.lastIndexOf('@') + 1)];
      const [lb, db] = [b.slice(0, b.lastIndexOf('@')), b.slice(b.lastIndexOf('@') + 1)];
      return la === lb && da.toLowerCase() === db.toLowerCase();
    },
  },
};

/**
 * RFC 8705 §2.1.2: the certificate matches the one registered field — the subject DN, or a
 * subject alternative name of exactly the registered type (a DNS name in a URI SAN does not count).
 */
export function certificateMatches(certificate: X509Certificate, metadata: TlsClientAuthMetadata): boolean {
  const given = TLS_CLIENT_AUTH_FIELDS.filter((field) => metadata[field] != null);
  if (given.length !== 1) return false;
  const field = given[0];
  const registered = metadata[field]!;
  if (field === 'tlsClientAuthSubjectDn') return subjectDnMatches(certificate, registered);
  const { type, same } = SAN_MATCHERS[field];
  return subjectAltNames(certificate).some((name) => name.type === type && same(name.value, registered));
}
