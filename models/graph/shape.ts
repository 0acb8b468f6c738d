/** Shape arithmetic shared by the ops' shape inference: symbolic dims, broadcasting, axes. */
import type { Dim, Shape } from './value.ts';

/** Thrown when an op's inputs do not fit together; the message names the op and the shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** Throws a ShapeError with `op: message` unless the condition holds. */
export function check(condition: unknown, op: string, message: string): asserts condition {
  if (!condition) throw new ShapeError(`${op}: ${message}`);
}

/** Writes a shape for messages, e.g. `[N, 3, H*2, 64]`. */
export const formatShape = (shape: Shape): string => `[${shape.join(', ')}]`;

/** True when the expression has a + or - outside parentheses, so it needs them as a factor. */
function isSum(d: Dim): boolean {
  if (typeof d === 'number') return false;
  let depth = 0;
  for (const ch of d) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && (ch === '+' || ch === '-')) return true;
  }
  return false;
}
const wrap = (d: Dim): string => (isSum(d) ? `(${d})` : String(d));

/** Product of two dims; symbolic operands give an expression such as `H*2`. */
export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  if (typeof a === 'number') return `${wrap(b)}*${a}`;
  return `${wrap(a)}*${wrap(b)}`;
}

/** A dim plus a constant offset, e.g. `H+2`. */
export function dimAdd(a: Dim, offset: number): Dim {
  if (typeof a === 'number') return a + offset;
  let base = a;
  let total = offset;
  const tail = /^(.+?)([+-]\d+)$/.exec(a); // `P+k` plus offset is `P+(k+offset)`: + and - bind loosest
  if (tail && !/[(]$/.test(tail[1] as string)) {
    base = tail[1] as string;
    total += Number(tail[2]);
  }
  if (total === 0) return base;
  return total > 0 ? `${base}+${total}` : `${base}-${-total}`;
}

/** Sum of two dims (Concat along an axis). */
export function dimSum(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof b === 'number') return dimAdd(a, b);
  if (typeof a === 'number') return dimAdd(b, a);
  return `${a}+${b}`;
}

/** Floor division of a dim by a positive integer, e.g. `floor((H-1)/2)`. */
export function dimFloorDiv(a: Dim, divisor: number): Dim {
  if (typeof a === 'number') return Math.floor(a / divisor);
  if (divisor === 1) return a;
  return `floor(${wrap(a)}/${divisor})`;
}

/** Product of dims (element count); symbolic when any dim is. */
export const dimProduct = (dims: Shape): Dim => dims.reduce<Dim>((p, d) => dimMul(p, d), 1);

/** Numpy-style multidirectional broadcasting of several shapes; throws when two known dims differ and neither is 1. */
export function broadcastShapes(op: string, shapes: readonly Shape[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      dim = broadcastDim(dim, d, () => `${op}: cannot broadcast ${shapes.map(formatShape).join(' with ')} (axis ${i}: ${dim} vs ${d})`);
    }
    out.push(dim);
  }
  return out;
}

function broadcastDim(a: Dim, b: Dim, message: () => string): Dim {
  if (a === b || b === 1) return a;
  if (a === 1) return b;
  if (typeof a === 'number' && typeof b === 'number') throw new ShapeError(message());
  if (typeof a === 'number') return a; // a symbolic b must equal the known size at run time
  if (typeof b === 'number') return b;
  return `max(${a},${b})`;
}

/** Maps a possibly negative axis into [0, rank); throws when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  check(Number.isInteger(axis) && axis >= -rank && axis < rank, op, `axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes and checks they are distinct. */
export function normalizeAxes(op: string, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(op, a, rank));
  check(new Set(out).size === out.length, op, `repeated axis in [${axes.join(', ')}]`);
  return out;
}
