"""Scale-out: run stage-batch tasks on a Dask cluster through ``prefect_dask.DaskTaskRunner``.

``dask="local"`` starts an in-process ``distributed.LocalCluster`` (one worker, threads) for the
length of the run; any other value is the address of a running scheduler
(``tcp://scheduler:8786``), whose workers must have evalstage installed and reach the suite
folder and the store. Without ``dask`` the stage flows use Prefect's default thread pool.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from evalstage.evalcore.errors import SuiteError

LOCAL = "local"
"""The ``dask`` value that starts a local cluster instead of connecting to a scheduler."""


@contextmanager
def task_runner(dask: str | None) -> Iterator[Any | None]:
    """Yield the task runner for the stage flows: None (Prefect's default) or a Dask runner."""
    if not dask:
        yield None
        return
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:
        raise SuiteError(
            "the Dask option needs prefect-dask",
            field="dask",
            hint="pip install prefect-dask (it brings dask.distributed)",
        ) from exc
    if dask != LOCAL:
        yield DaskTaskRunner(address=dask)
        return
    from distributed import LocalCluster

    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1,
        processes=False,
        threads_per_worker=os.cpu_count() or 1,
        dashboard_address=None,
    ) as cluster:
        # by address, not by object: Prefect duplicates the runner per flow run, dropping objects
        yield DaskTaskRunner(address=cluster.scheduler_address)
