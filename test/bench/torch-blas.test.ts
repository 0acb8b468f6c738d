// bench/torch-blas.ts: naming the BLAS torch loaded, and the environment that puts torch on one BLAS.
import { afterEach, describe, expect, it } from 'vitest';
import { blasName, isReferenceBlas, torchEnv } from '../../bench/torch-blas.ts';

describe('torch BLAS', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('names a loaded library by its Debian folder, the reference BLAS as netlib', () => {
    expect(blasName('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0', 'generic')).toBe('netlib');
    expect(blasName('/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', 'generic')).toBe('openblas-pthread');
    expect(blasName('/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3', null)).toBe('blis-openmp');
    expect(blasName('/opt/intel/lib/libmkl_rt.so.2', 'mkl')).toBe('mkl');
    expect(blasName(null, 'mkl')).toBe('bundled (mkl)');
    expect(isReferenceBlas('netlib')).toBe(true);
    expect(isReferenceBlas('openblas-pthread')).toBe(false);
  });

  it("puts the chosen BLAS first on the library path and unsets OpenBLAS's tuning overrides for the child only", () => {
    Object.assign(process.env, { OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576', LD_LIBRARY_PATH: '/opt/lib' });
    const env = torchEnv({ name: 'openblas-pthread', libraryDir: '/usr/lib/x86_64-linux-gnu/openblas-pthread' }, 2);
    expect(env.LD_LIBRARY_PATH).toBe('/usr/lib/x86_64-linux-gnu/openblas-pthread:/opt/lib');
    expect(env.OPENBLAS_CORETYPE).toBeUndefined();
    expect(env.OPENBLAS_L2_SIZE).toBeUndefined();
    expect(env.OPENBLAS_NUM_THREADS).toBe('2');
    expect(process.env.OPENBLAS_CORETYPE).toBe('Haswell');
    expect(torchEnv({ name: 'system', libraryDir: null }, 2).LD_LIBRARY_PATH).toBe('/opt/lib');
  });
});
