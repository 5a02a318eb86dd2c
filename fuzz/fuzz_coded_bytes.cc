// Fuzz target: the decoder of compressed .qfm buffers (qfm::CodedBytes: codebook, index stream,
// optional gap stream; `qforge compress`). The input is laid out into the table's fields, so
// every mutation reaches the size checks and the packed/Huffman stream decoders (whole fuzzed
// .qfm files reach them only through the FlatBuffers verifier).
#include <fuzzer/FuzzedDataProvider.h>

#include "runtime/coding/coded_bytes.h"

namespace {

flatbuffers::Offset<qforge::qfm::CodedStream> Stream(flatbuffers::FlatBufferBuilder& fbb, FuzzedDataProvider& in) {
  const auto coding = in.ConsumeBool() ? qforge::qfm::StreamCoding::HUFFMAN : qforge::qfm::StreamCoding::PACKED;
  const uint8_t bits = in.ConsumeIntegral<uint8_t>();
  const uint32_t count = in.ConsumeIntegralInRange<uint32_t>(0, 1u << 20);
  const std::vector<uint8_t> data = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 1u << 16));
  return qforge::qfm::CreateCodedStream(fbb, coding, bits, count, fbb.CreateVector(data));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  flatbuffers::FlatBufferBuilder fbb;
  const uint32_t decoded_size = in.ConsumeIntegralInRange<uint32_t>(0, 1u << 22);
  const uint8_t gap_bits = in.ConsumeIntegral<uint8_t>();
  const uint8_t fill = in.ConsumeIntegral<uint8_t>();
  const std::vector<uint8_t> codebook = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 256));
  const auto indices = Stream(fbb, in);
  const auto gaps = in.ConsumeBool() ? Stream(fbb, in) : flatbuffers::Offset<qforge::qfm::CodedStream>();
  fbb.Finish(qforge::qfm::CreateCodedBytes(fbb, decoded_size, fbb.CreateVector(codebook), indices, gap_bits, gaps, fill));
  const auto* coded = flatbuffers::GetRoot<qforge::qfm::CodedBytes>(fbb.GetBufferPointer());
  if (!qforge::runtime::coding::CheckDecodedSize(*coded).ok()) return 0;
  std::vector<uint8_t> out(coded->size());
  (void)qforge::runtime::coding::DecodeCodedBytes(*coded, out.data());
  return 0;
}
