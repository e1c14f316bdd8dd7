import { createLogger } from '../src/observability/logger';
import { createHarness, type Harness } from './helpers/harness';

/**
 * No secret reaches the log, whatever carries it: a variable of any name, a variable nested
 * in an input object, a literal in the query text, or a request refused before GraphQL runs.
 */
let h: Harness;
const lines: Record<string, any>[] = [];
beforeAll(async () => {
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
  h = await createHarness({ logger });
});
afterAll(() => h.close());

const output = () => JSON.stringify(lines);
const operationLines = (operation: string) => lines.filter((line) => line.msg === 'graphql operation' && line.operation === operation);

test('secrets passed as variables of any name, nested or not, and as literals never reach the log', async () => {
  const created = await h.run(`mutation { createApplication(input: { identifier: "logged", name: "Logged" }) { defaultClient { clientId } clientSecret } }`);
  const { clientSecret } = created.data!.createApplication;
  const clientId = created.data!.createApplication.defaultClient.clientId;
  expect(clientSecret).toMatch(/^clv_cs_/);

  const right = await h.run(
    `mutation ByName($id: String!, $zz: String!) { authenticateClient(input: { clientId: $id, clientSecret: $zz }) { authenticated } }`,
    { id: clientId, zz: clientSecret },
  );
  expect(right.data!.authenticateClient.authenticated).toBe(true);
  const wrongSecret = 'clv_cs_wrong-guess-QZXJ';
  await h.run(`mutation Literal { authenticateClient(input: { clientId: "${clientId}", clientSecret: "${wrongSecret}" }) { authenticated } }`);

  const providerSecret = 'provider-secret-QZXJ-nested';
  const provider = await h.run(
    `mutation Nested($p: String, $rest: String!) {
      createProvider(input: { identifier: "upstream", name: $rest, clientId: "upstream-client", clientSecret: $p }) { provider { clientSecretSet } }
    }`,
    { p: providerSecret, rest: 'Upstream' },
  );
  expect(provider.data!.createProvider.provider.clientSecretSet).toBe(true);
  const inInput = 'provider-secret-QZXJ-in-input';
  const updated = await h.run(`mutation InInput($whatever: CreateProviderInput!) { createProvider(input: $whatever) { provider { clientSecretSet } } }`, {
    whatever: { identifier: 'upstream-2', name: 'Upstream 2', clientId: 'c', clientSecret: inInput },
  });
  expect(updated.errors).toBeUndefined();

  // A request whose token does not verify is logged before GraphQL runs.
  const refusedSecret = 'clv_cs_refused-QZXJ';
  const base = await h.listen();
  const refused = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer not.a.token' },
    body: JSON.stringify({
      query: 'mutation Refused($c: String!) { authenticateClient(input: { clientId: "x", clientSecret: $c }) { authenticated } }',
      variables: { c: refusedSecret },
    }),
  });
  expect(refused.status).toBe(401);

  // Every request was logged (so the absence below means something)…
  for (const operation of ['ByName', 'Literal', 'Nested', 'InInput']) expect(operationLines(operation)).toHaveLength(1);
  expect(lines.some((line) => line.msg === 'graphql operation' && line.outcome === 'UNAUTHENTICATED')).toBe(true);
  // …and no secret is anywhere in it.
  for (const secret of [clientSecret, wrongSecret, providerSecret, inInput, refusedSecret]) expect(output()).not.toContain(secret);
});
