"""Experiment protocols (evaluate, sweep) and the run folders they write."""

from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.run import run_experiment

__all__ = ["ExperimentConfig", "SweepConfig", "run_experiment"]
