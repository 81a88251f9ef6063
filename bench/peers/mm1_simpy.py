"""The M/M/1 model of scenarios/mm1-queue.yaml in SimPy, written as SimPy's
own examples write it: one process per customer, a Resource for the server.

Customers arrive as a Poisson process of rate LAMBDA, travel a fixed transit
time to the server (the scenario's network edge), wait FIFO for one server of
exponential service rate MU, and leave. A customer who reaches the server at
or after WARMUP counts in the mean sojourn (reaching the server to leaving),
as the service-queue module measures it.

Prints one JSON line: the simulation's own time (env.run only, no start-up)
and the statistics. --log FILE writes one short line per customer to FILE,
a cheap stand-in for a trace.

Usage: python mm1_simpy.py --horizon H [--rate L] [--service-rate MU]
       [--warmup W] [--transit T] [--seed S] [--replicas K] [--log FILE]
"""

import argparse
import json
import random
import time

import simpy


def simulate(args: argparse.Namespace, seed: int) -> dict:
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    stats = {"sent": 0, "served": 0, "measured": 0, "sojourn": 0.0, "wait": 0.0}
    log = open(args.log, "w") if args.log else None

    def customer(n: int):
        yield env.timeout(args.transit)
        arrived = env.now
        with server.request() as req:
            yield req
            started = env.now
            yield env.timeout(rng.expovariate(args.service_rate))
        stats["served"] += 1
        if log is not None:
            log.write(f"{env.now},{n},{arrived},{started}\n")
        if arrived >= args.warmup:
            stats["measured"] += 1
            stats["sojourn"] += env.now - arrived
            stats["wait"] += started - arrived

    def source():
        while True:
            yield env.timeout(rng.expovariate(args.rate))
            env.process(customer(stats["sent"]))
            stats["sent"] += 1

    env.process(source())
    t0 = time.perf_counter()
    c0 = time.process_time()
    env.run(until=args.horizon)
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    if log is not None:
        log.close()
    m = stats["measured"]
    return {
        "peer": "simpy",
        "version": simpy.__version__,
        "horizon": args.horizon,
        "seconds": seconds,
        "cpuSeconds": cpu,
        "sent": stats["sent"],
        "served": stats["served"],
        "measured": m,
        "meanSojourn": stats["sojourn"] / m if m else 0.0,
        "meanWait": stats["wait"] / m if m else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--horizon", type=float, required=True)
    ap.add_argument("--rate", type=float, default=0.5)
    ap.add_argument("--service-rate", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=100.0)
    ap.add_argument("--transit", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log", default=None)
    ap.add_argument("--replicas", type=int, default=1, help="independent runs, seeds SEED, SEED+1, ...")
    args = ap.parse_args()

    runs = [simulate(args, args.seed + i) for i in range(args.replicas)]
    if args.replicas == 1:
        print(json.dumps(runs[0]))
    else:
        print(json.dumps({"peer": "simpy", "version": simpy.__version__, "runs": runs}))


if __name__ == "__main__":
    main()
