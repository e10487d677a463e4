// libFuzzer target for the ISAKMP/GDOI decoder: the same entry point
// (decode_and_validate) that the unit tests run over test/data/gdoi/corpus.
#include "gdoi/isakmp.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    auto m = gdoi::decode_and_validate(gdoi::byte_view(data, size));
    if (m) {
        // A decoded message must re-encode to the same bytes when it is plaintext.
        if (!(m->hdr.flags & gdoi::flag_encrypted)) {
            auto again = m->encode();
            if (again.size() != size) {
                __builtin_trap();
            }
        }
    }
    return 0;
}
