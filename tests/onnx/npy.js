// NPY files for the onnxruntime-node scripts: little-endian float32 and int8 arrays in C order,
// read into and written from onnxruntime Tensors.
'use strict';
const fs = require('fs');

const TYPES = { '<f4': ['float32', Float32Array], '|i1': ['int8', Int8Array], '<i4': ['int32', Int32Array] };

function readNpy(path, ort) {
  const b = fs.readFileSync(path);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not an NPY file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = b.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = (header.match(/'descr':\s*'([^']*)'/) || [])[1];
  if (!TYPES[descr]) throw new Error(`${path}: type ${descr} is not read (float32, int8, int32)`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not read`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [type, Array] = TYPES[descr];
  const count = shape.reduce((a, d) => a * d, 1);
  if (start + count * Array.BYTES_PER_ELEMENT > b.length) throw new Error(`${path}: the file ends before its ${count} elements`);
  const data = new Array(count);
  new Uint8Array(data.buffer).set(b.subarray(start, start + count * Array.BYTES_PER_ELEMENT));
  return new ort.Tensor(type, data, shape);
}

function writeNpy(path, dims, data) {
  const descr = Object.keys(TYPES).find(k => data instanceof TYPES[k][1]);
  if (!descr) throw new Error(`${path}: cannot write this array type`);
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(10 + header.length + bytes.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1; out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  bytes.copy(out, 10 + header.length);
  fs.writeFileSync(path, out);
}

module.exports = { readNpy, writeNpy };
