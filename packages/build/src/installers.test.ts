import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ErrorCodes, InterruptReason } from '@lambda-layer/core';
import { repoRoot, run, useTempDir, wheelCacheDir } from '@lambda-layer/testing';
import { describe, expect, it } from 'vitest';
import { ensureInstallerDir, ensurePinnedPip, ensurePinnedUv, hostPlatformKey, installerDir, pinnedInstallers } from './installers.js';
import { withToolSignal } from './run-tool.js';

const indexUrl = process.env.LAYER_TEST_PACKAGE_INDEX_URL as string;
const temp = useTempDir('installers-', { each: true });
const cacheEnv = () => ({ ...process.env, LAYER_CACHE_DIR: temp.path });

/** An index serving one file under the pinned pip's name: `body` is what it sends, `slow` trickles it. */
async function fakeIndex(body: Buffer, options: { slow?: boolean; onFile?: () => void } = {}): Promise<{ url: string; server: Server }> {
  const { pip } = await pinnedInstallers();
  const file = pip.wheels.any?.file as string;
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/simple/pip')) {
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="/files/${file}">${file}</a>`);
      return;
    }
    options.onFile?.();
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    if (!options.slow) return void response.end(body);
    let sent = 0;
    const timer = setInterval(() => {
      if (response.destroyed || sent >= body.length) {
        clearInterval(timer);
        return;
      }
      response.write(body.subarray(sent, sent + 4096));
      sent += 4096;
    }, 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`, server };
}

describe('the pinned installers', () => {
  it('installs the pinned pip and uv once into the tool cache, from the build index, and runs them', async () => {
    const pinned = await pinnedInstallers();
    const pip = await ensurePinnedPip({ env: cacheEnv(), credentials: { indexUrl } });
    const uv = await ensurePinnedUv({ env: cacheEnv(), credentials: { indexUrl } });
    expect(pip.prefix[1]).toBe(join(temp.path, 'tools', `pip-${pinned.pip.version}`, 'pip'));
    expect(uv.command).toBe(join(temp.path, 'tools', `uv-${pinned.uv.version}-${hostPlatformKey()}`, 'uv'));
    expect((await run(pip.command, [...pip.prefix, '--version'])).stdout).toContain(`pip ${pinned.pip.version} from ${join(temp.path, 'tools')}`);
    expect((await run(uv.command, ['--version'])).stdout).toContain(`uv ${pinned.uv.version}`);
    // Installed: later builds need no index at all.
    const again = await ensurePinnedPip({ env: cacheEnv(), credentials: { indexUrl: 'http://127.0.0.1:9/simple/' } });
    expect(again.prefix).toEqual(pip.prefix);
    expect((await readdir(join(temp.path, 'tools'))).sort()).toEqual([`pip-${pinned.pip.version}`, `uv-${pinned.uv.version}-${hostPlatformKey()}`]);
  });

  it('two builds installing at once end with one complete copy and no leftovers', async () => {
    const dirs = await Promise.all([1, 2, 3].map(() => ensureInstallerDir('pip', { env: cacheEnv(), credentials: { indexUrl } })));
    expect(new Set(dirs).size).toBe(1);
    expect(await readdir(join(temp.path, 'tools'))).toEqual([`pip-${(await pinnedInstallers()).pip.version}`]);
  });

  it('refuses a file whose sha256 is not the pinned one, and installs nothing', async () => {
    const { url, server } = await fakeIndex(Buffer.from('not the pinned pip'));
    try {
      const error = await ensureInstallerDir('pip', { env: cacheEnv(), credentials: { indexUrl: url } }).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: ErrorCodes.TOOL_NOT_INSTALLED,
        message: expect.stringMatching(/has sha256 [0-9a-f]{64}, not the pinned [0-9a-f]{64}$/),
      });
      expect(await readdir(join(temp.path, 'tools'))).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('an install interrupted by the run mid-download stops at once and installs nothing', async () => {
    const { pip } = await pinnedInstallers();
    const wheel = await readFile(join(wheelCacheDir, pip.wheels.any?.file as string));
    let requested!: () => void;
    const fileRequested = new Promise<void>((resolve) => (requested = resolve));
    // ~20 s to trickle the whole wheel: an install that waited for it would be caught below.
    const { url, server } = await fakeIndex(wheel, { slow: true, onFile: () => requested() });
    try {
      const controller = new AbortController();
      const install = withToolSignal(controller.signal, () => ensureInstallerDir('pip', { env: cacheEnv(), credentials: { indexUrl: url } })).catch(
        (e: unknown) => e,
      );
      await fileRequested;
      const stopped = Date.now();
      controller.abort(new InterruptReason('SIGINT'));
      expect(await install).toBeInstanceOf(Error);
      expect(Date.now() - stopped).toBeLessThan(10_000);
      expect(await readdir(join(temp.path, 'tools'))).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 60_000);

  it('a build killed while installing leaves nothing that is used: the next one installs afresh', async () => {
    const { pip } = await pinnedInstallers();
    const wheel = await readFile(join(wheelCacheDir, pip.wheels.any?.file as string));
    let requested!: () => void;
    const fileRequested = new Promise<void>((resolve) => (requested = resolve));
    const { url, server } = await fakeIndex(wheel, { slow: true, onFile: () => requested() });
    try {
      // A real process, killed with SIGKILL mid-download.
      const script = `import { ensureInstallerDir } from ${JSON.stringify(join(repoRoot, 'packages/build/src/installers.ts'))}; await ensureInstallerDir('pip', { env: process.env, credentials: { indexUrl: ${JSON.stringify(url)} } });`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        env: cacheEnv(),
        stdio: 'ignore',
      });
      await fileRequested;
      child.kill('SIGKILL');
      await new Promise((resolve) => child.on('close', resolve));
      expect(await readdir(join(temp.path, 'tools')).catch(() => [])).toEqual([]);
      // A partial folder left by a crash at another moment (unpacking) is not used, and goes once stale.
      const partial = join(temp.path, 'tools', '.partial-pip-1-deadbeef');
      await mkdir(join(partial, 'pip'), { recursive: true });
      await writeFile(join(partial, 'pip', '__init__.py'), '');
      const old = new Date(Date.now() - 3600_000);
      await utimes(partial, old, old);
      const dir = await ensureInstallerDir('pip', { env: cacheEnv(), credentials: { indexUrl } });
      expect(dir).toBe(await installerDir('pip', cacheEnv()));
      expect((await stat(join(dir, 'pip', '__main__.py'))).isFile()).toBe(true);
      expect(await readdir(join(temp.path, 'tools'))).toEqual([`pip-${pip.version}`]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 60_000);
});
