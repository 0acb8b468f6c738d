// Worker entry in plain JS so it starts under any runner (vitest, node --import tsx, plain node):
// it loads worker.ts through a namespaced tsx loader, which does not clash with a loader already active.
import { register } from 'tsx/esm/api';

const api = register({ namespace: 'tsdsr-data-worker' });
await api.import('./worker.ts', import.meta.url);
