#!/usr/bin/env python3
"""Write the cases file for `nocturne-engine rca-bench` from a dataset's ground truth, keeping only what a method
may see: case_id, inject_time and (where present) system, day, scenario and the symptom to explain (target_node,
target_metric, target_agg). Labels (root_cause, fault_type, fault_param, candidates) never reach the engine.

usage: tools/rca_cases.py ../shared/bench/rca/sockshop-rcd/ground_truth.csv cases.csv
"""
import csv
import sys

if len(sys.argv) != 3:
    sys.exit(__doc__)
with open(sys.argv[1], newline="") as src, open(sys.argv[2], "w", newline="") as dst:
    reader = csv.DictReader(src)
    keep = [c for c in ("case_id", "system", "day", "scenario", "inject_time", "target_node", "target_metric", "target_agg")
            if c in reader.fieldnames]
    writer = csv.writer(dst)
    writer.writerow(keep)
    for row in reader:
        writer.writerow([row[c] for c in keep])
