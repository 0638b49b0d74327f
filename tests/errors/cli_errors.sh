#!/usr/bin/env bash
# cli_errors.sh TESSERA_BIN WORK_DIR
# The CLI contract for errors a user can cause: exactly one line on stderr,
# starting "tessera: error:", and exit status 1 — for bad flags, unknown
# commands, bad files and hostile settings alike. Also --version and the
# output-folder rules (existing file, dangling symlink, stale trace.json).
set -uo pipefail
bin="$1"
work="$2"
examples="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/examples"
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# expect_error PATTERN CMD...: exit 1, one stderr line matching PATTERN.
expect_error() {
  local pattern="$1"
  shift
  "$bin" "$@" >out.txt 2>err.txt
  local rc=$?
  local lines
  lines=$(wc -l <err.txt)
  if [[ $rc -ne 1 ]]; then
    bad "'$*' exited $rc, expected 1; stderr: $(head -c 300 err.txt)"
  elif [[ $lines -ne 1 ]]; then
    bad "'$*' printed $lines lines on stderr, expected 1: $(head -c 300 err.txt)"
  elif ! grep -q "^tessera: error: .*$pattern" err.txt; then
    bad "'$*' said '$(cat err.txt)', expected /$pattern/"
  else
    ok
  fi
}

# Flags and commands.
expect_error "a command is required"
expect_error "unknown command 'frobnicate'" frobnicate
expect_error "unknown command 'smi'" smi zoo:mlp
expect_error "" run
expect_error "" --no-such-flag
expect_error "" info zoo:mlp --no-such-flag
expect_error "" sim zoo:mlp --arch sn10 -O7
expect_error "" sim zoo:mlp --arch sn10 --mode warp
expect_error "" sim zoo:mlp
expect_error "" zoo
expect_error "" arch show
"$bin" --version >out.txt 2>err.txt && grep -q '^tessera [0-9]' out.txt && ok || bad "--version: $(cat out.txt err.txt)"
"$bin" --help >out.txt 2>&1 && grep -q 'Subcommands' out.txt && ok || bad "--help exited non-zero"

# Files.
expect_error "cannot open model" info missing.onnx
# Control characters in a name (a path here, a node name in a hostile model)
# never break the one line: line breaks become spaces, the rest \xNN.
expect_error "cannot open model 'bad name.onnx'" info $'bad\nname.onnx'
expect_error "bad.x1ename.onnx" info $'bad\x1ename.onnx'
printf 'not a model at all' >junk.onnx
expect_error "not a valid ONNX model" info junk.onnx
expect_error "" run zoo:mlp --input x=missing.npy
printf '\x93NUMPY\x02\x00\xff\xff\xff\xff{}' >huge_header.npy
expect_error "corrupt .npy header" run zoo:mlp --input x=huge_header.npy

# Outputs: an existing file, a dangling symlink.
touch a_file
ln -s nowhere dangling
expect_error "is an existing file, not a folder" compile zoo:mlp --arch plasticine --out a_file
expect_error "is a symlink to nothing" sim zoo:mlp --arch plasticine --out dangling
expect_error "is an existing file, not a folder" run zoo:mlp --output-dir a_file
expect_error "is an existing file, not a folder" demo --model zoo:mlp --arch plasticine --out a_file

# A symlink planted in the output folder is not followed.
mkdir -p planted
echo keep >victim
ln -s ../victim planted/report.json
expect_error "is a symlink" sim zoo:mlp --arch plasticine --out planted
[[ "$(cat victim)" == keep ]] && ok || bad "the planted symlink was followed"

# A dataflow run leaves trace.json; a roofline run (no trace) in the same folder removes it.
if "$bin" sim zoo:mlp --arch a100 --out same >/dev/null 2>&1 &&
  "$bin" sim zoo:mlp --arch plasticine --mode cycle --out same >/dev/null 2>&1 && [[ -f same/trace.json ]] &&
  "$bin" sim zoo:mlp --arch a100 --out same >/dev/null 2>&1 && [[ ! -e same/trace.json ]] &&
  "$bin" sim zoo:mlp --arch plasticine --out same >/dev/null 2>&1; then
  ok
else
  bad "a stale trace.json survived a fast run"
fi
# Reports record the version and the command line; energy is numbers.
if grep -q '"tessera_version"' same/report.json && grep -q '"command": ".*sim zoo:mlp' same/report.json &&
  grep -q '"total_j"' same/report.json && grep -q '"report": "sim"' same/report.json; then
  ok
else
  bad "report.json lacks tessera_version / command / energy.total_j / report"
fi
# compile and sim default to different folders.
"$bin" compile zoo:mlp --arch plasticine >/dev/null 2>&1 && "$bin" sim zoo:mlp --arch plasticine >/dev/null 2>&1
if grep -q '"report": "compile"' tessera-out/compile/report.json && grep -q '"report": "sim"' tessera-out/sim/report.json; then
  ok
else
  bad "compile and sim reports share a folder"
fi
# A roofline preset in cycle mode says so on stderr.
"$bin" sim zoo:mlp --arch a100 --mode cycle --out gpu >/dev/null 2>err.txt
grep -q "roofline model; --mode cycle applies to dataflow chips only" err.txt && ok || bad "no cycle-mode note for a100"
# A failed demo leaves no folders behind.
expect_error "" demo --model zoo:nosuchmodel --out failed_demo
[[ ! -e failed_demo ]] && ok || bad "a failed demo left failed_demo/"
expect_error "is the chip the demo already runs" demo --model zoo:mlp --arch plasticine --baseline plasticine --out d2
# Tiny models print no zero times.
"$bin" sim zoo:mlp,widths=4-4,batch=1 --arch plasticine --out tiny >out.txt 2>&1
grep -q ' 0.000 ms\| 0.000 J' out.txt && bad "tiny model printed 0.000: $(head -2 out.txt)" || ok

# Hostile arch files: one line, exit 1, naming the key (examples/arch/plasticine.yaml edited).
src_arch="$examples/arch/plasticine.yaml"
sed -e 's/^  dies: 1 /  dies: 65536 /' -e 's/^  tiles_per_die: 1 /  tiles_per_die: 65536 /' \
  -e 's/^  rows: 16 /  rows: 65536 /' -e 's/^  cols: 8 /  cols: 65536 /' "$src_arch" >grid_wraps.yaml
expect_error "key 'grid': .* is more than 262144 units" arch show grid_wraps.yaml
expect_error "key 'grid': .* is more than 262144 units" sim zoo:mlp --arch grid_wraps.yaml --out hostile_grid
sed -e 's/^clock_ghz: 1.0/clock_ghz: .nan/' "$src_arch" >nan_clock.yaml
expect_error "key 'clock_ghz': must be a finite number" arch show nan_clock.yaml
sed -e 's/^description: .*/description: caf\xe9 chip/' "$src_arch" >latin1.yaml
expect_error "key 'description': is not valid UTF-8 text" arch show latin1.yaml --json
{ cat "$src_arch"; for i in $(seq 1 20000); do echo "extra_key_$i: 1"; done; } >many_keys.yaml
expect_error "key 'extra_key_1': unknown key" arch show many_keys.yaml
# Hostile zoo settings fail at once, naming the setting and its limit.
expect_error "widths=3037000500-3037000500: 3037000500 is over the zoo's limit of 1048576" info zoo:mlp,widths=3037000500-3037000500
expect_error "layers=100000: must be at most 1000" info zoo:gpt2,layers=100000
expect_error "more than the 32 GiB" zoo export mlp --set widths=1048576-1048576-1048576 -o huge.onnx

# Gradients and training: bad upstream gradients, data, options.
/usr/bin/python3 -c "import numpy; numpy.save('ones.npy', numpy.ones((1, 2), numpy.float32))"
expect_error "'nope', which is not a float output of the model; its float outputs are: output" \
  grad zoo:mlp,widths=4-2 --output-grad nope=ones.npy -o g
expect_error "output-dir is required" grad zoo:mlp,widths=4-2
mkdir -p data_missing
expect_error "x_train.npy" train zoo:mlp --data data_missing --out t
expect_error "--epochs must be at least 1" train zoo:mlp --data data_missing --epochs 0 --out t
expect_error "--optimizer 'adam' is not one of sgd, adamw" train zoo:mlp --data data_missing --optimizer adam --out t
expect_error "--batch sets the training batch; add --train" sim zoo:mlp --arch sn10 --batch 8
expect_error "--batch applies to zoo models" sim model.onnx --arch sn10 --train --batch 8

echo "cli_errors: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
