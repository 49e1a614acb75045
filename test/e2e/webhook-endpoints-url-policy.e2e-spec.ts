import { client, signup } from '../support/http';
import { TestApp } from '../support/test-app';
import { GOOD_URL, expectValidationError, startApp } from './webhook-endpoints.fixtures';

/**
 * Its own file, so its own app: passport keeps strategies in a process-wide registry, so two apps
 * open in one jest module would authenticate against whichever was created last.
 */
describe('webhook endpoint URL policy with http and private URLs disallowed (e2e)', () => {
  let strict: TestApp;
  let strictApi: ReturnType<typeof client>;
  beforeAll(async () => {
    strict = await startApp({ WEBHOOK_ALLOW_HTTP_URLS: 'false', WEBHOOK_ALLOW_PRIVATE_URLS: 'false' });
    strictApi = client(strict.url, (await signup(strict.url)).token);
  });
  afterAll(() => strict.close());

  const SSRF = [
    'https://0x7f000001/',
    'https://2130706433/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::1]/',
    'https://169.254.169.254/latest/meta-data/',
    'https://internal.example.test/',
    'https://mixed.example.test/',
    'https://127.0.0.1/',
    'https://localhost/',
    'https://10.1.2.3/',
    'https://[fd00:ec2::254]/',
  ];

  it.each(SSRF)('refuses %s at create and update with private URLs disallowed', async (url) => {
    const created = await strictApi.post('/v1/webhook-endpoints', { url });
    expectValidationError(created, 'url', /forbidden address/);
    const { body: ep } = await strictApi.post('/v1/webhook-endpoints', { url: GOOD_URL });
    expect(ep.id).toMatch(/^ep_/);
    expectValidationError(
      await strictApi.patch(`/v1/webhook-endpoints/${ep.id}`, { url }),
      'url',
      /forbidden address/,
    );
    expect((await strictApi.get(`/v1/webhook-endpoints/${ep.id}`)).body.url).toBe(GOOD_URL);
  });

  it('refuses http:// without WEBHOOK_ALLOW_HTTP_URLS and accepts https to a public name', async () => {
    expectValidationError(
      await strictApi.post('/v1/webhook-endpoints', { url: 'http://hooks.example.test/' }),
      'url',
      /https/,
    );
    expect((await strictApi.post('/v1/webhook-endpoints', { url: GOOD_URL })).status).toBe(201);
    // A name that does not resolve is accepted at create; the connect-time check decides later.
    expect(
      (await strictApi.post('/v1/webhook-endpoints', { url: 'https://nxdomain.example.test/' })).status,
    ).toBe(201);
  });
});
