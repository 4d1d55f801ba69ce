#!/usr/bin/env python3
"""QLoRA fine-tuning recipe for Fledgling (Unsloth + TRL).

Follows the prototype's hyperparameters by default: LoRA r=64, alpha=16,
learning rate 2e-4, one epoch, base model loaded in 4 bits. Every one is a
flag. A checkpoint is saved every --save-steps steps into
OUTPUT_DIR/checkpoint-N (the Hugging Face Trainer layout, none deleted), and
a run resumes from --resume-from or, when that is empty, from the newest
checkpoint already in OUTPUT_DIR: a machine freeze costs at most
--save-steps steps, not the whole run. Progress is printed as JSON lines
(see common.py); at the end the LoRA adapter is saved in OUTPUT_DIR/adapter
with a manifest.json.

Needs a CUDA GPU and `pip install unsloth trl`. --dry-run checks the dataset
and the arguments without importing torch, unsloth or trl.

  qlora_unsloth.py --dataset TRAIN.neutral.jsonl [--validation VAL.jsonl]
      --output-dir OUT --base-model unsloth/Qwen2.5-1.5B-Instruct-bnb-4bit
      [--resume-from DIR] [--dry-run]

The dataset may be Fledgling's neutral form ({"prompt","completion","tools"})
or OpenAI chat JSONL ({"messages","tools"}); each conversation is rendered
with the base model's own chat template (tools included).
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, newest_checkpoint, read_dataset, sha256_file, write_json_atomic  # noqa: E402

DEFAULTS = {"lora_r": 64, "lora_alpha": 16, "learning_rate": 2e-4, "epochs": 1.0}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True, help="train split (neutral or OpenAI JSONL)")
    p.add_argument("--validation", default="", help="validation split (optional)")
    p.add_argument("--output-dir", required=True)
    p.add_argument("--base-model", required=True)
    p.add_argument("--resume-from", default="", help="checkpoint dir; default: newest checkpoint-N in --output-dir")
    p.add_argument("--job-id", default="")
    p.add_argument("--lora-r", type=int, default=DEFAULTS["lora_r"])
    p.add_argument("--lora-alpha", type=int, default=DEFAULTS["lora_alpha"])
    p.add_argument("--lora-dropout", type=float, default=0.0)
    p.add_argument("--learning-rate", type=float, default=DEFAULTS["learning_rate"])
    p.add_argument("--epochs", type=float, default=DEFAULTS["epochs"])
    p.add_argument("--load-in-4bit", dest="load_in_4bit", action="store_true", default=True)
    p.add_argument("--no-load-in-4bit", dest="load_in_4bit", action="store_false")
    p.add_argument("--max-seq-length", type=int, default=2048)
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--grad-accum", type=int, default=4)
    p.add_argument("--warmup-steps", type=int, default=5)
    p.add_argument("--save-steps", type=int, default=50)
    p.add_argument("--logging-steps", type=int, default=1)
    p.add_argument("--seed", type=int, default=3407)
    p.add_argument("--target-modules", default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj")
    p.add_argument("--dry-run", action="store_true", help="check dataset and arguments only (no GPU stack imported)")
    return p.parse_args(argv)


def check_args(a):
    """Returns a list of problems with the arguments."""
    problems = []
    for name in ("lora_r", "lora_alpha", "max_seq_length", "batch_size", "grad_accum", "save_steps", "logging_steps"):
        if getattr(a, name) <= 0:
            problems.append(f"--{name.replace('_', '-')} must be positive")
    if not 0 < a.learning_rate < 1:
        problems.append("--learning-rate must be in (0, 1)")
    if a.epochs <= 0:
        problems.append("--epochs must be positive")
    if not 0 <= a.lora_dropout < 1:
        problems.append("--lora-dropout must be in [0, 1)")
    if a.resume_from and not os.path.isdir(a.resume_from):
        problems.append(f"--resume-from {a.resume_from} is not a directory")
    return problems


def dry_run(a):
    problems = check_args(a)
    counts = {}
    for split, path in (("train", a.dataset), ("validation", a.validation)):
        if not path:
            continue
        try:
            convs = read_dataset(path)
            counts[split] = len(convs)
            counts[split + "_with_tools"] = sum(1 for _, tools in convs if tools)
        except (OSError, ValueError) as e:
            problems.append(str(e))
    if counts.get("train") == 0:
        problems.append("the train split is empty")
    try:
        os.makedirs(a.output_dir, exist_ok=True)
    except OSError as e:
        problems.append(f"--output-dir: {e}")
    emit("dry_run", ok=not problems, problems=problems, counts=counts,
         hyperparameters={k: getattr(a, k) for k in ("lora_r", "lora_alpha", "learning_rate", "epochs", "load_in_4bit")},
         resume_from=a.resume_from or newest_checkpoint(a.output_dir))
    return 0 if not problems else 2


def render(tokenizer, convs):
    """Renders conversations with the model's chat template (tools included)."""
    texts = []
    for msgs, tools in convs:
        texts.append(tokenizer.apply_chat_template(msgs, tools=tools or None, tokenize=False))
    return texts


def progress_callback(total_hint):
    from transformers import TrainerCallback  # imported only when training

    class JSONProgress(TrainerCallback):
        def __init__(self):
            self.t0 = time.time()
            self.first = None

        def on_log(self, args, state, control, logs=None, **kw):
            logs = logs or {}
            if "loss" not in logs:
                return
            if self.first is None:
                self.first = state.global_step
            done = max(state.global_step - self.first, 1)
            eta = (time.time() - self.t0) / done * max(state.max_steps - state.global_step, 0)
            emit("progress", step=state.global_step, total_steps=state.max_steps or total_hint,
                 loss=float(logs["loss"]), eta_s=round(eta, 1), epoch=logs.get("epoch"))

        def on_save(self, args, state, control, **kw):
            path = os.path.join(args.output_dir, f"checkpoint-{state.global_step}")
            emit("checkpoint", step=state.global_step, path=path)

    return JSONProgress()


def accepted(callable_, kwargs):
    """Keeps the keyword arguments callable_ accepts: TRL and transformers
    renamed several (max_seq_length/max_length, tokenizer/processing_class,
    evaluation_strategy/eval_strategy) across versions."""
    import inspect

    params = inspect.signature(callable_).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        names = set(params)
        for old, new in (("max_seq_length", "max_length"), ("tokenizer", "processing_class"),
                         ("evaluation_strategy", "eval_strategy")):
            if old in kwargs and new in kwargs:
                kwargs.pop(new if old in names else old)
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def train(a):
    from datasets import Dataset  # noqa: F401  (GPU stack imported only here)
    from trl import SFTConfig, SFTTrainer
    from unsloth import FastLanguageModel

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=a.base_model, max_seq_length=a.max_seq_length, load_in_4bit=a.load_in_4bit)
    model = FastLanguageModel.get_peft_model(
        model, r=a.lora_r, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout,
        target_modules=a.target_modules.split(","), bias="none",
        use_gradient_checkpointing="unsloth", random_state=a.seed)
    train_ds = Dataset.from_dict({"text": render(tokenizer, read_dataset(a.dataset))})
    eval_ds = None
    if a.validation and os.path.getsize(a.validation) > 0:
        eval_ds = Dataset.from_dict({"text": render(tokenizer, read_dataset(a.validation))})
    cfg = SFTConfig(**accepted(SFTConfig, dict(
        output_dir=a.output_dir, dataset_text_field="text", max_seq_length=a.max_seq_length, max_length=a.max_seq_length,
        per_device_train_batch_size=a.batch_size, gradient_accumulation_steps=a.grad_accum,
        num_train_epochs=a.epochs, learning_rate=a.learning_rate, warmup_steps=a.warmup_steps,
        logging_steps=a.logging_steps, save_strategy="steps", save_steps=a.save_steps, save_total_limit=None,
        optim="adamw_8bit", lr_scheduler_type="linear", seed=a.seed, report_to="none",
        eval_strategy="epoch" if eval_ds is not None else "no",
        evaluation_strategy="epoch" if eval_ds is not None else "no")))
    trainer = SFTTrainer(**accepted(SFTTrainer, dict(
        model=model, tokenizer=tokenizer, processing_class=tokenizer, train_dataset=train_ds, eval_dataset=eval_ds,
        args=cfg, callbacks=[progress_callback(0)])))
    resume = a.resume_from or newest_checkpoint(a.output_dir) or None
    if resume:
        emit("log", message=f"resuming from {resume}")
    result = trainer.train(resume_from_checkpoint=resume)
    save_adapter(a, model, tokenizer, len(train_ds), result)


def save_adapter(a, model, tokenizer, examples, result):
    adapter = os.path.join(a.output_dir, "adapter")
    model.save_pretrained(adapter)
    tokenizer.save_pretrained(adapter)
    manifest = os.path.join(adapter, "manifest.json")
    write_json_atomic(manifest, {
        "recipe": "qlora_unsloth.py", "base_model": a.base_model, "job_id": a.job_id,
        "dataset": a.dataset, "dataset_sha256": sha256_file(a.dataset), "examples": examples,
        "hyperparameters": {k: getattr(a, k) for k in (
            "lora_r", "lora_alpha", "lora_dropout", "learning_rate", "epochs", "load_in_4bit", "max_seq_length",
            "batch_size", "grad_accum", "warmup_steps", "seed", "target_modules")},
        "train_loss": getattr(result, "training_loss", None), "global_step": getattr(result, "global_step", None)})
    emit("artifact", adapter_path=adapter, manifest=manifest, base_model=a.base_model)


def main(argv):
    a = parse_args(argv)
    if a.dry_run:
        return dry_run(a)
    problems = check_args(a)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        return 2
    os.makedirs(a.output_dir, exist_ok=True)
    train(a)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
