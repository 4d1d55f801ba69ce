#!/usr/bin/env python3
"""SIMULATED training recipe: no model is trained.

It behaves like a real recipe towards Fledgling's exec backend, quickly: it
reads and checks the dataset, prints progress lines, writes a checkpoint
every --checkpoint-every steps (atomically), resumes from the newest
checkpoint, and writes a FAKE LoRA adapter directory plus manifest.json
(marked "simulated": true). The demo and tests use it; real training uses
qlora_unsloth.py.

  simulated_recipe.py --dataset TRAIN.jsonl --output-dir OUT [--resume-from DIR]
      [--base-model NAME] [--job-id ID] [--steps 20] [--step-seconds 0.05]
      [--checkpoint-every 5] [--sim-profile '{"agreement":{"extract":0.99}}']

--sim-profile writes sim-profile.json into the adapter: the traffic
simulator's runtime LoRA endpoint reads it to set the simulated fine-tuned
model's quality (the demo uses it to show a retrained candidate).
"""

import argparse
import json
import math
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, newest_checkpoint, read_dataset, sha256_file, write_json_atomic  # noqa: E402


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True)
    p.add_argument("--validation", default="")
    p.add_argument("--output-dir", required=True)
    p.add_argument("--resume-from", default="")
    p.add_argument("--base-model", default="simulated-base")
    p.add_argument("--job-id", default="")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--step-seconds", type=float, default=0.05)
    p.add_argument("--checkpoint-every", type=int, default=5)
    p.add_argument("--sim-profile", default="", help="JSON written to adapter/sim-profile.json for the traffic simulator")
    return p.parse_args(argv)


def save_checkpoint(out, step, loss):
    final = os.path.join(out, f"checkpoint-{step}")
    tmp = os.path.join(out, f".checkpoint-{step}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    write_json_atomic(os.path.join(tmp, "trainer_state.json"), {"global_step": step, "loss": loss})
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    emit("checkpoint", step=step, path=final)


def start_step(args):
    resume = args.resume_from or newest_checkpoint(args.output_dir)
    if not resume:
        return 0
    with open(os.path.join(resume, "trainer_state.json"), encoding="utf-8") as f:
        step = json.load(f)["global_step"]
    emit("log", message=f"resuming from {resume} at step {step}")
    return step


def write_adapter(args, examples):
    adapter = os.path.join(args.output_dir, "adapter")
    os.makedirs(adapter, exist_ok=True)
    write_json_atomic(os.path.join(adapter, "adapter_config.json"), {
        "peft_type": "LORA", "r": 64, "lora_alpha": 16, "base_model_name_or_path": args.base_model, "simulated": True})
    with open(os.path.join(adapter, "adapter_model.SIMULATED"), "w", encoding="utf-8") as f:
        f.write("simulated adapter: no weights\n")
    if args.sim_profile:
        write_json_atomic(os.path.join(adapter, "sim-profile.json"), json.loads(args.sim_profile))
    manifest = os.path.join(adapter, "manifest.json")
    write_json_atomic(manifest, {
        "simulated": True, "recipe": "simulated_recipe.py", "base_model": args.base_model, "job_id": args.job_id,
        "dataset": args.dataset, "dataset_sha256": sha256_file(args.dataset), "examples": examples, "steps": args.steps})
    emit("artifact", adapter_path=adapter, manifest=manifest, base_model=args.base_model)


def main(argv):
    args = parse_args(argv)
    examples = len(read_dataset(args.dataset))
    os.makedirs(args.output_dir, exist_ok=True)
    step = start_step(args)
    print(f"SIMULATED training of {args.base_model} on {examples} examples, steps {step + 1}..{args.steps}", flush=True)
    while step < args.steps:
        time.sleep(args.step_seconds)
        step += 1
        loss = round(2.0 * math.exp(-3.0 * step / args.steps) + 0.1, 4)
        emit("progress", step=step, total_steps=args.steps, loss=loss, eta_s=round((args.steps - step) * args.step_seconds, 2))
        if step % args.checkpoint_every == 0 or step == args.steps:
            save_checkpoint(args.output_dir, step, loss)
    write_adapter(args, examples)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
