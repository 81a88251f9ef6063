"""The Watts threshold cascade sweep of bench/peers/cascade.yaml in Mesa,
written as Mesa's own examples write it: one Agent per node on a NetworkGrid
over a networkx G(n,p) graph, synchronous steps (every agent decides against
the same state, then all advance), the sweep by mesa.batch_run over a
multiprocessing pool.

Each run: AGENTS nodes, p = z/(AGENTS-1) for mean degree z, every threshold
THRESHOLD (a fraction of neighbours), one random seed adopter; an inactive
agent adopts once the fraction of its active neighbours reaches its
threshold, and adopters stay active; the run ends when a step changes
nothing. The cascade size is the number of active agents at the end.

Prints one JSON line: the sweep's own time and every run's cascade size per z.

Usage: python cascade_mesa.py [--agents N] [--z 1.5,3,6.5] [--runs R]
       [--threshold F] [--processes P] [--max-steps S] [--seed-base B]
"""

import argparse
import json
import time

import mesa
import networkx as nx
from mesa.space import NetworkGrid


class Node(mesa.Agent):
    def __init__(self, model: "Cascade", threshold: float) -> None:
        super().__init__(model)
        self.threshold = threshold
        self.active = False
        self.next_active = False

    def decide(self) -> None:
        if self.active:
            self.next_active = True
            return
        neighbours = self.model.grid.get_neighbors(self.pos, include_center=False)
        if not neighbours:
            self.next_active = False
            return
        share = sum(1 for a in neighbours if a.active) / len(neighbours)
        self.next_active = share >= self.threshold

    def advance(self) -> None:
        if self.next_active and not self.active:
            self.model.changed += 1
        self.active = self.next_active


class Cascade(mesa.Model):
    def __init__(self, z: float = 3.0, agents: int = 1000, threshold: float = 0.18, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        graph = nx.fast_gnp_random_graph(agents, z / (agents - 1), seed=self.random.randrange(2**31))
        self.grid = NetworkGrid(graph)
        for node in graph.nodes:
            self.grid.place_agent(Node(self, threshold), node)
        self.random.choice(list(self.agents)).active = True
        self.changed = 0
        self.datacollector = mesa.DataCollector(model_reporters={"size": lambda m: sum(1 for a in m.agents if a.active)})

    def step(self) -> None:
        self.changed = 0
        self.agents.do("decide")
        self.agents.do("advance")
        self.datacollector.collect(self)
        if self.changed == 0:
            self.running = False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--z", default="1.5,3,6.5")
    ap.add_argument("--runs", type=int, default=100, help="runs per value of z")
    ap.add_argument("--threshold", type=float, default=0.18)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=1000)
    ap.add_argument("--seed-base", type=int, default=0, help="runs use seeds SEED_BASE, SEED_BASE+1, ...")
    args = ap.parse_args()
    zs = [float(z) for z in args.z.split(",")]

    t0 = time.perf_counter()
    rows = mesa.batch_run(
        Cascade,
        parameters={"z": zs, "agents": args.agents, "threshold": args.threshold, "seed": range(args.seed_base, args.seed_base + args.runs)},
        number_processes=args.processes,
        iterations=1,
        data_collection_period=-1,
        max_steps=args.max_steps,
        display_progress=False,
    )
    seconds = time.perf_counter() - t0
    sizes: dict[str, list[int]] = {str(z): [] for z in zs}
    for row in sorted(rows, key=lambda r: (r["z"], r["seed"])):
        sizes[str(row["z"])].append(int(row["size"]))
    print(json.dumps({"peer": "mesa", "version": mesa.__version__, "runs": len(rows), "seconds": seconds, "sizes": sizes}))


if __name__ == "__main__":
    main()
