/**
 * A whitelisted pickle interpreter: only data opcodes plus GLOBAL/REDUCE/BINPERSID, with globals and persistent
 * ids resolved by the caller, so nothing outside the whitelist is ever constructed or run.
 */

/** A pickled tuple (lists are plain arrays, dicts are Maps). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A global the caller allowed; REDUCE calls it with the argument tuple's items. */
export class PickleCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly PickleValue[]) => PickleValue,
  ) {}
}

/** A caller-defined object (a storage type, a tensor) that the interpreter only moves around. */
export abstract class PickleOpaque {
  /** Says what the object is, for error messages. */
  abstract describe(): string;
}

/** Any value the interpreter can hold. */
export type PickleValue =
  | null | boolean | number | bigint | string
  | PickleTuple | PickleValue[] | Map<PickleValue, PickleValue> | PickleCallable | PickleOpaque;

/** How the caller resolves the two extension points. */
export interface UnpickleHooks {
  /** Resolves `module.name` or throws for anything not allowed. */
  findGlobal(module: string, name: string): PickleValue;
  /** Resolves a BINPERSID persistent id. */
  persistentLoad(pid: PickleValue): PickleValue;
}

/** Interprets a pickle stream, throwing on any opcode outside the whitelist. */
export function unpickle(bytes: Uint8Array, hooks: UnpickleHooks): PickleValue {
  const machine = new Machine(bytes, hooks);
  for (;;) {
    const at = machine.position;
    const opcode = machine.u8();
    if (opcode === 0x2e) return machine.pop();
    const handler = OPCODES.get(opcode);
    if (!handler) throw new Error(`unsupported pickle opcode ${describeOpcode(opcode)} at byte ${at}`);
    handler(machine);
  }
}

/** The interpreter's state: input cursor, stack, mark stack and memo. */
class Machine {
  position = 0;
  stack: PickleValue[] = [];
  private readonly marks: PickleValue[][] = [];
  readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    readonly hooks: UnpickleHooks,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  take(length: number): Uint8Array {
    if (this.position + length > this.bytes.length) throw new Error('pickle stream ends early');
    this.position += length;
    return this.bytes.subarray(this.position - length, this.position);
  }

  u8(): number { return this.take(1)[0]!; }
  u16(): number { return this.view.getUint16(this.take(2).byteOffset - this.bytes.byteOffset, true); }
  u32(): number { return this.view.getUint32(this.take(4).byteOffset - this.bytes.byteOffset, true); }
  i32(): number { return this.view.getInt32(this.take(4).byteOffset - this.bytes.byteOffset, true); }
  f64(): number { return this.view.getFloat64(this.take(8).byteOffset - this.bytes.byteOffset, false); }
  utf8(length: number): string { return new TextDecoder('utf-8', { fatal: true }).decode(this.take(length)); }

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) throw new Error('pickle stream ends inside a GLOBAL name');
    return this.utf8(end - this.position + 1).slice(0, -1);
  }

  push(value: PickleValue): void { this.stack.push(value); }

  pop(): PickleValue {
    if (this.stack.length === 0) throw new Error('pickle stack underflow');
    return this.stack.pop()!;
  }

  top(): PickleValue {
    if (this.stack.length === 0) throw new Error('pickle stack underflow');
    return this.stack[this.stack.length - 1]!;
  }

  mark(): void {
    this.marks.push(this.stack);
    this.stack = [];
  }

  popMark(): PickleValue[] {
    const items = this.stack;
    const previous = this.marks.pop();
    if (!previous) throw new Error('pickle MARK missing');
    this.stack = previous;
    return items;
  }

  get(index: number): PickleValue {
    if (!this.memo.has(index)) throw new Error(`pickle memo ${index} read before it was set`);
    return this.memo.get(index)!;
  }
}

function asList(value: PickleValue): PickleValue[] {
  if (!Array.isArray(value)) throw new Error('pickle APPEND onto a non-list');
  return value;
}

function asDict(value: PickleValue): Map<PickleValue, PickleValue> {
  if (!(value instanceof Map)) throw new Error('pickle SETITEM onto a non-dict');
  return value;
}

function setItems(dict: Map<PickleValue, PickleValue>, flat: readonly PickleValue[]): void {
  if (flat.length % 2 !== 0) throw new Error('pickle SETITEMS with an odd number of items');
  for (let i = 0; i < flat.length; i += 2) dict.set(flat[i]!, flat[i + 1]!);
}

function reduce(m: Machine): void {
  const args = m.pop();
  const callable = m.pop();
  if (!(callable instanceof PickleCallable)) throw new Error('pickle REDUCE on something that is not an allowed global');
  if (!(args instanceof PickleTuple)) throw new Error(`pickle REDUCE of ${callable.qualifiedName} without an argument tuple`);
  m.push(callable.call(args.items));
}

/** Little-endian two's-complement integer of LONG1. */
function long1(m: Machine): bigint | number {
  const bytes = m.take(m.u8());
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** The whitelist: every opcode the interpreter accepts, and what it does. */
const OPCODES = new Map<number, (m: Machine) => void>([
  [0x80, (m) => { m.u8(); }], // PROTO
  [0x28, (m) => m.mark()], // MARK
  [0x29, (m) => m.push(new PickleTuple([]))], // EMPTY_TUPLE
  [0x74, (m) => m.push(new PickleTuple(m.popMark()))], // TUPLE
  [0x85, (m) => m.push(new PickleTuple([m.pop()]))], // TUPLE1
  [0x86, (m) => { const b = m.pop(); m.push(new PickleTuple([m.pop(), b])); }], // TUPLE2
  [0x87, (m) => { const c = m.pop(); const b = m.pop(); m.push(new PickleTuple([m.pop(), b, c])); }], // TUPLE3
  [0x5d, (m) => m.push([])], // EMPTY_LIST
  [0x61, (m) => { const v = m.pop(); asList(m.top()).push(v); }], // APPEND
  [0x65, (m) => { const items = m.popMark(); asList(m.top()).push(...items); }], // APPENDS
  [0x7d, (m) => m.push(new Map())], // EMPTY_DICT
  [0x73, (m) => { const v = m.pop(); const k = m.pop(); asDict(m.top()).set(k, v); }], // SETITEM
  [0x75, (m) => { const items = m.popMark(); setItems(asDict(m.top()), items); }], // SETITEMS
  [0x4e, (m) => m.push(null)], // NONE
  [0x88, (m) => m.push(true)], // NEWTRUE
  [0x89, (m) => m.push(false)], // NEWFALSE
  [0x4a, (m) => m.push(m.i32())], // BININT
  [0x4b, (m) => m.push(m.u8())], // BININT1
  [0x4d, (m) => m.push(m.u16())], // BININT2
  [0x8a, (m) => m.push(long1(m))], // LONG1
  [0x47, (m) => m.push(m.f64())], // BINFLOAT
  [0x58, (m) => m.push(m.utf8(m.u32()))], // BINUNICODE
  [0x8c, (m) => m.push(m.utf8(m.u8()))], // SHORT_BINUNICODE
  [0x63, (m) => { const module = m.line(); m.push(m.hooks.findGlobal(module, m.line())); }], // GLOBAL
  [0x71, (m) => m.memo.set(m.u8(), m.top())], // BINPUT
  [0x72, (m) => m.memo.set(m.u32(), m.top())], // LONG_BINPUT
  [0x68, (m) => m.push(m.get(m.u8()))], // BINGET
  [0x6a, (m) => m.push(m.get(m.u32()))], // LONG_BINGET
  [0x51, (m) => m.push(m.hooks.persistentLoad(m.pop()))], // BINPERSID
  [0x52, reduce], // REDUCE
  [0x62, buildDict], // BUILD, only as attributes on a dict (a state_dict's _metadata), which are dropped
]);

function buildDict(m: Machine): void {
  m.pop();
  if (!(m.top() instanceof Map)) throw new Error('pickle BUILD on an object (only plain data is read)');
}

/** Names of opcodes outside the whitelist that real files commonly hold, for error messages. */
const REFUSED_NAMES: Readonly<Record<number, string>> = {
  0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x69: 'INST', 0x6f: 'OBJ', 0x93: 'STACK_GLOBAL', 0x50: 'PERSID',
  0x95: 'FRAME', 0x94: 'MEMOIZE', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP',
};

function describeOpcode(opcode: number): string {
  const printable = opcode >= 0x20 && opcode < 0x7f ? ` '${String.fromCharCode(opcode)}'` : '';
  const name = REFUSED_NAMES[opcode] ? ` (${REFUSED_NAMES[opcode]})` : '';
  return `0x${opcode.toString(16).padStart(2, '0')}${printable}${name}`;
}
