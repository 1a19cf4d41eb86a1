/**
 * A private certificate authority made at test time, as a corporate CA or a
 * TLS-intercepting proxy has: a self-signed CA and one server certificate it
 * signs for every name the tests connect to. Made with the openssl command
 * (Node's crypto makes keys but cannot sign certificates); nothing is kept
 * between runs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';

const run = promisify(execFile);

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM file): what --ca-bundle / AWS_CA_BUNDLE point at. */
  caFile: string;
  caPem: string;
  /** The server certificate and key (PEM), valid for `hosts`. */
  cert: string;
  key: string;
  /** Another CA's certificate (PEM file): a bundle that does not hold the right CA. */
  otherCaFile: string;
  remove(): Promise<void>;
}

/**
 * The names the server certificate covers: loopback and the made-up hosts
 * tests reach only through a proxy (`hosts` of the fault proxy). They have no
 * dot: moto reads a dotted Host as a virtual-hosted bucket name.
 */
export const TEST_CERT_HOSTS = ['127.0.0.1', 'localhost', 'aws-endpoint', 'index-endpoint'];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('openssl is not installed: the TLS tests make their certificate authority with it (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=lambda-layer ${name}`,
    ],
    dir,
  );
}

export async function createTestCa(hosts: readonly string[] = TEST_CERT_HOSTS): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'layer-test-ca-'));
  await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'other-ca')]);
  const san = hosts.map((host) => (/^[\d.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`)).join(',');
  await writeFile(
    join(dir, 'server.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=lambda-layer test server'],
    dir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'server.ext',
    ],
    dir,
  );
  const [caPem, cert, key] = await Promise.all(['ca.pem', 'server.pem', 'server.key'].map((file) => readFile(join(dir, file), 'utf8')));
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    caPem: caPem as string,
    cert: cert as string,
    key: key as string,
    otherCaFile: join(dir, 'other-ca.pem'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A test CA for the tests of one file: made before them, removed after. */
export function useTestCa(): () => TestCa {
  let ca: TestCa | undefined;
  beforeAll(async () => {
    ca = await createTestCa();
  }, 60_000);
  afterAll(async () => {
    await ca?.remove();
  });
  return () => {
    if (!ca) throw new Error('useTestCa: the CA exists only inside tests and hooks');
    return ca;
  };
}
