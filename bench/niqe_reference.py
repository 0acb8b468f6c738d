"""NIQE of images with the reference Python implementation (BasicSR's basicsr/metrics/niqe.py and
basicsr/utils/matlab_functions.py, read from a BasicSR or TSD-SR checkout given as argv[1]; needs numpy,
scipy and torch). Prints a JSON list of NIQE values for the 8-bit RGB .raw files given after it
(each with a .json sidecar holding width and height). Used by bench/check-niqe.ts; no BasicSR code
is part of this project."""
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


# stand-ins for the imports niqe.py makes that the metric does not use
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

results = []
for path in sys.argv[2:]:
    meta = json.load(open(path + '.json'))
    rgb = np.fromfile(path, dtype=np.uint8).reshape(meta['height'], meta['width'], 3)
    bgr = rgb[:, :, ::-1].astype(np.float64)
    results.append(niqe.calculate_niqe(bgr, crop_border=meta.get('border', 0), input_order='HWC', convert_to='y'))
print(json.dumps(results))
