#!/usr/bin/env bash
# Sets up the notebook tooling (first run only) and executes every notebook in order in
# one evcxr kernel, on the data found by Data::discover() ($ONECLICK_DATA, data/raw/,
# /datasets/, else the embedded synthetic data).
#
#   notebooks/run.sh              executed copies + HTML in target/notebooks/ (committed
#                                 notebooks untouched)
#   notebooks/run.sh --in-place   refresh the committed notebooks
#   notebooks/run.sh --check      fail on any error output or stderr; prints "N passed, N failed";
#                                 on the data of the committed outputs (notebooks/data.sha256)
#                                 also fail on any change of a cell's text output
#   notebooks/run.sh --expect-data-error TEXT
#                                 on a broken data directory: every notebook must stop at its
#                                 data cell with an error containing TEXT
#   notebooks/run.sh --set KEY=VALUE
#                                 run with a parameter of notebooks/parameters.jsonc changed
#                                 (repeatable; e.g. --set selection.seed=7); outputs not compared
#   notebooks/run.sh --setup-only install the tooling, run nothing
#   notebooks/run.sh --lab        open the notebooks in JupyterLab with the same set-up
#   notebooks/run.sh --browser-test
#                                 JupyterLab + headless Chromium run notebooks through the UI
#                                 (browser_test.py; installs Debian's chromium when missing)
#
# What it installs, all without root:
#   notebooks/.venv/              Python venv with the pinned Jupyter tooling (requirements.txt)
#   $ONECLICK_TOOLS_DIR           evcxr_jupyter 0.22.0 (default ~/.cache/oneclick), built by
#                                 `cargo install --locked` (about 10 minutes, once per machine)
#   notebooks/.jupyter/           the Rust kernel's registration (project-local JUPYTER_PATH)
#   rust-src                      rustup component (evcxr's code completion)
#   ~/.local/share/jupyter/kernels/oneclick-rust/
#                                 the same kernel for your own Jupyter / VS Code, its
#                                 environment in kernel.json (see README)
# Compiled cell dependencies are kept in $ONECLICK_EVCXR_TMPDIR (default
# ~/.cache/oneclick/evcxr-tmp/).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS=${ONECLICK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oneclick}
EVCXR_VERSION=0.22.0
EVCXR_ROOT=$TOOLS/evcxr-$EVCXR_VERSION
VENV=$HERE/.venv

setup_only=0
lab=0
browser_test=0
args=()
set_lines=""
while [ $# -gt 0 ]; do
  case "$1" in
    --setup-only) setup_only=1 ;;
    --lab) lab=1 ;;
    --browser-test) browser_test=1 ;;
    --set)
      [ $# -ge 2 ] || { echo "run.sh: --set needs KEY=VALUE (e.g. --set selection.seed=7)" >&2; exit 2; }
      case "$2" in *=*) ;; *) echo "run.sh: --set $2: expected KEY=VALUE (e.g. selection.seed=7)" >&2; exit 2 ;; esac
      set_lines="${set_lines:+$set_lines
}$2"
      shift ;;
    --set=*) set_lines="${set_lines:+$set_lines
}${1#--set=}" ;;
    *) args+=("$1") ;;
  esac
  shift
done
# Parameter changes for this run (notebooks/parameters.jsonc stays as it is): every
# notebook's «Параметры» cell applies them and prints them.
if [ -n "$set_lines" ]; then
  export ONECLICK_SET="$set_lines"
fi

say() { printf '[run.sh] %s\n' "$*"; }

# 1. Python tooling, pinned
if [ ! -x "$VENV/bin/python" ] || ! cmp -s "$HERE/requirements.txt" "$VENV/.installed-requirements"; then
  say "creating $VENV with the pinned Jupyter tooling"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  cp "$HERE/requirements.txt" "$VENV/.installed-requirements"
fi

# 2. The evcxr kernel, pinned
if [ ! -x "$EVCXR_ROOT/bin/evcxr_jupyter" ]; then
  say "installing evcxr_jupyter $EVCXR_VERSION into $EVCXR_ROOT (about 10 minutes)"
  cargo install --locked --version "$EVCXR_VERSION" evcxr_jupyter --root "$EVCXR_ROOT"
fi

# 3. rust-src, for evcxr's completions (execution works without it)
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  rustup component add rust-src || say "warning: could not add rust-src; code completion will be limited"
fi

# 4. Register the kernel, with its environment in kernel.json ("env"), under the name the
#    notebooks ask for (oneclick-rust): in the user's Jupyter data directory, so that a
#    JupyterLab or VS Code started by hand and plain `jupyter nbconvert --execute` find it
#    and start it exactly as this script does; and project-locally for this script.
USER_KERNELS=$("$VENV/bin/jupyter" --data-dir)/kernels
# Keep the compiled cell dependencies between sessions (a stock evcxr kernel builds them
# anew in a fresh temporary directory every time: ~7 minutes per notebook opened).
EVCXR_TMPDIR=${ONECLICK_EVCXR_TMPDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/oneclick/evcxr-tmp}
mkdir -p "$EVCXR_TMPDIR"
EVCXR_TMPDIR=$(cd "$EVCXR_TMPDIR" && pwd)
# The cells' libraries find the Rust standard library through a relative rpath that cargo
# computes for target/.../deps/ but evcxr loads the copy one directory up; when the build
# directory shares a prefix with the toolchain (e.g. both under $HOME) that path is wrong
# and dlopen fails. Point the loader at the toolchain's libraries explicitly.
sysroot=$(rustc --print sysroot)
host=$(rustc -vV | sed -n 's/^host: //p')
KERNEL_LD_LIBRARY_PATH="$sysroot/lib/rustlib/$host/lib:$sysroot/lib"
staging=$(mktemp -d)
JUPYTER_PATH=$staging "$EVCXR_ROOT/bin/evcxr_jupyter" --install >/dev/null
for dest in "$USER_KERNELS/oneclick-rust" "$HERE/.jupyter/kernels/oneclick-rust"; do
  mkdir -p "$dest"
  cp -r "$staging/kernels/rust/." "$dest/"
  "$VENV/bin/python" - "$dest/kernel.json" "$HERE/evcxr" "$EVCXR_TMPDIR" "$KERNEL_LD_LIBRARY_PATH" <<'PY'
import json, sys
path, config, tmpdir, libs = sys.argv[1:]
spec = json.load(open(path))
spec["display_name"] = "Rust (oneclick)"
spec["env"] = {"EVCXR_CONFIG_DIR": config, "EVCXR_TMPDIR": tmpdir, "LD_LIBRARY_PATH": libs}
spec.setdefault("metadata", {})["oneclick"] = "registered by notebooks/run.sh"
json.dump(spec, open(path, "w"), indent=2)
PY
done
rm -rf "$staging"
export JUPYTER_PATH=$HERE/.jupyter
export JUPYTER_DATA_DIR=$HERE/.jupyter
export JUPYTER_CONFIG_DIR=$HERE/.jupyter/config
export EVCXR_CONFIG_DIR=$HERE/evcxr
export EVCXR_TMPDIR
export LD_LIBRARY_PATH="$KERNEL_LD_LIBRARY_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

if [ "$setup_only" = 1 ]; then
  say "set up; the kernel «Rust (oneclick)» is registered for your own Jupyter and VS Code too (see README); or: notebooks/run.sh --lab"
  exit 0
fi
if [ "$browser_test" = 1 ]; then
  # Debian's chromium and its driver (root installs them when missing).
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Debian's chromium and chromium-driver"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
      say "error: chromium and chromium-driver are missing; install them (apt-get install chromium chromium-driver)"
      exit 1
    fi
  fi
  exec "$VENV/bin/python" "$HERE/browser_test.py" "${args[@]}"
fi
if [ "$lab" = 1 ]; then
  exec "$VENV/bin/jupyter" lab --notebook-dir="$HERE" "${args[@]}"
fi

# 5. Execute
say "data: ${ONECLICK_DATA:-discovered (data/raw/, /datasets/ or data/synthetic/)}"
exec "$VENV/bin/python" "$HERE/execute.py" "${args[@]}"
