#!/usr/bin/env bash
# bnn2hw developer entry point: creates or refreshes .venv, installs everything through pip,
# then runs one job.
#   ./dev.sh demo    compile the bundled example model, verify it, print the report
#   ./dev.sh test    run the whole default test suite
#   ./dev.sh setup   only create/refresh the virtual environment
set -euo pipefail
cd "$(dirname "$0")"
VENV=${BNN2HW_VENV:-.venv}
PY=${PYTHON:-python3}

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PY" -m venv "$VENV"
    fi
    local stamp="$VENV/.bnn2hw-installed"
    local want
    want=$(cat pyproject.toml dev.sh | sha256sum | cut -c1-16)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
    # torch first and pinned: 2.13.0 is the CPU build available locally; anything else downloads GBs.
    "$VENV/bin/python" -m pip install -q "torch==2.13.0" 2>&1 | grep -v "is ignored" || true
    "$VENV/bin/python" -m pip install -q -e ".[train,dev]" 2>&1 | grep -v "is ignored" || true
    "$VENV/bin/python" -c "import bnn2hw, torch, brevitas, qonnx" 
    echo "$want" > "$stamp"
}

case "${1:-}" in
    setup)
        setup
        ;;
    demo)
        setup
        shift
        exec "$VENV/bin/python" examples/demo.py "$@"
        ;;
    test)
        setup
        shift
        set +e
        "$VENV/bin/python" -m pytest -n 2 -q "$@"
        rc=$?
        # pytest exits 5 when no test ran: that is a failure of the suite, not a success.
        exit $rc
        ;;
    *)
        echo "usage: ./dev.sh demo|test|setup" >&2
        exit 2
        ;;
esac
