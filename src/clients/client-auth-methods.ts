/**
 * Why `client_secret_jwt` is refused wherever a client is registered (createClient, updateClient,
 * dynamic registration): one message so every path says the same.
 */
export const CLIENT_SECRET_JWT_REFUSAL =
  'CLIENT_SECRET_JWT (client_secret_jwt) cannot be verified: it is an HMAC keyed with the plain client secret, and Clavis stores secrets only as ' +
  'keyed hashes (RFC 7523 §2.2 would need the secret itself). Use PRIVATE_KEY_JWT, TLS_CLIENT_AUTH or CLIENT_SECRET_BASIC.';
