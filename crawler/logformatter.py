"""Log lines for dropped items that say why, without dumping the whole item."""

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class ReasonLogFormatter(LogFormatter):
    """A dropped item is logged as its reason and URL; the item itself stays out of the log."""

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any = None
    ) -> LogFormatterResult:
        return {
            "level": logging.WARNING,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }
