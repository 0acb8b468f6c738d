/** The pickle globals and persistent ids torch.save emits for one tensor, as whitelisted hooks. */
import { PickleCallable, PickleOpaque, PickleTuple, type PickleValue, type UnpickleHooks } from './pickle.ts';

/** Float element types a `.pt` tensor may be stored in. */
export type TorchFloatDType = 'float32' | 'float16' | 'bfloat16' | 'float64';

/** Storage classes torch.save names, with their element types. */
const STORAGE_TYPES: Readonly<Record<string, TorchFloatDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
};

/** A storage class named by GLOBAL torch.<Name>Storage. */
export class TorchStorageType extends PickleOpaque {
  constructor(readonly dtype: TorchFloatDType) { super(); }
  describe(): string { return `a ${this.dtype} storage type`; }
}

/** A storage record in the archive: `data/<key>` holding `numel` elements. */
export class TorchStorage extends PickleOpaque {
  constructor(readonly dtype: TorchFloatDType, readonly key: string, readonly numel: number) { super(); }
  describe(): string { return `a bare ${this.dtype} storage`; }
}

/** A tensor view onto a storage: element offset, size and stride. */
export class TorchTensorRef extends PickleOpaque {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) { super(); }
  describe(): string { return `a ${this.storage.dtype} tensor [${this.shape.join(', ')}]`; }
}

/** Says what a pickled value is, for the message refusing anything but one tensor. */
export function describePickleValue(value: PickleValue): string {
  if (value instanceof Map) {
    const keys = [...value.keys()].slice(0, 6).map((key) => JSON.stringify(typeof key === 'string' ? key : String(key)));
    return `a dict with ${value.size} entries (keys ${keys.join(', ')}${value.size > 6 ? ', ...' : ''})`;
  }
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (value instanceof PickleTuple) return `a tuple of ${value.items.length} items`;
  if (value instanceof PickleOpaque) return value.describe();
  if (value instanceof PickleCallable) return `the global ${value.qualifiedName}`;
  return value === null ? 'None' : `a ${typeof value} (${String(value)})`;
}

function integers(value: PickleValue, what: string): number[] {
  const items = value instanceof PickleTuple ? value.items : undefined;
  if (!items || !items.every((n) => typeof n === 'number' && Number.isSafeInteger(n))) {
    throw new Error(`${what} is ${describePickleValue(value)}, not a tuple of integers`);
  }
  return items as number[];
}

/** torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: readonly PickleValue[]): PickleValue {
  const [storage, offset, size, stride, , hooks] = args;
  if (!(storage instanceof TorchStorage)) throw new Error(`_rebuild_tensor_v2 got ${describePickleValue(storage ?? null)} as its storage`);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new Error('_rebuild_tensor_v2 got a bad storage offset');
  if (hooks instanceof Map && hooks.size > 0) throw new Error('the tensor has backward hooks, which are not read');
  const shape = integers(size ?? null, 'the tensor size');
  const strides = integers(stride ?? null, 'the tensor stride');
  if (shape.length !== strides.length) throw new Error(`size [${shape.join(', ')}] and stride [${strides.join(', ')}] differ in rank`);
  return new TorchTensorRef(storage, offset, shape, strides);
}

/** torch._utils._rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter is read as its tensor. */
function rebuildParameter(args: readonly PickleValue[]): PickleValue {
  return args[0] ?? null;
}

function orderedDict(args: readonly PickleValue[]): PickleValue {
  if (args.length > 0) throw new Error('OrderedDict built with arguments is not read');
  return new Map();
}

/** The complete whitelist of globals. */
const GLOBALS: ReadonlyMap<string, PickleValue> = new Map<string, PickleValue>([
  ['torch._utils._rebuild_tensor_v2', new PickleCallable('torch._utils._rebuild_tensor_v2', rebuildTensor)],
  ['torch._utils._rebuild_parameter', new PickleCallable('torch._utils._rebuild_parameter', rebuildParameter)],
  ['collections.OrderedDict', new PickleCallable('collections.OrderedDict', orderedDict)],
  ...Object.entries(STORAGE_TYPES).map(([name, dtype]): [string, PickleValue] => [`torch.${name}`, new TorchStorageType(dtype)]),
]);

/** ('storage', storage_type, key, location, numel) → a storage record. */
function loadStorage(pid: PickleValue): PickleValue {
  const [kind, type, key, , numel] = pid instanceof PickleTuple ? pid.items : [];
  if (kind !== 'storage' || !(type instanceof TorchStorageType) || typeof key !== 'string' || typeof numel !== 'number') {
    throw new Error(`unexpected persistent id ${describePickleValue(pid)}`);
  }
  return new TorchStorage(type.dtype, key, numel);
}

/** Hooks that resolve only the whitelisted globals and torch storage ids. */
export const TORCH_TENSOR_HOOKS: UnpickleHooks = {
  findGlobal(module: string, name: string): PickleValue {
    const found = GLOBALS.get(`${module}.${name}`);
    if (found === undefined) throw new Error(`the pickle refers to ${module}.${name}, which is not on the whitelist`);
    return found;
  },
  persistentLoad: loadStorage,
};
