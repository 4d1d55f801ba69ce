// Starts a fake OpenAI upstream (Go, internal/provider/fakeupstream) and a
// real `fledgling serve` in front of it, on free local ports, for the SDK
// tests. Self-contained: builds both binaries into a temp dir, writes a temp
// config, and stops everything at the end.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = process.env.FLEDGLING_REPO || resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const API_KEY = 'sk-node-test';

function firstLine(child, match, what, ms = 180_000) {
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${what}: no ready line after ${ms}ms`)), ms);
    const seen = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        seen.push(line);
        const m = match(line);
        if (m) { clearTimeout(timer); res(m); }
      });
    }
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`${what} exited ${code}:\n${seen.join('\n')}`)); });
  });
}

export async function startGateway() {
  const dir = mkdtempSync(join(tmpdir(), 'fledgling-node-'));
  const env = { ...process.env, GOFLAGS: process.env.GOFLAGS || '' };
  execFileSync('go', ['build', '-o', join(dir, 'fledgling'), './cmd/fledgling'], { cwd: repo, env, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', join(dir, 'fakeupstream'), './internal/provider/fakeupstream/cmd/fakeupstream'], { cwd: repo, env, stdio: 'inherit' });
  const fake = spawn(join(dir, 'fakeupstream'), ['-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const upstream = await firstLine(fake, (l) => (l.startsWith('http://') ? l.trim() : null), 'fake upstream');
  const cfg = join(dir, 'fledgling.yaml');
  writeFileSync(cfg, `
server: {listen: "127.0.0.1:0", log_level: info, shutdown_timeout: 5s}
auth:
  mode: keys
  keys: [{name: node, key: ${API_KEY}}]
providers:
  up: {type: openai, base_url: "${upstream}", api_key: sk-upstream}
models:
  gpt-4o-mini: {provider: up}
  gpt-4.1: {provider: up, model: upstream-large}
  text-embedding-3-small: {provider: up}
  "*": {provider: up}
storage: {dsn: "sqlite://${dir}/fledgling.db", spill_dir: "${dir}/spill"}
trainer: {work_dir: "${dir}/trainer"}
`);
  const gw = spawn(join(dir, 'fledgling'), ['serve', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  const addr = await firstLine(gw, (l) => {
    try { const j = JSON.parse(l); return j.msg === 'fledgling listening' ? j.addr : null; } catch { return null; }
  }, 'gateway');
  return {
    baseURL: `http://${addr}/v1`,
    async stop() {
      const exited = new Promise((r) => gw.on('exit', (code) => r(code)));
      gw.kill('SIGTERM');
      const code = await exited;
      fake.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}
