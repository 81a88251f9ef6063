// Scheduler core: events per second on one core, pure scheduling (no modules,
// no logging). Each event schedules one follow-up at a random delay, so the
// queue holds a steady population while it churns.
// Run: node bench/scheduler.ts [population] [events]
import { EventQueue } from '../runner/src/engine/event-queue.ts';
import { Rng } from '../runner/src/rng/index.ts';

interface Ev {
  time: number;
  priority: number;
  seq: number;
}

const population = Number(process.argv[2] ?? 10_000);
const events = Number(process.argv[3] ?? 5_000_000);
const rng = Rng.derive('bench');
const delays = Float64Array.from({ length: 1 << 16 }, () => rng.exponential(1));

// Per core means per CPU-second of this process: robust to other load on the machine.
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function once(): { wall: number; cpu: number } {
  const q = new EventQueue<Ev>();
  let seq = 0;
  for (let i = 0; i < population; i++) q.push({ time: delays[i & 0xffff]!, priority: 0, seq: seq++ });
  const t0 = process.hrtime.bigint();
  const c0 = cpuSeconds();
  for (let i = 0; i < events; i++) {
    const e = q.pop()!;
    q.push({ time: e.time + delays[i & 0xffff]!, priority: i & 1, seq: seq++ });
  }
  const cpu = cpuSeconds() - c0;
  return { wall: events / (Number(process.hrtime.bigint() - t0) / 1e9), cpu: events / cpu };
}

once(); // warm-up
const runs = [once(), once(), once(), once(), once()];
const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
console.log(
  JSON.stringify({
    bench: 'scheduler',
    population,
    events,
    eventsPerCpuSecondMedian: median(runs.map((r) => r.cpu)),
    eventsPerWallSecondMedian: median(runs.map((r) => r.wall)),
  }),
);
