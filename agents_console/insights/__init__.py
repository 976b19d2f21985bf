"""Insights: the content team's workspace, chat analytics with knowledge gaps, and privacy
controls, as the ``insights`` plugin. See docs/subsystems/insights.md and docs/privacy.md.
"""

from agents_console.insights._gaps import (
    Cluster,
    FaqDraft,
    Question,
    cluster_questions,
    draft_faq,
    gap_kind,
)
from agents_console.insights._metrics import Report, percentile, report
from agents_console.insights._turns import read_turn

__all__ = [
    "Cluster",
    "FaqDraft",
    "Question",
    "Report",
    "cluster_questions",
    "draft_faq",
    "gap_kind",
    "percentile",
    "read_turn",
    "report",
]
