/**
 * What Postgres text cannot hold, or a validator cannot walk: found without recursion, so a
 * hostile body cannot overflow the stack while being checked.
 */
export interface JsonShapeProblem {
  path: string;
  message: string;
}

// A NUL, or a UTF-16 surrogate that is not part of a pair.
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function findJsonShapeProblem(value: unknown, maxDepth: number): JsonShapeProblem | null {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) {
        return {
          path: path || 'body',
          message: `${path || 'body'} must not contain NUL or unpaired surrogate characters`,
        };
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth)
      return { path: path || 'body', message: `body is nested more than ${maxDepth} levels deep` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, depth: depth + 1 }));
    } else {
      for (const [k, item] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (UNSTORABLE.test(k))
          return { path: p, message: `field names must not contain NUL or unpaired surrogate characters` };
        stack.push({ v: item, path: p, depth: depth + 1 });
      }
    }
  }
  return null;
}
