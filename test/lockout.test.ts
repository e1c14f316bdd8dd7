import Redis from 'ioredis';
import { DEFAULT_RATE_LIMITS, type RateLimitStore } from '../src/limits/rate-limits';
import { codes, createHarness, type Harness, type Result } from './helpers/harness';

/**
 * The authenticateClient lockout holds under concurrency, with either store: an attempt is
 * counted before its secret is checked, so no more than RATE_LIMIT_AUTH_FAILURES (10) guesses
 * of one caller for one client id are ever checked, however many arrive at once.
 */
const LIMIT = DEFAULT_RATE_LIMITS.authFailures;
const AUTHENTICATE = `mutation($input: AuthenticateClientInput!) { authenticateClient(input: $input) { authenticated } }`;
const redisUrl = process.env.REDIS_URL;
const stores: [string, () => RateLimitStore | undefined][] = [['PostgreSQL', () => undefined]];
let redis: Redis | undefined;
if (redisUrl) stores.push(['Redis', () => (redis ??= new Redis(redisUrl, { maxRetriesPerRequest: 1 })) && { kind: 'redis', client: redis }]);
else test.todo('REDIS_URL is not set: the Redis store is not tested');
afterAll(() => redis?.disconnect());

/** checked: the secret was compared (authenticated true or false); refused: RATE_LIMITED. */
function outcome(result: Result): 'succeeded' | 'failed' | 'refused' {
  if (codes(result).join() === 'RATE_LIMITED') return 'refused';
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!.authenticateClient.authenticated ? 'succeeded' : 'failed';
}

describe.each(stores)('with the %s store', (_name, store) => {
  let h: Harness;
  let run = 0;
  beforeAll(async () => {
    h = await createHarness({ rateLimits: { ...DEFAULT_RATE_LIMITS, mutationsPerMinute: 100_000 }, rateLimitStore: store() });
  });
  afterAll(() => h.close());

  /** A fresh client, and a fresh attacker (Redis is shared between runs: unique subjects). */
  async function setup() {
    const create = `mutation($i: String!) { createApplication(input: { identifier: $i, name: "x" }) { defaultClient { clientId } clientSecret } }`;
    const created = await h.run(create, { i: `lockout-${++run}` });
    const attacker = await h.token({ sub: `attacker-${Date.now()}-${run}` });
    const { clientId } = created.data!.createApplication.defaultClient;
    const authenticate = async (clientSecret: string) => outcome(await h.run(AUTHENTICATE, { input: { clientId, clientSecret } }, { token: attacker }));
    return { clientId, secret: created.data!.createApplication.clientSecret as string, authenticate };
  }

  test('200 concurrent attempts, 199 wrong then the right one: at most the limit are checked', async () => {
    const { secret, authenticate } = await setup();
    const guesses = [...Array.from({ length: 199 }, (_, i) => `clv_cs_wrong-${i}`), secret];
    const outcomes = await Promise.all(guesses.map((guess) => authenticate(guess)));
    const failed = outcomes.filter((o) => o === 'failed').length;
    const succeeded = outcomes[199] === 'succeeded';
    // Every attempt was either checked or refused, and no more than LIMIT were checked…
    expect(outcomes.filter((o) => o === 'refused')).toHaveLength(200 - failed - (succeeded ? 1 : 0));
    expect(failed + (succeeded ? 1 : 0)).toBeLessThanOrEqual(LIMIT);
    // …so the right secret got through only if fewer than LIMIT wrong ones were checked before it.
    if (succeeded) expect(failed).toBeLessThan(LIMIT);
    expect(failed).toBeGreaterThan(0);
    // The caller is locked out now, the right secret included.
    expect(await authenticate(secret)).toBe('refused');
  });

  test('one after another: exactly the limit of wrong secrets are checked, then even the right one is refused', async () => {
    const { secret, authenticate } = await setup();
    for (let i = 0; i < LIMIT; i++) expect(await authenticate(`clv_cs_wrong-${i}`)).toBe('failed');
    expect(await authenticate('clv_cs_wrong-over')).toBe('refused');
    expect(await authenticate(secret)).toBe('refused');
  });

  test('a success gives its attempt back: successes never lead to a lockout', async () => {
    const { secret, authenticate } = await setup();
    for (let i = 0; i < LIMIT - 1; i++) expect(await authenticate(`clv_cs_wrong-${i}`)).toBe('failed');
    for (let i = 0; i < 3; i++) expect(await authenticate(secret)).toBe('succeeded');
    expect(await authenticate('clv_cs_wrong-last')).toBe('failed');
    expect(await authenticate(secret)).toBe('refused');
  });

  test('a burst of concurrent successes leaves no failure behind (each holds its attempt only while checked)', async () => {
    const { secret, authenticate } = await setup();
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => authenticate(secret)));
    expect(outcomes).not.toContain('failed');
    expect(await authenticate(secret)).toBe('succeeded');
    for (let i = 0; i < LIMIT; i++) expect(await authenticate(`clv_cs_wrong-${i}`)).toBe('failed');
    expect(await authenticate(secret)).toBe('refused');
  });
});
