# Sourced by integration scripts: each scenario is one test case in the totals.
#   scenario "name"; ...checks...; pass | fail "why"
# At exit the script writes "<passed> <failed>" to $GDOI_TEST_RESULTS/<script>.counts
# and exits non-zero when a scenario failed.
_sc_passed=0
_sc_failed=0
_sc_name=""
# SCENARIO_NAME names the counts file when one script runs as several tests.
_sc_file="${GDOI_TEST_RESULTS:-}/${SCENARIO_NAME:-$(basename "$0" .sh)}.counts"

scenario() { _sc_name="$1"; echo "--- scenario: $1"; }
pass() { _sc_passed=$((_sc_passed + 1)); echo "PASS: $_sc_name"; }
fail() { _sc_failed=$((_sc_failed + 1)); echo "FAIL: $_sc_name: $*"; }
# check "what" command...: runs the command, passes or fails the current scenario.
check() { local what="$1"; shift; if "$@"; then pass; else fail "$what"; fi; }

_sc_finish() {
    if [ -n "${GDOI_TEST_RESULTS:-}" ]; then echo "$_sc_passed $_sc_failed" > "$_sc_file"; fi
    echo "scenarios: $_sc_passed passed, $_sc_failed failed"
}
scenario_exit() { _sc_finish; [ "$_sc_failed" -eq 0 ] && [ "$_sc_passed" -gt 0 ]; exit $?; }
