export interface JsonLimits {
  /** Deepest nesting of arrays and objects (JSON_MAX_DEPTH). */
  maxDepth: number;
  /** Most elements in one array, or keys in one object (JSON_MAX_ENTRIES). */
  maxEntries: number;
}

const isPlainObject = (value: object): boolean => {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/**
 * Why a parsed JSON value is nested too deep or is too wide, or undefined when it fits. It walks
 * with its own stack, so a hostile value cannot overflow the call stack, and it runs before
 * class-transformer, which recurses once per level. Only arrays and plain objects are entered:
 * parsed input is made of nothing else.
 */
export function jsonExcess(value: unknown, limits: JsonLimits): string | undefined {
  const pending: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, depth } = next;
    if (node === null || typeof node !== 'object' || !(Array.isArray(node) || isPlainObject(node))) {
      continue;
    }
    if (depth > limits.maxDepth) {
      return `is nested deeper than ${limits.maxDepth} levels (JSON_MAX_DEPTH)`;
    }
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    if (children.length > limits.maxEntries) {
      const what = Array.isArray(node)
        ? `an array of ${children.length} elements`
        : `an object of ${children.length} keys`;
      return `has ${what}; at most ${limits.maxEntries} are allowed (JSON_MAX_ENTRIES)`;
    }
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        pending.push({ node: child, depth: depth + 1 });
      }
    }
  }
  return undefined;
}
