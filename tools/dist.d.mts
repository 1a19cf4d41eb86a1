/** The files of `dist` (a package's dist/, or a tarball's) that no file of `src` accounts for. */
export function staleOutputs(dist: string, src: string): string[];
