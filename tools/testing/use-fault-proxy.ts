/** The fault proxy for the tests of one file: started before them, rules and log cleared before each, closed after. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';

/** `options` may be a function: it runs in beforeAll, after the hooks that make what it needs (a test CA). */
export function useFaultProxy(options: FaultProxyOptions | (() => FaultProxyOptions) = {}): FaultProxy {
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await proxy?.close();
  });
  beforeEach(() => {
    proxy?.clearRules();
    proxy?.clearLog();
  });
  const current = (): FaultProxy => {
    if (!proxy) throw new Error('useFaultProxy: the proxy runs only inside tests and hooks');
    return proxy;
  };
  // A stable handle whose members reach the proxy started in beforeAll.
  return new Proxy({} as FaultProxy, {
    get: (_, property) => {
      const value: unknown = Reflect.get(current(), property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current()) : value;
    },
  });
}
