/**
 * Step 2: turn artifacts/python/ into build/lambda/layer/layer.zip. The steps
 * are PACKAGE_STEPS below (core's step.ts says how every step is shaped).
 *
 * Interrupted or failed at any point, it leaves layer.zip and its stamp as
 * they were: the new zip becomes layer.zip only by a rename once complete,
 * and the stamp, written after, names the zip's SHA-256, so a stamp never
 * vouches for another zip.
 */
import { stat } from 'node:fs/promises';
import {
  type BuildStamp,
  defineSteps,
  ErrorCodes,
  type FileDigest,
  findCurrentPackageStamp,
  formatBytes,
  interruptedError,
  LayerError,
  type LocalLayout,
  localLayout,
  normalizePackageName,
  type PackageResult,
  packageResultFromStamp,
  type PackageStamp,
  packageStampInput,
  removeStaleTempFiles,
  sha256File,
  StepLog,
  toLayerErrorFromSystem,
  verifyArtifacts,
  writeAtomically,
  writePackageStamp,
} from '@lambda-layer/core';
import { FileCompressedCache } from './compressed-cache.js';
import { DEFAULT_IGNORED_PACKAGES, loadExclusionRules } from './exclusions.js';
import { explicitlyNamedPackages } from './explicit-pins.js';
import type { ValidatedPackageOptions } from './options.js';
import { scanTree, type TreeScan } from './scan-tree.js';
import { moveVenvSitePackages } from './site-packages.js';
import { checkUnzippedSize, warnIfZipLarge } from './size-limits.js';
import { writeZip, type ZipWriteSummary } from './zip-writer.js';

/**
 * The package's steps, in order. Preflight changes nothing a later step trusts:
 * it only tidies what an earlier run left (a venv's site-packages moved into
 * artifacts/python/, a killed run's temporary files removed) before it reads.
 */
export const PACKAGE_STEPS = defineSteps({
  preflight: {
    title: 'Preflight check',
    steps: {
      moveVenvSitePackages: 'Move site-packages into artifacts/python',
      ensurePythonDirExists: 'Ensure artifacts/python exists',
      ensureArtifactsComplete: 'Ensure artifacts/python is what the last build finished',
      scanPythonDir: 'Scan artifacts/python and apply exclusions',
      ensureUnzippedSizeFits: "Check the unzipped size against Lambda's limit",
      findUnchangedResult: 'Check whether layer.zip is current',
    },
  },
  package: {
    title: 'Write layer.zip',
    steps: {
      writeLayerZip: (path: string) => `Write ${path}`,
      recordPackageStamp: 'Record the package stamp',
    },
  },
});

/** What the preflight hands the writing: the build being packaged, its files, and the result when layer.zip is current. */
export interface PackagePreflight {
  build: BuildStamp;
  scan: TreeScan;
  unchanged?: PackageResult;
}

/** layer.zip as step 2.1 wrote it: sizes and its SHA-256, for the stamp. */
export interface WrittenLayerZip extends ZipWriteSummary {
  sha256: FileDigest;
}

export class PackageLayerCommand {
  readonly layout: LocalLayout;
  private readonly steps: StepLog<typeof PACKAGE_STEPS.spec>;

  constructor(readonly options: ValidatedPackageOptions) {
    this.layout = localLayout(options.projectDir);
    this.steps = new StepLog(PACKAGE_STEPS, options.logger);
  }

  private get logger() {
    return this.options.logger;
  }

  async run(): Promise<PackageResult> {
    try {
      const checked = await this.preflightCheck();
      if (checked.unchanged) return checked.unchanged;
      this.checkpoint();
      return await this.packageLayerZip(checked);
    } catch (error) {
      const { signal } = this.options;
      if (signal?.aborted) throw interruptedError(signal, 'layer.zip was not changed', 'run `layer package` again');
      throw toLayerErrorFromSystem(error) ?? error;
    }
  }

  /** Stops between steps when the run was interrupted (run() words it). */
  private checkpoint(): void {
    this.options.signal?.throwIfAborted();
  }

  // ---------------------------------------------------------------- step 1: preflight

  async preflightCheck(): Promise<PackagePreflight> {
    await this.moveVenvSitePackages();
    await this.ensurePythonDirExists();
    const build = await this.ensureArtifactsComplete();
    this.checkpoint();
    const scan = await this.scanPythonDir();
    this.ensureUnzippedSizeFits(scan);
    const unchanged = await this.findUnchangedResult(build);
    return { build, scan, ...(unchanged ? { unchanged } : {}) };
  }

  async moveVenvSitePackages(): Promise<void> {
    this.steps.start('moveVenvSitePackages');
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
    this.steps.start('ensurePythonDirExists');
    if (!(await this.isPythonDirExists())) {
      throw new LayerError(ErrorCodes.ARTIFACTS_NOT_FOUND, `no layer content at ${this.layout.pythonDir}`, {
        hint: 'run `layer build` first',
      });
    }
    const stale = [...(await removeStaleTempFiles(this.layout.layerZip)), ...(await removeStaleTempFiles(this.layout.packageStamp))];
    if (stale.length) this.logger.detail(`removed ${stale.length} temporary file(s) left by a killed run`);
  }

  /** Refuses artifacts/python/ unless the build stamp vouches for it as it is on disk (a content digest); returns that stamp. */
  async ensureArtifactsComplete(): Promise<BuildStamp> {
    this.steps.start('ensureArtifactsComplete');
    const { stamp, tree } = await verifyArtifacts(this.layout, this.options.signal);
    this.logger.detail(
      `built from ${stamp.manifest.file} (md5 ${stamp.manifest.md5}) with ${stamp.tool} ${stamp.toolVersion}; ${tree.files} files match the build stamp`,
    );
    return stamp;
  }

  async scanPythonDir(): Promise<TreeScan> {
    this.steps.start('scanPythonDir');
    const keep = await this.findExplicitlyKeptPackages();
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
  async findExplicitlyKeptPackages(): Promise<Set<string>> {
    if (!this.options.defaultIgnore) return new Set();
    const named = await explicitlyNamedPackages(this.options.projectDir);
    const kept = DEFAULT_IGNORED_PACKAGES.filter((name) => named.has(normalizePackageName(name)));
    for (const name of kept) this.logger.detail(`kept ${name}: the project names it, so the default ignore list does not apply to it`);
    return named;
  }

  ensureUnzippedSizeFits(scan: TreeScan): void {
    this.steps.start('ensureUnzippedSizeFits');
    checkUnzippedSize(scan.entries, scan.unzippedBytes, this.options.limits);
    this.logger.detail(`${formatBytes(scan.unzippedBytes)} of ${formatBytes(this.options.limits.unzippedBytes)}`);
  }

  /** The package stamp's key: this build, these options. */
  stampKey(build: BuildStamp): { treeDigest: string; input: string } {
    return { treeDigest: build.tree.digest, input: packageStampInput(this.options) };
  }

  /** The "unchanged" result when layer.zip was packaged from this build with these options and is intact. */
  async findUnchangedResult(build: BuildStamp): Promise<PackageResult | undefined> {
    this.steps.start('findUnchangedResult');
    if (this.options.force) {
      this.logger.detail('--force: packaging again');
      return undefined;
    }
    const stamp = await findCurrentPackageStamp(this.layout, this.stampKey(build));
    this.logger.detail(
      stamp ? 'layer.zip was packaged from this build with these options and is intact: nothing to do' : 'layer.zip is missing or out of date',
    );
    return stamp ? packageResultFromStamp(this.layout, stamp, 'unchanged') : undefined;
  }

  // ---------------------------------------------------------------- step 2: write layer.zip

  async packageLayerZip({ build, scan }: PackagePreflight): Promise<PackageResult> {
    const summary = await this.writeLayerZip(scan);
    return this.recordPackageStamp(build, scan, summary);
  }

  async writeLayerZip(scan: TreeScan): Promise<WrittenLayerZip> {
    this.steps.start('writeLayerZip', this.layout.layerZip);
    // Compressed pieces of the last run, reused when the same bytes come again.
    const cache = this.options.cache ? await FileCompressedCache.open(this.layout.packageCache) : undefined;
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
      throw (
        toLayerErrorFromSystem(error, { path: this.layout.layerZip, doing: `write ${this.layout.layerZip}`, bytesNeeded: scan.unzippedBytes }) ??
        error
      );
    }
    await cache?.commit();
    if (cache?.hits)
      this.logger.detail(`reused ${cache.hits} compressed pieces (${formatBytes(cache.hitBytes)}) from the last run; deflated ${cache.misses}`);
    const ratio = summary.unzippedBytes ? ((summary.zippedBytes / summary.unzippedBytes) * 100).toFixed(1) : '0';
    progress.finish(`${formatBytes(summary.zippedBytes)} zipped (${ratio}% of ${formatBytes(summary.unzippedBytes)})`);
    warnIfZipLarge(summary.zippedBytes, this.logger, this.options.limits);
    return { ...summary, sha256: await sha256File(this.layout.layerZip) };
  }

  async recordPackageStamp(build: BuildStamp, scan: TreeScan, written: WrittenLayerZip): Promise<PackageResult> {
    this.steps.start('recordPackageStamp');
    const key = this.stampKey(build);
    const { sha256 } = written;
    const stamp: PackageStamp = {
      version: 2,
      build: { treeDigest: key.treeDigest, manifest: build.manifest },
      input: key.input,
      zip: { bytes: sha256.bytes, sha256Hex: sha256.hex, sha256Base64: sha256.base64 },
      result: { zippedBytes: written.zippedBytes, unzippedBytes: written.unzippedBytes, files: scan.files, excluded: scan.excluded },
    };
    await writePackageStamp(this.layout, stamp);
    return packageResultFromStamp(this.layout, stamp, 'packaged');
  }
}
