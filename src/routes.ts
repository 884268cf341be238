/**
 * The route table: which HTTP exchanges are LLM API calls, which API family parses them, and which
 * provider serves them. The single source of truth for recognising traffic, used by every capture
 * point (outgoing node:http, outgoing fetch, incoming gateway requests).
 *
 * `matchRoute` runs on every outgoing request, so the miss path is a method compare and a few
 * string checks on the last path segment, with no allocation beyond the query split.
 */
import type { ApiFamilyName } from './llm-call';
import { PROVIDER } from './semconv';

/** A user-supplied route (from `otel.config.ts` `routes`), checked before the built-in table. */
export interface RouteRule {
  /** Hostname to match: exact (`llm.internal`), a suffix wildcard (`*.corp.example`), optionally `:port`. Omit to match any host. */
  host?: string;
  /** Path prefix to match (`/llm/`). Omit to match any path. */
  pathPrefix?: string;
  /** `gen_ai.provider.name` to report: a well-known value or a custom one. */
  provider: string;
  /** API family of every POST under this rule; omit to detect it from the path as for built-in hosts. */
  family?: ApiFamilyName;
}

export interface RouteMatch {
  family: ApiFamilyName;
  provider: string;
  /** Model named in the URL (Gemini, Bedrock, Azure deployments). */
  pathModel?: string;
  /** The URL alone says the response streams. */
  pathStream?: boolean;
  /** Operation path of the route (for `endpoint` metadata), without the query string. */
  path: string;
}

export interface RouteTarget {
  method: string;
  /** Hostname without port. */
  host: string;
  port?: number;
  /** Path with optional query string. */
  path: string;
}

interface PathMatch {
  family: ApiFamilyName;
  pathModel?: string;
  pathStream?: boolean;
}

const BEDROCK_ACTIONS: Record<string, { family: ApiFamilyName; stream: boolean }> = {
  invoke: { family: 'bedrock.invoke', stream: false },
  'invoke-with-response-stream': { family: 'bedrock.invoke', stream: true },
  converse: { family: 'bedrock.converse', stream: false },
  'converse-stream': { family: 'bedrock.converse', stream: true },
};

/**
 * The API family a path belongs to, from its shape alone. Undefined for anything else.
 * `cohereHost` enables `/v1/chat` and `/v2/chat`, which are too generic to claim on other hosts.
 */
export function familyFromPath(path: string, cohereHost = false): PathMatch | undefined {
  const lastSlash = path.lastIndexOf('/');
  const last = path.slice(lastSlash + 1);
  switch (last) {
    case 'completions':
      return { family: path.endsWith('/chat/completions') ? 'openai.chat_completions' : 'openai.completions' };
    case 'responses':
      return { family: 'openai.responses' };
    case 'embeddings':
      return { family: 'openai.embeddings' };
    case 'messages':
      return { family: 'anthropic.messages' };
    case 'chat':
      return cohereHost && (path.endsWith('/v1/chat') || path.endsWith('/v2/chat')) ? { family: 'cohere.chat' } : undefined;
  }
  const colon = last.indexOf(':');
  if (colon !== -1) return googleMethod(path, lastSlash, last, colon);
  const bedrock = BEDROCK_ACTIONS[last];
  if (bedrock) {
    // `/model/{modelId}/{action}`: the model id is one URL-encoded segment (ARNs contain `/` as %2F).
    const modelEnd = lastSlash;
    const modelStart = path.lastIndexOf('/', modelEnd - 1);
    if (modelStart < 6 || path.slice(modelStart - 6, modelStart) !== '/model') return undefined;
    return { family: bedrock.family, pathModel: safeDecode(path.slice(modelStart + 1, modelEnd)), pathStream: bedrock.stream };
  }
  return undefined;
}

/** `.../models/{model}:generateContent` (Gemini, Vertex) and Vertex's Anthropic `:rawPredict`. */
function googleMethod(path: string, lastSlash: number, last: string, colon: number): PathMatch | undefined {
  const method = last.slice(colon + 1);
  const pathModel = safeDecode(last.slice(0, colon));
  switch (method) {
    case 'generateContent':
      return { family: 'gemini.generate_content', pathModel };
    case 'streamGenerateContent':
      return { family: 'gemini.generate_content', pathModel, pathStream: true };
    case 'rawPredict':
    case 'streamRawPredict':
      // Vertex AI serves Claude with the Anthropic Messages body at publishers/anthropic/models/{m}.
      if (path.lastIndexOf('/publishers/anthropic/', lastSlash) === -1) return undefined;
      return { family: 'anthropic.messages', pathModel, pathStream: method === 'streamRawPredict' };
    default:
      return undefined;
  }
}

/** Well-known API hosts → provider. Suffix entries start with a dot or a dash. */
const HOST_PROVIDERS: Array<[string, string]> = [
  ['api.openai.com', PROVIDER.OPENAI],
  ['api.anthropic.com', PROVIDER.ANTHROPIC],
  ['generativelanguage.googleapis.com', PROVIDER.GCP_GEMINI],
  ['aiplatform.googleapis.com', PROVIDER.GCP_VERTEX_AI],
  ['.aiplatform.googleapis.com', PROVIDER.GCP_VERTEX_AI],
  // Regional Vertex endpoints are `{region}-aiplatform.googleapis.com` (a `-`, not a `.`).
  ['-aiplatform.googleapis.com', PROVIDER.GCP_VERTEX_AI],
  ['.openai.azure.com', PROVIDER.AZURE_OPENAI],
  ['.cognitiveservices.azure.com', PROVIDER.AZURE_OPENAI],
  ['.services.ai.azure.com', PROVIDER.AZURE_INFERENCE],
  ['models.inference.ai.azure.com', PROVIDER.AZURE_INFERENCE],
  ['.amazonaws.com', PROVIDER.AWS_BEDROCK],
  ['api.cohere.com', PROVIDER.COHERE],
  ['api.cohere.ai', PROVIDER.COHERE],
  ['api.groq.com', PROVIDER.GROQ],
  ['api.mistral.ai', PROVIDER.MISTRAL],
  ['api.deepseek.com', PROVIDER.DEEPSEEK],
  ['api.x.ai', PROVIDER.XAI],
  ['api.perplexity.ai', PROVIDER.PERPLEXITY],
  ['openrouter.ai', 'openrouter'],
  ['api.together.xyz', 'together'],
  ['api.together.ai', 'together'],
  ['api.fireworks.ai', 'fireworks'],
];

/** Local OpenAI-compatible servers, recognised by their default ports on loopback hosts. */
const LOCAL_PORT_PROVIDERS: Record<number, string> = { 11434: 'ollama', 1234: 'lm_studio', 8000: 'vllm' };

/** Provider for OpenAI-compatible paths on a host we do not know. */
const UNKNOWN_PROVIDER = 'openai_compatible';

const EXACT_HOSTS = new Map(HOST_PROVIDERS.filter(([p]) => !isSuffix(p)));
const SUFFIX_HOSTS = HOST_PROVIDERS.filter(([p]) => isSuffix(p));

function isSuffix(pattern: string): boolean {
  return pattern.startsWith('.') || pattern.startsWith('-');
}

function providerForHost(host: string, port: number | undefined): string | undefined {
  const exact = EXACT_HOSTS.get(host);
  if (exact !== undefined) return exact;
  for (const [suffix, provider] of SUFFIX_HOSTS) if (host.endsWith(suffix)) return provider;
  if (port !== undefined && isLoopback(host)) return LOCAL_PORT_PROVIDERS[port];
  return undefined;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]';
}

/** Hosts serving the Bedrock runtime API (not every amazonaws.com host is an LLM API). */
function isBedrockRuntimeHost(host: string): boolean {
  return host.startsWith('bedrock-runtime') && host.endsWith('.amazonaws.com');
}

/** A user rule in the form matching needs: host split into exact/suffix/port, lower-cased once. */
interface CompiledRule {
  rule: RouteRule;
  hostExact?: string;
  hostSuffix?: string;
  port?: number;
}

const compiledRules = new WeakMap<readonly RouteRule[], CompiledRule[]>();

/** Rules are compiled once per rules array (the config's), not per request. */
function compile(rules: readonly RouteRule[]): CompiledRule[] {
  let compiled = compiledRules.get(rules);
  if (compiled) return compiled;
  compiled = rules.map((rule) => {
    const out: CompiledRule = { rule };
    if (rule.host === undefined) return out;
    // Host names are case-insensitive (RFC 4343), as in the built-in table.
    let host = rule.host.toLowerCase();
    const colon = host.lastIndexOf(':');
    if (colon > 0 && !host.endsWith(']')) {
      out.port = Number(host.slice(colon + 1));
      host = host.slice(0, colon);
    }
    if (host.startsWith('*.')) out.hostSuffix = host.slice(1);
    else out.hostExact = host;
    return out;
  });
  compiledRules.set(rules, compiled);
  return compiled;
}

function ruleMatches(c: CompiledRule, host: string, port: number | undefined, path: string): boolean {
  const prefix = c.rule.pathPrefix;
  if (prefix !== undefined && !path.startsWith(prefix)) return false;
  if (c.port !== undefined && c.port !== port) return false;
  if (c.hostExact !== undefined) return host === c.hostExact;
  if (c.hostSuffix !== undefined) return host.endsWith(c.hostSuffix);
  return true;
}

function routeMatch(byPath: PathMatch, provider: string, path: string, pathModel = byPath.pathModel): RouteMatch {
  const match: RouteMatch = { family: byPath.family, provider, path };
  if (pathModel !== undefined) match.pathModel = pathModel;
  if (byPath.pathStream !== undefined) match.pathStream = byPath.pathStream;
  return match;
}

/**
 * Is this exchange an LLM API call, and which? Only POSTs are calls. User rules are checked first;
 * a user rule without `family` detects the family from the path. Built-in hosts are looked up only
 * once the path looks like an LLM API, so the miss path does no host work.
 */
export function matchRoute(target: RouteTarget, rules: readonly RouteRule[] = []): RouteMatch | undefined {
  if (target.method !== 'POST') return undefined;
  const q = target.path.indexOf('?');
  const path = q === -1 ? target.path : target.path.slice(0, q);
  let host: string | undefined;
  if (rules.length > 0) {
    host = target.host.toLowerCase();
    for (const c of compile(rules)) {
      if (!ruleMatches(c, host, target.port, path)) continue;
      const { family, provider } = c.rule;
      const byPath = family ? { family, ...familyHints(path, family) } : familyFromPath(path, true);
      // A gateway or proxy in front of Azure OpenAI keeps its `/openai/deployments/{d}/` paths.
      if (byPath) return routeMatch(byPath, provider, path, byPath.pathModel ?? azureDeployment(path));
    }
  }
  // `/v1/chat` is claimed only on Cohere hosts: detect with cohere allowed, check the host below.
  const byPath = familyFromPath(path, true);
  if (!byPath) return undefined;
  host ??= target.host.toLowerCase();
  const provider = providerForHost(host, target.port);
  if (byPath.family === 'cohere.chat' && provider !== PROVIDER.COHERE) return undefined;
  if (byPath.family.startsWith('bedrock.')) {
    // `/model/{id}/invoke` is generic enough to exist elsewhere: claim it on Bedrock hosts and unknown ones only.
    if (provider !== undefined && provider !== PROVIDER.AWS_BEDROCK) return undefined;
    if (provider === PROVIDER.AWS_BEDROCK && !isBedrockRuntimeHost(host)) return undefined;
    return routeMatch(byPath, PROVIDER.AWS_BEDROCK, path);
  }
  if (provider === PROVIDER.AWS_BEDROCK) return undefined; // other AWS hosts: not ours
  if (provider === PROVIDER.AZURE_OPENAI && byPath.pathModel === undefined) {
    const deployment = azureDeployment(path);
    if (deployment !== undefined) return routeMatch(byPath, provider, path, deployment);
  }
  return routeMatch(byPath, provider ?? defaultProviderFor(byPath.family), path);
}

/** Azure OpenAI `/openai/deployments/{deployment}/chat/completions`: the deployment names the model. */
function azureDeployment(path: string): string | undefined {
  const marker = '/openai/deployments/';
  const start = path.indexOf(marker);
  if (start === -1) return undefined;
  const end = path.indexOf('/', start + marker.length);
  return end === -1 ? undefined : safeDecode(path.slice(start + marker.length, end));
}

function defaultProviderFor(family: ApiFamilyName): string {
  if (family === 'anthropic.messages') return PROVIDER.ANTHROPIC;
  if (family === 'gemini.generate_content') return 'gcp.gen_ai';
  if (family === 'cohere.chat') return PROVIDER.COHERE;
  return UNKNOWN_PROVIDER;
}

/** For a rule with an explicit family: still read the model/stream hints the path carries. */
function familyHints(path: string, family: ApiFamilyName): Omit<PathMatch, 'family'> {
  const byPath = familyFromPath(path, true);
  if (!byPath || byPath.family !== family) return {};
  const hints: Omit<PathMatch, 'family'> = {};
  if (byPath.pathModel !== undefined) hints.pathModel = byPath.pathModel;
  if (byPath.pathStream !== undefined) hints.pathStream = byPath.pathStream;
  return hints;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Incoming requests (a gateway serving an LLM API): the API family from the path alone, for POSTs
 * whose path ends like an LLM API (`/v1/chat/completions`, `/v1/responses`, `/v1/messages`,
 * `…:generateContent`, `/model/{id}/converse`, …). The provider is not known here: it is whoever the
 * gateway calls upstream, and is filled in from that call.
 */
export function matchServerRoute(method: string | undefined, url: string | undefined): RouteMatch | undefined {
  if (method !== 'POST' || url === undefined) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const byPath = familyFromPath(path);
  return byPath ? routeMatch(byPath, '', path) : undefined;
}
