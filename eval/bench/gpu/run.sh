#!/usr/bin/env bash
# GPU figures in one short run (< 10 min on one H200): a random-weight GGUF of Llama-3.2-1B's shape, then
#   1. debate decode tokens/s: our engine vs node-llama-cpp's lowest-level batched decode (llama.cpp's batch
#      API), the same sequences (eval/bench/debate-throughput);
#   2. LoRA gradients on the GPU equal to the CPU's (eval/bench/gpu/grad-compare.ts);
#   3. LoRA training tokens/s and peak memory vs context length (eval/bench/gpu/train-context.ts);
#   4. one full iteration of `society run`: 3+3 agents, 500 questions, 2 rounds, training included.
# The model is *scripted* (every reply: PREFIX invisible tokens, then \boxed{7}): throughput does not depend
# on the weights, and parseable answers give the iteration real training sets.
#
#   bash eval/bench/gpu/run.sh            # the GPU run
#   bash eval/bench/gpu/run.sh --quick    # the same pieces at CPU size (tiny shape, a few questions)
#
# Needs an installed checkout (npm install, with @node-llama-cpp/linux-x64-cuda for CUDA). Writes its log and
# figures to $OUT (or runs/bench-gpu/) and prints them. Each part has its own time limit, so a slow part
# cannot eat the others' time; the iteration gets what is left of BUDGET seconds and, if cut short,
# reports how far it got.
set -uo pipefail
cd "$(dirname "$0")/../../.."
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
OUTDIR="${OUT:-runs/bench-gpu}"; mkdir -p "$OUTDIR"
export SOCIETY_MODELS_DIR="${SOCIETY_MODELS_DIR:-$OUTDIR/models}"
START=$(date +%s)
if [[ $QUICK == 1 ]]; then
  SIZE=tiny; PREFIX=24; THREADS=${THREADS:-1}; B=3; TOKENS=16; GRAD_CTX=32; CTXS=64,128; STEPS=3
  QUESTIONS=6; TEST_Q=3; BUDGET=${BUDGET:-900}
  export SOCIETY_LLAMA_THREADS=$THREADS
else
  SIZE=1b; PREFIX=100; THREADS=${THREADS:-$(nproc)}; B=24; TOKENS=96; GRAD_CTX=256; CTXS=512,1024,2048,4096; STEPS=4
  QUESTIONS=500; TEST_Q=50; BUDGET=${BUDGET:-570}
fi
log() { echo "[$(($(date +%s) - START))s] $*" | tee -a "$OUTDIR/summary.txt"; }
part() { local name=$1 limit=$2; shift 2; log "── $name (limit ${limit}s)"; timeout "$limit" "$@" 2>&1 | tee "$OUTDIR/$name.log" | grep -v '^load_backend\|^ggml_cuda_init\|^  Device' ; local rc=${PIPESTATUS[0]}; [[ $rc != 0 ]] && log "$name: exit $rc (124 = time limit)"; return 0; }
: > "$OUTDIR/summary.txt"
log "society GPU bench: size $SIZE, quick=$QUICK, threads $THREADS; $(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"

MODEL="$SOCIETY_MODELS_DIR/random-llama-$SIZE-f16-s1-scripted$PREFIX.gguf"
part model 240 node bin/society.js model random --arch llama --size "$SIZE" --script '\boxed{7}' --prefix "$PREFIX" --out "$MODEL"
[[ -f $MODEL ]] || { log "no model; stopping"; exit 1; }

part decode 120 npx tsx eval/bench/debate-throughput/bench.ts --model "$MODEL" --b "$B" --tokens "$TOKENS" --repeats 2 --threads "$THREADS"
part gradients 120 npx tsx eval/bench/gpu/grad-compare.ts --model "$MODEL" --ctx "$GRAD_CTX" --rows 2 --threads "$THREADS"
part train-context 150 npx tsx eval/bench/gpu/train-context.ts --model "$MODEL" --ctx "$CTXS" --steps "$STEPS" --threads "$THREADS"

# The iteration: whatever time is left.
LEFT=$((BUDGET - ($(date +%s) - START)))
(( LEFT < 60 )) && LEFT=60
CFG="$OUTDIR/iteration.yaml"
EXTRA_TRAIN=""; [[ $QUICK == 1 ]] && EXTRA_TRAIN=", threads: $THREADS"
cat > "$CFG" <<YAML
name: gpu-iteration
seed: 1
task: {name: arithmetic, train: {limit: $QUESTIONS}, test: {limit: $TEST_Q}}
model: {base: "$MODEL", context_size: 1024, gpu: auto}
methods: [multiagent-ft]
agents: 3
rounds: 2
iterations: 1
debate: {max_tokens: $((PREFIX + 16))}
training: {optim: {epochs: 1, batch_size: 8}, val_fraction: 0, early_stop_patience: 0, context_length: 1024$EXTRA_TRAIN}
metrics: {nll_samples: 4}
YAML
rm -f "$OUTDIR/iteration.db"
T0=$(date +%s%N)
part iteration "$LEFT" node bin/society.js run "$CFG" --db "$OUTDIR/iteration.db" --out "$OUTDIR/runs"
T1=$(date +%s%N)
node -e '
const Database = require("better-sqlite3");
const db = new Database(process.argv[1], { readonly: true });
const one = (q) => Object.values(db.prepare(q).get())[0];
const turns = one("select count(*) from turns t join debates d on d.id = t.debate_id where d.phase = '"'"'train'"'"'");
const jobs = one("select count(*) from training_jobs where status = '"'"'succeeded'"'"'");
const run = db.prepare("select status from runs").get();
const rows = one("select coalesce(sum(row_count), 0) from datasets");
console.log(`iteration: run ${run?.status ?? "absent"}; ${process.argv[2]} train questions, ${turns} train-phase turns; ${jobs}/6 agents trained on ${rows} rows; wall ${process.argv[3]} s`);
' "$OUTDIR/iteration.db" "$QUESTIONS" "$(( (T1 - T0) / 1000000 / 1000 ))" 2>&1 | tee -a "$OUTDIR/summary.txt"
log "done in $(($(date +%s) - START)) s; logs in $OUTDIR"
