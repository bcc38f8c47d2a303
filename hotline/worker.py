"""The RQ worker class: long-lived, one app and one connection pool for every job it runs."""
from __future__ import annotations

from rq.worker import SimpleWorker

from hotline import create_app
from hotline.job_runtime import set_app


class HotlineWorker(SimpleWorker):
    """``rq worker -w hotline.worker.HotlineWorker``: one app per worker process, jobs run in it.

    No work horse is forked per job: the app, the reference data and the database pool are built
    once and kept (each job ends by returning its connection to the pool), so a batch of due steps
    costs its statements, not a process. A job that kills the process kills the worker, which
    ``hotline up`` (or systemd) restarts; its transaction rolls back and the sweep finds the work again.

    Jobs use the worker's Redis timeouts (``WORKER_REDIS_*``, with redis-py's retries),
    longer than the request path's fail-fast ones: a sweep enqueuing a large batch must
    not give up on a busy server.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hotline_app = create_app()
        config = self.hotline_app.config
        config.update(REDIS_SOCKET_TIMEOUT=config["WORKER_REDIS_SOCKET_TIMEOUT"],
                      REDIS_CONNECT_TIMEOUT=config["WORKER_REDIS_CONNECT_TIMEOUT"], REDIS_RETRY=True)
        set_app(self.hotline_app)
