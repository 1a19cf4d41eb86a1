/** The fault proxy for the tests of one file: started before them, rules and log cleared before each, closed after. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

export function useFaultProxy(): FaultProxy {
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy();
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
      const value = Reflect.get(current(), property);
      return typeof value === 'function' ? value.bind(current()) : value;
    },
  });
}
