/** Evaluates symbolic dims (`H*2`, `floor((W-1)/2)+1`) once the symbols have sizes. */
import type { Dim, Shape } from './value.ts';

/** Sizes for symbolic dim names, e.g. `{ N: 1, H: 64 }`. */
export type DimBindings = Readonly<Record<string, number>>;

/** Thrown when a dim expression cannot be read or names an unbound symbol. */
export class DimEvalError extends Error {
  override name = 'DimEvalError';
}

const TOKEN = /\s*(\d+(?:\.\d+)?|[A-Za-z_][\w.]*(?:\[\d+\])?|[-+*/(),])/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    if (!m) throw new DimEvalError(`cannot read dim expression ${JSON.stringify(text)}`);
    tokens.push(m[1] as string);
  }
  return tokens;
}

/** The value of a dim given sizes for its symbols; division is exact, `floor(a/b)` rounds down. */
export function evaluateDim(dim: Dim, bindings: DimBindings): number {
  if (typeof dim === 'number') return dim;
  if (dim in bindings) return bindings[dim] as number;
  const tokens = tokenize(dim);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const take = (expected?: string): string => {
    const t = tokens[pos++];
    if (t === undefined || (expected !== undefined && t !== expected)) throw new DimEvalError(`malformed dim expression ${JSON.stringify(dim)}`);
    return t;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + product() : v - product();
    return v;
  };
  const product = (): number => {
    let v = atom();
    while (peek() === '*' || peek() === '/') v = take() === '*' ? v * atom() : v / atom();
    return v;
  };
  const atom = (): number => {
    const t = take();
    if (t === '(') { const v = sum(); take(')'); return v; }
    if (t === '-') return -atom();
    if (/^\d/.test(t)) return Number(t);
    if ((t === 'floor' || t === 'max') && peek() === '(') {
      take('(');
      const args = [sum()];
      while (peek() === ',') { take(','); args.push(sum()); }
      take(')');
      return t === 'floor' ? Math.floor(args[0] as number) : Math.max(...args);
    }
    const bound = bindings[t];
    if (bound === undefined) throw new DimEvalError(`no size bound for symbol ${t} in ${JSON.stringify(dim)}`);
    return bound;
  };
  const value = sum();
  if (pos !== tokens.length) throw new DimEvalError(`malformed dim expression ${JSON.stringify(dim)}`);
  return value;
}

/** Evaluates every dim of a shape. */
export const evaluateShape = (shape: Shape, bindings: DimBindings): number[] => shape.map((d) => evaluateDim(d, bindings));
