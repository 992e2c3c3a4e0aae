"""Benchmarks: every one behind `python -m bench`, each measured next to a baseline in the same run.

A benchmark is a module `bench/bench_<name>.py` with a function `run(quick: bool) -> list[Figure]`;
a figure's unit carries its own leading space (" ms"), so that "%" and "×" can sit close.
"""
