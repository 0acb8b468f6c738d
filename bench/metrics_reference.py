"""Image metrics with the reference Python implementations SR papers use (BasicSR's basicsr/metrics/niqe.py,
psnr_ssim.py and basicsr/utils/matlab_functions.py, read from a BasicSR or TSD-SR checkout given as argv[1];
needs numpy, scipy, opencv and torch). argv[2] is `niqe` (then 8-bit RGB .raw files, each with a .json
sidecar holding width, height and an optional border) or `psnr-ssim` (then pairs of such files). Prints a
JSON list. Used by bench/check-metrics.ts; no BasicSR code is part of this project."""
import importlib.util
import json
import sys
import types

import numpy as np

root = sys.argv[1]


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# stand-ins for the imports the metrics make but do not use (opencv is real when installed: SSIM needs it)
try:
    import cv2  # noqa: F401
except ImportError:
    sys.modules['cv2'] = types.ModuleType('cv2')
for name in ('basicsr', 'basicsr.utils', 'basicsr.metrics'):
    sys.modules[name] = types.ModuleType(name)
registry = types.ModuleType('basicsr.utils.registry')
registry.METRIC_REGISTRY = types.SimpleNamespace(register=lambda: (lambda f: f))
sys.modules['basicsr.utils.registry'] = registry
color = load('basicsr.utils.color_util', f'{root}/basicsr/utils/color_util.py')
sys.modules['basicsr.utils'].bgr2ycbcr = color.bgr2ycbcr
load('basicsr.utils.matlab_functions', f'{root}/basicsr/utils/matlab_functions.py')
load('basicsr.metrics.metric_util', f'{root}/basicsr/metrics/metric_util.py')
niqe = load('basicsr.metrics.niqe', f'{root}/basicsr/metrics/niqe.py')
psnr_ssim = load('basicsr.metrics.psnr_ssim', f'{root}/basicsr/metrics/psnr_ssim.py')


def read(path):
    meta = json.load(open(path + '.json'))
    rgb = np.fromfile(path, dtype=np.uint8).reshape(meta['height'], meta['width'], 3)
    return rgb[:, :, ::-1].astype(np.float64), meta.get('border', 0)


mode, files = sys.argv[2], sys.argv[3:]
results = []
if mode == 'niqe':
    for path in files:
        bgr, border = read(path)
        results.append(niqe.calculate_niqe(bgr, crop_border=border, input_order='HWC', convert_to='y'))
else:
    for a, b in zip(files[0::2], files[1::2]):
        (x, border), (y, _) = read(a), read(b)
        results.append([psnr_ssim.calculate_psnr(x, y, border, test_y_channel=True),
                        psnr_ssim.calculate_ssim(x, y, border, test_y_channel=True)])
print(json.dumps(results))
