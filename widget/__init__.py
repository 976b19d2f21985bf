"""The shopper chat widget: one script tag that puts the assistant on a shop's pages.

See docs/embedding.md (for shops) and docs/subsystems/widget.md (how it is built).
"""

from widget._assets import LOADER_BUDGET, WIDGET_BUDGET, WidgetAssets, widget_assets
from widget._config import PublicConfig, SiteConfig
from widget._opening import Opening, OpeningHours

__all__ = [
    "LOADER_BUDGET",
    "WIDGET_BUDGET",
    "Opening",
    "OpeningHours",
    "PublicConfig",
    "SiteConfig",
    "WidgetAssets",
    "widget_assets",
]
