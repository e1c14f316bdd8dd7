import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { createHarness, expectOk, type Harness } from './helpers/harness';
import { createApp, unique } from './helpers/operations';

/** Dynamic registration driven by clients that were not written here: oauth4webapi and the MCP TypeScript SDK. */
let h: Harness;
let base: string;
beforeAll(async () => {
  h = await createHarness();
  base = await h.listen();
});
afterAll(() => h.close());

test('oauth4webapi registers, reads, updates and deletes; the MCP SDK registers (and re-registers to the same client)', async () => {
  const { application } = await createApp(h, { identifier: unique('agents'), name: 'Agents' });
  const made = expectOk(
    await h.run(`mutation($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }`, {
      input: { applicationId: application.id },
    }),
  );
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [resolve(__dirname, 'helpers/registration-clients.mjs'), base, made.createRegistrationToken.token],
    {
      timeout: 20_000,
    },
  );
  const out = JSON.parse(stdout);

  const o4w = out.oauth4webapi;
  expect(o4w.registered).toMatchObject({ client_name: 'oauth4webapi client', token_endpoint_auth_method: 'client_secret_basic', software_id: 'o4w' });
  expect(o4w.registered.client_secret).toMatch(/^clv_cs_/);
  expect(o4w.read).toMatchObject({ status: 200, body: { client_id: o4w.registered.client_id } });
  expect(o4w.update).toMatchObject({ status: 200, body: { client_name: 'oauth4webapi client v2', redirect_uris: ['https://app.example/cb2'] } });
  expect(o4w.update.body.registration_access_token).not.toBe(o4w.registered.registration_access_token);
  expect(o4w.staleToken.status).toBe(401);
  expect(o4w.delete.status).toBe(204);
  expect(o4w.invalid.error).toBe('invalid_redirect_uri');
  const [gone] = await h.dataSource.query(`SELECT id FROM clients WHERE client_id = $1`, [o4w.registered.client_id]);
  expect(gone).toBeUndefined();

  expect(out.mcp.registered).toMatchObject({
    client_name: 'MCP Inspector',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://localhost:6274/oauth/callback'],
  });
  expect(out.mcp.registered.client_secret).toBeUndefined();
  expect(out.mcp.again.client_id).toBe(out.mcp.registered.client_id);
  expect(out.mcp.withoutToken).toMatch(/token/i);
  const [row] = await h.dataSource.query(`SELECT client_type, registration_source, software_version FROM clients WHERE client_id = $1`, [
    out.mcp.registered.client_id,
  ]);
  expect(row).toEqual({ client_type: 'NATIVE', registration_source: 'DYNAMIC', software_version: '1.0.0' });
});
