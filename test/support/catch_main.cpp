// Catch2 main for every unit and EAL test program. Besides Catch2's console
// report it writes "<passed> <failed>" test-case counts to
// $GDOI_TEST_RESULTS/<program>.counts, which scripts/test.sh adds up.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string program_name;

struct counts_listener : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;

    void testRunEnded(const Catch::TestRunStats& stats) override
    {
        const char* dir = std::getenv("GDOI_TEST_RESULTS");
        if (dir == nullptr || *dir == '\0') {
            return;
        }
        const std::string path = std::string(dir) + "/" + program_name + ".counts";
        if (FILE* f = std::fopen(path.c_str(), "w")) {
            std::fprintf(f, "%zu %zu\n", stats.totals.testCases.passed,
                         stats.totals.testCases.failed);
            std::fclose(f);
        }
    }
};

} // namespace

CATCH_REGISTER_LISTENER(counts_listener)

int main(int argc, char* argv[])
{
    std::string p = argv[0];
    program_name = p.substr(p.find_last_of('/') + 1);
    return Catch::Session().run(argc, argv);
}
