/**
 * The small part of JMESPath the stand-in understands for role_attribute_path,
 * username_attribute_path and email_attribute_path: an identifier (`role`), a dotted path (`a.b`),
 * an index (`role[0]`, `a.roles[-1]`), and "quoted" identifiers (`"x-role"`). Anything else (filters,
 * functions, `||`, pipes) is refused at startup, so a test never silently runs with a path that real
 * Grafana would evaluate differently.
 */
export type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number };

export class UnsupportedPathError extends Error {
  override name = 'UnsupportedPathError';
}

export function compilePath(path: string): (data: unknown) => unknown {
  const steps = parsePath(path);
  return (data) => {
    let value: unknown = data;
    for (const step of steps) {
      if (step.kind === 'field') {
        value = isObject(value) ? value[step.name] : null;
      } else {
        if (!Array.isArray(value)) return null;
        const i = step.index < 0 ? value.length + step.index : step.index;
        value = value[i];
      }
      // JMESPath yields null for anything missing.
      if (value === undefined) return null;
    }
    return value;
  };
}

function parsePath(path: string): Step[] {
  const steps: Step[] = [];
  const src = path.trim();
  let i = 0;
  let expectField = true;
  const fail = (why: string): never => {
    throw new UnsupportedPathError(
      `unsupported JMESPath "${path}" (${why}); the stand-in supports a.b, a[0] and "quoted" names`,
    );
  };
  if (src === '') fail('empty');
  while (i < src.length) {
    if (expectField) {
      const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(src.slice(i));
      if (ident) {
        steps.push({ kind: 'field', name: ident[0] });
        i += ident[0].length;
      } else if (quoted) {
        steps.push({ kind: 'field', name: JSON.parse(quoted[0]) as string });
        i += quoted[0].length;
      } else {
        fail(`expected a name at offset ${i}`);
      }
      expectField = false;
      continue;
    }
    const index = /^\[(-?\d+)\]/.exec(src.slice(i));
    if (index) {
      steps.push({ kind: 'index', index: Number(index[1]) });
      i += index[0].length;
    } else if (src[i] === '.') {
      i++;
      expectField = true;
    } else {
      fail(`unexpected "${src[i]}" at offset ${i}`);
    }
  }
  if (expectField) fail('ends with "."');
  return steps;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
