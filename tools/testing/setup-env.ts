/**
 * Runs in every test worker before the tests: points the AWS SDK (and any
 * `layer` child process, which inherits this environment) at the moto server,
 * with dummy credentials, and puts the pinned Python tools first on PATH.
 */
import { delimiter } from 'node:path';
import { inject } from 'vitest';
import { layerCacheDir, toolsBin } from './paths.js';

process.env.AWS_ENDPOINT_URL = inject('awsEndpoint');
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_DEFAULT_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
process.env.LAYER_TEST_PACKAGE_INDEX_URL = inject('packageIndexUrl');
// The pinned installers, seeded by the global setup (builds and `layer` children read it).
process.env.LAYER_CACHE_DIR = layerCacheDir;
if (!(process.env.PATH ?? '').startsWith(toolsBin)) process.env.PATH = `${toolsBin}${delimiter}${process.env.PATH ?? ''}`;
// The suite's AWS is moto on loopback: a CA bundle the machine names for real AWS means nothing there
// (tests of CA bundles set their own), and no proxy the machine names may take loopback requests.
delete process.env.AWS_CA_BUNDLE;
const loopback = [process.env.no_proxy ?? process.env.NO_PROXY, '127.0.0.1', 'localhost', '::1'].filter(Boolean).join(',');
process.env.NO_PROXY = process.env.no_proxy = loopback;
// Keep the tools' own caches and settings out of the developer's home.
process.env.UV_NO_CONFIG = '1';
process.env.PIP_DISABLE_PIP_VERSION_CHECK = '1';
