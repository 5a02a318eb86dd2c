// Runs an ONNX model with onnxruntime-node (the independent reference the importer is tested
// against) on NPY inputs and writes each output as a float32 NPY file.
// Usage: node ort_run.js MODEL.onnx OUT_PREFIX INPUT.npy [INPUT.npy ...]
//   inputs are matched to the model's inputs in order; output k goes to OUT_PREFIX<name>.npy.
// NODE_PATH must reach the onnxruntime-node package (scripts/setup.sh installs it in the build).
'use strict';
const ort = require('onnxruntime-node');
const { readNpy, writeNpy } = require('./npy');

async function main() {
  const [model, prefix, ...inputs] = process.argv.slice(2);
  if (!model || !prefix || inputs.length === 0) throw new Error('usage: ort_run.js MODEL.onnx OUT_PREFIX INPUT.npy...');
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  if (inputs.length !== session.inputNames.length)
    throw new Error(`${model} has ${session.inputNames.length} inputs, given ${inputs.length}`);
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readNpy(inputs[i], ort); });
  const results = await session.run(feeds);
  for (const name of session.outputNames) writeNpy(`${prefix}${name}.npy`, results[name].dims, Float32Array.from(results[name].data));
}

main().catch(e => { console.error(`ort_run: ${e.message}`); process.exit(1); });
