/** A string as a single-quoted JavaScript literal in generated code: backslashes, quotes and newlines escaped. */
export const jsString = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
