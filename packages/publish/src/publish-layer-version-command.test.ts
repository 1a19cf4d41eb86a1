import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ErrorCodes, md5Hex } from '@lambda-layer/core';
import { describe, expect, it } from 'vitest';
import { type PublishLayerVersionOptions, validatePublishOptions } from './options.js';
import { type PublishFixture, publishOptionsOf, usePublishFixtures } from './publish.fixture.js';
import { PublishLayerVersionCommand } from './publish-layer-version-command.js';

const LOCK = 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\n';
const publishFixtures = usePublishFixtures();
const ready = () => publishFixtures.ready(LOCK);

function command(f: PublishFixture, extra: Partial<PublishLayerVersionOptions> = {}): PublishLayerVersionCommand {
  return new PublishLayerVersionCommand(validatePublishOptions(publishOptionsOf(f, extra)));
}

describe('PublishLayerVersionCommand steps, each alone', () => {
  it('1.1 isLayerZipExists / ensureLayerZipExists', async () => {
    const f = await ready();
    const cmd = command(f);
    expect(await cmd.isLayerZipExists()).toBe(true);
    const missing = command(f, { s3dir: `s3://${f.bucket}/elsewhere/` });
    expect(await missing.isLayerZipExists()).toBe(false);
    await expect(missing.ensureLayerZipExists()).rejects.toMatchObject({ code: ErrorCodes.LAYER_ZIP_NOT_FOUND });
  });

  it('1.2 isLayerZipConsistent compares the zip metadata with the local manifest MD5', async () => {
    const f = await ready();
    const cmd = command(f);
    const manifest = await cmd.readLocalManifest();
    expect(cmd.isLayerZipConsistent(undefined, manifest)).toBe(false); // zip not read yet
    const layerZip = await cmd.ensureLayerZipExists();
    expect(cmd.isLayerZipConsistent(layerZip, manifest)).toBe(true);
    await f.writeManifest(`${LOCK}# edited after upload\n`);
    const edited = command(f);
    const editedManifest = await edited.readLocalManifest();
    const editedZip = await edited.ensureLayerZipExists();
    expect(edited.isLayerZipConsistent(editedZip, editedManifest)).toBe(false);
    const thrown = (() => {
      try {
        edited.ensureLayerZipConsistent(editedZip, editedManifest);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({
      code: ErrorCodes.LAYER_ZIP_INCONSISTENT,
      details: { zipManifestMd5: md5Hex(LOCK), localManifestMd5: md5Hex(`${LOCK}# edited after upload\n`) },
    });
  });

  it('1.3 hasDependencyManifestChanged: no version, then equal after a publish', async () => {
    const f = await ready();
    const first = command(f);
    const manifest = await first.readLocalManifest();
    expect(await first.hasDependencyManifestChanged(manifest)).toBe(true);
    const changed = await first.ensureDependenciesChanged(manifest);
    expect(changed.unchanged).toBeUndefined();
    const published = await first.publish({ ...changed, layerZip: await first.findLayerZip() });
    expect(published.status).toBe('published');
    const second = command(f);
    const again = await second.readLocalManifest();
    expect(await second.hasDependencyManifestChanged(again)).toBe(false);
    expect((await second.ensureDependenciesChanged(again)).unchanged).toEqual({
      ...published,
      status: 'unchanged',
      changes: [],
      reason: 'uv.lock unchanged since version 1',
    });
  });

  it('2.1 runPublishLayerVersionApi then 2.2 uploadDependencyManifest', async () => {
    const f = await ready();
    const cmd = command(f, { description: 'd' });
    const version = await cmd.runPublishLayerVersionApi(await cmd.findLayerZip());
    expect(version.version).toBe(1);
    await cmd.uploadDependencyManifest(version.version, await cmd.readLocalManifest());
    const listing = await f.s3.send(new ListObjectsV2Command({ Bucket: f.bucket, Prefix: 'app/lambda/layer/000001/' }));
    expect(listing.Contents?.map((o) => [o.Key, o.ETag?.replace(/"/g, '')])).toEqual([['app/lambda/layer/000001/uv.lock', md5Hex(LOCK)]]);
  });
});
