"""Reference facts as the pure routing rules read them: a category's and a routing-table row's.

Pure module (standard library only). They live with the reference data an admin maintains, below
the tickets package whose routing (:mod:`hotline.tickets.routing`) takes them as plain values.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryFacts:
    """A category's routing facts: misconduct flag and default department codes.

    The first department is the default lead (主办), the rest default co-handlers.
    """

    code: str
    is_misconduct: bool
    departments: tuple[str, ...]
    territorial: bool = True  # the place leads (属地); False: the competent bureau leads everywhere


@dataclass(frozen=True)
class KeywordRule:
    """A row of the admin-editable routing table.

    If any keyword occurs in the matter's subject or description (substring
    match after NFKC normalisation and case folding), ``department`` is involved.
    Higher ``priority`` rules come first among the keyword departments.
    """

    keywords: tuple[str, ...]
    department: str
    priority: int = 0
