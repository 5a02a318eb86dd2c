// Runs an ONNX model with onnxruntime-node (the independent reference the importer is tested
// against) on float32 NPY inputs and writes each output as a float32 NPY file.
// Usage: node ort_run.js MODEL.onnx OUT_PREFIX INPUT.npy [INPUT.npy ...]
//   inputs are matched to the model's inputs in order; output k goes to OUT_PREFIX<name>.npy.
// NODE_PATH must reach the onnxruntime-node package (scripts/setup.sh installs it in the build).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const b = fs.readFileSync(path);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not an NPY file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = b.toString('latin1', major === 1 ? 10 : 12, start);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${path}: only little-endian float32 is read`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not read`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const count = shape.reduce((a, d) => a * d, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; ++i) data[i] = b.readFloatLE(start + 4 * i);
  return new ort.Tensor('float32', data, shape);
}

function writeNpy(path, tensor) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${tensor.dims.join(', ')}${tensor.dims.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = Buffer.alloc(10 + header.length + 4 * tensor.data.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1; out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const data = Float32Array.from(tensor.data);
  for (let i = 0; i < data.length; ++i) out.writeFloatLE(data[i], 10 + header.length + 4 * i);
  fs.writeFileSync(path, out);
}

async function main() {
  const [model, prefix, ...inputs] = process.argv.slice(2);
  if (!model || !prefix || inputs.length === 0) throw new Error('usage: ort_run.js MODEL.onnx OUT_PREFIX INPUT.npy...');
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
  if (inputs.length !== session.inputNames.length)
    throw new Error(`${model} has ${session.inputNames.length} inputs, given ${inputs.length}`);
  const feeds = {};
  session.inputNames.forEach((name, i) => { feeds[name] = readNpy(inputs[i]); });
  const results = await session.run(feeds);
  for (const name of session.outputNames) writeNpy(`${prefix}${name}.npy`, results[name]);
}

main().catch(e => { console.error(`ort_run: ${e.message}`); process.exit(1); });
