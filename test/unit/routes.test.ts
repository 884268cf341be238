import { familyFromPath, matchRoute, matchServerRoute, type RouteRule, type RouteTarget } from '../../src/routes';

/** Builds a route target from a URL, the way a capture point would (hostname, numeric port, path + query). */
function target(url: string, method = 'POST'): RouteTarget {
  const u = new URL(url);
  const t: RouteTarget = { method, host: u.hostname, path: u.pathname + u.search };
  if (u.port !== '') t.port = Number(u.port);
  return t;
}

const match = (url: string, rules: RouteRule[] = [], method = 'POST') => matchRoute(target(url, method), rules);

describe('familyFromPath', () => {
  test.each([
    ['/v1/chat/completions', 'openai.chat_completions'],
    ['/openai/v1/chat/completions', 'openai.chat_completions'],
    ['/chat/completions', 'openai.chat_completions'],
    ['/v1/completions', 'openai.completions'],
    ['/v1/responses', 'openai.responses'],
    ['/v1/embeddings', 'openai.embeddings'],
    ['/v1/messages', 'anthropic.messages'],
  ])('%s → %s', (path, family) => {
    expect(familyFromPath(path)?.family).toBe(family);
  });

  test('paths that are not inference calls', () => {
    expect(familyFromPath('/v1/messages/count_tokens')).toBeUndefined();
    expect(familyFromPath('/v1/models')).toBeUndefined();
    expect(familyFromPath('/v1/responses/resp_123/cancel')).toBeUndefined();
    expect(familyFromPath('/v1/images/generations')).toBeUndefined();
    expect(familyFromPath('/')).toBeUndefined();
    expect(familyFromPath('')).toBeUndefined();
  });

  test('Cohere chat paths only when the host is Cohere', () => {
    expect(familyFromPath('/v1/chat')).toBeUndefined();
    expect(familyFromPath('/v2/chat')).toBeUndefined();
    expect(familyFromPath('/v1/chat', true)).toEqual({ family: 'cohere.chat' });
    expect(familyFromPath('/v2/chat', true)).toEqual({ family: 'cohere.chat' });
    expect(familyFromPath('/v3/chat', true)).toBeUndefined();
    expect(familyFromPath('/api/chat', true)).toBeUndefined();
  });

  test('Gemini methods carry the model and the stream flag', () => {
    expect(familyFromPath('/v1beta/models/gemini-2.0-flash:generateContent')).toEqual({ family: 'gemini.generate_content', pathModel: 'gemini-2.0-flash' });
    expect(familyFromPath('/v1beta/models/gemini-2.0-flash:streamGenerateContent')).toEqual({
      family: 'gemini.generate_content',
      pathModel: 'gemini-2.0-flash',
      pathStream: true,
    });
    expect(familyFromPath('/v1beta/models/gemini-2.0-flash:countTokens')).toBeUndefined();
    expect(familyFromPath('/v1beta/models/text-embedding-004:embedContent')).toBeUndefined();
  });

  test('Bedrock actions need a /model/{id}/ segment', () => {
    expect(familyFromPath('/model/amazon.titan-text-express-v1/invoke')).toEqual({
      family: 'bedrock.invoke',
      pathModel: 'amazon.titan-text-express-v1',
      pathStream: false,
    });
    expect(familyFromPath('/model/m/converse-stream')).toEqual({ family: 'bedrock.converse', pathModel: 'm', pathStream: true });
    expect(familyFromPath('/models/m/invoke')).toBeUndefined();
    expect(familyFromPath('/x/m/invoke')).toBeUndefined();
    expect(familyFromPath('/invoke')).toBeUndefined();
  });
});

describe('matchRoute: built-in provider table', () => {
  test('OpenAI', () => {
    expect(match('https://api.openai.com/v1/chat/completions')).toEqual({ family: 'openai.chat_completions', provider: 'openai', path: '/v1/chat/completions' });
    expect(match('https://api.openai.com/v1/responses')).toEqual({ family: 'openai.responses', provider: 'openai', path: '/v1/responses' });
    expect(match('https://api.openai.com/v1/embeddings')?.family).toBe('openai.embeddings');
    expect(match('https://api.openai.com/v1/completions')?.family).toBe('openai.completions');
  });

  test('host names are case-insensitive', () => {
    expect(matchRoute({ method: 'POST', host: 'API.OpenAI.com', path: '/v1/chat/completions' })?.provider).toBe('openai');
  });

  test('Azure OpenAI deployment URL: provider azure.ai.openai, deployment as the path model, query dropped', () => {
    expect(match('https://x.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21')).toEqual({
      family: 'openai.chat_completions',
      provider: 'azure.ai.openai',
      pathModel: 'my-gpt4o',
      path: '/openai/deployments/my-gpt4o/chat/completions',
    });
    expect(match('https://x.openai.azure.com/openai/deployments/my-embed/embeddings?api-version=2024-10-21')).toMatchObject({
      family: 'openai.embeddings',
      provider: 'azure.ai.openai',
      pathModel: 'my-embed',
    });
    expect(match('https://x.cognitiveservices.azure.com/openai/deployments/d1/chat/completions?api-version=2024-10-21')).toMatchObject({
      provider: 'azure.ai.openai',
      pathModel: 'd1',
    });
    // The v1 Azure API names the model in the body, not in the URL.
    const v1 = match('https://x.openai.azure.com/openai/v1/chat/completions');
    expect(v1).toMatchObject({ family: 'openai.chat_completions', provider: 'azure.ai.openai' });
    expect(v1?.pathModel).toBeUndefined();
  });

  test('Azure AI inference', () => {
    expect(match('https://x.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview')?.provider).toBe('azure.ai.inference');
    expect(match('https://models.inference.ai.azure.com/chat/completions')?.provider).toBe('azure.ai.inference');
  });

  test.each([
    ['https://openrouter.ai/api/v1/chat/completions', 'openrouter'],
    ['https://api.together.xyz/v1/chat/completions', 'together'],
    ['https://api.together.ai/v1/chat/completions', 'together'],
    ['https://api.groq.com/openai/v1/chat/completions', 'groq'],
    ['https://api.mistral.ai/v1/chat/completions', 'mistral_ai'],
    ['https://api.deepseek.com/chat/completions', 'deepseek'],
    ['https://api.deepseek.com/v1/chat/completions', 'deepseek'],
    ['https://api.fireworks.ai/inference/v1/chat/completions', 'fireworks'],
    ['https://api.x.ai/v1/chat/completions', 'x_ai'],
    ['https://api.perplexity.ai/chat/completions', 'perplexity'],
  ])('OpenAI-compatible %s → %s', (url, provider) => {
    expect(match(url)).toEqual({ family: 'openai.chat_completions', provider, path: new URL(url).pathname });
  });

  test('Anthropic messages, with and without ?beta=true; count_tokens is not a call', () => {
    expect(match('https://api.anthropic.com/v1/messages')).toEqual({ family: 'anthropic.messages', provider: 'anthropic', path: '/v1/messages' });
    expect(match('https://api.anthropic.com/v1/messages?beta=true')).toEqual({ family: 'anthropic.messages', provider: 'anthropic', path: '/v1/messages' });
    expect(match('https://api.anthropic.com/v1/messages/count_tokens')).toBeUndefined();
    expect(match('https://api.anthropic.com/v1/messages/batches')).toBeUndefined();
  });

  test('Gemini API', () => {
    expect(match('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent')).toEqual({
      family: 'gemini.generate_content',
      provider: 'gcp.gemini',
      pathModel: 'gemini-2.0-flash',
      path: '/v1beta/models/gemini-2.0-flash:generateContent',
    });
    expect(match('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse')).toEqual({
      family: 'gemini.generate_content',
      provider: 'gcp.gemini',
      pathModel: 'gemini-2.0-flash',
      pathStream: true,
      path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
    });
    // Gemini's OpenAI-compatible endpoint.
    expect(match('https://generativelanguage.googleapis.com/v1beta/openai/chat/completions')).toMatchObject({
      family: 'openai.chat_completions',
      provider: 'gcp.gemini',
    });
  });

  test('Vertex AI Gemini: regional and global endpoints are gcp.vertex_ai', () => {
    const path = '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent';
    // Vertex AI's regional service endpoint is `{region}-aiplatform.googleapis.com`.
    expect(match(`https://us-central1-aiplatform.googleapis.com${path}`)).toEqual({
      family: 'gemini.generate_content',
      provider: 'gcp.vertex_ai',
      pathModel: 'gemini-1.5-pro',
      path,
    });
    expect(match(`https://aiplatform.googleapis.com${path}`)?.provider).toBe('gcp.vertex_ai');
    expect(match(`https://europe-west4-aiplatform.googleapis.com${path.replace('generateContent', 'streamGenerateContent')}?alt=sse`)).toMatchObject({
      provider: 'gcp.vertex_ai',
      pathStream: true,
    });
  });

  test('Vertex AI Anthropic rawPredict / streamRawPredict', () => {
    const base = 'https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-3-5-sonnet@20240620';
    expect(match(`${base}:rawPredict`)).toEqual({
      family: 'anthropic.messages',
      provider: 'gcp.vertex_ai',
      pathModel: 'claude-3-5-sonnet@20240620',
      pathStream: false,
      path: new URL(`${base}:rawPredict`).pathname,
    });
    expect(match(`${base}:streamRawPredict`)).toMatchObject({ family: 'anthropic.messages', provider: 'gcp.vertex_ai', pathStream: true });
    // rawPredict on a non-Anthropic publisher is some other model's own format.
    expect(match('https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/google/models/x:rawPredict')).toBeUndefined();
    expect(match('https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/endpoints/123:rawPredict')).toBeUndefined();
  });

  test('Bedrock runtime: the four actions, model id URL-decoded', () => {
    const host = 'https://bedrock-runtime.us-east-1.amazonaws.com';
    expect(match(`${host}/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke`)).toEqual({
      family: 'bedrock.invoke',
      provider: 'aws.bedrock',
      pathModel: 'anthropic.claude-3-haiku-20240307-v1:0',
      pathStream: false,
      path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke',
    });
    expect(match(`${host}/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream`)).toMatchObject({
      family: 'bedrock.invoke',
      pathModel: 'anthropic.claude-3-haiku-20240307-v1:0',
      pathStream: true,
    });
    expect(match(`${host}/model/amazon.nova-pro-v1%3A0/converse`)).toMatchObject({
      family: 'bedrock.converse',
      provider: 'aws.bedrock',
      pathModel: 'amazon.nova-pro-v1:0',
      pathStream: false,
    });
    expect(match(`${host}/model/amazon.nova-pro-v1%3A0/converse-stream`)).toMatchObject({ family: 'bedrock.converse', pathStream: true });
    // Inference-profile ARNs are one segment with `/` encoded as %2F.
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0';
    expect(match(`${host}/model/${encodeURIComponent(arn)}/converse`)?.pathModel).toBe(arn);
    // FIPS endpoint.
    expect(match('https://bedrock-runtime-fips.us-east-1.amazonaws.com/model/m/invoke')?.provider).toBe('aws.bedrock');
  });

  test('other amazonaws.com hosts are not LLM APIs', () => {
    expect(match('https://s3.us-east-1.amazonaws.com/model/x/invoke')).toBeUndefined();
    expect(match('https://bedrock.us-east-1.amazonaws.com/model/x/invoke')).toBeUndefined();
    expect(match('https://runtime.sagemaker.us-east-1.amazonaws.com/v1/chat/completions')).toBeUndefined();
    expect(match('https://lambda.us-east-1.amazonaws.com/v1/messages')).toBeUndefined();
  });

  test('Bedrock paths on a known non-AWS provider host are not claimed', () => {
    expect(match('https://api.openai.com/model/x/invoke')).toBeUndefined();
  });

  test('Cohere chat on Cohere hosts only', () => {
    expect(match('https://api.cohere.com/v1/chat')).toEqual({ family: 'cohere.chat', provider: 'cohere', path: '/v1/chat' });
    expect(match('https://api.cohere.com/v2/chat')).toEqual({ family: 'cohere.chat', provider: 'cohere', path: '/v2/chat' });
    expect(match('https://api.cohere.ai/v1/chat')?.family).toBe('cohere.chat');
    expect(match('https://example.com/v1/chat')).toBeUndefined();
    expect(match('https://api.openai.com/v1/chat')).toBeUndefined();
    // Cohere's OpenAI-compatibility endpoint.
    expect(match('https://api.cohere.ai/compatibility/v1/chat/completions')).toMatchObject({ family: 'openai.chat_completions', provider: 'cohere' });
  });

  test('local servers by default port on loopback', () => {
    expect(match('http://localhost:11434/v1/chat/completions')).toEqual({ family: 'openai.chat_completions', provider: 'ollama', path: '/v1/chat/completions' });
    expect(match('http://127.0.0.1:1234/v1/chat/completions')?.provider).toBe('lm_studio');
    expect(match('http://localhost:8000/v1/completions')).toMatchObject({ family: 'openai.completions', provider: 'vllm' });
    expect(match('http://[::1]:11434/v1/chat/completions')?.provider).toBe('ollama');
    // The port alone says nothing on a remote host, and other loopback ports are unknown.
    expect(match('http://gpu-box.internal:11434/v1/chat/completions')?.provider).toBe('openai_compatible');
    expect(match('http://localhost:9999/v1/chat/completions')?.provider).toBe('openai_compatible');
  });

  test('unknown hosts: OpenAI-compatible paths are openai_compatible; other shapes use their family default', () => {
    expect(match('https://llm.example.com/v1/chat/completions')).toEqual({
      family: 'openai.chat_completions',
      provider: 'openai_compatible',
      path: '/v1/chat/completions',
    });
    expect(match('https://llm.example.com/v1/embeddings')?.provider).toBe('openai_compatible');
    expect(match('https://proxy.example.com/v1/messages')?.provider).toBe('anthropic');
    expect(match('https://proxy.example.com/v1beta/models/g:generateContent')?.provider).toBe('gcp.gen_ai');
    // A Bedrock-shaped path on an unknown host (e.g. a VPC endpoint alias or a local mock).
    expect(match('http://localhost:4566/model/m/invoke')).toMatchObject({ family: 'bedrock.invoke', provider: 'aws.bedrock' });
    expect(match('https://llm.example.com/v1/unknown')).toBeUndefined();
  });

  test.each(['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'])('%s requests never match', (method) => {
    expect(match('https://api.openai.com/v1/chat/completions', [], method)).toBeUndefined();
    expect(match('https://api.anthropic.com/v1/messages', [], method)).toBeUndefined();
    expect(match('https://llm.internal/anything', [{ host: 'llm.internal', provider: 'acme', family: 'openai.chat_completions' }], method)).toBeUndefined();
  });
});

describe('matchRoute: user rules', () => {
  test('exact host with an explicit family claims any path', () => {
    const rules: RouteRule[] = [{ host: 'llm.internal', provider: 'acme', family: 'openai.chat_completions' }];
    expect(match('https://llm.internal/generate?x=1', rules)).toEqual({ family: 'openai.chat_completions', provider: 'acme', path: '/generate' });
    expect(match('https://other.internal/generate', rules)).toBeUndefined();
    expect(match('https://sub.llm.internal/generate', rules)).toBeUndefined();
  });

  test('rule host matching is case-insensitive like DNS', () => {
    const rules: RouteRule[] = [{ host: 'llm.internal', provider: 'acme', family: 'openai.chat_completions' }];
    expect(matchRoute({ method: 'POST', host: 'LLM.Internal', path: '/generate' }, rules)?.provider).toBe('acme');
    expect(matchRoute({ method: 'POST', host: 'llm.internal', path: '/generate' }, [{ ...rules[0]!, host: 'LLM.INTERNAL' }])?.provider).toBe('acme');
  });

  test('*.suffix matches subdomains only', () => {
    const rules: RouteRule[] = [{ host: '*.corp.example', provider: 'corp', family: 'anthropic.messages' }];
    expect(match('https://a.corp.example/x', rules)?.provider).toBe('corp');
    expect(match('https://a.b.corp.example/x', rules)?.provider).toBe('corp');
    expect(match('https://corp.example/x', rules)).toBeUndefined();
    expect(match('https://evilcorp.example/x', rules)).toBeUndefined();
  });

  test('host:port matches that port only', () => {
    const rules: RouteRule[] = [{ host: 'llm.internal:8080', provider: 'acme', family: 'openai.chat_completions' }];
    expect(match('http://llm.internal:8080/gen', rules)?.provider).toBe('acme');
    expect(match('http://llm.internal:9090/gen', rules)).toBeUndefined();
    expect(matchRoute({ method: 'POST', host: 'llm.internal', path: '/gen' }, rules)).toBeUndefined();
    const wildcard: RouteRule[] = [{ host: '*.corp.example:8443', provider: 'corp', family: 'openai.responses' }];
    expect(match('https://a.corp.example:8443/x', wildcard)?.family).toBe('openai.responses');
    expect(match('https://a.corp.example:8444/x', wildcard)).toBeUndefined();
  });

  test('pathPrefix, with or without a host', () => {
    const rules: RouteRule[] = [{ pathPrefix: '/llm/', provider: 'gateway', family: 'openai.chat_completions' }];
    expect(match('https://any.host/llm/v1/generate?stream=1', rules)).toEqual({
      family: 'openai.chat_completions',
      provider: 'gateway',
      path: '/llm/v1/generate',
    });
    expect(match('https://any.host/other/llm/v1/generate', rules)).toBeUndefined();
    const both: RouteRule[] = [{ host: 'gw.internal', pathPrefix: '/ai/', provider: 'gw', family: 'anthropic.messages' }];
    expect(match('https://gw.internal/ai/x', both)?.provider).toBe('gw');
    expect(match('https://gw.internal/other/x', both)).toBeUndefined();
    expect(match('https://gw2.internal/ai/x', both)).toBeUndefined();
  });

  test('a rule without family detects the family from the path, and falls through when the path says nothing', () => {
    const rules: RouteRule[] = [{ host: 'gw.internal', provider: 'my-gateway' }];
    expect(match('https://gw.internal/openai/v1/chat/completions', rules)).toEqual({
      family: 'openai.chat_completions',
      provider: 'my-gateway',
      path: '/openai/v1/chat/completions',
    });
    expect(match('https://gw.internal/anthropic/v1/messages', rules)).toMatchObject({ family: 'anthropic.messages', provider: 'my-gateway' });
    expect(match('https://gw.internal/google/v1beta/models/gemini-pro:streamGenerateContent?alt=sse', rules)).toMatchObject({
      family: 'gemini.generate_content',
      provider: 'my-gateway',
      pathModel: 'gemini-pro',
      pathStream: true,
    });
    expect(match('https://gw.internal/healthz', rules)).toBeUndefined();
  });

  test('a rule with a family still reads the model/stream hints of a matching path shape', () => {
    const rules: RouteRule[] = [{ host: 'gw.internal', provider: 'gw', family: 'gemini.generate_content' }];
    expect(match('https://gw.internal/v1beta/models/gemini-pro:streamGenerateContent', rules)).toEqual({
      family: 'gemini.generate_content',
      provider: 'gw',
      pathModel: 'gemini-pro',
      pathStream: true,
      path: '/v1beta/models/gemini-pro:streamGenerateContent',
    });
    // Hints of a different family are not borrowed.
    const other: RouteRule[] = [{ host: 'gw.internal', provider: 'gw', family: 'openai.chat_completions' }];
    expect(match('https://gw.internal/model/m/invoke-with-response-stream', other)).toEqual({
      family: 'openai.chat_completions',
      provider: 'gw',
      path: '/model/m/invoke-with-response-stream',
    });
  });

  test('rules are checked in order; the first match wins', () => {
    const rules: RouteRule[] = [
      { host: 'gw.internal', pathPrefix: '/special/', provider: 'first', family: 'anthropic.messages' },
      { host: 'gw.internal', provider: 'second', family: 'openai.chat_completions' },
    ];
    expect(match('https://gw.internal/special/x', rules)).toMatchObject({ provider: 'first', family: 'anthropic.messages' });
    expect(match('https://gw.internal/plain/x', rules)).toMatchObject({ provider: 'second', family: 'openai.chat_completions' });
    expect(match('https://gw.internal/special/x', [...rules].reverse())).toMatchObject({ provider: 'second' });
  });

  test('rules take precedence over the built-in table', () => {
    expect(match('https://api.openai.com/v1/chat/completions', [{ host: 'api.openai.com', provider: 'corp-proxy' }])).toMatchObject({
      family: 'openai.chat_completions',
      provider: 'corp-proxy',
    });
    expect(match('https://api.together.xyz/v1/chat/completions', [{ host: 'api.together.xyz', provider: 'together_ai' }])?.provider).toBe('together_ai');
    // A rule that does not match leaves the built-in table in charge.
    expect(match('https://api.openai.com/v1/chat/completions', [{ host: 'other.host', provider: 'x' }])?.provider).toBe('openai');
  });

  test('Azure OpenAI deployment paths under a rule (gateway, proxy, custom domain) still name the model', () => {
    const rules: RouteRule[] = [{ host: 'aoai-gw.internal', provider: 'azure.ai.openai' }];
    expect(match('https://aoai-gw.internal/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21', rules)).toEqual({
      family: 'openai.chat_completions',
      provider: 'azure.ai.openai',
      pathModel: 'my-gpt4o',
      path: '/openai/deployments/my-gpt4o/chat/completions',
    });
    expect(match('https://aoai-gw.internal/openai/deployments/my-embed/embeddings', [{ host: 'aoai-gw.internal', provider: 'gw', family: 'openai.embeddings' }])).toMatchObject({
      provider: 'gw',
      pathModel: 'my-embed',
    });
    // Paths without a deployment segment name no model; a model the path names otherwise is kept.
    expect(match('https://aoai-gw.internal/openai/v1/chat/completions', rules)?.pathModel).toBeUndefined();
    expect(match('https://aoai-gw.internal/v1beta/models/gemini-pro:generateContent', rules)?.pathModel).toBe('gemini-pro');
  });

  test('a family-less rule on a non-Cohere host can claim /v1/chat (the user named the host)', () => {
    expect(match('https://cohere-proxy.internal/v2/chat', [{ host: 'cohere-proxy.internal', provider: 'cohere' }])).toMatchObject({
      family: 'cohere.chat',
      provider: 'cohere',
    });
  });
});

describe('matchServerRoute (incoming gateway requests)', () => {
  test.each([
    ['/v1/chat/completions', 'openai.chat_completions'],
    ['/v1/chat/completions?x=1', 'openai.chat_completions'],
    ['/v1/responses', 'openai.responses'],
    ['/v1/messages', 'anthropic.messages'],
    ['/v1/embeddings', 'openai.embeddings'],
    ['/api/openai/deployments/d/chat/completions', 'openai.chat_completions'],
    ['/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', 'gemini.generate_content'],
  ])('POST %s → %s, provider left to the upstream call', (url, family) => {
    const match = matchServerRoute('POST', url);
    expect(match).toMatchObject({ family, provider: '' });
    expect(match!.path).toBe(url.split('?')[0]);
  });

  test.each([
    ['GET', '/v1/chat/completions'],
    ['POST', '/v1/chat'],
    ['POST', '/health'],
    ['POST', undefined],
    [undefined, '/v1/chat/completions'],
  ])('%s %s → not an LLM request', (method, url) => {
    expect(matchServerRoute(method, url)).toBeUndefined();
  });
});
