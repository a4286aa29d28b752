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
    local log="$VENV/.bnn2hw-install.log"
    : > "$log"
    pipi() {
        if ! "$VENV/bin/python" -m pip install -q "$@" >> "$log" 2>&1; then
            grep -v "is ignored" "$log" | tail -30 >&2
            echo "dev.sh: pip install $* failed (full log: $log)" >&2
            exit 1
        fi
    }
    echo "dev.sh: installing into $VENV (log: $log)" >&2
    pipi --upgrade pip
    # torch first and pinned: 2.13.0 is the CPU build available locally; anything else downloads GBs.
    pipi "torch==2.13.0"
    pipi -e ".[train,dev]"
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
