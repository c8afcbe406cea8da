/**
 * An in-memory DataFs for the data-loader tests: files by path; a path is a directory when some
 * file lies under it. Reading what is not a file fails as the real filesystem would.
 */
import type { DataFs } from "../data/set.ts";

export function memoryFs(files: Record<string, Uint8Array>): DataFs {
  const isDir = (p: string) => {
    const prefix = p.endsWith("/") ? p : `${p}/`;
    return Object.keys(files).some((f) => f.startsWith(prefix));
  };
  return {
    readFile(path) {
      const bytes = files[path];
      if (bytes === undefined) return Promise.reject(new Error(`no file ${path}`));
      return Promise.resolve(bytes);
    },
    isDirectory(path) {
      if (path in files) return Promise.resolve(false);
      return Promise.resolve(isDir(path) ? true : undefined);
    },
  };
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
