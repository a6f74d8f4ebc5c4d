// Load client for bench/node_load.sh: closed-loop HTTP clients against a running node.
// Each of C workers sends POST /v1/<mode> with a real LFW probe (base64 JSON), waits for
// the answer, and sends the next; tokens rotate over several officers so the policy's
// per-officer rate limit is not what is measured. Prints one JSON object: requests,
// errors (non-2xx or transport), requests/s, latency p50/p90/p99/mean in ms, and RSS
// samples of the node process (from /proc) when --pid is given. Request bodies are built
// before the clock starts, so the client's JSON.stringify of the ~30 KB base64 probe is not
// counted as request time.
//
//   node bench/node_load_client.mjs --url URL --mode verify|search --tokens FILE
//        --probes FILE --seconds S --concurrency C [--pid PID] [--rss-every S]
import { readFileSync } from 'node:fs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const url = args.url;
const mode = args.mode || 'verify';
const seconds = Number(args.seconds || 20);
const concurrency = Number(args.concurrency || 1);
const tokens = readFileSync(args.tokens, 'utf8').split('\n').filter(Boolean);
// probes file: lines "identity<TAB>path" (verify claims identity; search ignores it)
const probes = readFileSync(args.probes, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [identity, path] = l.split('\t');
  return { identity, image: readFileSync(path).toString('base64') };
});
const pid = args.pid ? Number(args.pid) : null;
const rssEvery = Number(args['rss-every'] || 10);

function rssKiB() {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch (_) {
    return null;
  }
}

const latencies = [];
let errors = 0;
const errorSamples = [];
let n = 0;
const deadline = Date.now() + seconds * 1000;
const rss = [];
const t0 = Date.now();
let timer = null;
if (pid) {
  rss.push({ t: 0, kib: rssKiB() });
  timer = setInterval(() => rss.push({ t: Math.round((Date.now() - t0) / 1000), kib: rssKiB() }), rssEvery * 1000);
}

function bodyOf(p, w) {
  const body = { image: p.image, purpose: 'robbery', case_number: `BENCH-${w}` };
  if (mode === 'verify') body.identity_id = p.identity;
  else body.legal_authority = 'bench warrant';
  return JSON.stringify(body);
}

async function worker(w) {
  const bodies = probes.map((p) => bodyOf(p, w));
  let i = w;
  while (Date.now() < deadline) {
    const body = bodies[i % probes.length];
    const token = tokens[i % tokens.length];
    i += concurrency;
    const start = process.hrtime.bigint();
    try {
      const res = await fetch(`${url}/v1/${mode}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body,
      });
      const text = await res.text();
      if (!res.ok) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${res.status} ${text.slice(0, 200)}`);
      }
    } catch (e) {
      errors++;
      if (errorSamples.length < 5) errorSamples.push(String(e));
    }
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    n++;
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
const elapsed = (Date.now() - t0) / 1000;
if (timer) {
  clearInterval(timer);
  rss.push({ t: Math.round(elapsed), kib: rssKiB() });
}
latencies.sort((a, b) => a - b);
const q = (p) => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : null;
const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length);
console.log(JSON.stringify({
  mode, concurrency, seconds: elapsed, requests: n, errors, error_samples: errorSamples,
  rps: n / elapsed, p50_ms: q(0.5), p90_ms: q(0.9), p99_ms: q(0.99), mean_ms: mean, rss_kib: rss,
}));
