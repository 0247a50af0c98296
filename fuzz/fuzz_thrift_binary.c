/*
 * libFuzzer target for the Thrift binary protocol reader and writer; see
 * fuzz_thrift_roundtrip.h for what it checks. Seed corpus: fuzz/corpus/thrift_binary/.
 */
#include "fuzz_thrift_roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_thrift_roundtrip(THRIFT_PROTOCOL_BINARY, data, size);
}
