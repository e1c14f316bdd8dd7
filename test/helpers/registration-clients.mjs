// Drives Clavis's registration endpoints with clients written elsewhere (ESM-only packages, so
// outside Jest's CommonJS runtime). Usage: node registration-clients.mjs <base URL> <initial access token>
// Prints one JSON object with what each client saw.
import * as oauth from 'oauth4webapi';
import { registerClient } from '@modelcontextprotocol/sdk/client/auth.js';

const [base, initialAccessToken] = process.argv.slice(2);
const as = { issuer: base, registration_endpoint: `${base}/oauth/register` };
const insecure = { [oauth.allowInsecureRequests]: true }; // loopback http in tests only
const out = {};

// oauth4webapi: RFC 7591 registration, then RFC 7592 read, update and delete with its protected-resource calls.
const registered = await oauth.processDynamicClientRegistrationResponse(
  await oauth.dynamicClientRegistrationRequest(
    as,
    { client_name: 'oauth4webapi client', redirect_uris: ['https://app.example/cb'], software_id: 'o4w', token_endpoint_auth_method: 'client_secret_basic' },
    { initialAccessToken, ...insecure },
  ),
);
out.oauth4webapi = { registered };
const manage = (method, token, body) =>
  oauth.protectedResourceRequest(
    token,
    method,
    new URL(registered.registration_client_uri),
    body ? new Headers({ 'content-type': 'application/json' }) : undefined,
    body ? JSON.stringify(body) : undefined,
    insecure,
  );
const read = await manage('GET', registered.registration_access_token);
out.oauth4webapi.read = { status: read.status, body: await read.json() };
const update = await manage('PUT', registered.registration_access_token, {
  client_id: registered.client_id,
  client_name: 'oauth4webapi client v2',
  redirect_uris: ['https://app.example/cb2'],
  software_id: 'o4w',
});
out.oauth4webapi.update = { status: update.status, body: await update.json() };
const stale = await manage('GET', registered.registration_access_token).catch((error) => ({ status: error?.response?.status ?? error?.status ?? 'error' }));
out.oauth4webapi.staleToken = { status: stale.status };
const removed = await manage('DELETE', out.oauth4webapi.update.body.registration_access_token);
out.oauth4webapi.delete = { status: removed.status };
try {
  await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: ['https://app.example/cb#fragment'] }, { initialAccessToken, ...insecure }),
  );
  out.oauth4webapi.invalid = { error: 'none' };
} catch (error) {
  out.oauth4webapi.invalid = { error: error.error ?? error.cause?.error ?? error.code, status: error.status ?? error.response?.status };
}

// The MCP TypeScript SDK: registerClient, as an MCP client does when it first connects. The SDK sends no
// initial access token of its own, so it goes in through fetchFn (how a host injects credentials).
const withToken = (url, init = {}) =>
  fetch(url, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: `Bearer ${initialAccessToken}` } });
const mcpMetadata = {
  client_name: 'MCP Inspector',
  redirect_uris: ['http://localhost:6274/oauth/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  software_id: 'mcp-inspector',
  software_version: '1.0.0',
};
const mcp = await registerClient(base, {
  metadata: { ...as, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, response_types_supported: ['code'] },
  clientMetadata: mcpMetadata,
  fetchFn: withToken,
});
const mcpAgain = await registerClient(base, {
  metadata: { ...as, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, response_types_supported: ['code'] },
  clientMetadata: mcpMetadata,
  fetchFn: withToken,
});
out.mcp = { registered: mcp, again: mcpAgain };
try {
  await registerClient(base, {
    metadata: { ...as, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, response_types_supported: ['code'] },
    clientMetadata: mcpMetadata,
  });
  out.mcp.withoutToken = 'registered';
} catch (error) {
  out.mcp.withoutToken = String(error?.message ?? error);
}
process.stdout.write(JSON.stringify(out));
