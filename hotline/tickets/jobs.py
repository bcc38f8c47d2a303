"""Periodic work of the tickets package."""
from __future__ import annotations

import logging

from hotline.job_runtime import job

log = logging.getLogger(__name__)


@job
def sign_history() -> str:
    """Sign the history's checkpoints written since the last digest (``rq cron``, daily).

    Without a key (``HOTLINE_HISTORY_KEY``) nothing is signed and a warning is logged:
    ``hotline verify-events`` then says that digests were not checked.
    """
    from hotline.tickets.history import HistoryKeyMissing, write_digest

    try:
        digest = write_digest()
    except HistoryKeyMissing:
        log.warning("history digest not written: HOTLINE_HISTORY_KEY is not set")
        return "no key"
    return f"signed {digest.rows} checkpoints" if digest is not None else "nothing to sign"
