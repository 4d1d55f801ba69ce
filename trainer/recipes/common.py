"""Shared helpers of Fledgling's training recipes (standard library only).

The progress protocol (read by the trainer's exec backend) is one JSON
object per line on stdout:

  {"event":"progress","step":12,"total_steps":100,"loss":1.23,"eta_s":340}
  {"event":"checkpoint","step":12,"path":"OUT/checkpoint-12"}
  {"event":"artifact","adapter_path":"OUT/adapter","manifest":"OUT/adapter/manifest.json","base_model":"..."}
  {"event":"log","message":"..."}

Anything else printed is kept as a log line.
"""

import hashlib
import json
import os
import re
import sys

ROLES = {"system", "user", "assistant", "tool"}


def emit(event, **fields):
    """Prints one protocol line and flushes, so the worker sees it at once."""
    fields["event"] = event
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def newest_checkpoint(output_dir):
    """The checkpoint-N directory of output_dir with the highest N, or ''."""
    best, best_n = "", -1
    if not os.path.isdir(output_dir):
        return ""
    for name in os.listdir(output_dir):
        m = re.fullmatch(r"checkpoint-(\d+)", name)
        if m and os.path.isdir(os.path.join(output_dir, name)) and int(m.group(1)) > best_n:
            best, best_n = os.path.join(output_dir, name), int(m.group(1))
    return best


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _check_message(m, where):
    if not isinstance(m, dict) or m.get("role") not in ROLES:
        raise ValueError(f"{where}: role must be one of {sorted(ROLES)}")
    for j, tc in enumerate(m.get("tool_calls") or []):
        fn = tc.get("function") if isinstance(tc, dict) else None
        if not isinstance(fn, dict) or not fn.get("name"):
            raise ValueError(f"{where}.tool_calls[{j}]: needs function.name")
        args = fn.get("arguments")
        if isinstance(args, str):
            json.loads(args)
        elif not isinstance(args, dict):
            raise ValueError(f"{where}.tool_calls[{j}]: arguments must be an object or a JSON string")
    if m["role"] == "assistant" and m.get("content") in (None, "") and not m.get("tool_calls"):
        raise ValueError(f"{where}: assistant message has neither content nor tool_calls")


def conversation(example, where):
    """Returns (messages, tools) of a neutral {prompt, completion, tools}
    line or an OpenAI {messages, tools} line, after checking it."""
    if "prompt" in example and "completion" in example:
        msgs = list(example["prompt"]) + list(example["completion"])
    elif "messages" in example:
        msgs = list(example["messages"])
    else:
        raise ValueError(f"{where}: needs prompt+completion or messages")
    if len(msgs) < 2 or msgs[-1].get("role") != "assistant":
        raise ValueError(f"{where}: the last message must be the assistant's answer")
    for i, m in enumerate(msgs):
        _check_message(m, f"{where}.messages[{i}]")
    tools = example.get("tools") or []
    for i, t in enumerate(tools):
        if not isinstance(t, dict) or t.get("type") != "function" or not t.get("function", {}).get("name"):
            raise ValueError(f"{where}.tools[{i}]: must be a named function")
    return msgs, tools


def read_dataset(path):
    """Reads and checks a JSONL dataset; returns its conversations."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                out.append(conversation(json.loads(line), f"{os.path.basename(path)}:{n}"))
            except (ValueError, json.JSONDecodeError) as e:
                raise ValueError(f"{path}:{n}: {e}") from e
    return out


def write_json_atomic(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)
