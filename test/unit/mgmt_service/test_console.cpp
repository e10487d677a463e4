// console_session: exec and config modes, [yes/no] confirmation, quit; the same
// answers as the command table.
#include "fixture.hpp"

#include "mgmt/console.hpp"

TEST_CASE("configure terminal collects lines and applies them all on end")
{
    test::fixture f;
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session s(backend);
    CHECK(s.prompt() == "gdoi-router# ");
    auto enter = s.input("conf t");
    CHECK(enter.text.starts_with("Enter configuration commands"));
    CHECK(s.prompt() == "gdoi-router(config)# ");
    CHECK(s.input("ip route 172.16.0.0 255.255.0.0 192.168.1.254").text.empty());
    CHECK(f.svc.generation() == 1); // nothing until end
    CHECK(s.input("end").text == "% Configuration applied (generation 2).\n");
    CHECK(f.svc.running().routes.size() == 2);
    CHECK(s.prompt() == "gdoi-router# ");
}

TEST_CASE("a bad line in configure terminal applies none of the lines")
{
    test::fixture f;
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session s(backend);
    s.input("configure terminal");
    s.input("ip route 172.16.0.0 255.255.0.0 192.168.1.254");
    s.input("crypto gdoi group G1");
    s.input(" identiy number 3");
    CHECK(s.input("end").text == "% Configuration rejected; nothing was applied:\n"
                                 "%   line 3: unknown command in crypto gdoi group: identiy number 3\n");
    CHECK(f.svc.running().routes.size() == 1);
    CHECK(f.svc.generation() == 1);
    s.input("conf t");
    s.input("ip route 172.16.0.0 255.255.0.0 192.168.1.254");
    CHECK(s.input("abort").text == "% Configuration discarded; nothing was applied.\n");
    CHECK(f.svc.generation() == 1);
}

TEST_CASE("a destructive command asks [yes/no] and runs only on yes")
{
    test::fixture f;
    int runs = 0;
    f.commands.add({"crypto gdoi ks rekey", "Rekey", true}, [&runs](mgmt::service&, const auto&) {
        ++runs;
        mgmt::command_output out;
        out.text = "rekeyed\n";
        return out;
    });
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session s(backend);
    CHECK(s.input("cry gdoi ks rekey").text.empty());
    CHECK(s.prompt() == "Are you sure you want to proceed ? [yes/no]: ");
    CHECK(s.input("no").text == "% Not confirmed; nothing was done.\n");
    CHECK(runs == 0);
    s.input("cry gdoi ks rekey");
    CHECK(s.input("yes").text == "rekeyed\n");
    CHECK(runs == 1);
    CHECK(s.prompt() == "gdoi-router# ");
}

TEST_CASE("the console prints what the command table answers, and quits on quit or EOF")
{
    test::fixture f;
    mgmt::local_backend backend(f.svc, f.commands);
    mgmt::console_session s(backend);
    for (const char* line : {"sh int", "sh lc", "sh ver", "sh run", "sh cry gdoi", "show bogus", "sh cry gdoi g"}) {
        INFO(line);
        CHECK(s.input(line).text == f.run(line).text);
    }
    CHECK(s.input("quit").quit);
    s.input("conf t");
    s.input("hostname x");
    auto e = s.eof();
    CHECK(e.quit);
    CHECK(e.text == "% End of input in configuration mode: the lines typed were discarded.\n");
    CHECK(f.svc.generation() == 1);
}
