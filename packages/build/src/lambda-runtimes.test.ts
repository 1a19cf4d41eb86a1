import { LAMBDA_RUNTIMES, PYTHON_VERSIONS } from '@lambda-layer/core';
import { describe, expect, it } from 'vitest';
import {
  AMAZON_LINUX_2,
  AMAZON_LINUX_2023,
  cpythonTag,
  LAMBDA_PYTHON_RUNTIMES,
  lambdaPythonRuntime,
  targetGlibc,
  wheelMachine,
} from './lambda-runtimes.js';

/**
 * What Lambda and Amazon Linux document, copied here with the source, so the
 * runtime table in lambda-runtimes.ts is checked against the documents and not against itself.
 */
const DOCUMENTED = {
  // https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html ("Supported runtimes")
  // and https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html: Name, Identifier, Operating system.
  pythonRuntimes: [
    ['Python 3.14', 'python3.14', 'Amazon Linux 2023'],
    ['Python 3.13', 'python3.13', 'Amazon Linux 2023'],
    ['Python 3.12', 'python3.12', 'Amazon Linux 2023'],
    ['Python 3.11', 'python3.11', 'Amazon Linux 2'],
    ['Python 3.10', 'python3.10', 'Amazon Linux 2'],
    ['Python 3.9', 'python3.9', 'Amazon Linux 2'],
  ],
  // https://docs.aws.amazon.com/linux/al2023/ug/glibc-gcc-and-binutils.html ("Improved toolchain"):
  // | glibc | 2.26 | 2.34 |  | gcc | 7.3 | 11.3 |  (AL2 | AL2023)
  toolchain: { 'Amazon Linux 2': { glibc: '2.26', gcc: 7 }, 'Amazon Linux 2023': { glibc: '2.34', gcc: 11 } },
  // https://gcc.gnu.org/onlinedocs/libstdc++/manual/abi.html ("Symbol versioning" history):
  // GCC 7.2.0: GLIBCXX_3.4.24, CXXABI_1.3.11; GCC 11.1.0: GLIBCXX_3.4.29, CXXABI_1.3.13 (3.4.30 comes with GCC 12).
  libstdcxx: { 7: { glibcxx: '3.4.24', cxxabi: '1.3.11' }, 11: { glibcxx: '3.4.29', cxxabi: '1.3.13' } },
  // https://peps.python.org/pep-0600/: a manylinux_2_X wheel needs glibc 2.X or newer; PEP 599: manylinux2014 is manylinux_2_17.
} as const;

describe('the Lambda Python runtime table', () => {
  it('matches what Lambda documents: every Python runtime, its identifier and operating system', () => {
    const table = Object.values(LAMBDA_PYTHON_RUNTIMES).map((runtime) => [`Python ${runtime.pythonVersion}`, runtime.identifier, runtime.os.name]);
    expect(table.sort()).toEqual([...DOCUMENTED.pythonRuntimes].map((row) => [...row]).sort());
    expect(PYTHON_VERSIONS.map((version) => `python${version}`)).toEqual(DOCUMENTED.pythonRuntimes.map((row) => row[1]).reverse());
    for (const [, identifier] of DOCUMENTED.pythonRuntimes) expect(LAMBDA_RUNTIMES).toContain(identifier);
  });

  it("matches Amazon Linux's documented glibc and gcc, and the libstdc++ symbol versions of that gcc", () => {
    for (const os of [AMAZON_LINUX_2, AMAZON_LINUX_2023]) {
      const documented = DOCUMENTED.toolchain[os.name];
      expect(`${os.glibc.major}.${os.glibc.minor}`).toBe(documented.glibc);
      expect(Number.parseInt(os.gcc, 10)).toBe(documented.gcc);
      expect({ glibcxx: os.glibcxx, cxxabi: os.cxxabi }).toEqual(DOCUMENTED.libstdcxx[documented.gcc]);
    }
  });

  it('knows the glibc of each Python runtime: 2.26 on Amazon Linux 2 (3.9-3.11), 2.34 on Amazon Linux 2023 (3.12+)', () => {
    expect(targetGlibc('3.9')).toEqual({ major: 2, minor: 26 });
    expect(targetGlibc('3.11')).toEqual({ major: 2, minor: 26 });
    expect(targetGlibc('3.12')).toEqual({ major: 2, minor: 34 });
    expect(targetGlibc('3.14')).toEqual({ major: 2, minor: 34 });
  });

  it('lists the system libraries a layer may count on, and none a wheel must bring itself', () => {
    for (const os of [AMAZON_LINUX_2, AMAZON_LINUX_2023]) {
      expect(os.systemLibraries).toEqual(
        expect.arrayContaining(['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libstdc++.so.6', 'libgcc_s.so.1', 'libz.so.1']),
      );
      // manylinux allows these, Lambda's images do not have them (opencv-python's libGL is the classic failure).
      for (const missing of ['libGL.so.1', 'libX11.so.6', 'libglib-2.0.so.0', 'libssl.so.3', 'libpython3.12.so.1.0'])
        expect(os.systemLibraries).not.toContain(missing);
    }
    expect(lambdaPythonRuntime('3.11').os.systemLibraries).toContain('libnsl.so.1');
    expect(lambdaPythonRuntime('3.12').os.systemLibraries).not.toContain('libnsl.so.1');
  });
});

describe('wheel tags of a target', () => {
  it('names tags and machines', () => {
    expect(cpythonTag('3.12')).toBe('cp312');
    expect(wheelMachine('arm64')).toBe('aarch64');
    expect(wheelMachine('x86_64')).toBe('x86_64');
  });
});
