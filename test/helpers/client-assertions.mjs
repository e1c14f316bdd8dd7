// Client assertions made by a real client library: oauth4webapi's PrivateKeyJwt (and ClientSecretJwt for an HMAC
// "signed" with public key bytes), ESM-only, so outside Jest's CommonJS runtime.
// Reads one JSON object on stdin: { clientId, issuer, privateJwk, kid, variants: [{ name, header?, payload?,
// remove?, hmacSecret? }] } — header/payload entries override what the library sets, `remove` deletes claims.
// Prints { [name]: client_assertion }.
import * as oauth from 'oauth4webapi';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const algOf = (jwk) => jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : jwk.kty === 'OKP' ? 'EdDSA' : 'RS256');
const importPrivate = (jwk) => {
  const alg = algOf(jwk);
  const algorithm =
    alg === 'ES256'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : alg === 'EdDSA'
        ? { name: 'Ed25519' }
        : alg.startsWith('PS')
          ? { name: 'RSA-PSS', hash: `SHA-${alg.slice(2)}` }
          : { name: 'RSASSA-PKCS1-v1_5', hash: `SHA-${alg.slice(2)}` };
  return crypto.subtle.importKey('jwk', jwk, algorithm, false, ['sign']);
};

const as = { issuer: spec.issuer, token_endpoint: `${spec.issuer}/token` };
const client = { client_id: spec.clientId };
const out = {};
for (const variant of spec.variants) {
  const modify = (header, payload) => {
    Object.assign(header, variant.header ?? {});
    Object.assign(payload, variant.payload ?? {});
    for (const claim of variant.remove ?? []) delete payload[claim];
  };
  const options = { [oauth.modifyAssertion]: modify };
  const auth = variant.hmacSecret
    ? oauth.ClientSecretJwt(variant.hmacSecret, options)
    : oauth.PrivateKeyJwt({ key: await importPrivate(variant.privateJwk ?? spec.privateJwk), kid: variant.kid ?? spec.kid }, options);
  const body = new URLSearchParams();
  await auth(as, client, body, new Headers());
  out[variant.name] = body.get('client_assertion');
}
process.stdout.write(JSON.stringify(out));
