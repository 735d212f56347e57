/**
 * The service talking to the fake OpenAI server: one way to start the pair, and the one
 * `beforeAll`/`afterAll` that a test file uses to share them across its tests.
 */
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.js';

/** The service in this process, talking to the fake OpenAI server. */
export function startOpenAiApp(fake: FakeOpenAi, opts: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp({
    ...opts,
    env: { AI_PROVIDER: 'openai', OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test', ...opts.env },
  });
}

export interface FakeOpenAiApp {
  fake: FakeOpenAi;
  app: TestApp;
}

/**
 * Registers the file's `beforeAll` that starts a fake OpenAI server and the service on it, and
 * the `afterAll` that stops both. The returned object is filled in once `beforeAll` has run.
 */
export function useFakeOpenAiApp(opts: TestAppOptions = {}): FakeOpenAiApp {
  const started = {} as FakeOpenAiApp;
  beforeAll(async () => {
    started.fake = await startFakeOpenAi();
    started.app = await startOpenAiApp(started.fake, opts);
  });
  afterAll(async () => {
    await started.app?.stop();
    await started.fake?.close();
  });
  return started;
}
