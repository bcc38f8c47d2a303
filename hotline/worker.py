"""The RQ worker class: builds the app once and forks without a database connection."""
from __future__ import annotations

from rq.worker import Worker

from hotline import create_app
from hotline.jobs import set_app


class HotlineWorker(Worker):
    """``rq worker -w hotline.worker.HotlineWorker``: one app per worker process."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hotline_app = create_app()
        set_app(self.hotline_app)

    def execute_job(self, job, queue):
        """Drop pooled connections before forking the work horse, so none is shared."""
        from hotline.extensions import db

        with self.hotline_app.app_context():
            db.engine.dispose()
        return super().execute_job(job, queue)
