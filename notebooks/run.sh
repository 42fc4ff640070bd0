#!/usr/bin/env bash
# `npm run notebooks [-- --update] [NAME.ipynb …]`: executes every notebook headless with the project's own
# tslab kernel and writes the executed copies to out/notebooks/. Any cell error fails the run (non-zero exit).
# --update also writes the executed notebooks back into notebooks/, so the committed copies carry outputs.
# Installs what it needs: Debian's Jupyter (nbconvert, nbclient, ipykernel) when missing and running as root,
# and the kernel's own npm package (notebooks/kernel, kept apart so its TypeScript 5.0 does not shadow tsc).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
update=0
names=()
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    -*) echo "notebooks: unknown option $arg (allowed: --update)" >&2; exit 2 ;;
    *) names+=("$arg") ;;
  esac
done

python=/usr/bin/python3
if ! "$python" -c 'import nbconvert, nbclient, ipykernel' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "notebooks: installing Debian's Jupyter packages" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      jupyter-nbconvert python3-nbconvert python3-nbclient python3-ipykernel jupyter-client jupyter-core >/dev/null
  else
    echo "notebooks: $python needs nbconvert, nbclient and ipykernel (Debian: apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel)" >&2
    exit 1
  fi
fi

if [ ! -x notebooks/kernel/node_modules/.bin/tslab ]; then
  npm ci --prefix notebooks/kernel --no-audit --no-fund >/dev/null
fi
npm run --silent build

# The kernelspec lives inside the repository (gitignored), pointing at this checkout's tslab.
export JUPYTER_PATH="$root/notebooks/kernel/jupyter/share/jupyter"
if [ ! -f "$JUPYTER_PATH/kernels/tslab/kernel.json" ] || ! grep -q "$root/" "$JUPYTER_PATH/kernels/tslab/kernel.json"; then
  notebooks/kernel/node_modules/.bin/tslab install --python "$python" \
    --binary "$root/notebooks/kernel/node_modules/.bin/tslab" --prefix "$root/notebooks/kernel/jupyter" >/dev/null
fi

if [ ${#names[@]} -eq 0 ]; then
  mapfile -t names < <(cd notebooks && ls *.ipynb)
fi
mkdir -p out/notebooks
status=0
for name in "${names[@]}"; do
  start=$(date +%s)
  # nbconvert runs each notebook with notebooks/ as its working directory, so cells import ../dist/….
  if "$python" -m jupyter nbconvert --to notebook --execute "notebooks/$name" --output-dir out/notebooks \
      --ExecutePreprocessor.timeout=600 --log-level=WARN; then
    echo "notebooks: $name ran in $(( $(date +%s) - start )) s"
    [ "$update" = 1 ] && cp "out/notebooks/$name" "notebooks/$name"
  else
    echo "notebooks: $name FAILED" >&2
    status=1
  fi
done
exit $status
