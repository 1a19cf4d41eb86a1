/**
 * Step 2: turn artifacts/python/ into build/lambda/layer/layer.zip.
 *
 *   1 Preflight check
 *     1.1 Move a venv's site-packages into artifacts/python (Poetry, uv)
 *     1.2 Ensure artifacts/python exists
 *     1.3 Ensure artifacts/python is what the last build finished (the build stamp)
 *   2 Select files
 *     2.1 Scan artifacts/python and apply the exclusions
 *     2.2 Check the unzipped size against Lambda's limit
 *     2.3 Skip when layer.zip is current (the package stamp)
 *   3 Write layer.zip
 *     3.1 Compress into a temporary file and rename it over layer.zip
 *     3.2 Record the package stamp
 *
 * Interrupted or failed at any point, it leaves layer.zip and its stamp as
 * they were: the new zip becomes layer.zip only by a rename once complete,
 * and the stamp, written after, names the zip's SHA-256, so a stamp never
 * vouches for another zip.
 */
import { stat } from 'node:fs/promises';
import {
  type BuildStamp,
  ErrorCodes,
  findCurrentPackageStamp,
  formatBytes,
  interruptedError,
  LayerError,
  localLayout,
  type LocalLayout,
  normalizePackageName,
  type PackageResult,
  packageResultFromStamp,
  type PackageStamp,
  packageStampInput,
  removeStaleTempFiles,
  sha256File,
  toLayerErrorFromSystem,
  verifyArtifacts,
  writeAtomically,
  writePackageStamp,
} from '@lambda-layer/core';
import { FileCompressedCache } from './compressed-cache.js';
import { DEFAULT_IGNORED_PACKAGES, loadExclusionRules } from './exclusions.js';
import { explicitlyNamedPackages } from './explicit-pins.js';
import type { ResolvedPackageOptions } from './options.js';
import { checkUnzippedSize, warnIfZipLarge } from './size-limits.js';
import { moveVenvSitePackages } from './site-packages.js';
import { scanTree, type TreeScan } from './scan-tree.js';
import { writeZip } from './zip-writer.js';

export class PackageLayerCommand {
  readonly layout: LocalLayout;
  /** The finished build being packaged (step 1.3). */
  private build: BuildStamp | undefined;

  constructor(readonly options: ResolvedPackageOptions) {
    this.layout = localLayout(options.projectDir);
  }

  /** Compressed pieces of the last run, reused when the same bytes come again. */
  get compressedCacheDir(): string {
    return this.layout.packageCache;
  }

  private get logger() {
    return this.options.logger;
  }

  async run(): Promise<PackageResult> {
    try {
      await this.preflightCheck();
      const scan = await this.selectFiles();
      const unchanged = await this.findUnchangedResult();
      if (unchanged) return unchanged;
      return await this.writeLayerZip(scan);
    } catch (error) {
      const { signal } = this.options;
      if (signal?.aborted) throw interruptedError(signal, 'layer.zip was not changed', 'run `layer package` again');
      throw toLayerErrorFromSystem(error) ?? error;
    }
  }

  private checkpoint(): void {
    this.options.signal?.throwIfAborted();
  }

  // Step 1 ------------------------------------------------------------------

  async preflightCheck(): Promise<void> {
    this.logger.step('1', 'Preflight check');
    await this.moveVenvSitePackages();
    await this.ensurePythonDirExists();
    await this.ensureArtifactsComplete();
  }

  async moveVenvSitePackages(): Promise<void> {
    this.logger.step('1.1', 'Move site-packages into artifacts/python');
    if (this.options.tool === 'pip') {
      this.logger.detail('pip installs into artifacts/python directly: nothing to move');
      return;
    }
    const moved = await moveVenvSitePackages(this.layout);
    this.logger.detail(moved ? `moved ${moved} to ${this.layout.pythonDir}` : 'packages are already in artifacts/python');
  }

  async isPythonDirExists(): Promise<boolean> {
    return (await stat(this.layout.pythonDir).catch(() => undefined))?.isDirectory() ?? false;
  }

  async ensurePythonDirExists(): Promise<void> {
    this.logger.step('1.2', 'Ensure artifacts/python exists');
    if (!(await this.isPythonDirExists())) {
      throw new LayerError(ErrorCodes.ARTIFACTS_NOT_FOUND, `no layer content at ${this.layout.pythonDir}`, {
        hint: 'run `layer build` first',
      });
    }
    const stale = [...(await removeStaleTempFiles(this.layout.layerZip)), ...(await removeStaleTempFiles(this.layout.packageStamp))];
    if (stale.length) this.logger.detail(`removed ${stale.length} temporary file(s) left by a killed run`);
  }

  /** Refuses artifacts/python/ unless the build stamp vouches for it as it is on disk (a content digest). */
  async ensureArtifactsComplete(): Promise<void> {
    this.logger.step('1.3', 'Ensure artifacts/python is what the last build finished');
    const { stamp, tree } = await verifyArtifacts(this.layout, this.options.signal);
    this.build = stamp;
    this.logger.detail(`built from ${stamp.manifest.file} (md5 ${stamp.manifest.md5}) with ${stamp.tool} ${stamp.toolVersion}; ${tree.files} files match the build stamp`);
  }

  private requireBuild(): BuildStamp {
    if (!this.build) throw new Error('preflightCheck() must run first');
    return this.build;
  }

  // Step 2 ------------------------------------------------------------------

  async selectFiles(): Promise<TreeScan> {
    this.checkpoint();
    const scan = await this.scanPythonDir();
    this.checkUnzippedSize(scan);
    return scan;
  }

  async scanPythonDir(): Promise<TreeScan> {
    this.logger.step('2.1', 'Scan artifacts/python and apply exclusions');
    const keep = await this.explicitlyKeptPackages();
    const rules = await loadExclusionRules(this.layout.pythonDir, { ...this.options, keep });
    const scan = await scanTree(this.layout.pythonDir, rules);
    this.logger.detail(`${scan.files} files, ${formatBytes(scan.unzippedBytes)} unzipped`);
    if (scan.excluded.length === 0) this.logger.detail('excluded: nothing');
    const saved = scan.excluded.reduce((sum, entry) => sum + entry.bytes, 0);
    for (const entry of scan.excluded) this.logger.detail(`excluded ${entry.name}: ${entry.files} files, ${formatBytes(entry.bytes)}`);
    if (scan.excluded.length) this.logger.detail(`exclusions saved ${formatBytes(saved)} (unzipped)`);
    return scan;
  }

  /** Packages on the default ignore list that the project names itself, which stay in the zip. */
  async explicitlyKeptPackages(): Promise<Set<string>> {
    if (!this.options.defaultIgnore) return new Set();
    const named = await explicitlyNamedPackages(this.options.projectDir);
    const kept = DEFAULT_IGNORED_PACKAGES.filter((name) => named.has(normalizePackageName(name)));
    for (const name of kept) this.logger.detail(`kept ${name}: the project names it, so the default ignore list does not apply to it`);
    return named;
  }

  checkUnzippedSize(scan: TreeScan): void {
    this.logger.step('2.2', "Check the unzipped size against Lambda's limit");
    checkUnzippedSize(scan.entries, scan.unzippedBytes, this.options.limits);
    this.logger.detail(`${formatBytes(scan.unzippedBytes)} of ${formatBytes(this.options.limits.unzippedBytes)}`);
  }

  /** The package stamp's key: this build, these options. */
  stampKey(): { treeDigest: string; input: string } {
    return { treeDigest: this.requireBuild().tree.digest, input: packageStampInput(this.options) };
  }

  async findUnchangedResult(): Promise<PackageResult | undefined> {
    this.logger.step('2.3', 'Check whether layer.zip is current');
    if (this.options.force) {
      this.logger.detail('--force: packaging again');
      return undefined;
    }
    const stamp = await findCurrentPackageStamp(this.layout, this.stampKey());
    this.logger.detail(stamp ? 'layer.zip was packaged from this build with these options and is intact: nothing to do' : 'layer.zip is missing or out of date');
    return stamp ? packageResultFromStamp(this.layout, stamp, 'unchanged') : undefined;
  }

  // Step 3 ------------------------------------------------------------------

  async writeLayerZip(scan: TreeScan): Promise<PackageResult> {
    this.checkpoint();
    this.logger.step('3.1', `Write ${this.layout.layerZip}`);
    const cache = this.options.cache ? await FileCompressedCache.open(this.compressedCacheDir) : undefined;
    const progress = this.logger.progress('compress', scan.unzippedBytes, 'bytes');
    let summary;
    try {
      summary = await writeAtomically(this.layout.layerZip, (temp) =>
        writeZip(scan.entries, temp, {
          level: this.options.compressionLevel,
          ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
          ...(cache ? { cache } : {}),
          ...(this.options.signal ? { signal: this.options.signal } : {}),
          onProgress: (done) => progress.update(done),
        }),
      );
    } catch (error) {
      await cache?.discard();
      // A write through a file handle names no path: name layer.zip, and at most how much it needed.
      throw toLayerErrorFromSystem(error, { path: this.layout.layerZip, doing: `write ${this.layout.layerZip}`, bytesNeeded: scan.unzippedBytes }) ?? error;
    }
    await cache?.commit();
    if (cache?.hits) this.logger.detail(`reused ${cache.hits} compressed pieces (${formatBytes(cache.hitBytes)}) from the last run; deflated ${cache.misses}`);
    const ratio = summary.unzippedBytes ? ((summary.zippedBytes / summary.unzippedBytes) * 100).toFixed(1) : '0';
    progress.finish(`${formatBytes(summary.zippedBytes)} zipped (${ratio}% of ${formatBytes(summary.unzippedBytes)})`);
    warnIfZipLarge(summary.zippedBytes, this.logger, this.options.limits);
    const sha256 = await sha256File(this.layout.layerZip);
    const build = this.requireBuild();
    const key = this.stampKey();
    const stamp: PackageStamp = {
      version: 2,
      build: { treeDigest: key.treeDigest, manifest: build.manifest },
      input: key.input,
      zip: { bytes: sha256.bytes, sha256Hex: sha256.hex, sha256Base64: sha256.base64 },
      result: { zippedBytes: summary.zippedBytes, unzippedBytes: summary.unzippedBytes, files: scan.files, excluded: scan.excluded },
    };
    this.logger.step('3.2', 'Record the package stamp');
    await writePackageStamp(this.layout, stamp);
    return packageResultFromStamp(this.layout, stamp, 'packaged');
  }
}
