// Times an ONNX model in onnxruntime-node: a batch of seeded random inputs of the model's input
// shape, run repeatedly for at least the given seconds after a warm-up; prints one JSON line with
// the median batch latency and samples per second (the counterpart of `qforge bench --json`).
// Usage: node ort_bench.js MODEL.onnx --batch B --threads T --seconds S
// NODE_PATH must reach the onnxruntime-node package (scripts/setup.sh installs it in the build).
'use strict';
const ort = require('onnxruntime-node');

function flag(args, name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!(v > 0)) throw new Error(`${name} needs a positive number`);
  return v;
}

async function main() {
  const args = process.argv.slice(2);
  const model = args[0];
  if (!model) throw new Error('usage: ort_bench.js MODEL.onnx --batch B --threads T --seconds S');
  const batch = flag(args, '--batch', 1), threads = flag(args, '--threads', 1), seconds = flag(args, '--seconds', 2);
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const meta = session.inputMetadata[0];
  const shape = meta.shape.map((d, i) => (i === 0 ? batch : d));
  const count = shape.reduce((a, d) => a * d, 1);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const data = meta.type === 'int8' ? Int8Array.from({ length: count }, () => Math.floor(random() * 256) - 128)
                                    : Float32Array.from({ length: count }, () => random() * 2 - 1);
  const feeds = { [session.inputNames[0]]: new ort.Tensor(meta.type, data, shape) };
  for (let i = 0; i < 3; ++i) await session.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) / 1e9 < seconds || times.length < 5) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ model, batch, threads, iterations: times.length, median_ms: median,
                               samples_per_second: (batch * 1000) / median }));
}

main().catch(e => { console.error(`ort_bench: ${e.message}`); process.exit(1); });
