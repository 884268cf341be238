/**
 * `createTransport` for `transport: "sdk"`: the `braintrust` package is loaded only when chosen, and an
 * app without it still gets its records to Braintrust over REST, told once why. The loader is a
 * parameter, so these tests make it fail without touching the module system.
 */
import { createTransport } from '../../../exporters/braintrust-exporter';
import { HttpTransport } from '../../../exporters/delivery/http-transport';
import { SdkTransport, type BraintrustSdk } from '../../../exporters/delivery/sdk-transport';
import { resolveExporterOptions, type BraintrustExporterOptions } from '../../../exporters/options';

interface Logged {
  level: string;
  message: string;
}

function resolve(options: BraintrustExporterOptions): { resolved: ReturnType<typeof resolveExporterOptions>; logs: Logged[] } {
  const logs: Logged[] = [];
  const resolved = resolveExporterOptions({ apiKey: 'k', project: 'p', log: (level, message) => logs.push({ level, message }), ...options }, {});
  return { resolved, logs };
}

/** What Node's `require` throws for a package that is not installed. */
function notInstalled(): never {
  throw Object.assign(new Error("Cannot find module 'braintrust'\nRequire stack:\n- /app/exporters/delivery/sdk-transport.js"), { code: 'MODULE_NOT_FOUND' });
}

test('without the braintrust package: REST, and one error line that says how to fix it', () => {
  const { resolved, logs } = resolve({ transport: 'sdk' });
  const transport = createTransport(resolved, notInstalled);
  expect(transport).toBeInstanceOf(HttpTransport);
  expect(transport.description).toBe('Braintrust project "p" at https://api.braintrust.dev');
  expect(logs).toEqual([{ level: 'error', message: 'transport "sdk" needs the braintrust package: npm install braintrust; using the REST API' }]);
});

test('a dependency of braintrust missing, or a package without the 3.x API: REST, with the cause', () => {
  const missingDependency = () => {
    throw Object.assign(new Error("Cannot find module 'zod'\nRequire stack:\n- /app/node_modules/braintrust/dist/index.js"), { code: 'MODULE_NOT_FOUND' });
  };
  const a = resolve({ transport: 'sdk' });
  expect(createTransport(a.resolved, missingDependency)).toBeInstanceOf(HttpTransport);
  expect(a.logs).toEqual([{ level: 'error', message: `transport "sdk" could not load the braintrust package: Cannot find module 'zod'; using the REST API` }]);

  const b = resolve({ transport: 'sdk' });
  expect(createTransport(b.resolved, () => ({ init: () => undefined }))).toBeInstanceOf(HttpTransport);
  expect(b.logs).toEqual([{ level: 'error', message: 'transport "sdk" needs braintrust 3.x or later (BraintrustState, initLogger): npm install braintrust@latest; using the REST API' }]);
});

test('the package is loaded only for transport "sdk"', () => {
  const load = jest.fn(notInstalled);
  createTransport(resolve({ transport: 'http' }).resolved, load);
  createTransport(resolveExporterOptions({ transport: 'sdk', log: () => undefined }, {}), load); // no key: the local file
  expect(load).not.toHaveBeenCalled();
  createTransport(resolve({ transport: 'sdk' }).resolved, load);
  expect(load).toHaveBeenCalledTimes(1);
});

test('with the package: the SDK transport, on a state of its own', () => {
  const { resolved, logs } = resolve({ transport: 'sdk', appUrl: 'https://user:secret@bt.example.com/' });
  const transport = createTransport(resolved);
  expect(transport).toBeInstanceOf(SdkTransport);
  expect(transport.description).toBe('Braintrust project "p" at https://bt.example.com (braintrust SDK)');
  expect(logs).toEqual([]);
});

test('appUrl: the option, else BRAINTRUST_APP_URL, else none (the SDK default)', () => {
  const destination = (options: BraintrustExporterOptions, env: Record<string, string>) => resolveExporterOptions({ apiKey: 'k', ...options }, env).destination;
  expect(destination({ appUrl: 'https://a.example' }, { BRAINTRUST_APP_URL: 'https://b.example' })).toMatchObject({ appUrl: 'https://a.example' });
  expect(destination({}, { BRAINTRUST_APP_URL: 'https://b.example' })).toMatchObject({ appUrl: 'https://b.example' });
  expect(destination({}, {})).not.toHaveProperty('appUrl');
});

type StateOptions = ConstructorParameters<BraintrustSdk['BraintrustState']>[0];
type LoggerOptions = Parameters<BraintrustSdk['initLogger']>[0];
type OurLogger = ReturnType<BraintrustSdk['initLogger']>;
type SpanArgs = Parameters<OurLogger['startSpan']>[0];

/**
 * Never called: tsc checks that each call the transport makes, as we declare it, fits the real
 * package's declarations (our types keep the package optional, so they could drift unnoticed).
 */
export function fitsTheRealPackage(sdk: typeof import('braintrust'), stateOptions: StateOptions, loggerOptions: LoggerOptions, span: SpanArgs): OurLogger {
  const state = new sdk.BraintrustState(stateOptions);
  state.httpLogger().syncFlush = true;
  const logger = sdk.initLogger({ ...loggerOptions, state });
  logger.startSpan(span);
  return logger;
}
