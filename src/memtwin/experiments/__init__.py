"""Experiment protocols (evaluate, sweep, compare, ablate, tolerance), the one driver they share, and
the run folders they write."""

from memtwin.experiments.analysis import Analysis, run_analysis
from memtwin.experiments.config import ExperimentConfig, SweepConfig
from memtwin.experiments.run import run_experiment

__all__ = ["Analysis", "ExperimentConfig", "SweepConfig", "run_analysis", "run_experiment"]
