/**
 * Imports every compiled extension module a layer's RECORD files list (not
 * only the top-level packages: charset-normalizer, for one, falls back to
 * pure Python when its extension does not load), with the layer alone on
 * sys.path (`-S`: no site-packages of the interpreter running it).
 */
import { run } from '@lambda-layer/testing';

const IMPORT_EVERY_EXTENSION = String.raw`
import importlib, json, os, re, sys
root = sys.argv[1]
sys.path.insert(0, root)
imported, skipped, failed = [], [], []
for entry in sorted(os.listdir(root)):
    record = os.path.join(root, entry, 'RECORD')
    if not entry.endswith('.dist-info') or not os.path.exists(record):
        continue
    for line in open(record, encoding='utf-8'):
        path = line.split(',')[0]
        if not path.endswith('.so'):
            continue
        parts = path.split('/')
        module = '.'.join(parts[:-1] + [parts[-1].split('.')[0]])
        if not all(re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', part) for part in module.split('.')):
            skipped.append(path)
            continue
        try:
            importlib.import_module(module)
            imported.append(module)
        except ImportError as error:
            # A bundled shared library in a package folder is no module: it has no PyInit_ function.
            if 'module export function' in str(error):
                skipped.append(path)
            else:
                failed.append({'module': module, 'error': str(error)})
        except Exception as error:
            failed.append({'module': module, 'error': '%s: %s' % (type(error).__name__, error)})
print(json.dumps({'imported': imported, 'skipped': skipped, 'failed': failed}))
`;

export interface ImportReport {
  imported: string[];
  skipped: string[];
  failed: Array<{ module: string; error: string }>;
}

/** Runs the check with `command` (a Python, or qemu running one), the layer folder as its only extra path. */
export async function importEveryExtension(
  command: string,
  args: string[],
  pythonDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImportReport> {
  const result = await run(command, [...args, '-S', '-c', IMPORT_EVERY_EXTENSION, pythonDir], { env: { ...env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (result.code !== 0) throw new Error(`the import check failed to run (exit ${result.code}):\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as ImportReport;
}
