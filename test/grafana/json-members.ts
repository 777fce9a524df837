/**
 * go-jose decodes JSON with its own decoder, which refuses an object with the same member name twice
 * (JSON.parse keeps the last one silently). Where that bites a token: a duplicate in the header or at
 * the top level of the claims makes the token unparseable; a duplicate nested inside a claim only
 * fails once the claims are decoded in full, at verification.
 */

/** Where `text` (already known to be valid JSON) repeats a member name, if anywhere. */
export function duplicateMember(text: string): 'top' | 'nested' | undefined {
  // One entry per open container: the member names seen so far, or null for an array.
  const open: (Set<string> | null)[] = [];
  let expectName = false;
  let nested = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = open[open.length - 1];
      if (expectName && names) {
        const name = JSON.parse(text.slice(i, end + 1)) as string; // decodes escapes: "\u0061" is "a"
        if (names.has(name)) {
          if (open.length === 1) return 'top';
          nested = true;
        }
        names.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      expectName = true;
    } else if (c === '[') {
      open.push(null);
      expectName = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = open[open.length - 1] != null;
    }
  }
  return nested ? 'nested' : undefined;
}
