// Runs a one-input ONNX model with onnxruntime-node over every sample of an NPY array, in
// batches, and writes its first output for all samples (float32 or int8, as the model gives it).
// ONNX Runtime optimizes the graph as it does for any user (QDQ groups become integer kernels).
// Usage: node ort_infer.js MODEL.onnx X.npy OUT.npy [--batch B] [--threads T]
// NODE_PATH must reach the onnxruntime-node package (scripts/setup.sh installs it in the build).
'use strict';
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

function flag(args, name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive whole number`);
  return v;
}

async function main() {
  const args = process.argv.slice(2);
  const [model, input, output] = args;
  if (!model || !input || !output) throw new Error('usage: ort_infer.js MODEL.onnx X.npy OUT.npy [--batch B] [--threads T]');
  const batch = flag(args, '--batch', 64), threads = flag(args, '--threads', 1);
  const level = process.env.ORT_OPT_LEVEL || 'all';
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: level });
  if (session.inputNames.length !== 1) throw new Error(`${model} has ${session.inputNames.length} inputs; one is run here`);
  const x = readNpy(input, ort);
  const n = x.dims[0], per = x.data.length / n;
  let out = null, outDims = null;
  for (let start = 0; start < n; start += batch) {
    const b = Math.min(batch, n - start);
    const feed = new ort.Tensor(x.type, x.data.slice(start * per, (start + b) * per), [b, ...x.dims.slice(1)]);
    const y = (await session.run({ [session.inputNames[0]]: feed }))[session.outputNames[0]];
    if (!out) {
      outDims = [n, ...y.dims.slice(1)];
      out = new y.data.constructor(n * (y.data.length / b));
    }
    out.set(y.data, start * (y.data.length / b));
  }
  writeNpy(output, outDims, out);
}

main().catch(e => { console.error(`ort_infer: ${e.message}`); process.exit(1); });
