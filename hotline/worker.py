"""The RQ worker class: builds the app once and forks without a database connection."""
from __future__ import annotations

import os
import signal

from rq.worker import Worker

from hotline import create_app
from hotline.jobs import set_app
from hotline.supervisor import die_with_parent


class HotlineWorker(Worker):
    """``rq worker -w hotline.worker.HotlineWorker``: one app per worker process.

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

    def execute_job(self, job, queue):
        """Drop pooled connections before forking the work horse, so none is shared."""
        from hotline.extensions import db

        with self.hotline_app.app_context():
            db.engine.dispose()
        return super().execute_job(job, queue)

    def main_work_horse(self, job, queue):
        """In the forked work horse: die with the worker, so killing a worker leaves no orphan.

        RQ puts the horse in its own process group, out of reach of a signal to the
        worker's group; a horse killed this way leaves its job unfinished and its
        transaction rolled back, and the sweep finds the work again.
        """
        if not die_with_parent(signal.SIGKILL, expected_parent=self.pid):
            os._exit(1)
        return super().main_work_horse(job, queue)
