/**
 * Step 2: turn artifacts/python/ into build/lambda/layer/layer.zip.
 *
 *   1 Preflight check
 *     1.1 Move a venv's site-packages into artifacts/python (Poetry, uv)
 *     1.2 Ensure artifacts/python exists
 *   2 Select files
 *     2.1 Scan artifacts/python and apply the exclusions
 *     2.2 Check the unzipped size against Lambda's limit
 *     2.3 Skip when layer.zip is current (the package stamp)
 *   3 Write layer.zip
 *     3.1 Compress into a temporary file and rename it over layer.zip
 *     3.2 Record the package stamp
 */
import { stat } from 'node:fs/promises';
import { ErrorCodes, formatBytes, LayerError, localLayout, sha256File, type LocalLayout, type PackageResult } from '@lambda-layer/core';
import { removeStaleTempFiles, writeAtomically } from './atomic-file.js';
import { FileCompressedCache } from './compressed-cache.js';
import { DEFAULT_IGNORED_PACKAGES, loadExclusionRules, normalizeName } from './exclusions.js';
import { explicitlyNamedPackages } from './explicit-pins.js';
import type { ResolvedPackageOptions } from './options.js';
import { removePackageStamp, treeFingerprint, unchangedResult, writePackageStamp } from './package-stamp.js';
import { checkUnzippedSize, warnIfZipLarge } from './size-limits.js';
import { moveVenvSitePackages } from './site-packages.js';
import { scanTree, type TreeScan } from './scan-tree.js';
import { writeZip } from './zip-writer.js';

export class PackageLayerCommand {
  readonly layout: LocalLayout;

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
    await this.preflightCheck();
    const scan = await this.selectFiles();
    const fingerprint = this.fingerprint(scan);
    const unchanged = await this.findUnchangedResult(fingerprint);
    if (unchanged) return unchanged;
    return this.writeLayerZip(scan, fingerprint);
  }

  // Step 1 ------------------------------------------------------------------

  async preflightCheck(): Promise<void> {
    this.logger.step('1', 'Preflight check');
    await this.moveVenvSitePackages();
    await this.ensurePythonDirExists();
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
    const stale = await removeStaleTempFiles(this.layout.layerZip);
    if (stale.length) this.logger.detail(`removed ${stale.length} temporary file(s) left by an interrupted run`);
  }

  // Step 2 ------------------------------------------------------------------

  async selectFiles(): Promise<TreeScan> {
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
    const kept = DEFAULT_IGNORED_PACKAGES.filter((name) => named.has(normalizeName(name)));
    for (const name of kept) this.logger.detail(`kept ${name}: the project names it, so the default ignore list does not apply to it`);
    return named;
  }

  checkUnzippedSize(scan: TreeScan): void {
    this.logger.step('2.2', "Check the unzipped size against Lambda's limit");
    checkUnzippedSize(scan.entries, scan.unzippedBytes, this.options.limits);
    this.logger.detail(`${formatBytes(scan.unzippedBytes)} of ${formatBytes(this.options.limits.unzippedBytes)}`);
  }

  fingerprint(scan: TreeScan): string {
    const { ignore, defaultIgnore, keepBytecode, compressionLevel } = this.options;
    return treeFingerprint(scan, { ignore, defaultIgnore, keepBytecode, compressionLevel });
  }

  async findUnchangedResult(fingerprint: string): Promise<PackageResult | undefined> {
    this.logger.step('2.3', 'Check whether layer.zip is current');
    if (this.options.force) {
      this.logger.detail('--force: packaging again');
      return undefined;
    }
    const result = await unchangedResult(this.layout.packageStamp, this.layout.layerZip, fingerprint);
    this.logger.detail(result ? 'artifacts/python and the options are unchanged since layer.zip was written: nothing to do' : 'layer.zip is missing or out of date');
    return result;
  }

  // Step 3 ------------------------------------------------------------------

  async writeLayerZip(scan: TreeScan, fingerprint: string): Promise<PackageResult> {
    this.logger.step('3.1', `Write ${this.layout.layerZip}`);
    // The old stamp goes first: a crash from here on can never pair it with a different zip.
    await removePackageStamp(this.layout.packageStamp);
    const cache = this.options.cache ? await FileCompressedCache.open(this.compressedCacheDir) : undefined;
    const progress = this.logger.progress('compress', scan.unzippedBytes, 'bytes');
    let summary;
    try {
      summary = await writeAtomically(this.layout.layerZip, (temp) =>
        writeZip(scan.entries, temp, {
          level: this.options.compressionLevel,
          ...(this.options.concurrency ? { concurrency: this.options.concurrency } : {}),
          ...(cache ? { cache } : {}),
          onProgress: (done) => progress.update(done),
        }),
      );
    } catch (error) {
      await cache?.discard();
      throw error;
    }
    await cache?.commit();
    if (cache?.hits) this.logger.detail(`reused ${cache.hits} compressed pieces (${formatBytes(cache.hitBytes)}) from the last run; deflated ${cache.misses}`);
    const ratio = summary.unzippedBytes ? ((summary.zippedBytes / summary.unzippedBytes) * 100).toFixed(1) : '0';
    progress.finish(`${formatBytes(summary.zippedBytes)} zipped (${ratio}% of ${formatBytes(summary.unzippedBytes)})`);
    warnIfZipLarge(summary.zippedBytes, this.logger, this.options.limits);
    const sha256 = await sha256File(this.layout.layerZip);
    const result: PackageResult = {
      status: 'packaged',
      zipPath: this.layout.layerZip,
      zippedBytes: summary.zippedBytes,
      unzippedBytes: summary.unzippedBytes,
      files: scan.files,
      sha256: { hex: sha256.hex, base64: sha256.base64 },
      excluded: scan.excluded,
    };
    this.logger.step('3.2', 'Record the package stamp');
    await writePackageStamp(this.layout.packageStamp, this.layout.layerZip, fingerprint, result);
    return result;
  }
}
