import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import {
  type BuildResult,
  buildResultFromStamp,
  type BuildStamp,
  type BuildStampKey,
  defineSteps,
  digestArtifacts,
  digestTree,
  ErrorCodes,
  interruptedError,
  isBuildStampFor,
  LayerError,
  type LocalLayout,
  localLayout,
  type Logger,
  type ManifestFingerprint,
  readBuildStamp,
  readManifest,
  removeBuildStamp,
  StepLog,
  toLayerErrorFromSystem,
  type TreeDigest,
  writeBuildStamp,
} from '@lambda-layer/core';
import { containerBuildCommand, isLoopbackUrl, runContainerBuild, samBuildImage } from './container.js';
import { credentialVariableNames, installerEnv, redactorFor } from './credentials.js';
import { diagnoseRequirements, parseRequirementSpec, pipRequirementSpecs, refusalError, type RequirementSpec } from './diagnose.js';
import { type IndexCredentials, indexUrlWithCredentials, indexUrlWithoutCredentials } from './index-credentials.js';
import { probeIndex } from './index-probe.js';
import type { InstallContext, Installer, InstallFailure, InstallRun } from './install.js';
import { listInstalled, packageList } from './installed.js';
import { ensureInstallerDir, ensurePinnedPip, ensurePinnedUv, type PinnedPip } from './installers.js';
import { readLockedInstallSet } from './locks/read-lock.js';
import { targetMarkerEnvironment } from './markers.js';
import type { ValidatedBuildOptions } from './options.js';
import { isPypi, lockPinnedSet, pinnedCount, type PinnedSet, requirementsPinnedSet } from './pinned-set.js';
import { pipInstaller } from './pip.js';
import { type TargetPlatform, targetPlatform } from './platform.js';
import { type BuildTools, checkProjectFiles, findBuildTools } from './preflight.js';
import { clearScratch, confirmReplaceBuild, copyProjectFiles, createStagingDir, swapInArtifacts } from './prepare.js';
import type { Redactor } from './redact.js';
import { normalizeInstalledTree } from './reproducible.js';
import {
  checkRequirementsManifest,
  formatRequirements,
  parseRequirements,
  type RequirementEntry,
  usesHashes,
  withConsistentHashes,
} from './requirements.js';
import { checkProjectRequiresPython, looseRequirements } from './requirements-check.js';
import { describeToolFailure, findSystemErrorInOutput, withToolSignal } from './run-tool.js';
import { buildPureWheel, type BuiltWheel, withBuiltWheels } from './sdist.js';
import { withIndexNetwork } from './simple-index.js';
import { isUvWithoutInterpreter, uvInstaller } from './uv.js';
import { validateLayer } from './validate.js';

/** Rounds of "build the pure sdists pip/uv could not find wheels for, then install again". */
const MAX_SDIST_ROUNDS = 3;

/** The build's steps, in order: read-only checks, then the build in a staging folder swapped in last. */
export const BUILD_STEPS = defineSteps({
  preflight: {
    title: 'Preflight check',
    steps: {
      ensureManifestAndInstaller: 'Check the dependency manifest and the installer',
      findUnchangedResult: 'Check whether the last build is current',
    },
  },
  build: {
    title: 'Build artifacts/python',
    steps: {
      prepareBuildDir: 'Prepare the build folder',
      readPinnedSet: (manifestFile: string) =>
        manifestFile === 'requirements.txt'
          ? 'Read the pinned requirements of requirements.txt'
          : `Read the locked main dependencies from ${manifestFile}`,
      installDependencies: (how: string) => `Install ${how}`,
      ensureArtifactsFitTarget: 'Check the installed files fit the target runtime',
      recordBuild: 'Put the new build in place and record it',
    },
  },
});

/** What the preflight hands the build: the manifest, the tools, and the previous result when nothing changed. */
export interface BuildPreflight {
  manifest: ManifestFingerprint;
  tools: BuildTools;
  /** artifacts/python/ held a finished build when this one started. */
  hadPreviousBuild: boolean;
  unchanged?: BuildResult;
}

/** Where this build installs until it is complete: `.artifacts.<pid>.<random>.tmp/python/`. */
export interface StagingDir {
  artifactsDir: string;
  pythonDir: string;
}

/** What step 2.2 read from the manifest: the pinned set, one installer run per index, and the index completed from the lock. */
export interface PinnedInstall {
  set: PinnedSet;
  runs: InstallRun[];
  /** The user's index, or the lock's own when the user named none. */
  credentials: IndexCredentials;
}

/**
 * How far one run got, for the failure path: the unfinished staging folder
 * to remove, and what to say when interrupted. run() owns it and the steps
 * fill it in: it is the run's record, not the command's state.
 */
interface BuildJournal {
  hadPreviousBuild: boolean;
  staging?: StagingDir | undefined;
}

/**
 * Step 1 of the pipeline, as BUILD_STEPS lists it (core's step.ts says how
 * every step is shaped): a read-only preflight, then the build: prepare the
 * build folder, read the pinned set from the manifest, install it for the
 * target with the pinned installer, check the result fits the target, put it
 * in place and record it.
 *
 * The new build is made in a fresh folder beside artifacts/ and swapped in
 * only when complete, and the stamp is written last: a build that fails or is
 * interrupted at any point leaves the previous artifacts/python/ and its stamp
 * as they were (or, after a crash mid-swap, no stamp, which the next steps refuse).
 */
export class BuildLayerCommand {
  readonly layout: LocalLayout;
  readonly platform: TargetPlatform;
  private readonly redactor: Redactor;
  private readonly logger: Logger;
  private readonly steps: StepLog<typeof BUILD_STEPS.spec>;

  constructor(readonly options: ValidatedBuildOptions) {
    this.layout = localLayout(options.projectDir);
    this.platform = targetPlatform(options);
    this.redactor = redactorFor(options.credentials, options.network);
    // Every line the build prints passes the redactor: tool output can echo an index URL.
    this.logger = options.logger.withRedaction((text) => this.redactor.redact(text));
    this.steps = new StepLog(BUILD_STEPS, this.logger);
  }

  run(): Promise<BuildResult> {
    // Every tool started below, at any depth, is terminated when the signal fires; every index request goes through the run's network.
    return withToolSignal(this.options.signal, () => withIndexNetwork(this.options.network, () => this.runSteps()));
  }

  private async runSteps(): Promise<BuildResult> {
    const journal: BuildJournal = { hadPreviousBuild: false };
    try {
      const checked = await this.preflightCheck();
      journal.hadPreviousBuild = checked.hadPreviousBuild;
      if (checked.unchanged) return checked.unchanged;
      const staging = await this.prepareBuildDir(checked.manifest, journal);
      const pinned = await this.readPinnedSet(checked.manifest);
      await this.installDependencies(checked.tools, staging, pinned);
      const tree = await this.ensureArtifactsFitTarget(staging);
      return await this.recordBuild(checked, staging, pinned, tree, journal);
    } catch (error) {
      // The unfinished build goes; the previous artifacts/python/ and its stamp were never touched.
      if (journal.staging) await rm(journal.staging.artifactsDir, { recursive: true, force: true, maxRetries: 3 });
      throw this.explain(error, journal);
    }
  }

  /** The one line for a failure: the state left when interrupted, an OS error in plain words, secrets redacted. */
  private explain(error: unknown, journal: BuildJournal): unknown {
    const { signal } = this.options;
    if (signal?.aborted) {
      const state = journal.hadPreviousBuild
        ? 'artifacts/python/ still holds the previous build'
        : 'nothing was built (artifacts/python/ was not changed)';
      return interruptedError(signal, state, 'run `layer build` again');
    }
    return this.redactError(toLayerErrorFromSystem(error) ?? error);
  }

  /** Stops between steps when the run was interrupted (the catch in runSteps words it). */
  private checkpoint(): void {
    this.options.signal?.throwIfAborted();
  }

  // ---------------------------------------------------------------- step 1: preflight

  /** Read-only checks. `unchanged` is the previous result when nothing changed since the last build. */
  async preflightCheck(): Promise<BuildPreflight> {
    const { manifest, tools } = await this.ensureManifestAndInstaller();
    return { manifest, tools, ...(await this.findUnchangedResult(manifest, tools)) };
  }

  /** The manifest read and checked, the pinned installer and the Python that runs it found; the target described. */
  async ensureManifestAndInstaller(): Promise<{ manifest: ManifestFingerprint; tools: BuildTools }> {
    const { tool, installer } = this.options;
    this.steps.start('ensureManifestAndInstaller');
    await checkProjectFiles(this.layout, tool);
    const manifest = await readManifest(this.layout.manifest(tool), tool);
    if (tool === 'pip') checkRequirementsManifest(manifest.content.toString('utf8'), manifest.fileName);
    const tools = await findBuildTools(installer, this.options.env, this.options.container);
    const p = this.platform;
    const chosen = tools.installer;
    const runner = tools.python ? ` (run by Python ${tools.python.version})` : tools.uvPython ? ` (laying the folder out for ${tools.uvPython})` : '';
    this.logger.detail(
      `tool: ${tool}: ${manifest.fileName} is read by layer itself${tool === 'pip' ? '' : ` (no ${tool === 'uv' ? 'uv' : 'Poetry'} runs)`}; installs with the pinned ${chosen.name} ${chosen.version}${runner}`,
    );
    this.logger.detail(
      `target: Python ${p.pythonVersion} on ${p.architecture} (${p.abiTag}, glibc ${p.glibc.major}.${p.glibc.minor}, ${p.uvPlatform}${p.uvNeedsWheelFilter && chosen.name === 'uv' ? ' with newer wheels hidden' : ''}; ${p.runtime.os.name})`,
    );
    await checkProjectRequiresPython(this.layout.projectDir, p);
    if (this.options.container) this.logger.detail(`container: ${samBuildImage(p)} (docker ${tools.docker?.version ?? '?'})`);
    this.logger.detail(`manifest: ${manifest.path} (md5 ${manifest.md5})`);
    this.logger.detail(`build folder: ${this.layout.buildDir}`);
    this.logger.detail(`layer content: ${this.layout.pythonDir}`);
    const { credentials } = this.options;
    if (credentials.indexUrl)
      this.logger.detail(`index: ${credentials.indexUrl}${credentials.password ? ' (with credentials from the environment)' : ''}`);
    return { manifest, tools };
  }

  /** Whether a finished build is there, and the previous result when it is intact and made from this manifest, installer and target. */
  async findUnchangedResult(manifest: ManifestFingerprint, tools: BuildTools): Promise<{ hadPreviousBuild: boolean; unchanged?: BuildResult }> {
    this.steps.start('findUnchangedResult');
    if (this.options.force) {
      // Rebuilt whatever the stamp says: the previous tree need not be read, only known to be there.
      this.logger.detail('--force: building again');
      return { hadPreviousBuild: await this.hasPreviousBuild() };
    }
    const previous = await this.findIntactBuild();
    if (this.hasDependencyManifestChanged(previous, this.stampKey(manifest, tools))) return { hadPreviousBuild: previous !== undefined };
    this.logger.detail(
      'nothing changed since the last build (same manifest, installer and target; artifacts/python/ intact): skipping; pass --force to rebuild',
    );
    return { hadPreviousBuild: true, unchanged: buildResultFromStamp(this.layout, previous as BuildStamp, 'unchanged') };
  }

  /** Whether artifacts/python/ holds a recorded build (its content not checked). */
  async hasPreviousBuild(): Promise<boolean> {
    return (await this.readRecordedBuild()) !== undefined;
  }

  /** The stamp of the last build when artifacts/python/ is still exactly what it built (content digest). */
  async findIntactBuild(): Promise<BuildStamp | undefined> {
    const stamp = await this.readRecordedBuild();
    if (!stamp) return undefined;
    const tree = await digestArtifacts(this.layout, this.options.signal);
    if (tree.digest === stamp.tree.digest) return stamp;
    this.logger.detail('artifacts/python/ changed since the last build (or the build did not finish): building again');
    return undefined;
  }

  /** The build stamp, when artifacts/python/ is there beside it. */
  private async readRecordedBuild(): Promise<BuildStamp | undefined> {
    const [stamp, info] = await Promise.all([readBuildStamp(this.layout), stat(this.layout.pythonDir).catch(() => undefined)]);
    return stamp && info?.isDirectory() ? stamp : undefined;
  }

  /** True unless `intact` (the last build, still intact) used this manifest, tool and target. */
  hasDependencyManifestChanged(intact: BuildStamp | undefined, key: BuildStampKey): boolean {
    return !isBuildStampFor(intact, key);
  }

  // ---------------------------------------------------------------- step 2: build

  /** Makes the staging folder (recorded in the journal at once, so a failure removes it) and puts the manifest the preflight read into repo/. */
  async prepareBuildDir(manifest: ManifestFingerprint, journal: BuildJournal): Promise<StagingDir> {
    this.steps.start('prepareBuildDir');
    this.checkpoint();
    const replacing = await confirmReplaceBuild(this.layout, { ...this.options, logger: this.logger });
    const stale = await clearScratch(this.layout);
    if (stale.length) this.logger.detail(`removed ${stale.length} unfinished build folder(s) left by a killed run`);
    const staging = await createStagingDir(this.layout);
    journal.staging = staging;
    const copied = await copyProjectFiles(this.layout, manifest);
    this.logger.detail(`copied ${copied.join(', ')} to repo/; installing into ${staging.pythonDir}`);
    if (replacing) this.logger.detail('the previous build stays in artifacts/python/ until this one is complete');
    return staging;
  }

  /**
   * Reads what to install from the manifest in repo/: a lock by the lock
   * readers (exact versions, hashes, markers for the target, each package's
   * index), requirements.txt as it is. One requirements file per index.
   */
  async readPinnedSet(manifest: ManifestFingerprint): Promise<PinnedInstall> {
    this.checkpoint();
    const { tool, container } = this.options;
    const fileName = manifest.fileName;
    const credentials: IndexCredentials = { ...this.options.credentials };
    let set: PinnedSet;
    this.steps.start('readPinnedSet', fileName);
    if (tool === 'pip') {
      const text = await readFile(this.layout.repoFile('requirements.txt'), 'utf8');
      this.warnLooseRequirements(parseRequirements(text), fileName);
      set = requirementsPinnedSet(text, this.platform, credentials, this.logger);
    } else {
      const locked = await readLockedInstallSet({ dir: this.layout.repoDir, tool, environment: targetMarkerEnvironment(this.platform) });
      set = lockPinnedSet(locked, this.platform, credentials, { container });
      if (!credentials.indexUrl) {
        // The index the stamp names: the lock's own, when it has exactly one besides pypi.org.
        const own = [...new Set(set.groups.map((group) => group.index.indexUrl).filter((url): url is string => url !== undefined && !isPypi(url)))];
        if (own.length === 1) credentials.indexUrl = own[0];
      }
    }
    const count = pinnedCount(set);
    if (count === 0) {
      throw new LayerError(
        ErrorCodes.REQUIREMENTS_EMPTY,
        `${fileName} locks no main dependencies${tool === 'pip' ? ' for the target' : ''}, so the layer would be empty`,
        {
          hint:
            tool === 'pip'
              ? 'check the environment markers in requirements.txt'
              : 'add the dependencies to [project] dependencies in pyproject.toml and lock again',
        },
      );
    }
    const runs: InstallRun[] = [];
    for (const [i, group] of set.groups.entries()) {
      if (!group.entries.some((entry) => entry.name)) continue;
      const file = this.layout.repoFile(i === 0 ? 'requirements.install.txt' : `requirements.install.${i + 1}.txt`);
      const { entries, unhashed } = withConsistentHashes(group.entries);
      if (unhashed.length)
        this.logger.warn(
          `${fileName} records no file hash for ${unhashed.join(', ')}: the packages from ${group.index.indexUrl ?? 'the default index'} are installed without hash checks`,
        );
      group.entries = entries;
      await writeFile(file, formatRequirements(entries));
      runs.push({ file, index: group.index, hashed: usesHashes(entries) });
    }
    const from = runs.map((run) => run.index.indexUrl ?? `the ${this.options.installer} default index`).join(', ');
    this.logger.detail(
      `${count} pinned packages${set.complete ? ' (exactly these: a lock)' : ''}, from ${from}${runs.every((run) => run.hashed) ? ', every file checked against its hash' : ''}`,
    );
    return { set, runs, credentials };
  }

  /** Installs the pinned set into the staging folder: with the pinned installer on the host, or inside the SAM build image. */
  async installDependencies(tools: BuildTools, staging: StagingDir, pinned: PinnedInstall): Promise<void> {
    this.checkpoint();
    if (this.options.container) {
      this.steps.start('installDependencies', `inside ${samBuildImage(this.platform)}`);
      await this.installInContainer(staging, pinned);
      await this.normalizeInstalledTree(staging);
      return;
    }
    const installer: Installer = this.options.installer === 'uv' ? uvInstaller : pipInstaller;
    this.steps.start('installDependencies', `for Python ${this.platform.pythonVersion} on ${this.platform.architecture} with ${installer.name}`);
    const context = await this.installContext(tools, staging, pinned);
    // One run per index, into the same folder (each run installs exactly its own packages).
    for (const run of pinned.runs) await this.install(installer, context, run);
    await this.normalizeInstalledTree(staging);
  }

  /**
   * One installer run, wheels only: nothing compiles on the host. A failure is
   * explained from the index before anything else runs; a version with no
   * wheel at all is built from its pure-Python sdist and the run repeated.
   * Both installers resolve before they write, so a failed run left nothing behind.
   */
  private async install(installer: Installer, context: InstallContext, run: InstallRun): Promise<void> {
    const entries = parseRequirements(await readFile(run.file, 'utf8'));
    const built: BuiltWheel[] = [];
    let current = run;
    for (let round = 0; ; round += 1) {
      const outcome = await installer.install(context, current);
      if (outcome.ok) return;
      // A full disk or a denied path is said as such, not as 5 KB of traceback.
      if (findSystemErrorInOutput(outcome.output))
        throw await describeToolFailure(`${installer.name} install`, outcome.output, { path: context.pythonDir });
      if (installer.name === 'uv' && isUvWithoutInterpreter(outcome.output)) {
        throw new LayerError(
          ErrorCodes.TOOL_NOT_INSTALLED,
          'uv found no Python on PATH to lay the layer folder out for (any Python 3 will do: the target is given by --python-version)',
          {
            hint: 'install Python 3 and put python3 on PATH, or build with --container',
          },
        );
      }
      const { refusals, sourceOnly } = await this.diagnoseInstallFailure(outcome, entries, run.index);
      if (refusals.length) throw refusalError(refusals, this.platform);
      const missing = sourceOnly.filter((source) => !built.some((wheel) => wheel.name === source.name));
      if (!missing.length || round >= MAX_SDIST_ROUNDS) throw await describeToolFailure(`${installer.name} install`, outcome.output);
      for (const source of missing) built.push(await buildPureWheel(context, run.index, source, entries));
      current = { ...run, file: run.file.replace(/\.txt$/, '.built.txt') };
      await writeFile(current.file, formatRequirements(withBuiltWheels(entries, built)));
    }
  }

  /**
   * Why the installer found nothing to install, from the index itself: an
   * unreachable index or a refused login first, then each package it named
   * (or, when it named none, every requirement).
   */
  private async diagnoseInstallFailure(outcome: InstallFailure, entries: readonly RequirementEntry[], index: IndexCredentials) {
    const indexError = await probeIndex(index, this.redactor);
    if (indexError) throw indexError;
    const pinned = new Map(entries.flatMap((entry) => (entry.name ? [[entry.name, parseRequirementSpec(entry.text)] as const] : [])));
    const quoted = new Map(pipRequirementSpecs(outcome.output).map((spec) => [spec.name, spec]));
    const names = outcome.missingWheels.length ? outcome.missingWheels : [...pinned.keys()];
    const specs: RequirementSpec[] = names.map((name) => pinned.get(name) ?? quoted.get(name) ?? { name, specifier: '' });
    this.logger.detail(
      `${names.length === 1 ? names[0] : `${names.length} packages`}: nothing to install for ${this.platform.runtime.identifier}; asking the index why`,
    );
    return diagnoseRequirements(specs, { platform: this.platform, indexUrl: index.indexUrl, credentials: index });
  }

  /** No launchers, installer stamps or machine paths: the same lock gives the same bytes anywhere (reproducible.ts). */
  private async normalizeInstalledTree(staging: StagingDir): Promise<void> {
    const report = await normalizeInstalledTree(staging.pythonDir);
    const launchers = report.removed.filter((path) => path.startsWith('bin/')).length;
    this.logger.detail(
      `made reproducible: ${launchers ? `${launchers} console-script launcher(s) in bin/ left out (Lambda never runs them), ` : ''}${report.removed.length - launchers} installer stamp file(s) removed, ${report.records} RECORD file(s) rewritten`,
    );
  }

  /** Reports requirements that are not pinned to one version: the layer only changes when the file does. */
  private warnLooseRequirements(entries: readonly RequirementEntry[], fileName: string): void {
    const loose = looseRequirements(entries);
    if (!loose.length) return;
    this.logger.warn(
      `${fileName}: ${loose.join(', ')} ${loose.length === 1 ? 'is' : 'are'} not pinned to one version: the layer will not change until the manifest does (pin with ==, e.g. \`pip freeze\` or \`pip-compile\`)`,
    );
  }

  /**
   * pip inside the SAM build image installs the whole set in one run: the
   * first run's index as PIP_INDEX_URL, the others' as PIP_EXTRA_INDEX_URL
   * (a lock's hashes still pin every file).
   */
  private async installInContainer(staging: StagingDir, pinned: PinnedInstall): Promise<void> {
    const { set, runs, credentials } = pinned;
    const [main, ...others] = runs as [InstallRun, ...InstallRun[]];
    const env = installerEnv('pip', main.index, this.options.env, { exclusive: set.complete && main.index.indexUrl !== undefined });
    const extra = others.map((run) => indexUrlWithCredentials(run.index)).filter((url): url is string => url !== undefined);
    if (extra.length) env.PIP_EXTRA_INDEX_URL = extra.join(' ');
    const requirementsFile = this.layout.repoFile('requirements.container.txt');
    const { entries, unhashed } = withConsistentHashes(set.groups.flatMap((group) => group.entries));
    if (unhashed.length)
      this.logger.warn(`no file hashes for ${unhashed.join(', ')} (a git checkout has none): the container installs without hash checks`);
    await writeFile(requirementsFile, formatRequirements(entries));
    const command = containerBuildCommand({
      // The container installs into the staging folder, which lies inside the mounted project like artifacts/.
      layout: { ...this.layout, pythonDir: staging.pythonDir },
      platform: this.platform,
      requirementsFile,
      complete: set.complete,
      passEnv: credentialVariableNames(env),
      user: typeof process.getuid === 'function' ? { uid: process.getuid(), gid: process.getgid?.() ?? process.getuid() } : undefined,
      hostNetwork:
        runs.some((run) => isLoopbackUrl(run.index.indexUrl)) ||
        isLoopbackUrl(this.options.network?.proxy?.https) ||
        isLoopbackUrl(this.options.network?.proxy?.http),
      // The CA bundle pip trusts on the host (see pythonToolNetworkEnv), mounted for the container's pip.
      ...(this.options.network?.caBundle && this.options.env.PIP_CERT === this.options.network.caBundle.path
        ? { caBundle: this.options.network.caBundle.path }
        : {}),
      pipDir: await ensureInstallerDir('pip', { env: this.options.env, credentials, redactor: this.redactor, logger: this.logger }),
    });
    this.logger.detail(`$ docker ${command.args.join(' ')}`);
    await runContainerBuild(command, { env, redactor: this.redactor, logger: this.logger, cwd: this.layout.projectDir });
  }

  /** What the installers need for this run; the pinned pip is installed into the tool cache on first use (pip and Poetry builds, and any pure sdist build). */
  async installContext(tools: BuildTools, staging: StagingDir, pinned: PinnedInstall): Promise<InstallContext> {
    const { credentials } = pinned;
    let pip: Promise<PinnedPip> | undefined;
    const pinnedPip = (): Promise<PinnedPip> => {
      pip ??= ensurePinnedPip({ env: this.options.env, credentials, redactor: this.redactor, logger: this.logger, python: tools.python });
      return pip;
    };
    return {
      platform: this.platform,
      pythonDir: staging.pythonDir,
      repoDir: this.layout.repoDir,
      complete: pinned.set.complete,
      env: this.options.env,
      tools,
      installer:
        tools.installer.name === 'uv'
          ? await ensurePinnedUv({ env: this.options.env, credentials, redactor: this.redactor, logger: this.logger })
          : await pinnedPip(),
      pinnedPip,
      redactor: this.redactor,
      logger: this.logger,
    };
  }

  /** Refuses a tree the target cannot load; returns the tree's digest, made while the checks run (the stamp records it). */
  async ensureArtifactsFitTarget(staging: StagingDir): Promise<TreeDigest> {
    this.checkpoint();
    this.steps.start('ensureArtifactsFitTarget');
    // The digest the stamp records reads the same files: it runs while the checks do.
    const tree = this.digestStagedTree(staging);
    await validateLayer(staging.pythonDir, this.platform, { container: this.options.container });
    const os = this.platform.runtime.os;
    this.logger.detail(
      `every ELF file fits ${this.platform.runtime.identifier} on ${this.platform.machine} (glibc ${os.glibc.major}.${os.glibc.minor}, GLIBCXX_${os.glibcxx}, its system libraries), and every wheel tag and Requires-Python`,
    );
    return tree;
  }

  async recordBuild(
    checked: BuildPreflight,
    staging: StagingDir,
    pinned: PinnedInstall,
    treeDigest: TreeDigest,
    journal: BuildJournal,
  ): Promise<BuildResult> {
    this.steps.start('recordBuild');
    const { manifest, tools } = checked;
    const installed = await listInstalled(staging.pythonDir);
    const tree = treeDigest;
    const key = this.stampKey(manifest, tools);
    const stamp: BuildStamp = {
      version: 2,
      tool: key.tool,
      // The lock is read by layer itself: the one program that builds the layer is the installer.
      toolVersion: tools.installer.version,
      installer: tools.installer.name,
      installerVersion: tools.installer.version,
      manifest: { file: manifest.fileName, md5: key.manifestMd5 },
      target: { pythonVersion: key.pythonVersion, architecture: key.architecture, container: key.container },
      ...(pinned.credentials.indexUrl ? { indexUrl: indexUrlWithoutCredentials(pinned.credentials.indexUrl) } : {}),
      tree,
      packages: packageList(installed),
    };
    // The last moment to stop with nothing changed; from here the swap and the stamp take milliseconds.
    this.checkpoint();
    await removeBuildStamp(this.layout);
    await swapInArtifacts(this.layout, staging.artifactsDir);
    journal.staging = undefined;
    await writeBuildStamp(this.layout, stamp);
    this.logger.detail(
      `${stamp.packages.length} packages, ${tree.files} files, ${tree.bytes} bytes in ${this.layout.pythonDir} (tree sha256 ${tree.digest.slice(0, 12)}…)`,
    );
    return buildResultFromStamp(this.layout, stamp, 'built');
  }

  // ---------------------------------------------------------------- helpers

  private stampKey(manifest: ManifestFingerprint, tools: BuildTools): BuildStampKey {
    return {
      manifestMd5: manifest.md5,
      tool: this.options.tool,
      pythonVersion: this.options.pythonVersion,
      architecture: this.options.architecture,
      container: this.options.container,
      installer: tools.installer.name,
      installerVersion: tools.installer.version,
    };
  }

  /** The content digest of the staged tree, as the stamp records it. */
  private digestStagedTree(staging: StagingDir): Promise<TreeDigest> {
    const digest = digestTree(staging.pythonDir, {
      displayRoot: 'artifacts/python',
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    // Awaited at the end of the check; when the check fails first, the build ends and this outcome is not wanted.
    digest.catch(() => {});
    return digest;
  }

  /** Errors carry tool output: pass it through the redactor too. */
  private redactError(error: unknown): unknown {
    if (!(error instanceof LayerError)) return error;
    const message = this.redactor.redact(error.message);
    const hint = error.hint === undefined ? undefined : this.redactor.redact(error.hint);
    if (message === error.message && hint === error.hint) return error;
    return new LayerError(error.code, message, { ...(hint ? { hint } : {}), details: error.details, cause: error });
  }
}
