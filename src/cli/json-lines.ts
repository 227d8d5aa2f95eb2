// Where things are in a JSON text, by line: JSON.parse gives values without positions, and an
// error in a configuration file should say which line to fix.

/** The 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line of every key of an object and of the objects it holds directly, as "key" and
 * "key\0inner" (every occurrence: a key given twice is listed twice). The text must be JSON that
 * JSON.parse accepted; a string cannot span lines in JSON, so counting newlines outside strings
 * is enough.
 */
export function keyLines(text: string): Map<string, number[]> {
  const found = new Map<string, number[]>();
  // One entry per open container: the key being read in an object, null in an array.
  const open: (string | null)[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '{') open.push('');
    else if (c === '[') open.push(null);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      i = j;
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k]!)) k++;
      const depth = open.length;
      if (text[k] !== ':' || depth === 0 || open[depth - 1] === null) continue;
      const key = JSON.parse(raw) as string;
      open[depth - 1] = key;
      if (depth > 2) continue;
      const name = depth === 1 ? key : `${open[0]}\0${key}`;
      found.set(name, [...(found.get(name) ?? []), line]);
    }
  }
  return found;
}
