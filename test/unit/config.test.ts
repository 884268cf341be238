import defaultConfigExport, { defaultConfig } from '../../otel.config';
import { parseBoolean, resolveConfig } from '../../src/config';
import type { RouteRule } from '../../src/routes';

const CAPTURE = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
const MAX_BYTES = 'OTEL_GENAI_MAX_CAPTURE_BYTES';
const OPT_IN = 'OTEL_SEMCONV_STABILITY_OPT_IN';

describe('resolveConfig: defaults', () => {
  test('with no user config and an empty environment: exactly the defaults of otel.config.ts', () => {
    const { config, warnings } = resolveConfig({}, {});
    const { braintrust, redaction, sampling, ...instrumentation } = config;
    expect(instrumentation).toEqual({ captureContent: true, maxCaptureBytes: 1024 * 1024, routes: [], semconvLatestExperimental: false, shutdownTimeoutMs: 5000, exportToBraintrust: true, captureIncoming: true, attributionHeaders: {}, prices: {} });
    expect(redaction).toEqual(defaultConfig.redaction);
    expect(redaction).not.toBe(defaultConfig.redaction);
    // Safe by default: redaction on with every detector; sampling off (every trace kept).
    expect(redaction.enabled).toBe(true);
    expect(sampling.ratio).toBe(1);
    expect(braintrust).toEqual(defaultConfig.braintrust);
    expect(braintrust).not.toBe(defaultConfig.braintrust);
    expect(config).toEqual(defaultConfig);
    expect(defaultConfigExport).toBe(defaultConfig);
    expect(warnings).toEqual([]);
  });

  test('the result is a fresh object: mutating it does not change the defaults', () => {
    const { config } = resolveConfig({}, {});
    config.routes.push({ host: 'x', provider: 'y' });
    config.captureContent = false;
    expect(defaultConfig.routes).toEqual([]);
    expect(defaultConfig.captureContent).toBe(true);
  });

  test('reads process.env when no environment is passed', () => {
    const saved = process.env[MAX_BYTES];
    process.env[MAX_BYTES] = '12345';
    try {
      expect(resolveConfig().config.maxCaptureBytes).toBe(12345);
    } finally {
      if (saved === undefined) delete process.env[MAX_BYTES];
      else process.env[MAX_BYTES] = saved;
    }
  });
});

describe('resolveConfig: user object', () => {
  test('user values override the defaults, unset ones keep them', () => {
    const routes: RouteRule[] = [{ host: 'llm.internal', provider: 'acme', family: 'openai.chat_completions' }];
    const { config, warnings } = resolveConfig({ captureContent: false, maxCaptureBytes: 4096, routes, shutdownTimeoutMs: 100 }, {});
    expect(config).toEqual({ ...defaultConfig, captureContent: false, maxCaptureBytes: 4096, routes, shutdownTimeoutMs: 100 });
    expect(warnings).toEqual([]);
  });

  test('braintrust settings merge key by key over the defaults', () => {
    const { config } = resolveConfig({ braintrust: { project: undefined, filter: 'all', maxQueueBytes: 1024 } as never }, {});
    expect(config.braintrust).toEqual({ ...defaultConfig.braintrust, filter: 'all', maxQueueBytes: 1024 });
  });

  test('redaction and sampling merge key by key; OTEL_GENAI_REDACTION and OTEL_GENAI_SAMPLE_RATIO win', () => {
    const { config, warnings } = resolveConfig({ redaction: { metadataDeny: ['x'] }, sampling: { slowerThanMs: 5000 } }, { OTEL_GENAI_REDACTION: 'false', OTEL_GENAI_SAMPLE_RATIO: '0.25' });
    expect(config.redaction).toEqual({ ...defaultConfig.redaction, metadataDeny: ['x'], enabled: false });
    expect(config.sampling).toEqual({ ...defaultConfig.sampling, slowerThanMs: 5000, ratio: 0.25 });
    expect(defaultConfig.redaction.enabled).toBe(true);
    expect(warnings).toEqual([]);
    expect(resolveConfig({}, { OTEL_GENAI_SAMPLE_RATIO: '2' }).warnings).toEqual(['OTEL_GENAI_SAMPLE_RATIO="2" is not a number from 0 to 1; kept 1']);
  });

  test('explicit undefined values do not erase defaults', () => {
    const { config } = resolveConfig({ captureContent: undefined, maxCaptureBytes: undefined, routes: undefined } as never, {});
    expect(config.captureContent).toBe(true);
    expect(config.maxCaptureBytes).toBe(1024 * 1024);
    expect(config.routes).toEqual([]);
  });

  test('the user routes array is copied, not aliased or mutated', () => {
    const routes: RouteRule[] = [{ host: 'a', provider: 'p' }, { provider: '' } as RouteRule];
    const { config } = resolveConfig({ routes }, {});
    expect(routes).toHaveLength(2);
    expect(config.routes).not.toBe(routes);
    expect(config.routes).toEqual([{ host: 'a', provider: 'p' }]);
  });

  test.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('an invalid user maxCaptureBytes (%p) falls back to the default with a warning', (n) => {
    const { config, warnings } = resolveConfig({ maxCaptureBytes: n }, {});
    expect(config.maxCaptureBytes).toBe(1024 * 1024);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/maxCaptureBytes/);
  });

  test('semconvLatestExperimental set by the user stays on without the environment variable', () => {
    expect(resolveConfig({ semconvLatestExperimental: true }, {}).config.semconvLatestExperimental).toBe(true);
  });
});

describe(`resolveConfig: ${CAPTURE}`, () => {
  test.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    [' true ', true],
    ['1', true],
    ['false', false],
    ['FALSE', false],
    ['0', false],
  ])('boolean form %p → %p, overriding the user object', (value, expected) => {
    const { config, warnings } = resolveConfig({ captureContent: !expected }, { [CAPTURE]: value });
    expect(config.captureContent).toBe(expected);
    expect(warnings).toEqual([]);
  });

  test.each([
    ['NO_CONTENT', false],
    ['EVENT_ONLY', false],
    ['SPAN_ONLY', true],
    ['SPAN_AND_EVENT', true],
    ['span_only', true],
    ['no_content', false],
    [' SPAN_AND_EVENT ', true],
  ])('enum form %p → %p (content on spans only for SPAN_*)', (value, expected) => {
    const { config, warnings } = resolveConfig({ captureContent: !expected }, { [CAPTURE]: value });
    expect(config.captureContent).toBe(expected);
    expect(warnings).toEqual([]);
  });

  test.each(['yes', 'on', 'maybe', '2'])('garbage %p → unchanged, with a warning naming the variable', (value) => {
    for (const user of [true, false]) {
      const { config, warnings } = resolveConfig({ captureContent: user }, { [CAPTURE]: value });
      expect(config.captureContent).toBe(user);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(CAPTURE);
    }
  });

  test('unset or empty: no change, no warning', () => {
    expect(resolveConfig({}, { [CAPTURE]: undefined })).toEqual({ config: defaultConfig, warnings: [] });
    expect(resolveConfig({ captureContent: false }, { [CAPTURE]: '' })).toEqual({ config: { ...defaultConfig, captureContent: false }, warnings: [] });
  });
});

describe(`resolveConfig: ${MAX_BYTES}`, () => {
  test.each([
    ['4096', 4096],
    ['1', 1],
    ['10485760', 10_485_760],
  ])('valid %p → %p, overriding the user object', (value, expected) => {
    const { config, warnings } = resolveConfig({ maxCaptureBytes: 2048 }, { [MAX_BYTES]: value });
    expect(config.maxCaptureBytes).toBe(expected);
    expect(warnings).toEqual([]);
  });

  test.each(['abc', '-5', '0', '1.5', 'NaN', 'Infinity', '10MB'])('invalid %p → kept value, with a warning', (value) => {
    const { config, warnings } = resolveConfig({ maxCaptureBytes: 2048 }, { [MAX_BYTES]: value });
    expect(config.maxCaptureBytes).toBe(2048);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(MAX_BYTES);
  });

  test('empty string is ignored without a warning', () => {
    expect(resolveConfig({}, { [MAX_BYTES]: '' })).toEqual({ config: defaultConfig, warnings: [] });
  });
});

describe(`resolveConfig: ${OPT_IN}`, () => {
  test.each([
    ['gen_ai_latest_experimental', true],
    ['http,gen_ai_latest_experimental', true],
    ['http, gen_ai_latest_experimental , database', true],
    ['http', false],
    ['http/dup', false],
    ['gen_ai_latest_experimental_v2', false],
    ['', false],
  ])('%p → %p', (value, expected) => {
    const { config, warnings } = resolveConfig({}, { [OPT_IN]: value });
    expect(config.semconvLatestExperimental).toBe(expected);
    expect(warnings).toEqual([]);
  });
});

describe('resolveConfig: routes validation', () => {
  const good: RouteRule[] = [
    { host: 'llm.internal', provider: 'acme' },
    { pathPrefix: '/llm/', provider: 'gw', family: 'anthropic.messages' },
    { host: '*.corp.example:8443', pathPrefix: '/ai', provider: 'corp', family: 'gemini.generate_content' },
  ];

  test('valid routes are kept in order', () => {
    const { config, warnings } = resolveConfig({ routes: good }, {});
    expect(config.routes).toEqual(good);
    expect(warnings).toEqual([]);
  });

  test.each([
    ['missing provider', { host: 'a' }],
    ['empty provider', { host: 'a', provider: '' }],
    ['non-string provider', { host: 'a', provider: 42 }],
    ['neither host nor pathPrefix', { provider: 'p' }],
    ['null', null],
    ['a string', 'api.example.com'],
    ['non-string host', { host: 42, provider: 'p' }],
    ['non-string pathPrefix', { pathPrefix: ['/llm'], provider: 'p' }],
    ['unknown family', { host: 'a', provider: 'p', family: 'openai.chat' }],
    ['family named like an Object.prototype member', { host: 'a', provider: 'p', family: 'constructor' }],
  ])('invalid route (%s) is dropped with a warning; valid ones around it are kept', (_why, bad) => {
    const routes = [good[0]!, bad as unknown as RouteRule, good[1]!];
    const { config, warnings } = resolveConfig({ routes }, {});
    expect(config.routes).toEqual([good[0], good[1]]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/route/);
  });

  test('every known family is accepted', () => {
    const families = [
      'openai.chat_completions',
      'openai.completions',
      'openai.responses',
      'openai.embeddings',
      'anthropic.messages',
      'gemini.generate_content',
      'bedrock.invoke',
      'bedrock.converse',
      'cohere.chat',
    ] as const;
    const routes = families.map((family) => ({ host: 'h', provider: 'p', family }));
    const { config, warnings } = resolveConfig({ routes }, {});
    expect(config.routes).toEqual(routes);
    expect(warnings).toEqual([]);
  });

  test('several problems give several warnings, all collected', () => {
    const { config, warnings } = resolveConfig({ routes: [{ provider: 'p' } as RouteRule], maxCaptureBytes: -1 }, { [CAPTURE]: 'nope', [MAX_BYTES]: 'x' });
    expect(config.routes).toEqual([]);
    expect(warnings).toHaveLength(4);
  });
});

describe('parseBoolean', () => {
  test.each([
    [undefined, undefined],
    ['true', true],
    ['TrUe', true],
    ['1', true],
    ['false', false],
    ['0', false],
    ['', undefined],
    ['yes', undefined],
  ])('%p → %p', (value, expected) => {
    expect(parseBoolean(value)).toBe(expected);
  });
});

describe('resolveConfig: OTEL_GENAI_BRAINTRUST_EXPORT', () => {
  test('false turns record export off; a non-boolean is a warning', () => {
    expect(resolveConfig({}, { OTEL_GENAI_BRAINTRUST_EXPORT: 'false' }).config.exportToBraintrust).toBe(false);
    expect(resolveConfig({ exportToBraintrust: false }, { OTEL_GENAI_BRAINTRUST_EXPORT: 'true' }).config.exportToBraintrust).toBe(true);
    const bad = resolveConfig({}, { OTEL_GENAI_BRAINTRUST_EXPORT: 'nope' });
    expect(bad.config.exportToBraintrust).toBe(true);
    expect(bad.warnings).toEqual([expect.stringContaining('OTEL_GENAI_BRAINTRUST_EXPORT="nope" is not a boolean')]);
  });
});
