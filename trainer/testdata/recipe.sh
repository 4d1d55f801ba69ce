#!/bin/sh
# Test recipe for the exec backend: speaks the progress protocol, writes a
# checkpoint every 2 steps (atomically, by rename), resumes from one, and
# writes a fake adapter. Usage: recipe.sh DATASET OUTPUT_DIR TOTAL DELAY [RESUME_FROM]
set -e
ds=$1; out=$2; total=$3; delay=$4; resume=$5
test -s "$ds" || { echo "dataset $ds missing or empty" >&2; exit 3; }
start=0
if [ -n "$resume" ]; then
  start=$(cat "$resume/state")
  echo "resuming from $resume at step $start"
fi
echo "start pid=$$ from=$start" >> "$out/runs.log"
echo "training on $(wc -l < "$ds") examples" >&2
step=$start
while [ "$step" -lt "$total" ]; do
  step=$((step + 1))
  sleep "$delay"
  echo "$$ $step" >> "$out/steps.log"
  echo "{\"event\":\"progress\",\"step\":$step,\"total_steps\":$total,\"loss\":0.$((total - step)),\"eta_s\":$((total - step))}"
  if [ $((step % 2)) -eq 0 ]; then
    mkdir -p "$out/.ckpt-$step.tmp"
    echo "$step" > "$out/.ckpt-$step.tmp/state"
    mv "$out/.ckpt-$step.tmp" "$out/checkpoint-$step"
    echo "{\"event\":\"checkpoint\",\"step\":$step,\"path\":\"$out/checkpoint-$step\"}"
  fi
done
mkdir -p "$out/adapter"
echo '{"r":64,"lora_alpha":16}' > "$out/adapter/adapter_config.json"
echo "{\"steps\":$total}" > "$out/adapter/manifest.json"
echo "{\"event\":\"artifact\",\"adapter_path\":\"$out/adapter\",\"manifest\":\"$out/adapter/manifest.json\",\"base_model\":\"tiny-base\"}"
echo "done pid=$$" >> "$out/runs.log"
