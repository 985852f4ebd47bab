"""Studies: a scenario run over a grid of parameters and many seeds, each point a full run on its own fresh chain,
on Dask (a LocalCluster with a worker process per core, or a scheduler you run), into one table.

    ecny-sim sweep edu_abscond --test-scale --grid phantom_lessons=0..2 --seeds 1..20 --out sweeps/abscond

From Python (a notebook)::

    import ecny_sim
    summary = ecny_sim.simulate("edu_abscond", {"phantom_lessons": 2}, seed=1, test_scale=True)
    runs = ecny_sim.sweep("edu_abscond", grid={"phantom_lessons": [0, 1, 2]}, seeds=range(1, 6), test_scale=True)

``plan`` is the study and its points, ``worker`` runs one point into a row, ``table`` streams rows to parquet
parts and consolidates them, ``runner`` runs the points on Dask or in this process, ``api`` is the notebook's.
"""

from .api import simulate, sweep  # noqa: F401

__all__ = ["simulate", "sweep"]
